"""harness/xdist_hosts.py without xdist processes: which scenario a test id names, which worker gets
which host, the scheduler driven with stand-in worker nodes, and the one ledger merged from parts."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from harness import xdist_hosts
from harness.ledger import REMOVED, Ledger, ledger_path
from harness.xdist_hosts import HostScheduling, assign, merge_ledgers, scenario_in_nodeid

NAMES = ["import-cm01", "import-sql01", "cm01", "bmr-fs01"]
HOST_OF = {"import-cm01": "HV-LAB01", "cm01": "HV-LAB01", "import-sql01": "HV-LAB02", "bmr-fs01": "HV-LAB03"}


def _host(nodeid: str) -> str | None:
    name = scenario_in_nodeid(nodeid, NAMES)
    return HOST_OF[name] if name else None


@pytest.mark.parametrize(("nodeid", "expected"), [
    ("suites/test_import_restore.py::test_registered[import-cm01]", "import-cm01"),
    ("suites/test_x.py::TestA::test_b[cm01]", "cm01"),  # a name that is part of a longer one
    ("suites/test_x.py::test_b[import-sql01-critical]", "import-sql01"),  # with another parameter
    ("suites/test_x.py::test_b[fast-bmr-fs01]", "bmr-fs01"),
    ("suites/test_x.py::test_run_level", None),
    ("suites/test_x.py::test_b[import-cm011]", None),  # not a whole word
])
def test_the_scenario_a_test_id_names(nodeid: str, expected: str | None) -> None:
    assert scenario_in_nodeid(nodeid, NAMES) == expected


IDS = ["s.py::t1[import-sql01]", "s.py::t1[import-cm01]", "s.py::t0", "s.py::t2[import-sql01]",
       "s.py::t2[bmr-fs01]", "s.py::t2[import-cm01]"]


def test_each_host_goes_to_one_worker_in_collection_order() -> None:
    # hosts sorted: HV-LAB01 -> gw0, HV-LAB02 -> gw1, HV-LAB03 -> gw0 (2 workers); no scenario -> gw0
    assert assign(IDS, _host, 2) == [[1, 2, 4, 5], [0, 3]]
    assert assign(IDS, _host, 4) == [[1, 2, 5], [0, 3], [4], []]
    assert assign(IDS, _host, 1) == [[0, 1, 2, 3, 4, 5]]


class _Node:
    def __init__(self, worker: str) -> None:
        self.gateway = SimpleNamespace(id=worker)
        self.sent: list[int] = []
        self.shut = False

    def send_runtest_some(self, indices: list[int]) -> None:
        self.sent += indices

    def shutdown(self) -> None:
        self.shut = True


def _scheduler(workers: int) -> tuple[HostScheduling, list[_Node]]:
    config: Any = SimpleNamespace(stash={}, hook=SimpleNamespace(pytest_collectreport=lambda report: None))
    sched = HostScheduling(config, None, _host, numnodes=workers)
    nodes = [_Node(f"gw{i}") for i in range(workers)]
    for node in reversed(nodes):  # workers become ready in any order
        sched.add_node(node)
        sched.add_node_collection(node, IDS)
    return sched, nodes


def test_the_scheduler_sends_each_worker_its_hosts_tests_then_stops_it() -> None:
    config: Any = SimpleNamespace(stash={})
    partial = HostScheduling(config, None, _host, numnodes=3)
    partial.add_node(_Node("gw1"))
    partial.add_node_collection(partial.nodes[0], IDS)
    assert not partial.collection_is_completed and not partial.tests_finished  # waits for every worker
    sched, (gw0, gw1, gw2) = _scheduler(3)
    assert sched.collection_is_completed
    sched.schedule()
    assert (gw0.sent, gw1.sent, gw2.sent) == ([1, 2, 5], [0, 3], [4])
    assert gw0.shut and gw1.shut and gw2.shut  # all of its tests are queued: the worker ends after them
    assert sched.has_pending and not sched.tests_finished
    for node in (gw0, gw1, gw2):
        for index in list(node.sent):
            sched.mark_test_complete(node, index)
    assert sched.tests_finished and not sched.has_pending
    assert sched.remove_node(gw0) is None  # a worker that ran everything


def test_a_worker_without_a_host_gets_nothing_and_stops() -> None:
    sched, nodes = _scheduler(5)
    sched.schedule()
    assert [n.sent for n in nodes] == [[1, 2, 5], [0, 3], [4], [], []]
    assert all(n.shut for n in nodes)


def test_a_worker_that_dies_keeps_its_tests_and_names_the_crashed_one() -> None:
    sched, (gw0, gw1) = _scheduler(2)
    sched.schedule()
    sched.mark_test_complete(gw1, 0)
    assert sched.remove_node(gw1) == IDS[3]  # the test it was running: xdist reports it as crashed
    assert sched.dropped == [IDS[3]]  # never moved to gw0, which holds HV-LAB01's part of the run
    assert gw0.sent == [1, 2, 4, 5]


def test_a_worker_stopped_by_ctrl_c_is_not_a_crash() -> None:
    sched, (gw0, _gw1) = _scheduler(2)
    sched.config.stash[xdist_hosts._STATE] = xdist_hosts.ScaleOut(signals=1)
    sched.schedule()
    assert sched.remove_node(gw0) is None
    assert sched.dropped == [IDS[i] for i in (1, 2, 4, 5)]


def test_different_collections_stop_the_workers_with_a_collection_error() -> None:
    seen = []
    config: Any = SimpleNamespace(stash={}, hook=SimpleNamespace(pytest_collectreport=lambda report: seen.append(report)))
    sched = HostScheduling(config, None, _host, numnodes=2)
    gw0, gw1 = _Node("gw0"), _Node("gw1")
    for node, ids in ((gw0, IDS), (gw1, IDS[:-1])):
        sched.add_node(node)
        sched.add_node_collection(node, ids)
    sched.schedule()
    assert len(seen) == 1 and seen[0].failed and gw0.shut and gw1.shut and not gw0.sent
    assert sched.tests_finished


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
