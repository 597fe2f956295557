"""The one small protocol every restore method implements, and the values it exchanges with the
engine (harness/engine/run.py). A method plans, says what the preflight must check for it, and
runs; the ENGINE records the scenario's start, the backup version used and the restore's end, for
every method in one place. A method never writes to the run record itself.

A restore method module (``harness/restore/import_vm.py``, ``wsb_items.py``, ``wsb_vm.py``,
``bmr.py``) ends with one object that implements :class:`RestoreMethod`; the table in
``harness/restore/registry.py`` lists them.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

Step = Callable[[str], AbstractContextManager[Any]]


@dataclass(frozen=True)
class BackupUsed:
    """Which backup version a restore used (the auditor's first question): its time is the backup
    set's (WSB, BMR) or the export's (an import: the .vmcx file's LastWriteTimeUtc). The run record
    computes the age itself, from this time to the restore's start on the host's clock (one backup,
    one age: harness/evidence/policies.py); ``age_days`` is the method's own view, not recorded."""

    version_id: str | None
    backup_time: _dt.datetime | None
    target: str
    age_days: float | None = None


@dataclass(frozen=True)
class MethodOutcome:
    """What a method's ``run`` returns: its result (the suite's object), the backup used, a one-line
    summary for the run record, and when the method saw the restore start and finish. The run record
    takes the restore's start and end from the lab host's clock, read by the engine around ``run``
    (harness/engine/run.py), so these two are the method's own view and are not recorded."""

    result: Any
    backup: BackupUsed | None
    message: str
    started: _dt.datetime
    finished: _dt.datetime


@dataclass(frozen=True)
class Needs:
    """What the preflight must check on the scenario's host before anything is created:
    backup sources that must be readable, and export folders whose size must fit the scratch volume."""

    sources: tuple[str, ...] = ()  # backup source names (inventory backup_sources)
    exports: tuple[Mapping[str, str], ...] = field(default_factory=tuple)  # {"scenario", "folder"}


class RestoreContext(Protocol):
    """What a method may use of the run (the engine's ``Run`` implements it)."""

    inventory: Any
    run_id: str
    ledger: Any
    hosts: Mapping[str, Any]

    def step(self, title: str) -> AbstractContextManager[Any]:
        """A named progress step (an Allure step under pytest; a log line elsewhere)."""

    def evidence(self, scenario: str, name: str, text: str, kind: str = "text") -> None:
        """Keep ``text`` as evidence of ``scenario`` (attachment and evidence file)."""


def poll_wait(ctx: Any, host: str) -> Callable[[float], None]:
    """How a method's polls of a long operation on ``host`` wait between two reads: the context's
    ``poll_wait(host)`` (the engine's ``Run`` waits on the host itself, host_wait.ps1), else a local
    sleep (a context without it, e.g. a method called outside a run)."""
    import time

    wait = getattr(ctx, "poll_wait", None)
    return wait(host) if callable(wait) else time.sleep


class RestoreMethod(Protocol):
    """One restore method: ``name`` as written in the inventory (``method:``), whether it ends with a
    registered VM (and whether that VM is already running when the restore ends, as a BMR's is),
    which host resource it cannot share with another restore on the same host (Windows Server
    Backup's engine runs one job per machine), which backup source kinds it restores from, and
    three operations."""

    name: str
    restores_vm: bool
    boots_in_restore: bool
    host_exclusive: str  # a host resource the restore needs alone ("wbengine"), or ""
    source_kinds: tuple[str, ...]

    def plan(self, inventory: Any, scenario: Any, run_id: str) -> Any:
        """Where and how the scenario restores (pure; ``ValueError`` for settings that cannot work)."""

    def needs(self, inventory: Any, scenario: Any) -> Needs:
        """What the preflight must check for the scenario."""

    def run(self, ctx: RestoreContext, scenario: Any, plan: Any) -> MethodOutcome:
        """Restore; raise ``RestoreDefect`` for a defect, ``LabError`` for a lab problem."""


def source_needs(scenario: Any) -> Needs:
    """The need every method has: its backup source is readable from the host."""
    return Needs(sources=(scenario.source,))


def utc_now() -> _dt.datetime:
    return _dt.datetime.now(_dt.UTC)


