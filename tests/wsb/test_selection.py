"""Backup set parsing, selection policies and the backup-age finding."""

import datetime as _dt

import pytest

from harness.wsb.errors import BackupNotFound
from harness.wsb.facts import parse_discovery
from harness.wsb.selection import Selection, check_backup_age, select_backup

NOW = "2026-11-21T00:00:00.0000000Z"


def _set(version, when, machine="FS01", apps=None):
    return {"VersionId": version, "BackupTime": when, "TargetPath": "\\\\NAS01\\wsb", "MachineName": machine,
            "Volumes": ["C:", "D:"], "Applications": apps}


def discovery(*sets):
    return parse_discovery("\\\\NAS01\\wsb", {"Now": NOW, "Sets": list(sets) if len(sets) != 1 else sets[0]})


def test_parses_single_object_and_raw_dates_and_sorts():
    d = parse_discovery("B:", {"Now": "/Date(1795219200000)/", "Sets": [
        _set("11/20/2026-21:00", "2026-11-20T12:00:00Z"), _set("11/01/2026-21:00", "/Date(1793563200000)/")]})
    assert [s.version_id for s in d.sets] == ["11/01/2026-21:00", "11/20/2026-21:00"]
    one = discovery(_set("11/20/2026-21:00", "2026-11-20T12:00:00Z"))
    assert len(one.sets) == 1 and one.sets[0].volumes == ("C:", "D:")


def test_vm_components_and_items():
    apps = [{"Identifier": "HyperV", "Components": [
        {"Caption": "Online\\CM01", "Name": "7D0C6F0E-3B0F-4A52-9D7E-2C1A5F0C0001", "VMName": "CM01",
         "VMId": "7d0c6f0e-3b0f-4a52-9d7e-2c1a5f0c0001"},
        {"Caption": "Offline\\VMM01", "Name": "7D0C6F0E-3B0F-4A52-9D7E-2C1A5F0C0002"}]}]
    s = discovery(_set("11/20/2026-21:00", "2026-11-20T12:00:00Z", "HV-PROD01", apps)).sets[0]
    assert s.vm("cm01").taken_online and s.vm("VMM01").name == "VMM01" and not s.vm("VMM01").taken_online
    assert "Hyper-V VM Online\\CM01" in s.items and "volume D:" in s.items


def test_latest_version_and_older_than():
    d = discovery(_set("10/01/2026-21:00", "2026-10-01T12:00:00Z"), _set("11/10/2026-21:00", "2026-11-10T12:00:00Z"),
                  _set("11/20/2026-21:00", "2026-11-20T12:00:00Z"))
    assert select_backup(d, Selection()).version_id == "11/20/2026-21:00"
    assert select_backup(d, Selection("version", "11/10/2026-21:00")).version_id == "11/10/2026-21:00"
    assert select_backup(d, Selection("older-than-days", older_than_days=30)).version_id == "10/01/2026-21:00"
    assert select_backup(d, Selection("older-than-days", older_than_days=5)).version_id == "11/10/2026-21:00"


def test_no_match_names_the_policy_and_what_exists():
    d = discovery(_set("11/20/2026-21:00", "2026-11-20T12:00:00Z"))
    with pytest.raises(BackupNotFound) as err:
        select_backup(d, Selection("version", "01/01/2020-00:00"))
    assert "version 01/01/2020-00:00" in str(err.value) and "11/20/2026-21:00 (0.5 d)" in str(err.value)
    with pytest.raises(BackupNotFound, match="no backup of machine SRV9"):
        select_backup(d, Selection(), "SRV9")


def test_backup_too_old_is_a_finding_naming_version_age_and_limit():
    d = discovery(_set("11/05/2026-21:00", "2026-11-05T12:00:00Z"))
    chosen = select_backup(d, Selection())
    check = check_backup_age(d, chosen, 7)
    assert not check.ok
    assert "11/05/2026-21:00" in check.message and "15.5 days old" in check.message and "at most 7 days" in check.message
    assert check_backup_age(d, chosen, 30).ok


def test_age_is_measured_on_the_host_clock():
    d = discovery(_set("11/20/2026-21:00", "2026-11-20T12:00:00Z"))
    assert d.now == _dt.datetime(2026, 11, 21, tzinfo=_dt.UTC)
    assert select_backup(d, Selection()).age_days(d.now) == pytest.approx(0.5)
