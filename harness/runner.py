"""``restore-harness run`` and ``restore-harness demo``: pytest on the suites with the harness options,
then a short summary, the Allure report (with history) and, on request, the summary as JSON.

Before pytest starts, the inventory is validated (the ``validate`` message, exit 2) and the
``--scenario`` names checked (the known ones listed, exit 4), so a bad input reads in a few lines.
pytest's per-test tracebacks are off unless ``-v``/``--debug``: the summary says each problem once.

Exit codes are the plugin's (docs/plugin.md): 0 all checks passed · 1 a restore check failed ·
2 interrupted (teardown ran) · 3 lab problem · 4 harness or usage error · 5 nothing collected; an
invalid inventory is 2 as with ``validate``. ``--lab-problem-exit`` / ``--defect-exit`` choose what
a lab problem or a restore defect returns (CI: fail on one, not the other; docs/ci.md).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

import pytest

from harness import naming, progress
from harness.errors import InventoryError, UsageError
from harness.exitcodes import ExitCode
from harness.outcomes import OutcomeCollector
from harness.summary import RunSummary, build_summary, render

REPO_ROOT = Path(__file__).resolve().parents[1]
SUITES = REPO_ROOT / "suites"
SIM_INVENTORY = REPO_ROOT / "inventories" / "sim-lab.yml"
EXIT_OK, EXIT_DEFECT, EXIT_INVALID, EXIT_LAB, EXIT_USAGE = (ExitCode.OK, ExitCode.DEFECT, ExitCode.INVALID,
                                                          ExitCode.LAB, ExitCode.HARNESS)


def load_checked_inventory(path: str | Path, scenarios: Sequence[str] = ()) -> Any:
    """The validated inventory; raises :class:`InventoryError` (the ``validate`` message) or
    :class:`UsageError` naming unknown ``scenarios`` and listing the known ones."""
    from harness.inventory import load_inventory

    inventory = load_inventory(str(path))
    known = [s.name for s in inventory.scenarios]
    unknown = [n for n in scenarios if n not in known]
    if unknown:
        raise UsageError(f"unknown scenario(s) {', '.join(unknown)}: {path} has "
                         f"{', '.join(known) or 'no scenarios'}")
    return inventory


def reports_dir(args: argparse.Namespace, inventory: Any) -> Path:
    """``--reports`` when given, else the inventory's ``reports.dir`` (one rule for every command)."""
    return Path(getattr(args, "reports", None) or inventory.reports.dir)


def report_title(inventory: Any) -> str:
    """The report title from the inventory: ``reports.title`` and, when set, ``reports.organisation``."""
    title = inventory.reports.title
    return f"{title} — {inventory.reports.organisation}" if inventory.reports.organisation else title


def suite_paths(args: argparse.Namespace) -> list[Path]:
    """The suites to run: ``--suite`` files or folders (checked), else the built-in suites/."""
    given = [Path(p) for p in (getattr(args, "suite", None) or [])]
    missing = [str(p) for p in given if not p.exists()]
    if missing:
        raise UsageError(f"--suite {', '.join(missing)}: no such file or folder")
    return given or [SUITES]


def pytest_args(args: argparse.Namespace, *, run_id: str, reports: Path, suites: Sequence[Path] | None = None
                ) -> list[str]:
    """The pytest command line for ``args`` (one place; unit-tested)."""
    suites = list(suites) if suites is not None else [SUITES]
    builtin = all(Path(s).resolve().is_relative_to(SUITES) for s in suites)
    argv = [str(s) for s in suites]
    # pywinrm's notice about REQUESTS_CA_BUNDLE says nothing about the restore (pyproject.toml filters it too)
    argv += ["-p", "no:cacheprovider", "-W", "ignore:'pywinrm' will use an environment variable:DeprecationWarning",
             "--rootdir", str(REPO_ROOT if builtin else Path.cwd()),
             "--inventory", str(getattr(args, "inventory", None) or SIM_INVENTORY),
             "--reports", str(reports), "--alluredir", str(reports / "allure-results"), "--run-id", run_id]
    for name in getattr(args, "scenario", None) or []:
        argv += ["--scenario", name]
    if getattr(args, "keep", False):
        argv.append("--keep")
    if getattr(args, "serial", False):
        argv.append("--serial")
    if getattr(args, "signing_key", None):
        argv += ["--signing-key", args.signing_key]
    if getattr(args, "take_over_stale_lock", False):
        argv.append("--take-over-stale-lock")
    if getattr(args, "workers", None):  # pytest-xdist: each host's scenarios in one worker (harness/xdist_hosts.py)
        argv += ["-n", str(args.workers), "--worker-progress"]
    if getattr(args, "keyword", None):
        argv += ["-k", args.keyword]
    if getattr(args, "junitxml", None):
        argv += [f"--junitxml={args.junitxml}"]
    verbose, debug = int(getattr(args, "verbose", 0) or 0), bool(getattr(args, "debug", False))
    if debug or verbose >= 2:
        argv += ["-v", "--tb=long", "-rfE"]
    elif verbose == 1:
        argv += ["--tb=short", "-rfE"]
    else:  # the summary says each problem once; tracebacks with -v / --debug
        argv += ["-q", "--tb=no", "-rN"]
    argv += list(getattr(args, "pytest_args", None) or [])
    return argv


