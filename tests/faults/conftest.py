"""Fault-test scaffolding: an OUTSIDE lab (``restore-harness sim serve`` in its own process, so it
outlives the harness) and ``restore-harness run`` / ``cleanup`` as separate processes against it,
through an inventory that points at 127.0.0.1:<port> with the same hosts (``simulated: false``).

Moments are found from what the run writes - its ledger file and its ``-v`` output - never from
sleeps. Every wait is bounded and fails with what was seen so far. What the lab holds is asked over
WinRM (``lab_holdings.ps1``).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.inventory import load_inventory
from harness.ledger import ledger_path
from harness.remote.session import connect

pytest.importorskip("simlab")

REPO = Path(__file__).resolve().parents[2]
SIM_INVENTORY = REPO / "inventories" / "sim-lab.yml"
CLI = [sys.executable, "-m", "harness.cli"]
WAIT = 240.0  # upper bound of any wait below (a hung harness fails the test instead of hanging it)

# Test-only secrets of the simulated lab's accounts (planted: the secrets test scans for them).
SECRETS = {
    "RH_SIM_PASSWORD": "Sim-Host-Pw-7d3e9a",
    "RH_GUEST_PASSWORD": "Guest-Pw-51c0bb",
    "RH_NAS_USER": "wsb-reader",
    "RH_NAS_PASSWORD": "Nas-Share-Pw-%20&x=Ü",
}


def lab_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.update(SECRETS)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


class Output:
    """A process's combined stdout/stderr, collected by a thread, searchable while it runs."""

    def __init__(self, proc: subprocess.Popen[bytes], path: Path) -> None:
        self.proc = proc
        self.path = path
        self._lines: list[str] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        with self.path.open("w", encoding="utf-8") as fh:
            for raw in iter(self.proc.stdout.readline, b""):
                line = raw.decode("utf-8", errors="replace")
                fh.write(line)
                fh.flush()
                with self._lock:
                    self._lines.append(line.rstrip("\n"))

    @property
    def text(self) -> str:
        with self._lock:
            return "\n".join(self._lines)

    def join(self) -> None:
        self._thread.join(timeout=30)


def wait_for(what: str, predicate: Callable[[], Any], *, timeout: float = WAIT, proc: Any = None,
             output: Output | None = None) -> Any:
    """Poll ``predicate`` until it returns a true value; fail (not hang) after ``timeout`` s or when
    ``proc`` ended first."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            value = predicate()
            if value:
                return value
            pytest.fail(f"the process ended (exit {proc.returncode}) before {what}\n"
                        f"{output.text[-4000:] if output else ''}")
        time.sleep(0.05)
    pytest.fail(f"gave up waiting for {what} after {timeout:g} s\n{output.text[-4000:] if output else ''}")


@dataclass
class OutsideLab:
    """A ``sim serve`` process and the inventory that reaches it like a real lab."""

    proc: subprocess.Popen[bytes]
    output: Output
    port: int
    inventory: Path
    reports: Path
    scratch_root: str = "E:\\RestoreTests"
    baseline: dict[str, Any] = field(default_factory=dict)
    argv: list[str] = field(default_factory=list)  # the `sim serve` command line (for restart)

    def remote(self) -> Any:
        inv = load_inventory(self.inventory)
        return connect(inv.hosts[0], environ=lab_env())

    def holdings(self) -> dict[str, Any]:
        """Registered VMs (names) and the entries under the scratch root, asked over WinRM."""
        with self.remote() as host:
            data = host.run("lab_holdings", {"scratch_root": self.scratch_root}, idempotent=True, timeout=120) or {}
        vms = sorted(str(v["Name"]) for v in data.get("vms") or [])
        return {"vms": vms, "scratch_items": sorted(str(i) for i in data.get("scratch_items") or [])}

    def kill(self) -> None:
        """The lab dies (host crash, power loss): SIGKILL, no clean stop."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        """The host goes down (a reboot, the WinRM service stopped): its WS-Management endpoint stops
        answering; ``sim serve`` keeps the lab's state (VMs, files) for :meth:`restart`."""
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=60)
        self.output.join()

    def restart(self, tmp: Path) -> None:
        """The host is back, on the same port, with the state it had when it went down."""
        argv = [*self.argv, "--port", str(self.port)]
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=lab_env(), cwd=REPO,
                                     start_new_session=True)
        self.output = Output(self.proc, tmp / "sim-serve-2.log")
        wait_for("the simulated lab to listen again", lambda: "listening on" in self.output.text, timeout=60,
                 proc=self.proc, output=self.output)


def _lab_description(tmp: Path, faults: list[dict[str, Any]]) -> Path:
    """sim-lab.yml, with ``faults`` added to its simulated_lab section when given."""
    if not faults:
        return SIM_INVENTORY
    data = yaml.safe_load(SIM_INVENTORY.read_text(encoding="utf-8"))
    data["simulated_lab"]["faults"] = list(faults)
    path = tmp / "sim-lab-faults.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


#: The retry policy of the fault tests' hosts (hosts[].retry): still two retries with growing pauses,
#: but a lab that is down is given up on in a fraction of a second instead of 1 + 2 + 4 + 8 s per command.
FAST_RETRY = {"retries": 2, "backoff_sec": 0.05, "max_backoff_sec": 0.2}


