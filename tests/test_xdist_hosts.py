"""harness/xdist_hosts.py without xdist processes: the one ledger merged from the parts, the
controller's run id, Ctrl-C passed on to the workers, the workers' outcomes and exit status."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from harness import xdist_hosts
from harness.ledger import REMOVED, Ledger, ledger_path
from harness.xdist_hosts import merge_ledgers

def test_the_parts_ledgers_become_the_runs_one_ledger(tmp_path: Path) -> None:
    run_id = "rh-20261121-2305-ab12"
    parts = []
    for worker, host in (("gw0", "HV-LAB01"), ("gw1", "HV-LAB02")):
        ledger = Ledger.create(run_id, tmp_path / "parts" / run_id / worker, {host: "E:\\RestoreTests"})
        folder = ledger.intend("folder", host, "_run", path=ledger.run_dir(host))
        vm = ledger.intend("vm", host, "s1", path=ledger.run_dir(host, "s1"), vm_name=f"{run_id}-s1")
        ledger.settle(folder, REMOVED)
        del vm  # left open: the part's teardown did not remove it
        parts.append(ledger_path(tmp_path / "parts" / run_id / worker, run_id))
    merged = merge_ledgers(tmp_path, run_id, parts)
    again = Ledger.load(ledger_path(tmp_path, run_id))
    assert merged is not None and [e.seq for e in again] == [1, 2, 3, 4]
    assert [(e.host, e.kind, e.state) for e in again] == [("HV-LAB01", "folder", "removed"), ("HV-LAB01", "vm", "intent"),
                                                          ("HV-LAB02", "folder", "removed"), ("HV-LAB02", "vm", "intent")]
    assert again.scratch_roots == {"HV-LAB01": "E:\\RestoreTests", "HV-LAB02": "E:\\RestoreTests"}
    assert merge_ledgers(tmp_path, "rh-20261121-2305-zz99", []) is None


def _controller(tmp_path: Path) -> Any:
    """A stand-in controller config: ``-n 2`` given, not a worker, a stash."""
    return SimpleNamespace(option=SimpleNamespace(numprocesses=2, dist="load"), stash={},
                           pluginmanager=SimpleNamespace(getplugin=lambda name: None))


@pytest.mark.skipif(os.name != "posix", reason="on Windows the console gives Ctrl-C to the workers itself")
def test_the_controller_passes_ctrl_c_on_to_each_worker_once_per_signal(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "import sys, time\ntry:\n    print('ready', flush=True)\n"
                              "    time.sleep(60)\nexcept KeyboardInterrupt:\n    print('interrupted')\n"],
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    config = _controller(tmp_path)
    config.stash[xdist_hosts._STATE] = state = xdist_hosts.ScaleOut(pids={"gw0": child.pid})
    before = signal.getsignal(signal.SIGINT)
    session: Any = SimpleNamespace(config=config)
    xdist_hosts.pytest_sessionstart(session)
    try:
        signal.raise_signal(signal.SIGINT)  # the controller does not stop: it passes the signal on
        assert child.wait(timeout=30) == 0 and child.stdout.read().strip() == "interrupted"
        assert state.signals == 1 and xdist_hosts.signalled(config)
    finally:
        state.pids.clear()  # (no part to merge here)
        xdist_hosts.pytest_sessionfinish(session)  # the handlers go back
    assert signal.getsignal(signal.SIGINT) is before


def test_ctrl_c_before_any_worker_is_ready_stops_the_controller(tmp_path: Path) -> None:
    import signal

    config = _controller(tmp_path)
    config.stash[xdist_hosts._STATE] = xdist_hosts.ScaleOut()
    session: Any = SimpleNamespace(config=config)
    xdist_hosts.pytest_sessionstart(session)
    try:
        with pytest.raises(KeyboardInterrupt):  # nothing was created anywhere yet
            signal.raise_signal(signal.SIGINT)
    finally:
        xdist_hosts.pytest_sessionfinish(session)


def test_a_worker_that_stopped_its_session_is_a_failure_not_an_interruption(tmp_path: Path) -> None:
    config = _controller(tmp_path)
    config.stash[xdist_hosts._STATE] = state = xdist_hosts.ScaleOut()
    assert xdist_hosts.exit_status(config, 2) == 1  # e.g. its host was in use: the test's report says so
    assert xdist_hosts.exit_status(config, 0) == 0 and xdist_hosts.exit_status(config, 5) == 5
    state.signals = 1
    assert xdist_hosts.exit_status(config, 2) == 2  # a real Ctrl-C
    one_process: Any = SimpleNamespace(option=SimpleNamespace(numprocesses=None, dist="no"), stash={})
    assert xdist_hosts.exit_status(one_process, 2) == 2


def test_the_controller_counts_the_outcomes_the_workers_classified(tmp_path: Path) -> None:
    config = _controller(tmp_path)
    config.stash[xdist_hosts._STATE] = xdist_hosts.ScaleOut()
    worker = SimpleNamespace(config=config)
    for kind in ("passed", "lab", "passed", None):
        xdist_hosts.pytest_runtest_logreport(SimpleNamespace(node=worker, rh_kind=kind))
    xdist_hosts.pytest_runtest_logreport(SimpleNamespace(rh_kind="defect"))  # not from a worker
    assert xdist_hosts.outcomes(config) == {"passed": 2, "lab": 1}


def _configurable(tmp_path: Path, run_id: str | None) -> Any:
    options = {"--inventory": str(Path(__file__).resolve().parents[1] / "inventories" / "sim-lab-2hosts.yml"),
               "--reports": str(tmp_path / "rep")}
    option = SimpleNamespace(numprocesses=2, dist="load", run_id=run_id, maxworkerrestart=None)
    return SimpleNamespace(option=option, stash={}, getoption=lambda name, default=None: option.run_id
                           if name == "--run-id" else options.get(name, default))  # as pytest: the option's value


def test_the_controller_chooses_one_run_id_for_its_workers_and_no_restarts(tmp_path: Path) -> None:
    config = _configurable(tmp_path, None)
    xdist_hosts.pytest_configure(config)
    assert config.option.run_id.startswith("rh-") and config.option.maxworkerrestart == "0"
    state = config.stash[xdist_hosts._STATE]
    assert state.host_of["import-cm01"] == "HV-LAB01" and state.host_of["import-sql01"] == "HV-LAB02"


def test_the_controller_refuses_a_run_id_used_before(tmp_path: Path) -> None:
    run_id = "rh-20261121-2305-ab12"
    (tmp_path / "rep" / "evidence" / run_id).mkdir(parents=True)
    (tmp_path / "rep" / "evidence" / run_id / "MANIFEST.sha256").write_text("", encoding="utf-8")
    with pytest.raises(pytest.UsageError, match=f"run id {run_id} was used before"):
        xdist_hosts.pytest_configure(_configurable(tmp_path, run_id))


def test_a_worker_gets_the_controllers_run_id(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    controller = _configurable(tmp_path, None)
    xdist_hosts.pytest_configure(controller)
    node = SimpleNamespace(config=controller, workerinput={"workerid": "gw1", "workercount": 2})
    xdist_hosts.pytest_configure_node(node)
    monkeypatch.setattr(xdist_hosts.os, "setpgid", lambda *args: None)  # not this test process's group
    worker = _configurable(tmp_path, None)
    worker.workerinput = node.workerinput
    xdist_hosts.pytest_configure(worker)
    assert worker.option.run_id == controller.option.run_id
    assert xdist_hosts.run_options(worker, SimpleNamespace(reports=SimpleNamespace(dir="unused"))) == {
        "reports": tmp_path / "rep" / "parts" / controller.option.run_id / "gw1", "sign": False}
