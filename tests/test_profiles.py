"""Service profiles: the shipped ones load, composition, user directories, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.errors import InventoryError
from harness.profiles import (
    StartType,
    available_profiles,
    compose,
    load_profile,
    load_profile_file,
)

SHIPPED = ["configmgr-primary", "configmgr-mp", "configmgr-dp", "configmgr-sup", "configmgr-srp",
           "vmm", "sql-server", "iis", "file-server"]


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_profiles_load(name: str) -> None:
    profile = load_profile(name)
    assert profile.name == name and profile.services


def test_configmgr_primary_content() -> None:
    p = load_profile("configmgr-primary")
    assert [s.name for s in p.services] == ["SMS_EXECUTIVE", "SMS_SITE_COMPONENT_MANAGER", "MSSQLSERVER", "SQLSERVERAGENT"]
    assert p.tcp_ports == [1433]
    assert p.registry_keys == ["HKLM:\\SOFTWARE\\Microsoft\\SMS"]


def test_compose_merges_in_order_and_later_wins(tmp_path: Path) -> None:
    (tmp_path / "site-iis.yml").write_text(
        "name: site-iis\nservices:\n  - {name: W3SVC, status: Running, start_type: AutomaticDelayed}\n"
        "tcp_ports: [443]\nsettle_seconds: 900\n", encoding="utf-8")
    merged = compose(["configmgr-primary", "iis", "site-iis"], [tmp_path])
    names = [s.name for s in merged.services]
    assert names.count("W3SVC") == 1 and "SMS_EXECUTIVE" in names and "WAS" in names
    w3 = next(s for s in merged.services if s.name == "W3SVC")
    assert w3.start_type is StartType.AUTOMATIC_DELAYED
    assert merged.tcp_ports == [80, 443, 1433]
    assert merged.settle_seconds == 900
    assert merged.name == "configmgr-primary+iis+site-iis"


def test_user_directory_overrides_builtin(tmp_path: Path) -> None:
    (tmp_path / "iis.yml").write_text("name: iis\nservices: [{name: W3SVC}]\n", encoding="utf-8")
    assert available_profiles([tmp_path])["iis"] == tmp_path / "iis.yml"
    assert [s.name for s in load_profile("iis", [tmp_path]).services] == ["W3SVC"]


def _error(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / f"{name}.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InventoryError) as info:
        load_profile_file(path)
    message = str(info.value)
    assert str(path) in message
    return message


def test_unknown_start_type_names_field_line_and_fix(tmp_path: Path) -> None:
    msg = _error(tmp_path, "bad", "name: bad\nservices:\n  - name: W3SVC\n    start_type: Auto\n")
    assert "line 4" in msg and "services[0].start_type" in msg
    assert "'Automatic'" in msg and "AutomaticDelayed" in msg  # the fix lists the choices


def test_typo_field_is_reported_with_line(tmp_path: Path) -> None:
    msg = _error(tmp_path, "typo", "name: typo\nservices:\n  - name: W3SVC\n    stauts: Running\n")
    assert "line 4" in msg and "services[0].stauts" in msg and "check the spelling" in msg


def test_bad_port_and_registry_key(tmp_path: Path) -> None:
    msg = _error(tmp_path, "ports", "name: ports\nservices: [{name: X}]\ntcp_ports: [70000]\n")
    assert "line 3" in msg and "tcp_ports" in msg and "outside 1-65535" in msg
    msg = _error(tmp_path, "reg", "name: reg\nservices: [{name: X}]\nregistry_keys: ['SOFTWARE\\Microsoft']\n")
    assert "line 3" in msg and "HKLM:" in msg


def test_name_must_match_file(tmp_path: Path) -> None:
    msg = _error(tmp_path, "one", "name: two\nservices: [{name: X}]\n")
    assert "line 1" in msg and "rename the file" in msg


def test_duplicate_service_and_yaml_syntax(tmp_path: Path) -> None:
    msg = _error(tmp_path, "dup", "name: dup\nservices:\n  - {name: W3SVC}\n  - {name: w3svc}\n")
    assert "line 4" in msg and "listed twice" in msg
    msg = _error(tmp_path, "syntax", "name: syntax\nservices:\n  - {name: W3SVC\n")
    assert "YAML syntax error" in msg and "line 4" in msg


def test_unknown_profile_and_missing_dir(tmp_path: Path) -> None:
    with pytest.raises(InventoryError, match="unknown service profile 'nope'.*configmgr-primary"):
        load_profile("nope")
    with pytest.raises(InventoryError, match="does not exist"):
        available_profiles([tmp_path / "missing"])
    with pytest.raises(InventoryError, match="at least one profile"):
        compose([])


def test_scenario_profile_adds_the_scenarios_services() -> None:
    from harness.profiles import scenario_profile

    only = scenario_profile([], ["LanmanServer"])
    assert only is not None and [(s.name, s.status.value) for s in only.services] == [("LanmanServer", "Running")]
    both = scenario_profile(["file-server"], ["LanmanServer", "DFSR"])
    assert [s.name for s in both.services] == ["LanmanServer", "DFSR"]
    assert both.services[0].start_type is not None  # the profile's entry wins
    assert scenario_profile([], []) is None


def test_duplicate_key_is_reported_not_merged(tmp_path: Path) -> None:
    msg = _error(tmp_path, "twice", "name: twice\nservices: [{name: X}]\ntcp_ports: [80]\ntcp_ports: [443]\n")
    assert "line 4: field tcp_ports: key 'tcp_ports' appears twice" in msg and "keep one" in msg
