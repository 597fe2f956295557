"""Compliance status across archived evidence: per system the latest result, the last pass, the next
due date, open findings, and whether it is compliant.

Only run folders that verify (files match the manifest, the manifest carries a valid signature, by
a key in the auditor's allowed_signers list when one is given) count. Unsigned, tampered or
wrongly signed folders are listed with the reason and their claims are not used.

A system is **compliant** when its latest counted real (not simulated) run passed and its next
test is not overdue. Systems seen only in simulated runs are never compliant.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from harness.evidence.dates import is_overdue, next_due, parse_iso
from harness.evidence.keys import AllowedSigner
from harness.evidence.manifest import MANIFEST_NAME
from harness.evidence.outcome import system_outcomes
from harness.evidence.signing import verify_folder

RUN_JSON = "run.json"
RESULT_WORDS = {"passed": "passed", "failed": "failed", "broken": "could not audit", "incomplete": "incomplete"}


@dataclass
class ArchivedRun:
    """One run folder under the evidence root, verified and loaded."""

    path: Path
    run_id: str
    finished: date | None
    simulated: bool
    interval_months: int
    systems: dict[str, str]  # system -> outcome
    findings: dict[str, list[str]] = field(default_factory=dict)  # system -> finding messages
    interrupted: bool = False
    signed: bool = False
    signer: str | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def trusted(self) -> bool:
        """True when the folder verified (files, manifest, signature, signer) and run.json was readable."""
        return not self.problems

    @property
    def counted(self) -> bool:
        """True when the run counts for status and due dates: trusted and signed."""
        return self.trusted and self.signed and self.finished is not None

    def result(self, system: str) -> str:
        """The system's result in this run, in words (passed / failed / could not audit / interrupted)."""
        outcome = self.systems.get(system, "incomplete")
        if outcome == "incomplete" and self.interrupted:
            return "interrupted"
        return RESULT_WORDS.get(outcome, outcome)


@dataclass
class SystemStatus:
    """Compliance status of one system."""

    system: str
    latest_result: str | None
    latest_run: str | None
    latest_run_date: date | None
    last_passed: date | None
    last_passed_run: str | None
    interval_months: int
    next_due: date | None
    overdue: bool
    simulated_only: bool
    findings: list[str] = field(default_factory=list)
    compliant: bool = False
    reason: str = ""

    def as_json(self) -> dict[str, Any]:
        """JSON form (dates as ISO text)."""
        data = asdict(self)
        for key in ("latest_run_date", "last_passed", "next_due"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


def load_run(path: Path, allowed: list[AllowedSigner] | None = None) -> ArchivedRun:
    """Verify and read one run folder (problems are collected, not raised)."""
    run = ArchivedRun(path=path, run_id=path.name, finished=None, simulated=False, interval_months=6, systems={})
    check = verify_folder(path, allowed, allow_unsigned=True)
    run.problems.extend(check.all_problems())
    run.signed = check.signed and check.signature_ok and check.pinned is not False
    run.signer = check.signer_text() if check.signed else None
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
    run.interrupted = bool(data.get("interrupted"))
    run.interval_months = int(data.get("retest_interval_months") or 6)
    run.systems = system_outcomes(data.get("scenarios", []))
    for sc in data.get("scenarios", []):
        # the scenario named: one system may be restored by several methods in a run (import and WSB)
        msgs = [f"[{sc.get('scenario')}] {f.get('message')}" for f in sc.get("findings", []) or []]
        run.findings.setdefault(str(sc.get("system")), []).extend(msgs)
    return run


def load_runs(evidence_root: Path, *, exclude: str | None = None,
              allowed: list[AllowedSigner] | None = None) -> list[ArchivedRun]:
    """Every run folder (a folder holding run.json or a manifest) under ``evidence_root``."""
    if not evidence_root.is_dir():
        return []
    runs = []
    for child in sorted(evidence_root.iterdir()):
        if child.name == exclude or not child.is_dir():
            continue
        if (child / RUN_JSON).exists() or (child / MANIFEST_NAME).exists():
            runs.append(load_run(child, allowed))
    return runs


def previous_passes(evidence_root: Path, *, simulated: bool, exclude: str | None = None) -> dict[str, date]:
    """``{system: last passing date}`` from counted (verified and signed) archived runs of the same
    kind: a simulated pass never moves the due date of a real system, and a real one is not mixed into
    a simulated report."""
    best: dict[str, date] = {}
    for run in load_runs(evidence_root, exclude=exclude):
        if not run.counted or run.finished is None or run.simulated != simulated:
            continue
        for system, outcome in run.systems.items():
            if outcome == "passed" and (system not in best or run.finished > best[system]):
                best[system] = run.finished
    return best


def compute_status(runs: list[ArchivedRun], today: date) -> list[SystemStatus]:
    """Status of every system seen in a counted run, sorted by name. A system with any real run is
    judged on real runs only; one seen only in simulated runs is shown, flagged and not compliant."""
    counted = sorted((r for r in runs if r.counted), key=lambda r: (r.finished, r.run_id))
    real_systems = {s for r in counted if not r.simulated for s in r.systems}
    systems: dict[str, SystemStatus] = {}
    for run in counted:
        for system in run.systems:
            if run.simulated and system in real_systems:
                continue
            st = systems.get(system) or SystemStatus(
                system=system, latest_result=None, latest_run=None, latest_run_date=None, last_passed=None,
                last_passed_run=None, interval_months=run.interval_months, next_due=None, overdue=True,
                simulated_only=system not in real_systems,
            )
            st.latest_result, st.latest_run, st.latest_run_date = run.result(system), run.run_id, run.finished
            st.findings = list(dict.fromkeys(run.findings.get(system, [])))
            st.interval_months = run.interval_months
            if run.systems[system] == "passed":
                st.last_passed, st.last_passed_run = run.finished, run.run_id
            systems[system] = st
    for st in systems.values():
        st.next_due = next_due(st.last_passed, st.interval_months)
        st.overdue = is_overdue(st.next_due, today)
        if st.simulated_only:
            st.reason = "only simulated evidence"
        elif st.latest_result != "passed":
            st.reason = f"latest run {st.latest_run} {st.latest_result}"
        elif st.overdue:
            st.reason = f"overdue since {st.next_due.isoformat() if st.next_due else 'never passed'}"
        st.compliant = not st.reason
    return [systems[k] for k in sorted(systems)]
