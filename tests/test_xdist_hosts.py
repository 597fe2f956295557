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


class _Worker:
    """A stand-in for xdist's WorkerController in the controller."""

    def __init__(self, worker: str, config: Any) -> None:
        self.gateway = SimpleNamespace(id=worker)
        self.config = config
        self.sent: list[int] = []

    def send_runtest_some(self, indices: list[int]) -> None:
        self.sent += indices

    def shutdown(self) -> None:
        pass


TESTS = ["suites/test_import_restore.py::test_import_restore[import-cm01]",
         "suites/test_import_restore.py::test_import_restore[import-sql01]",
         "suites/test_restored_vm.py::test_vm_registered[import-sql01]",
         "suites/test_restored_vm.py::test_switch_mapping[import-sql01]",
         "suites/test_restored_vm.py::test_vm_registered[import-cm01]"]


def _crashed(tmp_path: Path, error: str) -> tuple[Any, Any, list[Any]]:
    """A controller whose gw1 (HV-LAB02 in sim-lab-2hosts.yml) went down with ``error`` after its first
    test, reported as xdist's DSession.handle_crashitem does; returns (config, xdist's crash report,
    the reports the controller added)."""
    from harness.xdist_grouping import HostScheduling

    config = _configurable(tmp_path, "rh-20261121-2305-ab12")
    xdist_hosts.pytest_configure(config)
    added: list[Any] = []

    def logreport(report: Any) -> None:
        added.append(report)
        xdist_hosts.pytest_runtest_logreport(report)
    config.hook = SimpleNamespace(pytest_runtest_logreport=logreport)
    state = config.stash[xdist_hosts._STATE]
    sched = HostScheduling(config, None, xdist_hosts._host_of_nodeid(state.host_of), numnodes=2)
    gw0, gw1 = _Worker("gw0", config), _Worker("gw1", config)
    for node in (gw0, gw1):
        sched.add_node(node)
        sched.add_node_collection(node, TESTS)
    sched.schedule()
    assert gw1.sent == [1, 2, 3]
    sched.mark_test_complete(gw1, 1)
    xdist_hosts.pytest_testnodedown(gw1, error)
    crashitem = sched.remove_node(gw1)
    assert crashitem == TESTS[2]
    fspath = "suites/test_restored_vm.py"
    report = pytest.TestReport(nodeid=crashitem, location=(fspath, None, fspath), keywords={}, outcome="failed",
                               longrepr=f"worker 'gw1' crashed while running {crashitem!r}",
                               when="???")  # type: ignore[arg-type]
    report.node = gw1  # type: ignore[attr-defined]
    xdist_hosts.pytest_handlecrashitem(crashitem, report, sched)
    xdist_hosts.pytest_runtest_logreport(report)  # what handle_crashitem does next
    return config, report, added


def test_a_dead_workers_tests_are_failed_lab_problems_naming_it_its_host_and_the_cleanup(tmp_path: Path) -> None:
    from harness.exitcodes import ExitCode, for_pytest

    config, crash, added = _crashed(tmp_path, "Not properly terminated")
    inventory = str(Path(__file__).resolve().parents[1] / "inventories" / "sim-lab-2hosts.yml")
    cleanup = (f"restore-harness cleanup --inventory {inventory} --run-id rh-20261121-2305-ab12 "
               f"--reports {tmp_path / 'rep'}")
    dead = "worker gw1 (lab host HV-LAB02) died (Not properly terminated) before its part of the run ended"
    # xdist's report of the test that was running keeps its line and says which part ended and what to do
    assert crash.longrepr.splitlines()[0] == f"worker 'gw1' crashed while running {TESTS[2]!r}"
    assert crash.longrepr.splitlines()[1].startswith(f"did not end: {dead}")
    assert crash.longrepr.endswith(f"run `{cleanup}`")
    # every other test gw1 did not run: one failed report, as xdist's own, sent through the report hook
    (rep,) = added
    assert (rep.nodeid, rep.outcome, rep.when, rep.node.gateway.id) == (TESTS[3], "failed", "call", "gw1")
    assert rep.longrepr.startswith(f"not run: {dead}; that part was not torn down by the worker")
    assert rep.longrepr.endswith(f"run `{cleanup}`")
    for report in (crash, rep):  # classified for the summary (harness/outcomes.py), as a worker's report is
        assert report.rh_kind == "lab" and report.rh_outcome["scenario"] == "import-sql01"
        assert report.rh_outcome["problem"]["kind"] == "lab" and cleanup in report.rh_outcome["problem"]["hint"]
    # the run failed as a lab problem (it could not audit those tests), not as a restore defect
    assert xdist_hosts.outcomes(config) == {"lab": 2}
    assert for_pytest(xdist_hosts.exit_status(config, 1), xdist_hosts.outcomes(config)) == ExitCode.LAB
    part = config.stash[xdist_hosts._STATE].lost["gw1"]
    assert part.hosts == ("HV-LAB02",) and part.cleanup == cleanup
    assert part.not_run == ((TESTS[2], "import-sql01"), (TESTS[3], "import-sql01"))
    # once, after the run: the lost part and the command
    lines: list[str] = []
    terminal = SimpleNamespace(write_sep=lambda sep, title, **kw: lines.append(title), write_line=lines.append)
    xdist_hosts.pytest_terminal_summary(terminal, config)
    assert lines == ["parts of the run lost with their worker",
                     f"{dead}; that part was not torn down by the worker: 2 test(s) did not run to their end "
                     "(reported as failed)", f"remove what the run left: {cleanup}"]


