"""Which backup set a scenario restores, and whether the target's backups are recent enough.

Policies (``wsb.backup_selection`` in the inventory): ``latest``; ``version`` (the WSB version
identifier ``wsb.version``); ``older-than-days`` (the newest set at least ``wsb.older_than_days``
old, e.g. to prove last month's backup still restores). Ages use the HOST's clock and the run record's
one computation (harness.evidence.policies.backup_age_days), so the backup-age check and the evidence
report show the same age for the same backup.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from harness.checks.result import CheckResult
from harness.evidence.policies import backup_age_days
from harness.wsb.errors import BackupNotFound
from harness.wsb.facts import BackupSet, Discovery

if TYPE_CHECKING:
    from harness.inventory.models import WsbSettings


@dataclass(frozen=True)
class Selection:
    """A selection policy (built from a scenario's ``wsb:`` section)."""

    policy: str = "latest"  # latest | version | older-than-days
    version: str | None = None
    older_than_days: int | None = None

    def describe(self) -> str:
        if self.policy == "version":
            return f"version {self.version}"
        if self.policy == "older-than-days":
            return f"the newest backup at least {self.older_than_days} day(s) old"
        return "the latest backup"


def selection_of(wsb: WsbSettings | None) -> Selection:
    """The :class:`Selection` of a scenario's ``wsb`` settings (None → latest)."""
    if wsb is None:
        return Selection()
    return Selection(wsb.backup_selection, wsb.version, wsb.older_than_days)


def _listing(d: Discovery) -> str:
    if not d.sets:
        return "the target holds no backup sets"
    return "available: " + ", ".join(f"{s.version_id} ({_age(s, d):.1f} d)" for s in d.sets)


def _age(s: BackupSet, d: Discovery) -> float:
    """Age of ``s`` when the catalog was read (host clock), in days."""
    return backup_age_days(s.backup_time, d.now) or 0.0


def select_backup(d: Discovery, sel: Selection, machine: str | None = None) -> BackupSet:
    """The set ``sel`` picks from ``d`` (only sets of ``machine`` when given); raise
    :class:`BackupNotFound` naming the policy and what the target holds otherwise."""
    sets = [s for s in d.sets if not machine or not s.machine or s.machine.lower() == machine.lower()]
    pool = Discovery(d.target, d.now, tuple(sets))
    chosen: BackupSet | None = None
    if sel.policy == "version":
        chosen = next((s for s in sets if s.version_id == (sel.version or "")), None)
    elif sel.policy == "older-than-days":
        limit = float(sel.older_than_days or 0)
        old = [s for s in sets if _age(s, d) >= limit]
        chosen = old[-1] if old else None
    elif sel.policy == "latest":
        chosen = sets[-1] if sets else None
    else:
        raise ValueError(f"unknown backup selection policy {sel.policy!r}")
    if chosen is None:
        of = f" of machine {machine}" if machine else ""
        raise BackupNotFound(f"no backup{of} on {d.target} matches {sel.describe()}; {_listing(pool)}")
    return chosen


def check_backup_age(d: Discovery, chosen: BackupSet, max_age_days: float, machine: str | None = None) -> CheckResult:
    """Finding when the NEWEST backup on the target is older than the policy allows (backups have
    stopped). With ``latest`` that is the restored set; otherwise both are named."""
    sets = [s for s in d.sets if not machine or not s.machine or s.machine.lower() == machine.lower()]
    newest = sets[-1] if sets else chosen
    age = _age(newest, d)
    problems: tuple[str, ...] = ()
    if age > max_age_days:
        which = "restored and newest" if newest is chosen or newest.version_id == chosen.version_id else "newest"
        problems = (f"backup version {newest.version_id} ({which} on {d.target}, taken "
                    f"{newest.backup_time:%Y-%m-%d %H:%M} UTC) is {age:.1f} days old; the policy allows at most "
                    f"{max_age_days:g} days (max_backup_age_days)",)
    evidence = {"expected": {"max_age_days": max_age_days},
                "found": {"newest": newest.version_id, "age_days": round(age, 2), "restored": chosen.version_id},
                "newest": newest.evidence(d.now), "restored": chosen.evidence(d.now), "max_age_days": max_age_days,
                "host_time": d.now.isoformat()}
    return CheckResult("backup age", f"backups of {machine or 'the machine'} on {d.target}", problems, evidence)
