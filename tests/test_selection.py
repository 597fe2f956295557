"""Scenarios not asked for are deselected (reported as deselected), not skipped."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

SUITE = """
import types
import pytest

ALL = [types.SimpleNamespace(name=n) for n in ("import-cm01", "import-sql01", "wsb-fs01-files")]

@pytest.mark.parametrize("scenario", ALL, ids=[s.name for s in ALL])
def test_registered(scenario):
    assert scenario.name

@pytest.mark.parametrize("scenario", [], ids=[])
def test_bmr_only(scenario):
    pass

def test_not_per_scenario():
    pass
"""


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_suite=SUITE)
    # the real plugin defines --scenario and calls deselect_scenarios; a stand-in keeps this test
    # about selection only
    pytester.makeconftest("from harness.selection import deselect_scenarios\n"
                          "def pytest_addoption(parser):\n"
                          "    parser.addoption('--scenario', action='append', default=[])\n"
                          "def pytest_collection_modifyitems(config, items):\n"
                          "    deselect_scenarios(config, items, config.getoption('--scenario'))\n")
    return pytester.runpytest("-p", "no:restore_harness", "-p", "no:randomly", "-v", *args)


def test_unselected_scenarios_are_deselected_not_skipped(pytester: pytest.Pytester) -> None:
    result = _run(pytester, "--scenario", "import-cm01")
    result.assert_outcomes(passed=2, deselected=3)
    out = result.stdout.str()
    assert "test_registered[import-cm01] PASSED" in out and "import-sql01" not in out
    assert "SKIPPED" not in out and "3 deselected" in out


def test_without_scenario_everything_runs_and_empty_sets_are_deselected(pytester: pytest.Pytester) -> None:
    result = _run(pytester)
    result.assert_outcomes(passed=4, deselected=1)
    assert "empty parameter set" not in result.stdout.str()


def test_scenario_names_match_case_insensitively(pytester: pytest.Pytester) -> None:
    _run(pytester, "--scenario", "IMPORT-SQL01", "--scenario", "wsb-fs01-files").assert_outcomes(passed=3, deselected=2)
