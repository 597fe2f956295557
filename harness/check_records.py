"""What the pytest plugin (harness/plugin.py) does for each check, kept out of the plugin so it stays
thin: the Allure labels of a check, the kind of its outcome, and its line in the run record (the
message without pytest's introspection, and the expected/found values the check handed to
:meth:`harness.engine.run.Run.measured`).
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

import allure
import pytest

from harness.engine.run import Run
from harness.errors import problem_kind
from harness.evidence.dates import iso_with_offset
from harness.evidence.redaction import redact_text
from harness.evidence.pytest_hooks import apply_labels, check_message, show_parameter

RECORD_OUTCOME = {"passed": "passed", "defect": "failed", "lab": "broken", "harness": "broken"}


def scenario_of(item: pytest.Item) -> Any:
    """The ``scenario`` parameter of a test (None for tests without one)."""
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("scenario") if callspec else None


def apply_check_labels(item: pytest.Item, run: Run | None, inventory: Any) -> None:
    """The Allure labels of a check, from its ``check(name, severity=)`` marker and its scenario."""
    marker, scenario = item.get_closest_marker("check"), scenario_of(item)
    if marker is None or not marker.args or scenario is None or inventory is None:
        return
    severity = marker.kwargs.get("severity", "critical")
    if run is not None:
        apply_labels(**run.labels(scenario, marker.args[0], severity))
    else:
        apply_labels(**Run.labels_for(inventory, scenario, marker.args[0], severity, None))


def outcome_kind(report: pytest.TestReport, call: pytest.CallInfo[Any]) -> str:
    """passed | defect (a failed check) | lab | harness, for a test's call (or failed setup)."""
    if not report.failed:
        return "passed"
    exc = call.excinfo.value if call.excinfo is not None else None
    return "defect" if isinstance(exc, pytest.fail.Exception) else problem_kind(exc)


def record_check(run: Run | None, item: pytest.Item, kind: str, report: pytest.TestReport) -> None:
    """The check's line in the run record: outcome, message (pytest's introspection removed, each
    line once), the expected/found values the test handed over and the evidence files it produced.
    Nothing for a test without a scenario or a ``check`` marker, or whose scenario never started (e.g.
    the preflight failed)."""
    scenario, marker = scenario_of(item), item.get_closest_marker("check")
    if run is None or scenario is None or marker is None or not marker.args:
        return
    expected, found = run.take_measured(scenario)
    record = run.recorder.scenario_record(scenario.name)
    if record is None:
        return
    message = check_message(report) if report.failed else ""
    with contextlib.suppress(Exception):
        run.recorder.check(scenario.name, marker.args[0], RECORD_OUTCOME[kind], message, unlinked_evidence(record),
                           expected=expected, found=found)
    if expected is not None or found is not None:
        doc = json.dumps({"check": marker.args[0], "expected": expected, "found": found}, ensure_ascii=False,
                         default=str)
        with contextlib.suppress(Exception):  # shown on the test's page too (Allure pretty-prints JSON)
            allure.attach(run.recorder.marked(redact_text(doc), "expected-vs-found.json", "json"),
                          "expected vs found", allure.attachment_type.JSON)
    with contextlib.suppress(Exception):  # the record as it is now, with this check's line
        time_parameters(run, run.recorder.scenario_record(scenario.name) or {}, marker.args[0])


def unlinked_evidence(record: dict[str, Any]) -> list[str]:
    """The scenario's evidence files no check's row links yet: those the running check (and the restore
    or boot it triggered) produced, e.g. the WinPE logs for the BMR's "restore" row, the console PNG for
    "console screenshot". Linked from this check's row."""
    linked = {path for check in record.get("checks") or [] for path in check.get("evidence") or []}
    return [e["path"] for e in record.get("evidence") or [] if e.get("path") and e["path"] not in linked]


def time_parameters(run: Run, record: dict[str, Any], check: str) -> None:
    """The scenario's recorded moments as the test's Allure parameters: named with the clock they come
    from (``restore started (HV-LAB01 clock)``), each an ISO 8601 time with its offset (the host's zone
    and its offset to the controller are in the report's environment). Allure's own start/stop are
    shown in the browser's zone, unnamed. Excluded from the history id, which must not change per run."""
    restore = record.get("restore") or {}
    checked = next((c.get("at") for c in reversed(record.get("checks") or []) if c.get("name") == check), None)
    moments = {"checked at": checked, "restore started": restore.get("started"),
               "restore finished": restore.get("finished"), "services healthy": record.get("services_healthy_at")}
    host = record.get("host") or "controller"
    for name, at in moments.items():
        if at:
            show_parameter(f"{name} ({host} clock)", iso_with_offset(at))