def final_exit_code(pytest_code: int, counts: dict[str, int], *, lab_exit: int = EXIT_LAB,
                    defect_exit: int = EXIT_DEFECT) -> int:
    """The plugin's exit code with the lab-problem and defect codes chosen by the caller. A run with
    both keeps the plugin's order (lab problem first) unless that one is mapped to 0."""
    if pytest_code not in (EXIT_DEFECT, EXIT_LAB):
        return pytest_code
    for kind, code in (("lab", lab_exit), ("defect", defect_exit)):
        if counts.get(kind) and code:
            return code
    if not counts.get("lab") and not counts.get("defect"):
        return pytest_code  # the plugin saw a failure the collector did not (keep it)
    return EXIT_OK


def build_allure_report(reports: Path, title: str, history_runs: int | None = None) -> tuple[Path | None, str | None]:
    """Rebuild ``<reports>/allure-report/index.html`` from ``<reports>/allure-results`` with the
    history in ``<reports>/history`` (one function for ``run``, ``demo`` and ``allure-report``).
    Returns (index, None) or (None, why it was not built): the report is a convenience; the run's
    outcome and evidence stand without it."""
    from harness.evidence.allure_report import default_history_file, generate

    results = reports / "allure-results"
    if not results.is_dir() or not any(results.iterdir()):
        return None, f"not built: no results in {results}"
    try:
        return generate(results, reports / "allure-report", default_history_file(reports), report_name=title,
                        history_limit=history_runs), None
    except Exception as exc:  # noqa: BLE001 - the reason is shown; the run's exit code stands
        return None, f"not built: {exc}"


def _console_stream() -> TextIO:
    """A stream to the real stderr that pytest's output capture (fd level) does not swallow."""
    try:
        return os.fdopen(os.dup(sys.stderr.fileno()), "w", buffering=1, encoding="utf-8", errors="replace")
    except (AttributeError, OSError, ValueError):  # no real file descriptor (e.g. under capsys)
        return sys.stderr


@contextlib.contextmanager
def console_progress(run_id: str, scenarios: Sequence[str], stream: TextIO | None = None) -> Iterator[None]:
    """Show progress of long waits on the console while the run is in this block."""
    from harness.remote import events

    out = stream or _console_stream()
    console = progress.ConsoleProgress(out)
    try:
        with progress.listening(console), events.listening(progress.RemoteProgress(run_id, list(scenarios))):
            yield
    finally:
        console.close()
        if out is not sys.stderr and out is not stream:
            out.close()


