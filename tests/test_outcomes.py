"""Outcomes per scenario as the plugin classifies them: defect, lab problem (with a hint), harness error."""

from __future__ import annotations

import pytest

from harness.errors import LabError, TransportError
from harness.outcomes import OutcomeCollector, lab_hint

pytest_plugins = ["pytester"]

SUITE = """
import types
import pytest
from harness.errors import LabError, RestoreDefect, TransportError

A, B = types.SimpleNamespace(name="import-cm01"), types.SimpleNamespace(name="wsb-fs01-files")

@pytest.fixture
def broken_lab():
    raise TransportError("HV-LAB01: connection refused (password hunter2-secret)")

@pytest.mark.parametrize("scenario", [A, B], ids=["import-cm01", "wsb-fs01-files"])
def test_passes(scenario):
    pass

@pytest.mark.parametrize("scenario", [A], ids=["import-cm01"])
def test_defect(scenario):
    raise RestoreDefect("VM not registered")

@pytest.mark.parametrize("scenario", [A], ids=["import-cm01"])
def test_assertion(scenario):
    assert 1 == 2, "switch is External"

@pytest.mark.parametrize("scenario", [B], ids=["wsb-fs01-files"])
def test_lab(scenario, broken_lab):
    pass

@pytest.mark.parametrize("scenario", [B], ids=["wsb-fs01-files"])
def test_bug(scenario):
    raise KeyError("oops")

@pytest.mark.parametrize("scenario", [B], ids=["wsb-fs01-files"])
def test_skipped(scenario):
    pytest.skip("no VM")

def test_run_level():
    raise LabError("preflight failed")
"""


def test_outcomes_by_scenario_and_kind(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    from harness.secrets import register_secret

    register_secret("hunter2-secret")
    pytester.makepyfile(test_suite=SUITE)
    collector = OutcomeCollector("lab.yml")
    pytester.runpytest("-p", "no:restore_harness", "-p", "no:randomly", plugins=[collector])
    cm, fs, run = collector.scenarios["import-cm01"], collector.scenarios["wsb-fs01-files"], collector.scenarios["(run)"]
    assert (cm.passed, cm.outcome) == (1, "failed")
    assert [(p.kind, p.message) for p in cm.problems] == [
        ("defect", "VM not registered"), ("defect", "AssertionError: switch is External\nassert 1 == 2")]
    assert (fs.passed, fs.skipped, fs.outcome) == (1, 1, "harness error")
    lab = next(p for p in fs.problems if p.kind == "lab")
    assert lab.test == "test_lab[wsb-fs01-files] (setup)" and lab.error_type == "TransportError"
    assert "hunter2-secret" not in lab.message and "connection refused" in lab.message
    assert "Test-WSMan" in lab.hint
    assert [p.kind for p in fs.problems] == ["lab", "harness"]
    assert run.outcome == "lab problem"
    assert collector.counts() == {"passed": 2, "defect": 2, "lab": 2, "harness": 1}


def test_hints_name_what_to_check() -> None:
    class PreflightFailed(LabError):
        pass

    assert "restore-harness doctor lab.yml" in lab_hint(PreflightFailed("x"), "lab.yml")
    assert "address, port, scheme and credentials in lab.yml" in lab_hint(TransportError("x"), "lab.yml")
    assert lab_hint(LabError("x"), "lab.yml").startswith("`restore-harness doctor lab.yml`")


def test_a_workers_reports_are_counted_in_the_controller_once() -> None:
    from types import SimpleNamespace

    collector = OutcomeCollector("lab.yml")
    event = {"scenario": "import-cm01", "what": "problem",
             "problem": {"kind": "lab", "test": "test_x[import-cm01]", "message": "m", "hint": "h", "error_type": "E"}}
    collector.pytest_runtest_logreport(SimpleNamespace(rh_outcome=event, node=object()))  # from a worker (xdist)
    collector.pytest_runtest_logreport(SimpleNamespace(rh_outcome={"scenario": "import-cm01", "what": "passed"},
                                                       node=object()))
    collector.pytest_runtest_logreport(SimpleNamespace(rh_outcome=event))  # no worker: seen in makereport already
    assert collector.counts() == {"passed": 1, "defect": 0, "lab": 1, "harness": 0}
    assert collector.scenarios["import-cm01"].problems[0].hint == "h"
