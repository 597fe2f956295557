"""Allure results for the tests of a run that no process could write them for.

A pytest-xdist worker that dies takes its tests with it: the one it was running ends without a result
file, and the ones it had not reached never start (harness/xdist_hosts.py reports both to the
terminal, JUnit, the exit code and the run record). The Allure report would simply not show them, so
a report read as proof of the restore test would look complete. The controller writes one result
per such test here: status *broken* with a "Lab problem:" message (the report's "Lab problems"
category, harness/evidence/allure_env.py), the reason and the cleanup command, the scenario as a
parameter, and the labels a worker's result of that test carries (suite, epic = restore method,
feature = system, story = test), so it sits where the test would have been.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from allure_commons.logger import AllureFileLogger
from allure_commons.model2 import Label, Parameter, Status, StatusDetails, TestResult

from harness.evidence import SIMULATED_NOTICE, SIMULATED_TAG
from harness.evidence.redaction import redact_text


@dataclass(frozen=True)
class LostTest:
    """One test that has no Allure result: its pytest node id, its scenario (None: none) and why."""

    nodeid: str
    scenario: str | None
    message: str  # one sentence, e.g. "not run: worker gw1 (lab host HV-LAB02) died (...)"


def _md5(*parts: str) -> str:
    return hashlib.md5("".join(parts).encode("utf-8"), usedforsecurity=False).hexdigest()


def _names(nodeid: str) -> tuple[str, str, str, str]:
    """(full name as allure-pytest writes it, parent suite, suite, test function) of a node id such as
    ``suites/test_restored_vm.py::test_vm_registered[import-sql01]``."""
    path, _, rest = nodeid.partition("::")
    parts = rest.split("::") if rest else [path]
    function = parts[-1].split("[", 1)[0]
    classes = parts[:-1]
    module_path = path[:-3] if path.endswith(".py") else path
    dotted = module_path.replace("/", ".").replace("\\", ".").strip(".")
    parent, _, module = dotted.rpartition(".")
    full = f"{dotted}{('.' + '.'.join(classes)) if classes else ''}#{function}"
    return full, parent, module, function


def write_lost_results(results_dir: Path, tests: Sequence[LostTest], *, cleanup: str,
                       methods: Mapping[str, str] | None = None, systems: Mapping[str, str] | None = None,
                       simulated: bool = False) -> list[str]:
    """Write one broken Allure result per test of ``tests`` into ``results_dir``; ``methods`` and
    ``systems`` map a scenario to its restore method and system (the labels). Returns the uuids."""
    results_dir.mkdir(parents=True, exist_ok=True)
    logger = AllureFileLogger(str(results_dir), clean=False)
    now = int(time.time() * 1000)
    written = []
    for test in tests:
        full, parent, module, function = _names(test.nodeid)
        params = [Parameter(name="scenario", value=redact_text(test.scenario))] if test.scenario else []
        title = f"{test.scenario}: {function}" if test.scenario else function
        result = TestResult(uuid=str(uuid.uuid4()), name=redact_text(f"[SIMULATED] {title}" if simulated else title),
                            fullName=full, testCaseId=_md5(full), historyId=_md5(full, test.scenario or ""),
                            status=Status.BROKEN, start=now, stop=now, parameters=params)
        message = redact_text(f"Lab problem: {test.message}")
        result.statusDetails = StatusDetails(message=message, trace=redact_text(
            f"{test.nodeid}\n{test.message}\nThe run could not audit this test. Remove what the run left with "
            f"`{cleanup}`, then run the test again."))
        labels = [("parentSuite", parent), ("suite", module), ("framework", "pytest"), ("language", "python"),
                  ("story", function), ("tag", "lab problem")]
        if test.scenario and methods and test.scenario in methods:
            labels.append(("epic", methods[test.scenario]))
        if test.scenario and systems and test.scenario in systems:
            labels.append(("feature", systems[test.scenario]))
        if simulated:
            labels.append(("tag", SIMULATED_TAG))
            result.description = SIMULATED_NOTICE
        result.labels = [Label(name=name, value=redact_text(value)) for name, value in labels if value]
        logger.report_result(result)
        written.append(result.uuid)
    return written
