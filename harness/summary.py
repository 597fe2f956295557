"""The summary ``restore-harness run`` ends with (and writes with ``--json``): run id, per scenario
the outcome and RTO, where the evidence and the Allure report are, the problems once each, and the
cleanup command when the ledger says something is still on a host.

Built only from what the run leaves behind (``<reports>/evidence/<run id>/run.json``,
``<reports>/ledger/<run id>.json``, the evidence folder) and from the test outcomes
(:class:`harness.outcomes.OutcomeCollector`), so it does not depend on how the run is orchestrated.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from harness.ledger import INTENT, Ledger, ledger_path
from harness.outcomes import RUN_LEVEL, OutcomeCollector

SCHEMA = "restore-harness/run-summary/1"
EXIT_MEANING = {0: "every restore check passed", 1: "restore defect", 2: "interrupted (teardown ran)",
                3: "lab problem (the run could not audit)", 4: "harness or usage error", 5: "nothing collected"}


@dataclass
class ScenarioSummary:
    """One scenario's line: outcome, RTO (minutes) against its target, and its problems."""

    scenario: str
    outcome: str
    system: str | None = None
    method: str | None = None
    rto_minutes: float | None = None
    rto_target_minutes: float | None = None
    rto_met: bool | None = None
    tests_passed: int = 0
    problems: list[dict[str, str]] = field(default_factory=list)


@dataclass
class RunSummary:
    """Everything the summary says; :meth:`to_dict` is the ``--json`` document."""

    run_id: str
    exit_code: int  # what the command returns (after --lab-problem-exit / --defect-exit)
    inventory: str
    reports_dir: str
    simulated: bool | None = None
    scenarios: list[ScenarioSummary] = field(default_factory=list)
    evidence_dir: str | None = None
    evidence_page: str | None = None
    signature: str | None = None  # "signed by <identity> (<fingerprint>)" or "UNSIGNED ..."
    allure_report: str | None = None
    allure_note: str | None = None
    junitxml: str | None = None
    ledger: str | None = None
    left_on_hosts: list[str] = field(default_factory=list)
    cleanup_command: str | None = None
    collection_errors: list[str] = field(default_factory=list)
    deselected: int = 0
    outcome_code: int | None = None  # the run's own exit code, when the command maps it to another

    @property
    def meaning(self) -> str:
        """What happened (from the run's own code, whatever the command returns for it)."""
        code = self.exit_code if self.outcome_code is None else self.outcome_code
        return EXIT_MEANING.get(code, "unknown")

    def to_dict(self) -> dict[str, Any]:
        data = {"schema": SCHEMA, **asdict(self), "meaning": self.meaning}
        return data

    def write_json(self, path: Path) -> None:
        """Write :meth:`to_dict` to ``path`` (folders created)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def read_run_record(reports: Path, run_id: str) -> dict[str, Any] | None:
    """``run.json`` of the run, or None when the run never got that far."""
    path = Path(reports) / "evidence" / run_id / "run.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def left_on_hosts(reports: Path, run_id: str) -> tuple[Path | None, list[str]]:
    """The run's ledger file and what it still holds on a host (open entries)."""
    path = ledger_path(reports, run_id)
    if not path.is_file():
        return None, []
    try:
        ledger = Ledger.load(path)
    except Exception as exc:  # an unreadable ledger is itself worth saying
        return path, [f"the ledger could not be read: {exc}"]
    return path, [e.describe() + (" (intent: may or may not exist)" if e.state == INTENT else "")
                  for e in ledger.open_entries()]


def build_summary(*, run_id: str, exit_code: int, inventory: str, reports: Path, selected: Sequence[str],
                  collector: OutcomeCollector, allure_report: Path | None = None, allure_note: str | None = None,
                  junitxml: str | None = None, outcome_code: int | None = None) -> RunSummary:
    """Put together the summary of a finished run (see module docstring)."""
    record = read_run_record(reports, run_id) or {}
    recorded = {sc.get("scenario"): sc for sc in record.get("scenarios", [])}
    summary = RunSummary(run_id=run_id, exit_code=exit_code, inventory=inventory, reports_dir=str(reports),
                         simulated=record.get("simulated"), junitxml=junitxml,
                         allure_report=str(allure_report) if allure_report else None, allure_note=allure_note,
                         collection_errors=list(collector.collection_errors), deselected=collector.deselected,
                         outcome_code=outcome_code if outcome_code != exit_code else None)
    names = list(selected) + [n for n in collector.scenarios if n not in selected and n != RUN_LEVEL]
    for name in names:
        got = collector.scenarios.get(name)
        rec = recorded.get(name) or {}
        outcome = got.outcome if got else "not run"
        if outcome == "passed" and rec.get("outcome") == "failed":  # the evidence's judgement is stricter
            outcome = "failed"
        summary.scenarios.append(ScenarioSummary(
            scenario=name, outcome=outcome, system=rec.get("system"), method=rec.get("method"),
            rto_minutes=rec.get("rto_minutes"), rto_target_minutes=rec.get("rto_target_minutes"),
            rto_met=rec.get("rto_met"), tests_passed=got.passed if got else 0,
            problems=[asdict(p) for p in got.problems] if got else []))
    run_level = collector.scenarios.get(RUN_LEVEL)
    if run_level and run_level.problems:
        summary.scenarios.append(ScenarioSummary(scenario=RUN_LEVEL, outcome=run_level.outcome,
                                                 tests_passed=run_level.passed,
                                                 problems=[asdict(p) for p in run_level.problems]))
    evidence = Path(reports) / "evidence" / run_id
    if evidence.is_dir():
        summary.evidence_dir = str(evidence)
        summary.signature = signature_text(record)
        if (evidence / "evidence.html").is_file():
            summary.evidence_page = str(evidence / "evidence.html")
    path, left = left_on_hosts(reports, run_id)
    summary.ledger = str(path) if path else None
    summary.left_on_hosts = left
    if left:
        summary.cleanup_command = (f"restore-harness cleanup --inventory {inventory} --run-id {run_id}"
                                   f" --reports {reports}")
    return summary


