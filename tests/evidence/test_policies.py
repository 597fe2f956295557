"""Policies on every method: backup age (imports, WSB, BMR) and RTO, computed once, as findings."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from harness.evidence.policies import backup_age_days


@pytest.mark.parametrize(("method", "age"), [("import", 9.9), ("wsb-vm", 8.0), ("bmr", 11.4), ("wsb-files", 7.5)])
def test_backup_age_policy_applies_to_every_method(record_run, clock, method: str, age: float) -> None:
    rec = record_run("RH-AGE-1", {}, finish=False, max_backup_age_days=7)
    sc = f"{method}-X"
    rec.scenario_started(sc, system="X", method=method, import_type=None, host="HV-LAB01", rto_target_minutes=60,
                         restores_vm=method != "wsb-files")
    start = clock.now - timedelta(hours=1)
    rec.backup_used(sc, version_id="v1", backup_time=start - timedelta(days=age), target="E:", age_days=0.1)
    rec.restore_finished(sc, started=start, finished=start + timedelta(minutes=10), ok=True)
    if method != "wsb-files":
        rec.services_healthy(sc, start + timedelta(minutes=30))
    rec.check(sc, "c", "passed")
    doc = json.loads((rec.finish() / "evidence.json").read_text(encoding="utf-8"))
    scen = doc["scenarios"][0]
    assert scen["backup"]["age_days"] == age  # computed here from the times, the caller's 0.1 is ignored
    assert [f["kind"] for f in scen["findings"]] == ["backup-age"]
    assert doc["systems"][0]["findings"][0]["message"].startswith(f"backup v1 was {age:.1f} days old when restored")


def test_a_scenario_may_set_its_own_age_limit(record_run, clock) -> None:
    rec = record_run("RH-AGE-2", {}, finish=False, max_backup_age_days=7)
    rec.scenario_started("imp", system="X", method="import", import_type="copy", host="HV-LAB01",
                         rto_target_minutes=None, max_backup_age_days=30)
    rec.backup_used("imp", version_id="v1", backup_time=clock.now - timedelta(days=10), target="E:")
    rec.restore_finished("imp", started=clock.now, finished=clock.now, ok=True)
    assert rec.data["scenarios"][0]["findings"] == []


def test_rto_findings_for_vm_methods(record_run, clock) -> None:
    rec = record_run("RH-RTO-1", {}, finish=False)
    start = clock.now - timedelta(hours=2)
    for name, target, healthy in (("missed", 30, 45), ("unmeasured", 30, None), ("no-target", None, 20)):
        rec.scenario_started(name, system=name, method="wsb-vm", import_type=None, host="HV-LAB01",
                             rto_target_minutes=target, restores_vm=True)
        rec.restore_finished(name, started=start, finished=start + timedelta(minutes=10), ok=True)
        if healthy is not None:
            rec.services_healthy(name, start + timedelta(minutes=healthy))
    kinds = {sc["scenario"]: [f["kind"] for f in sc["findings"]] for sc in rec.data["scenarios"]}
    assert kinds == {"missed": ["rto-missed"], "unmeasured": ["rto-not-measured"], "no-target": ["rto-no-target"]}


def test_a_remediated_defect_is_a_finding(record_run) -> None:
    rec = record_run("RH-REM-1", {}, finish=False)
    rec.scenario_started("imp", system="CM01", method="import", import_type="copy", host="HV-LAB01",
                         rto_target_minutes=None)
    rec.check("imp", "backup checkpoint (finding before remediation)", "finding", "checkpoint 'Backup' left")
    assert rec.data["scenarios"][0]["findings"] == [
        {"kind": "remediated", "message": "backup checkpoint (finding before remediation): checkpoint 'Backup' left"}]


def test_age_is_none_without_both_times() -> None:
    assert backup_age_days(None, None) is None
