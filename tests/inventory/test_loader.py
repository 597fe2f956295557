"""Inventory loading: valid files, and every kind of error named with file, field, line and fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.inventory import InventoryError, load_inventory, parse_inventory

ROOT = Path(__file__).resolve().parents[2]

MINIMAL = """\
hosts:
  - name: HV-LAB01
    address: hv-lab01.lab.example
    credentials:
      username: 'LAB\\rh-operator'
      password_env: RH_LAB_PASSWORD
    lab_only: true
    scratch_root: 'E:\\RestoreTests'
    isolated_switches:
      - {name: Lab-Isolated, type: Private}
backup_sources:
  - {name: exports, kind: hyperv-export, path: 'B:\\Exports'}
scenarios:
  - name: import-cm01
    source: exports
    vm: CM01
    method: import
    import_type: copy-new-id
    switch_map: {Corp-LAN: Lab-Isolated}
"""


def problems(text: str) -> InventoryError:
    with pytest.raises(InventoryError) as info:
        parse_inventory(text, "lab.yml")
    return info.value


def test_builtin_sim_lab_is_valid_and_has_the_cast() -> None:
    inv = load_inventory(ROOT / "inventories" / "sim-lab.yml")
    host = inv.hosts[0]
    assert (host.name, host.simulated, host.lab_only, host.scratch_root) == ("HV-LAB01", True, True, "E:\\RestoreTests")
    assert host.credentials and host.credentials.password_env == "RH_SIM_PASSWORD"
    assert {s.name: s.type for s in host.isolated_switches} == {"Lab-Isolated": "Private", "Lab-Internal": "Internal"}
    imports = [s for s in inv.scenarios if s.method == "import"]
    by_vm = {s.vm: s for s in imports}
    assert by_vm["CM01"].import_type == "copy-new-id"
    assert by_vm["VMM01"].import_type == "restore"
    assert by_vm["SQL01"].import_type == "register"
    for sc in imports:
        assert sc.switch_map == {"Corp-LAN": "Lab-Isolated", "Corp-Mgmt": "Lab-Isolated"}
    # every other restore method of the issues has a scenario in the default lab too
    assert {"wsb-files", "wsb-vm"} <= {s.method for s in inv.scenarios}
    share = inv.source("nas-wsb")
    assert share is not None and share.kind == "wsb-share" and share.path == "\\\\NAS01\\wsb"
    assert share.credentials.password_env == "RH_NAS_PASSWORD"
    assert inv.simulated_lab is not None  # the simulator's section is accepted and kept apart
    assert "simulated_lab" not in inv.model_dump()


def test_example_lab_is_valid() -> None:
    inv = load_inventory(ROOT / "inventories" / "example-lab.yml")
    assert all(not h.simulated for h in inv.hosts)
    assert all(h.cert_validation for h in inv.hosts)


def test_minimal_file_gets_defaults() -> None:
    inv = parse_inventory(MINIMAL)
    host = inv.hosts[0]
    assert host.scheme == "https" and host.effective_port == 5986 and host.cert_validation is True
    assert host.endpoint == "https://hv-lab01.lab.example:5986/wsman"
    assert inv.policies.retest_interval_months == 6
    sc = inv.scenarios[0]
    assert sc.checkpoint_remediation == "remove" and inv.scenario_host(sc) is host


def test_literal_password_is_refused_with_line_and_fix_and_without_echoing_it() -> None:
    text = MINIMAL.replace("password_env: RH_LAB_PASSWORD", "password: S3cret!value")
    err = problems(text)
    msg = str(err)
    assert "S3cret!value" not in msg
    assert "lab.yml:6: hosts[0].credentials.password: a literal password is not allowed" in msg
    assert "password_env" in msg and "keyring" in msg  # how to fix it


def test_literal_password_anywhere_is_refused() -> None:
    text = MINIMAL + "    wsb:\n      share_password: x\n      password: hunter2\n"
    msg = str(problems(text))
    assert "scenarios[0].wsb.password" in msg and "hunter2" not in msg


def test_yaml_syntax_error_names_the_line() -> None:
    err = problems("hosts:\n  - name: a\n   address: [unclosed\n")
    assert err.issues[0].line == 3
    assert "YAML syntax error" in str(err)


def test_unknown_field_suggests_the_right_one() -> None:
    text = MINIMAL.replace("    lab_only: true", "    lab_only: true\n    scratch_rot: 'E:\\x'")
    err = problems(text)
    issue = err.issues[0]
    assert (issue.path, issue.line) == ("hosts[0].scratch_rot", 8)
    assert "unknown field" in issue.message and "scratch_root" in (issue.fix or "")


def test_wrong_choice_lists_the_choices() -> None:
    err = problems(MINIMAL.replace("import_type: copy-new-id", "import_type: copy"))
    issue = err.issues[0]
    assert issue.path == "scenarios[0].import_type" and issue.line == 18
    assert "copy-new-id" in issue.message


def test_missing_field_points_at_the_parent_line() -> None:
    err = problems(MINIMAL.replace("    scratch_root: 'E:\\RestoreTests'\n", ""))
    issue = err.issues[0]
    assert issue.path == "hosts[0].scratch_root" and issue.line == 2
    assert issue.fix == "add `scratch_root:`"


def test_several_problems_are_all_reported() -> None:
    text = MINIMAL.replace("port: 1", "").replace("vm: CM01", "vm: ''").replace("address: hv-lab01.lab.example", "address: h\n    port: 0")
    err = problems(text)
    paths = {i.path for i in err.issues}
    assert {"hosts[0].port", "scenarios[0].vm"} <= paths
    assert "2 problems" in str(err).splitlines()[0]


def test_switch_map_to_a_non_isolated_switch_is_refused() -> None:
    err = problems(MINIMAL.replace("{Corp-LAN: Lab-Isolated}", "{Corp-LAN: Corp-External}"))
    issue = err.issues[0]
    assert issue.path == "scenarios[0].switch_map.Corp-LAN" and issue.line == 19
    assert "Lab-Isolated" in (issue.fix or "")


def test_external_switch_cannot_be_listed_as_isolated() -> None:
    err = problems(MINIMAL.replace("{name: Lab-Isolated, type: Private}", "{name: Corp-External, type: External}"))
    assert err.issues[0].path == "hosts[0].isolated_switches[0].type"
    assert "not isolated" in err.issues[0].message


def test_scenario_on_a_host_without_lab_only_is_refused() -> None:
    err = problems(MINIMAL.replace("    lab_only: true\n", ""))
    issue = err.issues[0]
    assert issue.path == "scenarios[0].host" and issue.line == 13  # the scenario (one line up: lab_only removed)
    assert "lab_only: true" in (issue.fix or "")


def test_unknown_backup_source_and_wrong_kind() -> None:
    assert "unknown backup source" in str(problems(MINIMAL.replace("source: exports", "source: nope")))
    wrong = MINIMAL.replace("method: import\n    import_type: copy-new-id",
                            "method: wsb-files\n    wsb: {items: ['D:\\\\x'], manifest: m.json}")
    err = problems(wrong)
    assert err.issues[0].path == "scenarios[0].method" and "wsb-volume" in (err.issues[0].fix or "")


def test_bad_discriminator_is_explained() -> None:
    err = problems(MINIMAL.replace("kind: hyperv-export", "kind: export"))
    issue = err.issues[0]
    assert issue.path == "backup_sources[0]" and issue.line == 12
    assert "hyperv-export" in (issue.fix or "")


def test_duplicate_key_is_an_error() -> None:
    err = problems(MINIMAL.replace("    lab_only: true\n", "    lab_only: true\n    lab_only: false\n"))
    assert err.issues[0].line == 8 and "appears twice" in err.issues[0].message


def test_env_var_reference_must_be_a_name() -> None:
    err = problems(MINIMAL.replace("password_env: RH_LAB_PASSWORD", "password_env: 'p@ss word'"))
    assert err.issues[0].path == "hosts[0].credentials.password_env"
    assert "p@ss word" in err.issues[0].message  # it is not a secret-shaped name, so showing it helps


def test_import_needs_import_type() -> None:
    err = problems(MINIMAL.replace("    import_type: copy-new-id\n", ""))
    assert err.issues[0].path == "scenarios[0]" and "import_type" in str(err)


def test_wsb_settings_are_strict_and_checked() -> None:
    files = MINIMAL.replace("method: import\n    import_type: copy-new-id", "method: wsb-files").replace(
        "kind: hyperv-export, path: 'B:\\Exports'", "kind: wsb-volume, volume: 'b:'")
    ok = parse_inventory(files + "    wsb: {backup_selection: latest, items: ['D:\\Shares\\HR\\人事'], manifest: m.json}\n")
    sc = ok.scenarios[0]
    assert sc.wsb is not None and sc.wsb.items == ["D:\\Shares\\HR\\人事"]
    assert ok.backup_sources[0].volume == "B:"
    err = problems(files + "    wsb: {items: ['D:\\x'], manifest: m.json, future_option: 1}\n")
    assert err.issues[0].path == "scenarios[0].wsb.future_option" and "unknown field" in err.issues[0].message
    bad = files + "    wsb: {backup_selection: version, items: ['D:\\x'], manifest: m.json}\n"
    assert "version" in str(problems(bad))


def test_missing_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(InventoryError, match="not found"):
        load_inventory(tmp_path / "none.yml")
    empty = tmp_path / "empty.yml"
    empty.write_text("# nothing\n")
    with pytest.raises(InventoryError, match="empty"):
        load_inventory(empty)
    listy = tmp_path / "list.yml"
    listy.write_text("- a\n")
    with pytest.raises(InventoryError, match="top level must be a mapping"):
        load_inventory(listy)


def test_basic_over_http_and_certificate_rules() -> None:
    http_basic = MINIMAL.replace("    address: hv-lab01.lab.example", "    address: h\n    scheme: http\n    auth: basic")
    assert "unencrypted" in str(problems(http_basic))
    cert = MINIMAL.replace("    address: hv-lab01.lab.example", "    address: h\n    auth: certificate")
    assert "client_cert" in str(problems(cert))


def test_boot_timeout_defaults_to_15_and_is_per_scenario() -> None:
    from harness.restore.boot import boot_timeout_sec

    inv = parse_inventory(MINIMAL, "lab.yml")
    assert inv.scenarios[0].boot_timeout_minutes == 15 and boot_timeout_sec(inv.scenarios[0]) == 900
    inv = parse_inventory(MINIMAL + "    boot_timeout_minutes: 40\n", "lab.yml")
    assert boot_timeout_sec(inv.scenarios[0]) == 2400
    err = problems(MINIMAL + "    boot_timeout_minutes: 0\n")
    assert "boot_timeout_minutes" in str(err)


def test_profile_dirs_are_relative_to_the_inventory_file(tmp_path: Path) -> None:
    (tmp_path / "labs" / "my-profiles").mkdir(parents=True)
    f = tmp_path / "labs" / "lab.yml"
    f.write_text(MINIMAL + "profile_dirs: [my-profiles]\n", encoding="utf-8")
    inv = load_inventory(f)
    assert inv.profile_search_path() == [tmp_path / "labs" / "my-profiles"]


def test_missing_profile_dir_names_file_line_field_and_fix(tmp_path: Path) -> None:
    f = tmp_path / "lab.yml"
    f.write_text(MINIMAL + "profile_dirs: [nope]\n", encoding="utf-8")
    with pytest.raises(InventoryError) as info:
        load_inventory(f)
    msg = str(info.value)
    assert f"{f}:{MINIMAL.count(chr(10)) + 1}: profile_dirs[0]" in msg and "not a directory" in msg and "fix" in msg.lower()


def test_profile_dirs_reach_compose(tmp_path: Path) -> None:
    from harness.profiles import compose

    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "site-app.yml").write_text(
        "name: site-app\nservices:\n  - {name: SiteAppSvc, status: Running}\n", encoding="utf-8")
    f = tmp_path / "lab.yml"
    f.write_text(MINIMAL + "profile_dirs: [profiles]\n", encoding="utf-8")
    profile = compose(["site-app"], load_inventory(f).profile_search_path())
    assert [s.name for s in profile.services] == ["SiteAppSvc"]


def test_unknown_service_profile_is_caught_at_load_with_line_and_fix(tmp_path: Path) -> None:
    f = tmp_path / "lab.yml"
    f.write_text(MINIMAL + "    service_profiles: [sql]\n", encoding="utf-8")
    with pytest.raises(InventoryError) as info:
        load_inventory(f)
    msg = str(info.value)
    assert "scenarios[0].service_profiles[0]" in msg and "unknown service profile 'sql'" in msg
    assert "sql-server" in msg and f"{f}:14" in msg