def signature_text(record: dict[str, Any]) -> str | None:
    """Who signed the run's evidence, from its record: ``signed by <identity> (<fingerprint>)``, or
    UNSIGNED (not evidence an auditor can rely on); None without a record."""
    sig = record.get("signature") if record else None
    if not isinstance(sig, dict):
        return None
    if sig.get("signed"):
        return f"signed by {sig.get('identity')} ({sig.get('fingerprint')})"
    return "UNSIGNED (verify-evidence refuses it; docs/evidence.md: restore-harness keygen)"


def _rto(sc: ScenarioSummary) -> str:
    if sc.rto_minutes is None:
        return "RTO -" + (f" (target {sc.rto_target_minutes:g} min)" if sc.rto_target_minutes else "")
    met = {True: "met", False: "MISSED", None: "no target"}[sc.rto_met]
    target = f" / target {sc.rto_target_minutes:g} min" if sc.rto_target_minutes else ""
    return f"RTO {sc.rto_minutes:g} min{target} ({met})"


def _grouped(summary: RunSummary, kind: str) -> list[tuple[str, list[str], str]]:
    """(message, scenarios, hint) of every distinct problem of ``kind``: a problem that many tests or
    scenarios share is said once."""
    groups: dict[str, tuple[list[str], str]] = {}
    for sc in summary.scenarios:
        for p in sc.problems:
            if p["kind"] != kind:
                continue
            key = p["message"] if kind != "defect" else f"{p['test']}: {p['message']}"
            names, hint = groups.setdefault(key, ([], p.get("hint", "")))
            if sc.scenario not in names:
                names.append(sc.scenario)
    return [(msg, names, hint) for msg, (names, hint) in groups.items()]


def _clip(text: str, verbose: int) -> list[str]:
    lines = [line.rstrip() for line in str(text).splitlines() if line.strip()] or ["(no message)"]
    if verbose:
        return lines
    out = [line if len(line) <= 200 else line[:197] + "..." for line in lines[:8]]
    if len(lines) > 8:
        out.append(f"... {len(lines) - 8} more line(s) (-v shows all)")
    return out


def render(summary: RunSummary, *, verbose: int = 0) -> str:
    """The summary as the console shows it (a few lines; ``verbose`` shows messages in full)."""
    sim = " [SIMULATED lab: not evidence of a real restore]" if summary.simulated else ""
    mapped = "" if summary.outcome_code is None else f"; the run's own code {summary.outcome_code}, mapped"
    out = [f"Run {summary.run_id}: exit {summary.exit_code} ({summary.meaning}{mapped}){sim}"]
    width = max([len(s.scenario) for s in summary.scenarios] + [8])
    for sc in summary.scenarios:
        if sc.scenario == RUN_LEVEL:
            continue
        out.append(f"  {sc.scenario:<{width}}  {sc.outcome:<13}  {_rto(sc)}")
    if summary.deselected:
        out.append(f"  ({summary.deselected} test(s) of other scenarios deselected)")
    for kind, title in (("defect", "Restore defects"), ("lab", "Lab problems (the run could not audit; not "
                                                                 "restore defects)"), ("harness", "Harness errors")):
        groups = _grouped(summary, kind)
        if not groups:
            continue
        out.append(f"{title}:")
        for message, names, hint in groups:
            lines = _clip(message, verbose)
            out.append(f"  {', '.join(names)}: {lines[0]}")
            out.extend(f"    {line}" for line in lines[1:])
            if hint:
                out.append(f"    check: {hint}")
    for err in summary.collection_errors:
        out.append(f"Collection error: {err}")
    if summary.evidence_dir:
        out.append(f"Evidence: {summary.evidence_dir}" + (f" (page {summary.evidence_page})"
                                                          if summary.evidence_page else " (no evidence page)"))
        if summary.signature:
            out.append(f"  {summary.signature}")
    if summary.allure_report:
        out.append(f"Allure report: {summary.allure_report}")
    elif summary.allure_note:
        out.append(f"Allure report: {summary.allure_note}")
    if summary.junitxml:
        out.append(f"JUnit XML: {summary.junitxml}")
    if summary.left_on_hosts:
        out.append(f"Left on the hosts per the ledger ({summary.ledger}):")
        shown = summary.left_on_hosts if verbose else summary.left_on_hosts[:5]
        out.extend(f"  {item}" for item in shown)
        if len(shown) < len(summary.left_on_hosts):
            out.append(f"  ... {len(summary.left_on_hosts) - len(shown)} more (-v shows all)")
        out.append(f"Remove them with: {summary.cleanup_command}")
    return "\n".join(out)