def test_a_worker_interrupted_from_outside_says_its_teardown_ran(tmp_path: Path) -> None:
    _config, crash, (rep,) = _crashed(tmp_path, xdist_hosts.STOPPED_ITSELF)
    assert "worker gw1 (lab host HV-LAB02) was interrupted and stopped before its part of the run ended " \
           "(its teardown ran)" in rep.longrepr
    assert "died" not in rep.longrepr + crash.longrepr


def test_another_schedulers_crash_item_is_left_as_xdist_reports_it(tmp_path: Path) -> None:
    config = _configurable(tmp_path, "rh-20261121-2305-ab12")
    xdist_hosts.pytest_configure(config)
    report = SimpleNamespace(node=_Worker("gw1", config), longrepr="worker 'gw1' crashed while running 'x'")
    xdist_hosts.pytest_handlecrashitem("x", report, object())  # type: ignore[arg-type]
    assert report.longrepr == "worker 'gw1' crashed while running 'x'" and not hasattr(report, "rh_kind")
    lines: list[str] = []
    xdist_hosts.pytest_terminal_summary(SimpleNamespace(write_sep=lambda *a, **k: lines.append(a),
                                                        write_line=lines.append), config)
    assert lines == []


def test_a_part_whose_record_was_never_finished_is_merged_as_lost_and_fails_the_run(tmp_path: Path) -> None:
    import json

    from harness.evidence.keys import generate
    from harness.evidence.record import RunRecorder

    run_id = "rh-20261121-2305-ab12"
    config = _configurable(tmp_path, run_id)
    xdist_hosts.pytest_configure(config)
    key = tmp_path / "keys" / "evidence_ed25519"
    generate(str(key), "tests@restore-harness")
    options = {"--signing-key": str(key)}
    plain = config.getoption
    config.getoption = lambda name, default=None: options.get(name) or plain(name, default)
    config.pluginmanager = SimpleNamespace(getplugin=lambda name: None)
    inventory = Path(__file__).resolve().parents[1] / "inventories" / "sim-lab-2hosts.yml"
    for worker, host, finished in (("gw0", "HV-LAB01", True), ("gw1", "HV-LAB02", False)):
        rec = RunRecorder(run_id, xdist_hosts.part_dir(tmp_path / "rep", run_id, worker), inventory, simulated=True)
        rec.host_facts(host, {"computer_name": host})
        if finished:
            rec.finish()
    folder = xdist_hosts.merge_run(config)

    assert folder is not None and not (tmp_path / "rep" / "parts").exists()
    record = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    assert record["status"] == "interrupted"
    assert record["interrupted"].startswith(
        "gw1: worker gw1 (lab host HV-LAB02) ended without finishing its part of the run's record; tests not run: none")
    assert xdist_hosts.outcomes(config) == {"lab": 1}  # the run could not audit that part to its end
    lines: list[str] = []
    xdist_hosts.pytest_terminal_summary(SimpleNamespace(write_sep=lambda *a, **k: None, write_line=lines.append),
                                        config)
    assert lines[0] == "worker gw1 (lab host HV-LAB02) ended without finishing its part of the run's record"
    assert lines[1].startswith(f"remove what the run left: restore-harness cleanup --inventory {inventory} ")
