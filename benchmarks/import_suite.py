"""``make bench``: speed of the import suite against the simulated lab for 1, 10 and 50 source VMs.

For each N: generate the lab (``benchmarks.labgen``), run the real import suite with pytest
(``benchmarks.suite_run``), and check the lab's N restored copies the harness's way and the naive
testinfra way (``benchmarks.checks_compare``). Prints a table and writes ``reports/bench/latest.json``.

    python -m benchmarks.import_suite [--sizes 1,10,50] [--scale 100000] [--out reports/bench/latest.json]
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import secrets
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.checks_compare import compare_checks
from benchmarks.labgen import REPO, write_lab
from benchmarks.suite_run import SuiteFigures, run_suite

DEFAULT_SIZES = (1, 10, 50)
DEFAULT_SCALE = 100000.0  # simulated seconds per real second: an import's minutes of copying take ms
DEFAULT_OUT = REPO / "reports" / "bench" / "latest.json"


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--sizes {text!r}: write numbers separated by commas, e.g. 1,10,50") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"--sizes {text!r}: every N must be at least 1")
    return sizes


def measure(n: int, workdir: Path, *, scale: float, suite: bool = True, compare: bool = True) -> dict[str, Any]:
    """All figures for N source VMs (lab files and suite results under ``workdir``)."""
    inventory = write_lab(workdir / f"n{n}", n, scale=scale)
    out: dict[str, Any] = {"n": n}
    if suite:
        figures = run_suite(inventory, n, workdir / f"n{n}" / "run")
        out["suite"] = figures.as_dict()
        if figures.exit_code != 0:
            out["suite"]["failure"] = figures.output_tail
    if compare:
        out["checks"] = compare_checks(inventory, n)
    return out


def _suite_row(s: dict[str, Any]) -> str:
    ok = "ok" if s["exit_code"] == 0 else f"EXIT {s['exit_code']}"
    return (f"{s['n']:>4} {ok:>7} {s['tests_passed']:>6} {s['session_seconds']:>8.2f} {s['remote_seconds']:>8.2f} "
            f"{s['overhead_seconds']:>9.2f} {s['overhead_seconds'] / s['n']:>8.3f} "
            f"{s.get('harness_cpu_seconds_per_vm', 0.0):>8.3f} {s['http_requests_per_vm']:>8.1f} "
            f"{s['winrm_commands_per_vm']:>8.2f} {s['operations_by_template'].get('vm_facts', 0):>9}")


def table(results: list[dict[str, Any]]) -> str:
    """The printed summary: one table for the suite, one for the check-phase comparison."""
    lines = ["Import suite (pytest + plugin + Allure results; real WinRM to the simulated lab)",
             f"{'N':>4} {'result':>7} {'passed':>6} {'wall s':>8} {'remote s':>8} {'overhead':>9} {'ovh/VM':>8} {'cpu/VM':>8} "
             f"{'HTTP/VM':>8} {'cmds/VM':>8} {'vm_facts':>9}"]
    for r in results:
        if "suite" in r:
            lines.append(_suite_row(r["suite"]))
    for r in results:
        if r.get("suite", {}).get("first_failure"):
            lines.append(f"  N={r['n']} first failure: {r['suite']['first_failure'].splitlines()[0][:300]}")
    lines += ["", "Check phase over N restored VMs: harness (one vm_facts command) vs naive testinfra (one command per fact)",
              f"{'N':>4} {'way':>8} {'seconds':>8} {'HTTP':>6} {'cmds':>6} {'HTTP/VM':>8} {'cmds/VM':>8}  verdicts"]
    for r in results:
        c = r.get("checks")
        if not c:
            continue
        for key in ("harness", "naive"):
            p = c[key]
            lines.append(f"{c['n']:>4} {key:>8} {p['seconds']:>8.2f} {p['http_requests']:>6} {p['winrm_commands']:>6} "
                         f"{p['http_requests_per_vm']:>8.2f} {p['winrm_commands_per_vm']:>8.2f}  "
                         f"{'agree' if c['verdicts_agree'] else 'DIFFER'}")
        lines.append(f"{'':>4} {'ratio':>8} {c['ratio_seconds']:>8.1f} {c['ratio_http_requests']:>6.1f} "
                     f"{c['ratio_winrm_commands']:>6.1f}")
    return "\n".join(lines)


OTHER_FIGURES = ("drill", "drill_overhead")
"""Keys of latest.json that benchmarks/drill.py writes: kept when the import suite runs on its own."""


def _other_figures(path: Path) -> dict[str, Any]:
    """The drill's figures already in ``path`` (nothing when there is no readable file)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: data[k] for k in OTHER_FIGURES if isinstance(data, dict) and k in data}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.import_suite", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=_sizes, default=list(DEFAULT_SIZES), help="source VM counts (default 1,10,50)")
    parser.add_argument("--scale", type=float, default=DEFAULT_SCALE, help=f"simulated seconds per real second (default {DEFAULT_SCALE:g})")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON results file (default reports/bench/latest.json)")
    parser.add_argument("--no-suite", action="store_true", help="skip the suite runs (check comparison only)")
    parser.add_argument("--no-compare", action="store_true", help="skip the harness-vs-testinfra check comparison")
    args = parser.parse_args(argv)
    if args.scale <= 0:
        parser.error("--scale must be positive")
    os.environ.setdefault("RH_SIM_PASSWORD", secrets.token_urlsafe(18))  # the lab's account; never printed
    results = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="rh-bench-") as tmp:
        for n in args.sizes:
            t0 = time.perf_counter()
            results.append(measure(n, Path(tmp), scale=args.scale, suite=not args.no_suite, compare=not args.no_compare))
            print(f"N={n}: measured in {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    doc = {
        "benchmark": "import suite", "finished_at": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "sim_time_scale": args.scale, "sizes": args.sizes, "total_seconds": round(time.perf_counter() - started, 1),
        "python": platform.python_version(), "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        "results": results,
    }
    doc.update(_other_figures(args.out))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=1, ensure_ascii=False), encoding="utf-8")
    print(table(results))
    print(f"\nsimulated time scale {args.scale:g}; total {doc['total_seconds']} s; results in {args.out}")
    failed = [r["n"] for r in results if r.get("suite", {}).get("exit_code", 0) != 0]
    disagree = [r["n"] for r in results if r.get("checks") and not r["checks"]["verdicts_agree"]]
    if failed:
        print(f"the import suite did not pass for N={failed}; its figures are not a healthy run. "
              f"First failure output is in {args.out} (results[].suite.failure)", file=sys.stderr)
    if disagree:
        print(f"harness and naive verdicts differ for N={disagree}: see {args.out}", file=sys.stderr)
    return 1 if failed or disagree else 0


if __name__ == "__main__":
    sys.exit(main())
