"""``restore-harness verify-evidence`` and ``restore-harness status`` (and ``allure-report``).

``harness/cli.py`` wires these in with :func:`add_subcommands`; ``python -m harness.evidence.cli``
runs them stand-alone.

Exit codes: verify-evidence 0 intact, 1 changed/added/removed files or no manifest, 4 usage error.
status 0 every system current, 1 at least one system overdue (or never passed), 4 usage error.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from harness.evidence.manifest import manifest_digest, verify_tree
from harness.evidence.status import compute_status, load_runs

EXIT_OK = 0
EXIT_FINDING = 1
EXIT_USAGE = 4
DEFAULT_EVIDENCE_DIR = Path("reports/evidence")


def verify_evidence(args: argparse.Namespace) -> int:
    """Verify one run's evidence directory (``args.dir``) against its MANIFEST.sha256."""
    root = Path(args.dir)
    if not root.is_dir():
        print(f"verify-evidence: {root}: no such directory (give reports/evidence/<RUN_ID>)", file=sys.stderr)
        return EXIT_USAGE
    result = verify_tree(root)
    if result.ok:
        print(f"OK {root}: {result.checked} files match MANIFEST.sha256 (manifest SHA-256 {manifest_digest(root)})")
        return EXIT_OK
    print(f"FAILED {root}: evidence does not match its manifest", file=sys.stderr)
    for line in result.problems():
        print(f"  {line}", file=sys.stderr)
    return EXIT_FINDING


def status(args: argparse.Namespace) -> int:
    """List each system's last passing restore test and next due date from archived evidence."""
    root = Path(getattr(args, "evidence_dir", None) or DEFAULT_EVIDENCE_DIR)
    today_text = getattr(args, "today", None)
    try:
        today = date.fromisoformat(today_text) if today_text else date.today()
    except ValueError:
        print(f"status: --today {today_text!r} is not a date (use YYYY-MM-DD)", file=sys.stderr)
        return EXIT_USAGE
    if not root.is_dir():
        print(f"status: {root}: no such directory (give the folder that holds <RUN_ID> folders, "
              "e.g. reports/evidence)", file=sys.stderr)
        return EXIT_USAGE
    runs = load_runs(root)
    for run in runs:
        if not run.trusted:
            print(f"IGNORED run {run.run_id} ({run.path}): fails verification, not counted", file=sys.stderr)
            for line in run.problems:
                print(f"  {line}", file=sys.stderr)
    rows = compute_status(runs, today)
    if not rows:
        trusted = sum(1 for r in runs if r.trusted)
        print(f"No restore scenario on record under {root} ({trusted} trusted run folder(s), "
              f"{len(runs) - trusted} ignored).")
        return EXIT_FINDING
    header = ("SYSTEM", "LAST PASSED", "RUN", "NEXT DUE", "STATE")
    table = [header]
    for st in rows:
        state = "OVERDUE" if st.overdue else "ok"
        if st.last_passed is None:
            state = "OVERDUE (never passed)"
        if st.simulated_only:
            state += " [SIMULATED runs only]"
        table.append((
            st.system, st.last_passed.isoformat() if st.last_passed else "-", st.last_passed_run or "-",
            st.next_due.isoformat() if st.next_due else "now", state,
        ))
    widths = [max(_width(r[i]) for r in table) for i in range(len(header))]
    for row in table:
        print("  ".join(cell + " " * (w - _width(cell)) for cell, w in zip(row, widths)).rstrip())
    overdue = [st.system for st in rows if st.overdue]
    print(f"{len(rows)} system(s), {len(overdue)} overdue (as of {today.isoformat()})")
    return EXIT_FINDING if overdue else EXIT_OK


def allure_report(args: argparse.Namespace) -> int:
    """Generate the single-file Allure report with history (see harness.evidence.allure_report)."""
    from harness.evidence.allure_report import AllureReportError, default_history_file, generate

    reports = Path(args.reports_dir)
    try:
        index = generate(reports / "allure-results", reports / "allure-report", default_history_file(reports))
    except AllureReportError as exc:
        print(f"allure-report: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(index)
    return EXIT_OK


def _width(text: str) -> int:
    """Display width: East Asian wide characters take two columns."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def add_subcommands(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add verify-evidence, status and allure-report to a ``restore-harness`` sub-parser set; each
    sets ``func`` to the function that returns the exit code."""
    p = subparsers.add_parser("verify-evidence", help="check a run's evidence against its SHA-256 manifest")
    p.add_argument("dir", help="a run's evidence directory, e.g. reports/evidence/<RUN_ID>")
    p.set_defaults(func=verify_evidence)
    p = subparsers.add_parser("status", help="last passing restore test and next due date per system")
    p.add_argument("--evidence-dir", default=str(DEFAULT_EVIDENCE_DIR), help="folder of archived runs")
    p.add_argument("--today", default=None, help="judge overdue as of this date (YYYY-MM-DD)")
    p.set_defaults(func=status)
    p = subparsers.add_parser("allure-report", help="generate reports/allure-report/index.html offline")
    p.add_argument("--reports-dir", default="reports")
    p.set_defaults(func=allure_report)


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point (``python -m harness.evidence.cli``)."""
    parser = argparse.ArgumentParser(prog="restore-harness")
    add_subcommands(parser.add_subparsers(dest="command", required=True))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return EXIT_USAGE if exc.code else EXIT_OK
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