def _outside_inventory(tmp: Path, port: int, reports: Path) -> Path:
    """The same hosts and scenarios as sim-lab.yml, but an ordinary lab: 127.0.0.1:<port>, not simulated,
    with :data:`FAST_RETRY`."""
    data = yaml.safe_load(SIM_INVENTORY.read_text(encoding="utf-8"))
    data.pop("simulated_lab", None)
    for host in data["hosts"]:
        host.update({"simulated": False, "address": "127.0.0.1", "port": port, "retry": dict(FAST_RETRY)})
    data["reports"]["dir"] = str(reports)
    path = tmp / "outside-lab.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def start_lab(tmp_path: Path) -> Iterator[Callable[..., OutsideLab]]:
    """``start_lab(faults=[...])`` starts ``restore-harness sim serve`` as a separate process."""
    labs: list[OutsideLab] = []

    def start(faults: list[dict[str, Any]] | None = None) -> OutsideLab:
        description = _lab_description(tmp_path, faults or [])
        argv = [*CLI, "sim", "serve", "--inventory", str(description), "--state-dir", str(tmp_path / "sim-state")]
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=lab_env(), cwd=REPO,
                                start_new_session=True)
        out = Output(proc, tmp_path / "sim-serve.log")
        m = wait_for("the simulated lab to listen",
                     lambda: re.search(r"listening on http://127\.0\.0\.1:(\d+)/wsman", out.text),
                     timeout=60, proc=proc, output=out)
        reports = tmp_path / "reports"
        lab = OutsideLab(proc, out, int(m.group(1)), _outside_inventory(tmp_path, int(m.group(1)), reports), reports,
                         argv=argv)
        labs.append(lab)
        lab.baseline = lab.holdings()
        return lab

    yield start
    for lab in labs:
        if lab.proc.poll() is None:
            lab.proc.send_signal(signal.SIGTERM)
            try:
                lab.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                lab.proc.kill()
                lab.proc.wait(timeout=30)
        lab.output.join()


@dataclass
class HarnessProcess:
    """``restore-harness run`` (or ``cleanup``) in its own process group, like a terminal job."""

    proc: subprocess.Popen[bytes]
    output: Output
    run_id: str
    reports: Path

    def signal(self, sig: int) -> None:
        """Send ``sig`` to the process group (what a terminal's Ctrl-C does)."""
        os.killpg(self.proc.pid, sig)

    def wait(self, timeout: float = WAIT) -> int:
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=30)
            pytest.fail(f"restore-harness did not end within {timeout:g} s\n{self.output.text[-4000:]}")
        self.output.join()
        return code

    def ledger(self) -> dict[str, Any]:
        """The run's local ledger file ({} before it exists or while it is being replaced)."""
        try:
            return json.loads(ledger_path(self.reports, self.run_id).read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return {}

    def entries(self, kind: str | None = None, state: str | None = None) -> list[dict[str, Any]]:
        return [e for e in self.ledger().get("entries", [])
                if (kind is None or e["kind"] == kind) and (state is None or e["state"] == state)]


def _run_cli(lab: OutsideLab, argv: list[str], tmp: Path, name: str, run_id: str) -> HarnessProcess:
    proc = subprocess.Popen([*CLI, *argv], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=lab_env(),
                            cwd=REPO, start_new_session=True)
    return HarnessProcess(proc, Output(proc, tmp / f"{name}.log"), run_id, lab.reports)


@pytest.fixture
def start_run(tmp_path: Path) -> Callable[..., HarnessProcess]:
    """``start_run(lab, run_id, scenarios, pytest_args)``: ``restore-harness run`` against the lab."""
    count = {"n": 0}

    def start(lab: OutsideLab, run_id: str, scenarios: list[str], pytest_args: list[str] | None = None,
              ) -> HarnessProcess:
        count["n"] += 1
        argv = ["--debug", "run", "--inventory", str(lab.inventory), "--reports", str(lab.reports), "--run-id", run_id]
        for s in scenarios:
            argv += ["--scenario", s]
        argv += ["--", "-v", "-p", "no:randomly", *(pytest_args or [])]
        return _run_cli(lab, argv, tmp_path, f"run-{count['n']}", run_id)

    return start


@pytest.fixture
def cleanup(tmp_path: Path) -> Callable[[OutsideLab, str], tuple[int, str]]:
    """``cleanup(lab, run_id)`` runs ``restore-harness cleanup`` and returns (exit code, output)."""
    count = {"n": 0}

    def run(lab: OutsideLab, run_id: str) -> tuple[int, str]:
        count["n"] += 1
        argv = ["cleanup", "--inventory", str(lab.inventory), "--run-id", run_id, "--reports", str(lab.reports)]
        p = _run_cli(lab, argv, tmp_path, f"cleanup-{count['n']}", run_id)
        code = p.wait()
        return code, p.output.text

    return run


def verify_evidence(reports: Path, run_id: str) -> tuple[int, str]:
    """``restore-harness verify-evidence`` on the run's evidence folder: (exit code, output)."""
    proc = subprocess.run([*CLI, "verify-evidence", str(reports / "evidence" / run_id)], capture_output=True,
                          text=True, env=lab_env(), cwd=REPO, timeout=120)
    return proc.returncode, proc.stdout + proc.stderr
