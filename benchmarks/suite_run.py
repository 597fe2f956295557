"""Run the real import suite (``suites/test_import_restore.py`` with the checks every restored VM gets,
``suites/test_restored_vm.py``) with pytest in a subprocess.

Why a subprocess with ``pytest`` and not the harness API: the suite path is what users run
(``restore-harness run`` = pytest + the plugin + Allure results), so the figures include fixture
wiring, preflight, ledger mirroring, evidence recording, Allure steps and teardown - the harness's
real overhead. A fresh interpreter per N also keeps one size's caches out of the next.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.labgen import REPO

SUITE = REPO / "suites" / "test_import_restore.py"
VM_SUITE = REPO / "suites" / "test_restored_vm.py"  # registration, checkpoints, switches (import and wsb-vm)


@dataclass
class SuiteFigures:
    """What one suite run measured (times in seconds)."""

    n: int
    exit_code: int
    process_seconds: float  # the whole subprocess, interpreter start included
    session_seconds: float  # pytest session start to finish (lab start, tests, teardown)
    remote_seconds: float  # sum of remote operation durations (as the transport saw them)
    sim_setup_seconds: float  # simulated lab build/start/stop (not harness work)
    http_requests: int
    winrm_commands: int
    operations: int
    by_template: dict[str, int]
    outcomes: dict[str, int]
    model: dict[str, Any] = field(default_factory=dict)
    harness_cpu_seconds: float = 0.0  # the main thread's CPU time outside remote operations and the simulator's set-up
    first_failure: str = ""
    output_tail: str = ""

    @property
    def overhead_seconds(self) -> float:
        """Time the harness spent not waiting on the host (nor starting the simulator)."""
        return self.session_seconds - self.remote_seconds - self.sim_setup_seconds

    @property
    def passed(self) -> int:
        return int(self.outcomes.get("call:passed", 0))

    def per_vm(self, value: float) -> float:
        return value / self.n

    def as_dict(self) -> dict[str, Any]:
        return {
            "n": self.n, "exit_code": self.exit_code, "tests_passed": self.passed, "outcomes": self.outcomes,
            "process_seconds": round(self.process_seconds, 3), "session_seconds": round(self.session_seconds, 3),
            "remote_seconds": round(self.remote_seconds, 3), "sim_setup_seconds": round(self.sim_setup_seconds, 3),
            "overhead_seconds": round(self.overhead_seconds, 3),
            "harness_cpu_seconds": round(self.harness_cpu_seconds, 3),
            "harness_cpu_seconds_per_vm": round(self.per_vm(self.harness_cpu_seconds), 4),
            "http_requests": self.http_requests, "winrm_commands": self.winrm_commands,
            "remote_operations": self.operations,
            "http_requests_per_vm": round(self.per_vm(self.http_requests), 2),
            "winrm_commands_per_vm": round(self.per_vm(self.winrm_commands), 2),
            "operations_by_template": self.by_template, "model_counters": self.model,
            "first_failure": self.first_failure,
        }


def run_suite(inventory: Path, n: int, work: Path, *, timeout: float = 900) -> SuiteFigures:
    """Run the suite on ``inventory`` (N scenarios) with results under ``work``; return the figures."""
    work.mkdir(parents=True, exist_ok=True)
    probe_out = work / "probe.json"
    env = dict(os.environ, RH_BENCH_OUT=str(probe_out), PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    cmd = [sys.executable, "-m", "pytest", str(SUITE), str(VM_SUITE), "--inventory", str(inventory), "--reports", str(work / "reports"),
           "--alluredir", str(work / "allure-results"), "-p", "benchmarks.probe", "-p", "no:cacheprovider",
           # one scenario after the other, restored by the test that needs it and never booted (the
           # import suite checks no guest): the check phase this benchmark measures, as before the
           # drill scheduler became the default (which also boots every VM; benchmarks/drill.py)
           "--serial",
           "-q", "--rootdir", str(work), "-c", os.devnull]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, timeout=timeout)
    process_seconds = time.perf_counter() - t0
    if not probe_out.exists():
        raise RuntimeError(f"the suite run for N={n} wrote no measurements (exit {proc.returncode}):\n"
                           f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    data = json.loads(probe_out.read_text(encoding="utf-8"))
    ops = data["operations"]
    wsman = data.get("wsman") or {}
    return SuiteFigures(
        n=n, exit_code=proc.returncode, process_seconds=process_seconds,
        session_seconds=float(data["session_seconds"] or 0.0),
        remote_seconds=sum(o["duration"] for o in ops), sim_setup_seconds=float(data["sim_seconds"]),
        http_requests=int(wsman.get("http_requests", 0)), winrm_commands=int(wsman.get("commands", 0)),
        operations=len(ops), by_template=dict(Counter(o["template"] for o in ops).most_common()),
        outcomes=data["outcomes"], model=data.get("model") or {}, first_failure=data.get("first_failure") or "",
        harness_cpu_seconds=max(0.0, float(data.get("session_cpu_seconds") or 0.0)
                                - sum(float(o.get("cpu") or 0.0) for o in ops if o.get("main_thread"))
                                - float(data.get("sim_cpu_seconds") or 0.0)),
        output_tail=(proc.stdout[-4000:] + proc.stderr[-2000:]) if proc.returncode != 0 else "",
    )
