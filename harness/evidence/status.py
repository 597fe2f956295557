"""Retest status across archived evidence: for each system, the last passing restore test, the
date the next one is due and whether it is overdue.

Only run directories that pass manifest verification count; a directory that fails is reported and
ignored (its claims cannot be trusted).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from harness.evidence.dates import is_overdue, next_due, parse_iso
from harness.evidence.manifest import MANIFEST_NAME, verify_tree
from harness.evidence.outcome import system_outcomes

RUN_JSON = "run.json"


@dataclass
class ArchivedRun:
    """One run directory under the evidence root, verified and loaded."""

    path: Path
    run_id: str
    finished: date | None
    simulated: bool
    interval_months: int
    systems: dict[str, str]  # system -> outcome
    problems: list[str] = field(default_factory=list)

    @property
    def trusted(self) -> bool:
        """True when the directory matched its manifest and run.json was readable."""
        return not self.problems


@dataclass
class SystemStatus:
    """Retest status of one system."""

    system: str
    last_passed: date | None
    last_passed_run: str | None
    last_run: str | None
    last_outcome: str | None
    interval_months: int
    next_due: date | None
    overdue: bool
    simulated_only: bool


def load_run(path: Path) -> ArchivedRun:
    """Verify and read one run directory (problems are collected, not raised)."""
    run = ArchivedRun(path=path, run_id=path.name, finished=None, simulated=False, interval_months=6, systems={})
    verification = verify_tree(path)
    run.problems.extend(verification.problems())
    try:
        data: dict[str, Any] = json.loads((path / RUN_JSON).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        run.problems.append(f"{path / RUN_JSON}: unreadable ({exc})")
        return run
    run.run_id = str(data.get("run_id") or path.name)
    finished = parse_iso(data.get("finished"))
    run.finished = finished.date() if finished else None
    if run.finished is None:
        run.problems.append(f"{path / RUN_JSON}: run never finished (no 'finished' time)")
    run.simulated = bool(data.get("simulated"))
    run.interval_months = int(data.get("retest_interval_months") or 6)
    run.systems = system_outcomes(data.get("scenarios", []))
    return run


def load_runs(evidence_root: Path, *, exclude: str | None = None) -> list[ArchivedRun]:
    """Every run directory (a folder holding run.json or a manifest) under ``evidence_root``."""
    if not evidence_root.is_dir():
        return []
    runs = []
    for child in sorted(evidence_root.iterdir()):
        if child.name == exclude or not child.is_dir():
            continue
        if (child / RUN_JSON).exists() or (child / MANIFEST_NAME).exists():
            runs.append(load_run(child))
    return runs


def previous_passes(evidence_root: Path, *, simulated: bool, exclude: str | None = None) -> dict[str, date]:
    """``{system: last passing date}`` from trusted archived runs of the same kind: a simulated pass
    never moves the due date of a real system, and a real one is not mixed into a simulated report."""
    best: dict[str, date] = {}
    for run in load_runs(evidence_root, exclude=exclude):
        if not run.trusted or run.finished is None or run.simulated != simulated:
            continue
        for system, outcome in run.systems.items():
            if outcome == "passed" and (system not in best or run.finished > best[system]):
                best[system] = run.finished
    return best


def compute_status(runs: list[ArchivedRun], today: date) -> list[SystemStatus]:
    """Status of every system seen in a trusted run, sorted by name. A system with any real run is
    judged on real runs only; one seen only in simulated runs is judged on those and flagged."""
    trusted = sorted((r for r in runs if r.trusted and r.finished), key=lambda r: (r.finished, r.run_id))
    real_systems = {s for r in trusted if not r.simulated for s in r.systems}
    systems: dict[str, SystemStatus] = {}
    for run in trusted:
        for system, outcome in run.systems.items():
            if run.simulated and system in real_systems:
                continue
            st = systems.get(system) or SystemStatus(
                system=system, last_passed=None, last_passed_run=None, last_run=None, last_outcome=None,
                interval_months=run.interval_months, next_due=None, overdue=True,
                simulated_only=system not in real_systems,
            )
            st.last_run, st.last_outcome = run.run_id, outcome
            st.interval_months = run.interval_months
            if outcome == "passed":
                st.last_passed, st.last_passed_run = run.finished, run.run_id
            systems[system] = st
    for st in systems.values():
        st.next_due = next_due(st.last_passed, st.interval_months)
        st.overdue = is_overdue(st.next_due, today)
    return [systems[k] for k in sorted(systems)]
