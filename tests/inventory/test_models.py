"""The strict schema: typos in every section with the close match, strict booleans and numbers,
upper bounds, Windows paths (normalised, no ``..``), the names a run creates, and every limit a run
enforces refused when the file is read (file, line, field and fix)."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import naming
from harness.inventory import InventoryError, load_inventory, parse_inventory
from harness.inventory.models import MAX_SCRATCH_ROOT, MAX_TIMEOUT_MINUTES

SIM_LAB = Path(__file__).resolve().parents[2] / "inventories" / "sim-lab.yml"
TEXT = SIM_LAB.read_text(encoding="utf-8")


def edited(old: str, new: str) -> str:
    assert old in TEXT, old
    return TEXT.replace(old, new, 1)


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def refused(text: str) -> InventoryError:
    with pytest.raises(InventoryError) as info:
        parse_inventory(text, "lab.yml")
    return info.value


# ----------------------------------------------------------------------------- typos, every section


@pytest.mark.parametrize("old,typo,path,suggestion", [
    ("winpe_iso: 'B:", "winpe_isos: 'B:", "scenarios[5].bmr.winpe_isos", "winpe_iso"),
    ("      timeout_minutes: 60", "      timeout_minute: 60", "scenarios[3].wsb.timeout_minute", "timeout_minutes"),
    ("    scratch_root:", "    scratch_rot:", "hosts[0].scratch_rot", "scratch_root"),
    ("      password_env: RH_SIM_PASSWORD", "      pasword_env: RH_SIM_PASSWORD", "hosts[0].credentials.pasword_env",
     "password_env"),
    ("    volume: 'B:'", "    volume: 'B:'\n    machin: X", "backup_sources[1].machin", "machine"),
    ("    rto_minutes: 120", "    rto_minute: 120", "scenarios[0].rto_minute", "rto_minutes"),
    ("  retest_interval_months: 6", "  retest_interval_month: 6", "policies.retest_interval_month",
     "retest_interval_months"),
    ("  title: Restore", "  titel: Restore", "reports.titel", "title"),
    ("- {name: Lab-Isolated, type: Private}", "- {name: Lab-Isolated, typ: Private}", "hosts[0].isolated_switches[0].typ",
     "type"),
])
def test_a_typo_anywhere_names_file_line_field_and_the_close_match(old: str, typo: str, path: str,
                                                                    suggestion: str) -> None:
    text = edited(old, typo)
    err = refused(text)
    issue = next(i for i in err.issues if i.path == path)
    assert issue.file == "lab.yml" and issue.line == line_of(text, typo.split("\n")[-1].strip())
    assert issue.message == f"unknown field `{path.rsplit('.', 1)[-1]}`"
    assert f"did you mean `{suggestion}`?" in (issue.fix or "")
    for missing in (i for i in err.issues if i.message == "Field required"):  # a required field misspelt
        assert missing.fix == f"rename `{path.rsplit('.', 1)[-1]}:` to `{suggestion}:`"


def test_a_typo_without_a_close_match_gets_no_suggestion() -> None:
    err = refused(edited("      cpu: 2", "      cpu: 2\n      zzzzzz: 1"))
    assert err.issues[0].path == "scenarios[5].bmr.zzzzzz" and "did you mean" not in (err.issues[0].fix or "")


def test_the_cli_exits_2_for_a_typo(tmp_path: Path) -> None:
    from harness import cli

    bad = tmp_path / "lab.yml"
    bad.write_text(edited("winpe_iso: 'B:", "winpe_isos: 'B:"), encoding="utf-8")
    assert cli.main(["validate", str(bad)]) == 2


# ----------------------------------------------------------------------------- strict values, bounds


@pytest.mark.parametrize("value", ['"yes"', "'true'", "1", "'on'"])
def test_lab_only_must_be_the_boolean_true(value: str) -> None:
    err = refused(edited("    lab_only: true", f"    lab_only: {value}"))
    assert err.issues[0].path == "hosts[0].lab_only" and err.issues[0].line == 20
    assert "true or false, without quotes" in (err.issues[0].fix or "")


def test_numbers_in_quotes_are_text() -> None:
    err = refused(edited("      cpu: 2", "      cpu: '2'"))
    assert err.issues[0].path == "scenarios[5].bmr.cpu" and "whole number" in (err.issues[0].fix or "")


@pytest.mark.parametrize("old,new,path,bound", [
    ("    scratch_root:", "    operation_timeout_sec: 1000000000000\n    scratch_root:", "hosts[0].operation_timeout_sec",
     "3600"),
    ("    scratch_root:", "    default_timeout_sec: 1000000000000\n    scratch_root:", "hosts[0].default_timeout_sec",
     str(MAX_TIMEOUT_MINUTES * 60)),
    ("      timeout_minutes: 240", "      timeout_minutes: 1000000000000", "scenarios[4].wsb.timeout_minutes",
     str(MAX_TIMEOUT_MINUTES)),
    ("      recovery_timeout_minutes: 240", "      recovery_timeout_minutes: 1000000000000.0",
     "scenarios[5].bmr.recovery_timeout_minutes", str(MAX_TIMEOUT_MINUTES)),
    ("      poll_seconds: 2\n      expect", "      poll_seconds: 1000000000000\n      expect", "scenarios[5].bmr.poll_seconds",
     "600"),
    ("    rto_minutes: 120", "    rto_minutes: 1000000000000", "scenarios[0].rto_minutes", "10080"),
    ("      memory_gb: 4", "      memory_gb: 1000000000000", "scenarios[5].bmr.memory_gb", "12288"),
    ("  max_backup_age_days: 7", "  max_backup_age_days: 1000000000000", "policies.max_backup_age_days", "3650"),
])
def test_timeouts_sizes_and_counts_have_upper_bounds(old: str, new: str, path: str, bound: str) -> None:
    err = refused(edited(old, new))
    issue = err.issues[0]
    assert issue.path == path and bound in issue.message and "upper bound" in (issue.fix or "")


def test_the_retry_policy_defaults_to_four_retries_doubling_from_one_second() -> None:
    host = parse_inventory(TEXT, "lab.yml").hosts[0]
    assert (host.retry.retries, host.retry.backoff_sec, host.retry.max_backoff_sec) == (4, 1.0, 30.0)
    host = parse_inventory(edited("    scratch_root:", "    retry: {retries: 1, backoff_sec: 0.05, max_backoff_sec: 2}\n"
                                                        "    scratch_root:"), "lab.yml").hosts[0]
    assert (host.retry.retries, host.retry.backoff_sec, host.retry.max_backoff_sec) == (1, 0.05, 2.0)


@pytest.mark.parametrize("retry,path,words", [
    ("{retries: 21}", "hosts[0].retry.retries", "20"),
    ("{retries: -1}", "hosts[0].retry.retries", "0"),
    ("{retries: '3'}", "hosts[0].retry.retries", "whole number"),
    ("{backoff_sec: 0}", "hosts[0].retry.backoff_sec", "0.01"),
    ("{backoff_sec: 601}", "hosts[0].retry.backoff_sec", "600"),
    ("{retry: 3}", "hosts[0].retry.retry", "retries"),
    ("{backoff_sec: 10, max_backoff_sec: 5}", "hosts[0].retry.max_backoff_sec", "at least 10"),
])
def test_a_retry_policy_out_of_bounds_is_refused_naming_the_field_and_fix(retry: str, path: str, words: str) -> None:
    text = edited("    scratch_root:", f"    retry: {retry}\n    scratch_root:")
    issue = refused(text).issues[0]
    assert issue.path == path and issue.line == line_of(text, "    retry:")
    assert words in f"{issue.message} {issue.fix}"


def test_counts_are_bounded() -> None:
    many = ", ".join(f"S{i}" for i in range(300))
    err = refused(edited("    services: [LanmanServer]", f"    services: [{many}]"))
    assert err.issues[0].path == "scenarios[5].services" and "at most 256" in (err.issues[0].fix or "")


# ----------------------------------------------------------------------------- Windows paths


def test_a_scratch_root_that_climbs_out_is_refused_once() -> None:
    text = edited("    scratch_root: 'E:\\RestoreTests'", "    scratch_root: 'E:\\RestoreTests\\..\\..\\Windows'")
    err = refused(text)
    issue = err.issues[0]
    assert (issue.path, issue.line) == ("hosts[0].scratch_root", 22)
    assert issue.message.count("E:\\RestoreTests\\..\\..\\Windows") == 1  # as written, once, not doubled
    assert "`..`" in (issue.fix or "")


@pytest.mark.parametrize("root", ["E:\\RestoreTests\\...", "E:\\RestoreTests\\.. ", "E:\\Restore.\\x",
                                  "RestoreTests", "\\\\?\\E:\\RestoreTests", "E:\\Restore|Tests",
                                  "E:\\" + "x" * MAX_SCRATCH_ROOT])
def test_scratch_roots_windows_would_read_differently_are_refused(root: str) -> None:
    err = refused(edited("    scratch_root: 'E:\\RestoreTests'", f"    scratch_root: '{root}'"))
    assert err.issues[0].path == "hosts[0].scratch_root"


def test_windows_paths_are_normalised() -> None:
    inv = parse_inventory(edited("    scratch_root: 'E:\\RestoreTests'", "    scratch_root: 'E:/RestoreTests//lab/./'")
                          .replace("path: '\\\\NAS01\\wsb'", "path: '\\\\NAS01\\wsb\\'"))
    assert inv.hosts[0].scratch_root == "E:\\RestoreTests\\lab"
    assert inv.source("nas-wsb").path == "\\\\NAS01\\wsb"  # type: ignore[union-attr]


@pytest.mark.parametrize("old,new,path", [
    ("items: ['D:\\Shares\\Finance'", "items: ['D:\\Shares\\..\\Finance'", "scenarios[3].wsb.items[0]"),
    ("items: ['D:\\Shares\\Finance'", "items: ['D:\\'", "scenarios[3].wsb.items[0]"),
    ("manifest: 'WindowsImageBackup", "manifest: '..\\WindowsImageBackup", "scenarios[3].wsb.manifest"),
    ("drivers: ['B:\\Drivers\\Storage']", "drivers: ['B:\\Drivers\\..\\..\\Windows']", "scenarios[5].bmr.drivers[0]"),
    ("winpe_iso: 'B:\\ISO\\WinPE_amd64.iso'", "winpe_iso: 'B:\\ISO\\..\\x.iso'", "scenarios[5].bmr.winpe_iso"),
    ("path: 'B:\\Exports'", "path: 'B:\\Exports\\..'", "backup_sources[0].path"),
    ("path: '\\\\NAS01\\wsb'", "path: 'N:\\wsb'", "backup_sources[2].path"),
])
def test_every_windows_path_refuses_dot_dot_and_the_wrong_kind(old: str, new: str, path: str) -> None:
    assert refused(edited(old, new)).issues[0].path == path


# ----------------------------------------------------------------------------- what the run would refuse


def test_a_scenario_name_longer_than_a_run_can_create_is_refused() -> None:
    name = "a" * 83
    err = refused(edited("  - name: import-cm01", f"  - name: {name}"))
    issue = err.issues[0]
    assert issue.path == "scenarios[0].name" and issue.line == line_of(TEXT, "name: import-cm01")
    assert f"at most {naming.MAX_BASE_LENGTH}" in (issue.fix or "") and "100" in issue.message
    longest = "a" * naming.MAX_BASE_LENGTH  # exactly what fits in a VM name with the longest run id
    inv = parse_inventory(edited("  - name: import-cm01", f"  - name: {longest}"))
    assert len(naming.resource_name(naming.LONGEST_RUN_ID, inv.scenarios[0].name)) == naming.MAX_NAME_LENGTH


def test_a_bmr_machine_name_too_long_for_the_recovery_vm_is_refused() -> None:
    fits = "F" * (naming.MAX_BASE_LENGTH - len(naming.BMR_VM_SUFFIX))
    parse_inventory(edited("    vm: FS01\n    method: bmr", f"    vm: {fits}\n    method: bmr"))
    err = refused(edited("    vm: FS01\n    method: bmr", f"    vm: {fits}F\n    method: bmr"))
    assert err.issues[0].path == "scenarios[5].vm" and f"at most {len(fits)}" in (err.issues[0].fix or "")


@pytest.mark.parametrize("switch", ["Corp-External", "Lab-Missing"])
def test_bmr_switch_must_be_an_isolated_switch(switch: str) -> None:
    text = edited("      switch: Lab-Isolated", f"      switch: {switch}")
    issue = refused(text).issues[0]
    assert (issue.path, issue.line) == ("scenarios[5].bmr.switch", line_of(text, f"switch: {switch}"))
    assert "not an isolated switch" in issue.message and "Lab-Isolated, Lab-Internal" in (issue.fix or "")


def test_an_external_switch_cannot_be_listed_as_isolated() -> None:
    err = refused(edited("{name: Lab-Internal, type: Internal}", "{name: Corp-External, type: External}"))
    assert err.issues[0].path == "hosts[0].isolated_switches[1].type"


def test_bmr_generation_mismatch_is_refused_at_validate() -> None:
    text = edited("      cpu: 2", "      vm_generation: 1\n      cpu: 2")
    issue = refused(text).issues[0]
    assert issue.path == "scenarios[5].bmr.vm_generation" and "nor the reverse" in issue.message


@pytest.mark.parametrize("old,new,path,words", [
    ("    method: bmr\n", "    method: wsb-vm\n", "scenarios[5].bmr", "applies only to method: bmr"),
    ("    method: import\n    import_type: copy-new-id\n", "    method: bmr\n", "scenarios[0]", "needs a `bmr:` section"),
    ("    method: wsb-vm\n", "    method: import\n    import_type: restore\n", "scenarios[4].wsb",
     "applies only to methods wsb-files and wsb-vm"),
    ("      backup_selection: latest\n      timeout_minutes: 240",
     "      backup_selection: latest\n      items: ['D:\\x']\n      timeout_minutes: 240", "scenarios[4].wsb.items",
     "only to method: wsb-files"),
    ("      manifest: 'WindowsImageBackup\\{machine}\\manifest.sha256.json'\n", "", "scenarios[3].wsb",
     "content verification"),
])
def test_method_sections_fit_the_method(old: str, new: str, path: str, words: str) -> None:
    err = refused(edited(old, new))
    assert any(i.path == path and words in i.message for i in err.issues), err


def test_the_shipped_inventories_stay_valid() -> None:
    assert load_inventory(SIM_LAB).scenario("bmr-fs01").bmr.winpe_iso == "B:\\ISO\\WinPE_amd64.iso"  # type: ignore[union-attr]
    load_inventory(SIM_LAB.parent / "example-lab.yml")


def test_a_host_that_runs_scenarios_must_list_isolated_switches() -> None:
    text = edited("    isolated_switches:\n      - {name: Lab-Isolated, type: Private}\n"
                  "      - {name: Lab-Internal, type: Internal}\n", "")
    issue = refused(text).issues[0]
    assert issue.path == "hosts[0].isolated_switches" and "nowhere safe" in issue.message


def test_a_bmr_machine_name_windows_cannot_use_in_a_vm_name_is_refused() -> None:
    err = refused(edited("    vm: FS01\n    method: bmr", "    vm: 'FS01:a'\n    method: bmr"))
    assert err.issues[0].path == "scenarios[5].vm" and "recovery VM" in err.issues[0].message


# ----------------------------------------------------------------------------- evidence settings

CONTROLS = """
controls:
  controls: {"ISO/IEC 27001:2022 A.8.13": "Information backup", "INTERNAL-BK-2": "Quarterly restore test"}
  checks: {"*": ["ISO/IEC 27001:2022 A.8.13"], "services*": ["INTERNAL-BK-2"]}
"""


def test_signing_key_tsa_and_a_control_mapping_are_read() -> None:
    inv = parse_inventory(edited("  create_signing_key: true\n",
                                 "  create_signing_key: true\n  tsa_url: http://tsa.example.org/tsr\n") + CONTROLS,
                          "lab.yml")
    assert inv.reports.signing_key == "reports/keys/demo_ed25519" and inv.reports.create_signing_key is True
    assert inv.reports.tsa_url == "http://tsa.example.org/tsr"
    assert inv.controls.mapping()["checks"]["services*"] == ["INTERNAL-BK-2"]


def test_a_control_mapping_naming_an_undefined_control_is_refused_with_the_fix() -> None:
    err = refused(TEXT + CONTROLS.replace('"services*": ["INTERNAL-BK-2"]', '"services*": ["SOC 2 A1.3"]'))
    assert "'SOC 2 A1.3'" in str(err) and "controls.controls" in str(err)


def test_a_typo_in_the_controls_section_is_refused() -> None:
    err = refused(TEXT + CONTROLS.replace("checks:", "chekcs:"))
    assert "chekcs" in str(err)
