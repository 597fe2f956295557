"""The run's policies applied to every recorded scenario, in one place: backup age (for every
restore method: the export's time for imports, the backup set's time for WSB and BMR), RTO for every
method that restores a VM, and remediated defects. What breaks a policy is a *finding*: listed in
the systems summary, the scenario and ``restore-harness status``; it does not by itself fail the
system (a check does that).

Ages are measured from the backup time to the restore's start, both on the lab host's clock
(harness.evidence.clock), so one backup has one age in a run.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from harness.evidence.dates import parse_iso

BACKUP_AGE = "backup-age"
RTO_MISSED = "rto-missed"
RTO_NOT_MEASURED = "rto-not-measured"
RTO_NO_TARGET = "rto-no-target"
REMEDIATED = "remediated"


def backup_age_days(backup_time: datetime | None, at: datetime | None) -> float | None:
    """Age in days of a backup taken at ``backup_time`` when restored at ``at`` (None if unknown)."""
    if backup_time is None or at is None:
        return None
    return round((at - backup_time).total_seconds() / 86400, 2)


def scenario_findings(sc: Mapping[str, Any], max_backup_age_days: float | None) -> list[dict[str, str]]:
    """The findings of one recorded scenario (run.json's scenario entry)."""
    findings: list[dict[str, str]] = []
    backup = sc.get("backup") or {}
    restore = sc.get("restore") or {}
    age = backup.get("age_days")
    limit = sc.get("max_backup_age_days") or max_backup_age_days
    if age is not None and limit is not None and float(age) > float(limit):
        findings.append({"kind": BACKUP_AGE, "message": (
            f"backup {backup.get('version_id') or '?'} was {float(age):.1f} days old when restored "
            f"(policy: at most {float(limit):g} days, max_backup_age_days)")})
    target = sc.get("rto_target_minutes")
    if sc.get("rto_met") is False:
        findings.append({"kind": RTO_MISSED, "message": (
            f"RTO missed: {float(sc['rto_minutes']):.1f} min from restore start to services healthy, "
            f"target {float(target):g} min")})
    elif sc.get("restores_vm") is True and restore.get("ok"):  # unknown (None): the caller did not say
        if sc.get("rto_minutes") is None:
            findings.append({"kind": RTO_NOT_MEASURED, "message": (
                "RTO not measured: the restored system's services were never recorded healthy")})
        elif target is None:
            findings.append({"kind": RTO_NO_TARGET, "message": (
                f"RTO {float(sc['rto_minutes']):.1f} min measured, but the scenario sets no RTO target")})
    for check in sc.get("checks", []):
        if check.get("outcome") == "finding":
            findings.append({"kind": REMEDIATED, "message": f"{check.get('name')}: {check.get('message') or ''}".rstrip(": ")})
    return findings


def age_at_restore(sc: Mapping[str, Any]) -> float | None:
    """The backup's age for a scenario record: backup time to restore start (host clock)."""
    backup = sc.get("backup") or {}
    restore = sc.get("restore") or {}
    return backup_age_days(parse_iso(backup.get("backup_time")), parse_iso(restore.get("started")))