def execute(args: argparse.Namespace, *, out: TextIO | None = None) -> tuple[int, RunSummary | None]:
    """Run the suites for ``args`` and return (exit code, summary); prints the summary to ``out``."""
    out = out or sys.stdout
    inventory_path = str(getattr(args, "inventory", None) or SIM_INVENTORY)
    scenarios = list(getattr(args, "scenario", None) or [])
    try:
        inventory = load_checked_inventory(inventory_path, scenarios)
    except InventoryError as exc:
        print(str(exc), file=sys.stderr)
        print(f"(the inventory is invalid: fix it, then `restore-harness validate {inventory_path}`)", file=sys.stderr)
        return EXIT_INVALID, None
    suites = suite_paths(args)
    reports = reports_dir(args, inventory)
    run_id = getattr(args, "run_id", None) or naming.new_run_id()
    results = reports / "allure-results"
    if results.exists():
        shutil.rmtree(results)
    collector = OutcomeCollector(inventory_path)
    names = scenarios or [s.name for s in inventory.scenarios]
    print(f"Run {run_id}: {len(names)} scenario(s) on {inventory_path}; reports in {reports}", file=out, flush=True)
    with console_progress(run_id, [s.name for s in inventory.scenarios]):
        code = int(pytest.main(pytest_args(args, run_id=run_id, reports=reports, suites=suites),
                               plugins=[collector]))
    own = code
    code = final_exit_code(code, collector.counts(), lab_exit=getattr(args, "lab_problem_exit", EXIT_LAB),
                           defect_exit=getattr(args, "defect_exit", EXIT_DEFECT))
    history_runs = inventory.reports.allure_history_runs
    index, note = build_allure_report(reports, report_title(inventory), history_runs) \
        if not getattr(args, "no_allure_report", False) else (None, "not built (--no-allure-report)")
    summary = build_summary(run_id=run_id, exit_code=code, inventory=inventory_path, reports=reports,
                            selected=[s.name for s in inventory.scenarios if not scenarios or s.name in scenarios],
                            collector=collector, allure_report=index, allure_note=note,
                            junitxml=getattr(args, "junitxml", None), outcome_code=own)
    print("", file=out)
    print(render(summary, verbose=int(getattr(args, "verbose", 0) or 0) + int(bool(getattr(args, "debug", False)))),
          file=out)
    if getattr(args, "copy_evidence", None):
        for line in copy_evidence(summary, Path(args.copy_evidence)):
            print(line, file=out)
    if getattr(args, "json", None):
        summary.write_json(Path(args.json))
        print(f"Summary JSON: {args.json}", file=out)
    return code, summary


def copy_evidence(summary: RunSummary, target: Path) -> list[str]:
    """Copy this run's evidence folder (``<target>/evidence/<run id>``, manifest included, so
    ``verify-evidence`` works on the copy) and the Allure report (``<target>/allure-report``) for a CI
    artifact. Never overwrites a copy of the same run. A copy that fails is said, and the run's exit
    code stands (the evidence itself is in the reports folder)."""
    lines = []
    try:
        if summary.evidence_dir:
            dest = target / "evidence" / summary.run_id
            if dest.exists():
                raise FileExistsError(f"{dest} already exists (a run's evidence is never overwritten)")
            shutil.copytree(summary.evidence_dir, dest)
            lines.append(f"Evidence copied to {dest}")
        if summary.allure_report:
            dest = target / "allure-report"
            shutil.copytree(Path(summary.allure_report).parent, dest, dirs_exist_ok=True)
            lines.append(f"Allure report copied to {dest}")
    except OSError as exc:
        lines.append(f"--copy-evidence {target}: not copied: {exc}")
    return lines


def run(args: argparse.Namespace) -> int:
    """``restore-harness run``: the suites against the inventory's lab, then the summary."""
    return execute(args)[0]


def demo(args: argparse.Namespace) -> int:
    """``restore-harness demo``: every suite against the built-in simulated lab (reports in the sim
    inventory's ``reports.dir`` unless ``--reports``), with the same summary and Allure report as ``run``."""
    ns = argparse.Namespace(**{**vars(args), "inventory": str(SIM_INVENTORY), "scenario": [], "suite": [],
                               "run_id": None, "keep": False, "keyword": None, "pytest_args": []})
    return execute(ns)[0]


def allure_report(args: argparse.Namespace) -> int:
    """``restore-harness allure-report``: rebuild the report of the last run's results (with history),
    titled from the inventory's ``reports.title``/``organisation``."""
    from harness.cli import DEFAULT_INVENTORY

    path = getattr(args, "inventory", None)
    inventory = None
    if path or Path(DEFAULT_INVENTORY).is_file():
        inventory = load_checked_inventory(path or DEFAULT_INVENTORY)
    reports = Path(getattr(args, "reports_dir", None) or (inventory.reports.dir if inventory else "reports"))
    title = report_title(inventory) if inventory else "Restore test evidence"
    index, note = build_allure_report(reports, title, inventory.reports.allure_history_runs if inventory else None)
    if index is None:
        print(f"allure-report: {note}", file=sys.stderr)
        return EXIT_USAGE
    print(index)
    return EXIT_OK
