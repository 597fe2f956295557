"""What each test of a run did, by scenario: a small pytest plugin that ``restore-harness run``
passes to ``pytest.main`` so that it can print one short summary instead of a traceback per test.

Outcomes are classified as the plugin classifies them (``harness.errors.problem_kind``): a failed
assertion or :class:`~harness.errors.RestoreDefect` is a restore defect, a
:class:`~harness.errors.LabError` a lab problem, anything else a harness error. Lab problems carry
a hint of what to check (:func:`lab_hint`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import pytest

from harness.errors import LabSafetyError, RemoteNotInstalled, TransportError, problem_kind
from harness.secrets import redact
from harness.selection import scenario_name

RUN_LEVEL = "(run)"  # tests that are not about one scenario


@dataclass
class Problem:
    """One failed test: its kind (defect | lab | harness), check, message and (labs) what to check."""

    kind: str
    test: str
    message: str
    hint: str = ""
    error_type: str = ""


@dataclass
class ScenarioOutcomes:
    """The tests of one scenario: counts by outcome and the problems."""

    passed: int = 0
    skipped: int = 0
    problems: list[Problem] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return sum(1 for p in self.problems if p.kind == kind)

    @property
    def outcome(self) -> str:
        """passed | failed (restore defect) | lab problem | harness error | skipped | not run."""
        if self.count("harness"):
            return "harness error"
        if self.count("lab"):
            return "lab problem"
        if self.count("defect"):
            return "failed"
        if self.passed:
            return "passed"
        return "skipped" if self.skipped else "not run"


def lab_hint(exc: BaseException, inventory: str = "INVENTORY") -> str:
    """What a person should check for a lab problem (by the error's class)."""
    names = {c.__name__ for c in type(exc).__mro__}
    if "PreflightFailed" in names:
        return f"fix what the preflight lists, then `restore-harness doctor {inventory}` until it says ready"
    if isinstance(exc, LabSafetyError):
        return ("the host's `lab_only: true` and `isolated_switches:` in the inventory; leftovers of earlier runs "
                f"(`restore-harness cleanup --run-id ...`); `restore-harness doctor {inventory}`")
    if isinstance(exc, RemoteNotInstalled):
        return "install the role, feature or PowerShell module the message names on the host (Install-WindowsFeature)"
    if isinstance(exc, TransportError):
        return (f"the host's address, port, scheme and credentials in {inventory}; that WinRM answers "
                f"(Test-WSMan from another machine); `restore-harness doctor {inventory}`")
    return f"`restore-harness doctor {inventory}` (host, modules, switches, scratch space, backup sources)"


def _message(report: pytest.TestReport, exc: BaseException | None) -> str:
    if exc is not None and not isinstance(exc, AssertionError) and str(exc):
        return redact(str(exc))
    crash = getattr(getattr(report, "longrepr", None), "reprcrash", None)
    if getattr(crash, "message", ""):
        return redact(str(crash.message))
    lines = report.longreprtext.strip().splitlines()
    return redact(lines[-1] if lines else "")


def outcome_event(item: pytest.Item, report: pytest.TestReport, call: pytest.CallInfo[Any],
                  inventory: str = "INVENTORY") -> dict[str, Any] | None:
    """What one test report adds to its scenario's outcomes (a skip, a pass, a classified problem),
    as plain data (it travels from a pytest-xdist worker to the controller); None for nothing."""
    scenario = scenario_name(item) or RUN_LEVEL
    if report.skipped and report.when in ("setup", "call"):
        return {"scenario": scenario, "what": "skipped"}
    if report.passed and report.when == "call":
        return {"scenario": scenario, "what": "passed"}
    if not report.failed:
        return None
    exc = call.excinfo.value if call.excinfo is not None else None
    kind = "defect" if exc is None or isinstance(exc, pytest.fail.Exception) else problem_kind(exc)
    return {"scenario": scenario, "what": "problem", "problem": asdict(Problem(
        kind=kind, test=item.name if report.when == "call" else f"{item.name} ({report.when})",
        message=_message(report, exc), hint=lab_hint(exc, inventory) if kind == "lab" and exc else "",
        error_type=type(exc).__name__ if exc is not None else ""))}


class OutcomeCollector:
    """pytest plugin: per scenario, the outcome of every test; collection errors; deselected count."""

    def __init__(self, inventory: str = "INVENTORY") -> None:
        self.inventory = inventory
        self.scenarios: dict[str, ScenarioOutcomes] = {}
        self.collection_errors: list[str] = []
        self.deselected = 0

    def of(self, scenario: str) -> ScenarioOutcomes:
        return self.scenarios.setdefault(scenario, ScenarioOutcomes())

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
        outcome = yield
        event = outcome_event(item, outcome.get_result(), call, self.inventory)
        if event is not None:
            self.add(event)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Under pytest-xdist the tests run in workers: their reports carry the event
        (harness/xdist_hosts.py); ``node`` marks a report that came from a worker."""
        event = getattr(report, "rh_outcome", None)
        if event is not None and getattr(report, "node", None) is not None:
            self.add(event)

    def add(self, event: dict[str, Any]) -> None:
        """Count one :func:`outcome_event`."""
        entry = self.of(event["scenario"])
        if event["what"] == "skipped":
            entry.skipped += 1
        elif event["what"] == "passed":
            entry.passed += 1
        else:
            entry.problems.append(Problem(**event["problem"]))

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            text = report.longreprtext.strip().splitlines()
            self.collection_errors.append(redact(f"{report.nodeid}: {text[-1] if text else 'collection failed'}"))

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        self.deselected += len(items)

    def counts(self) -> dict[str, int]:
        """Problems by kind over the whole run (defect, lab, harness) and passed tests."""
        out = {"passed": 0, "defect": 0, "lab": 0, "harness": 0}
        for sc in self.scenarios.values():
            out["passed"] += sc.passed
            for p in sc.problems:
                out[p.kind] = out.get(p.kind, 0) + 1
        return out
