"""``restore-harness run`` and ``restore-harness demo``: pytest on suites/ with the harness options.

The exit code is the plugin's (harness/exitcodes.py, ``ExitCode``): 0 all checks passed · 1 a restore
check failed · 2 interrupted (teardown ran) · 3 lab problem · 4 harness or usage error · 5 nothing
collected.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import pytest

from harness.evidence.allure_report import default_history_file, generate
from harness.exitcodes import ExitCode

REPO_ROOT = Path(__file__).resolve().parents[1]
SUITES = REPO_ROOT / "suites"
SIM_INVENTORY = REPO_ROOT / "inventories" / "sim-lab.yml"


def pytest_args(args: argparse.Namespace, suites: Path = SUITES) -> list[str]:
    """The pytest command line for ``args`` (one place; unit-tested)."""
    reports = Path(getattr(args, "reports", None) or "reports")
    argv = [str(suites), "-p", "no:cacheprovider", "--rootdir", str(REPO_ROOT),
            "--inventory", str(getattr(args, "inventory", None) or SIM_INVENTORY),
            "--reports", str(reports), "--alluredir", str(reports / "allure-results")]
    for name in getattr(args, "scenario", None) or []:
        argv += ["--scenario", name]
    if getattr(args, "run_id", None):
        argv += ["--run-id", args.run_id]
    if getattr(args, "keep", False):
        argv.append("--keep")
    if getattr(args, "take_over_stale_lock", False):
        argv.append("--take-over-stale-lock")
    if getattr(args, "keyword", None):
        argv += ["-k", args.keyword]
    argv += list(getattr(args, "pytest_args", None) or [])
    return argv


def run(args: argparse.Namespace) -> int:
    """Run the suites; Allure results go to ``<reports>/allure-results`` (cleaned first)."""
    reports = Path(getattr(args, "reports", None) or "reports")
    results = reports / "allure-results"
    if results.exists():
        shutil.rmtree(results)
    return int(pytest.main(pytest_args(args)))


def demo(args: argparse.Namespace) -> int:
    """Every suite against the built-in simulated lab, then the Allure HTML report if it can be built."""
    ns = argparse.Namespace(inventory=str(SIM_INVENTORY), reports=getattr(args, "reports", None) or "reports",
                            scenario=[], run_id=None, keep=False, keyword=None, pytest_args=[])
    code = run(ns)
    reports = Path(ns.reports)
    try:
        index = generate(reports / "allure-results", reports / "allure-report", default_history_file(reports),
                         report_name="restore-harness demo (simulated lab)")
        print(f"Allure HTML report: {index}")
    except Exception as exc:  # the report is a convenience; the run's outcome stands
        print(f"Allure HTML report: not built: {exc}")
    return code
