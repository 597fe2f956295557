"""Typed WSB facts: backup sets (``WBBackupSet``), the VMs in them, and jobs (``WBJob``).

The templates (``wsb_*.ps1``) emit times as UTC ISO 8601 strings, enums as their names, HRESULTs as
signed Int32 integers; the parsers also accept raw 5.1 JSON (``/Date(ms)/``, one object where a list
is expected, nothing for an empty list) so that facts stay plain, typed values.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.evidence.policies import backup_age_days
from harness.hyperv.facts import as_list
from harness.wsb.errors import explain, hex32, unsigned

_DATE = re.compile(r"^\\?/Date\((-?\d+)(?:[+-]\d{4})?\)\\?/$")
RUNNING_STATE_NAMES = ("Running", "Queued", "InProgress", "In Progress")
"""``JobState`` values of a job still at work (compared without case); wsb_job.ps1 waits while it sees one."""
RUNNING_JOB_STATES = frozenset(name.lower() for name in RUNNING_STATE_NAMES)


def parse_time(value: Any) -> _dt.datetime | None:
    """UTC datetime from an ISO string, ``/Date(ms)/`` or a datetime; None for empty values."""
    if value is None or value == "":
        return None
    if isinstance(value, _dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=_dt.UTC)
    text = str(value)
    m = _DATE.match(text)
    if m:
        return _dt.datetime.fromtimestamp(int(m.group(1)) / 1000, tz=_dt.UTC)
    try:
        t = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=_dt.UTC)


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


@dataclass(frozen=True)
class VMInBackup:
    """A Hyper-V VM component of a host-level backup (``$set.Application[i].Component[j]``)."""

    name: str  # VM name (VMName, or the caption without its Online\/Offline\ prefix)
    caption: str  # e.g. "Online\CM01" (taken while running) or "Offline\VMM01"
    component: str  # component name (the VM id on Windows Server 2012+)
    vm_id: str = ""

    @property
    def taken_online(self) -> bool:
        """True if the VM ran during the backup (its restore can bring back the backup checkpoint)."""
        return self.caption.lower().startswith("online")


@dataclass(frozen=True)
class BackupSet:
    """One backup version on a target."""

    version_id: str  # MM/dd/yyyy-HH:mm, as wbadmin and Get-WBBackupSet show it
    backup_time: _dt.datetime  # UTC
    target: str  # the target path (B: or \\NAS01\wsb)
    machine: str = ""
    target_label: str = ""
    volumes: tuple[str, ...] = ()
    applications: tuple[str, ...] = ()
    vms: tuple[VMInBackup, ...] = ()
    snapshot_id: str = ""

    def age_days(self, now: _dt.datetime) -> float:
        """Age of the backup at ``now`` (the HOST's clock), in days: the run record's own computation
        (harness.evidence.policies.backup_age_days), so one backup shows one age."""
        return backup_age_days(self.backup_time, now) or 0.0

    @property
    def items(self) -> tuple[str, ...]:
        """What the set holds, for the evidence: volumes, applications and VMs."""
        out = [f"volume {v}" for v in self.volumes]
        out += [f"application {a}" for a in self.applications if a.lower() != "hyperv"]
        out += [f"Hyper-V VM {vm.caption}" for vm in self.vms]
        return tuple(out)

    def vm(self, name: str) -> VMInBackup | None:
        """The VM called ``name`` (case-insensitive) in this set, or None."""
        low = name.lower()
        return next((v for v in self.vms if v.name.lower() == low), None)

    def evidence(self, now: _dt.datetime | None = None) -> dict[str, Any]:
        """A JSON-able description (for attachments and the evidence record)."""
        data: dict[str, Any] = {
            "version_id": self.version_id, "backup_time": self.backup_time.isoformat(), "target": self.target,
            "target_label": self.target_label, "machine": self.machine, "items": list(self.items),
            "snapshot_id": self.snapshot_id,
        }
        if now is not None:
            data["age_days"] = self.age_days(now)
        return data


def _vm_name(comp: Mapping[str, Any]) -> str:
    name = str(comp.get("VMName") or "")
    if name:
        return name
    caption = str(comp.get("Caption") or "")
    return caption.split("\\", 1)[1] if "\\" in caption else caption


def parse_backup_set(data: Mapping[str, Any]) -> BackupSet:
    """One set as ``wsb_backup_sets.ps1`` reports it."""
    version = str(data.get("VersionId") or "")
    when = parse_time(data.get("BackupTime"))
    if not version or when is None:
        raise ValueError(f"backup set without VersionId/BackupTime in the remote facts: {dict(data)!r}")
    vms = []
    apps = []
    for app in as_list(data.get("Applications")):
        apps.append(str(app.get("Identifier") or ""))
        for comp in as_list(app.get("Components")):
            if str(app.get("Identifier") or "").lower() == "hyperv" or comp.get("VMName"):
                vms.append(VMInBackup(name=_vm_name(comp), caption=str(comp.get("Caption") or ""),
                                      component=str(comp.get("Name") or ""),
                                      vm_id=str(comp.get("VMId") or comp.get("Name") or "").lower()))
    return BackupSet(
        version_id=version, backup_time=when, target=str(data.get("TargetPath") or ""),
        machine=str(data.get("MachineName") or ""), target_label=str(data.get("TargetLabel") or ""),
        volumes=tuple(str(v) for v in as_list(data.get("Volumes"))), applications=tuple(apps),
        vms=tuple(vms), snapshot_id=str(data.get("SnapshotId") or ""),
    )


@dataclass(frozen=True)
class Discovery:
    """What one look at a backup target found: its sets (oldest first), the host's clock, a manifest."""

    target: str
    now: _dt.datetime  # host time (UTC) when the catalog was read: ages are measured against it
    sets: tuple[BackupSet, ...]
    manifest_path: str = ""
    manifest_found: bool = False
    manifest_text: str | None = field(default=None, repr=False)

    @property
    def newest(self) -> BackupSet | None:
        return self.sets[-1] if self.sets else None


def parse_discovery(target: str, data: Mapping[str, Any] | None) -> Discovery:
    """``wsb_backup_sets.ps1`` result → :class:`Discovery` (sets sorted by backup time)."""
    data = data or {}
    now = parse_time(data.get("Now")) or _dt.datetime.now(_dt.UTC)
    sets = sorted((parse_backup_set(s) for s in as_list(data.get("Sets"))), key=lambda s: s.backup_time)
    manifest = data.get("Manifest") or {}
    return Discovery(target=target, now=now, sets=tuple(sets), manifest_path=str(manifest.get("Path") or ""),
                     manifest_found=bool(manifest.get("Found")), manifest_text=manifest.get("Text"))


@dataclass(frozen=True)
class WbJob:
    """A WSB job (``Get-WBJob``)."""

    job_type: str
    state: str
    start: _dt.datetime | None = None
    end: _dt.datetime | None = None
    hresult: int = 0
    detailed_hresult: int = 0
    error_description: str = ""
    current_operation: str = ""
    items: tuple[str, ...] = ()
    version_id: str = ""

    @property
    def running(self) -> bool:
        return self.state.lower() in RUNNING_JOB_STATES

    @property
    def code(self) -> int:
        """The HRESULT that explains a failure: DetailedHResult when set, else HResult (unsigned)."""
        return unsigned(self.detailed_hresult or self.hresult)

    @property
    def failed(self) -> bool:
        return bool(self.hresult or self.detailed_hresult)

    def describe_failure(self) -> str:
        codes = f"HResult {hex32(self.hresult)}, DetailedHResult {hex32(self.detailed_hresult)}"
        text = f": {self.error_description}" if self.error_description else ""
        return f"{self.job_type} job failed with {explain(self.code)} [{codes}]{text}"


def parse_job(data: Mapping[str, Any] | None) -> WbJob | None:
    """A ``Get-WBJob`` object as ``wsb_job.ps1`` reports it; None for no object."""
    if not data:
        return None
    return WbJob(
        job_type=str(data.get("JobType") or ""), state=str(data.get("JobState") or ""),
        start=parse_time(data.get("StartTime")), end=parse_time(data.get("EndTime")),
        hresult=_int(data.get("HResult")), detailed_hresult=_int(data.get("DetailedHResult")),
        error_description=str(data.get("ErrorDescription") or ""),
        current_operation=str(data.get("CurrentOperation") or ""),
        items=tuple(str(i) for i in as_list(data.get("JobItems"))), version_id=str(data.get("VersionId") or ""),
    )
