"""What the WSB restore flows share: scenario settings with defaults, and reading + choosing the backup."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from harness.checks.result import CheckResult
from harness.hyperv.operations import RemoteRunner
from harness.restore.protocol import BackupUsed, RestoreContext
from harness.secrets import Credential
from harness.wsb.facts import BackupSet, Discovery
from harness.wsb.selection import Selection, check_backup_age, select_backup, selection_of
from harness.wsb.target import discover, target_path

Step = Callable[[str], AbstractContextManager[Any]]
DEFAULT_TIMEOUT_MINUTES = 240.0
DEFAULT_POLL_SECONDS = 15.0


def no_step(title: str) -> AbstractContextManager[Any]:
    return contextlib.nullcontext()


@dataclass(frozen=True)
class WsbSource:
    """The backup target a scenario restores from, and how to choose and wait."""

    name: str  # backup source name in the inventory
    target: str  # B: or \\NAS01\wsb
    machine: str | None  # the backed-up machine (Get-WBBackupSet -MachineName)
    selection: Selection
    max_age_days: float
    timeout_sec: float
    poll_sec: float


def wsb_source(inventory: Any, scenario: Any) -> WsbSource:
    """Settings of a ``wsb-files``/``wsb-vm`` scenario (its typed ``wsb:`` section), with the
    documented defaults for what the section leaves out."""
    source = inventory.source(scenario.source)
    wsb = scenario.wsb
    max_age = (wsb and wsb.max_age_days) or inventory.policies.max_backup_age_days
    return WsbSource(
        name=source.name, target=target_path(source),
        machine=(wsb and wsb.machine) or source.machine,
        selection=selection_of(wsb), max_age_days=float(max_age),
        timeout_sec=60.0 * float((wsb and wsb.timeout_minutes) or DEFAULT_TIMEOUT_MINUTES),
        poll_sec=float((wsb and wsb.poll_seconds) or DEFAULT_POLL_SECONDS),
    )


@dataclass(frozen=True)
class ChosenBackup:
    """The catalog as read, the set chosen by policy, and the age finding (a check, never an exception)."""

    discovery: Discovery
    backup: BackupSet
    age_check: CheckResult

    @property
    def age_days(self) -> float:
        return self.backup.age_days(self.discovery.now)


def choose_backup(host: RemoteRunner, inventory: Any, scenario: Any, src: WsbSource, *, manifest: str | None = None,
                  credential: Credential | None = None, step: Step = no_step) -> ChosenBackup:
    """Read the target's catalog (and manifest) and pick the set; BackupNotFound if none matches."""
    source = inventory.source(scenario.source)
    with step(f"Read the WSB catalog on {src.target} ({src.selection.describe()})"):
        d = discover(host, source, machine=src.machine, manifest=manifest, credential=credential)
        chosen = select_backup(d, src.selection, src.machine)
    return ChosenBackup(d, chosen, check_backup_age(d, chosen, src.max_age_days, src.machine))


def backup_used(chosen: ChosenBackup) -> BackupUsed:
    """The backup version a WSB restore used, for the run record."""
    b, d = chosen.backup, chosen.discovery
    return BackupUsed(b.version_id, b.backup_time, b.target or d.target, chosen.age_days)


def keep_backup_sets(ctx: RestoreContext, scenario: str, chosen: ChosenBackup) -> None:
    """Every backup set the catalog held, and the one chosen, as evidence (``wsb-backup-sets.json``)."""
    d = chosen.discovery
    doc = {"chosen": chosen.backup.evidence(d.now), "host_time": d.now.isoformat(),
           "all_sets": [s.evidence(d.now) for s in d.sets]}
    ctx.evidence(scenario, "wsb-backup-sets.json", json.dumps(doc, indent=2, ensure_ascii=False), "json",
                 title="WSB backup sets")
