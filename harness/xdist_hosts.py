"""Scale-out across lab hosts with pytest-xdist (``-n N`` / ``-n auto``; docs/drills.md, "Scale-out
across lab hosts"), kept beside the plugin (harness/plugin.py registers it) so that the plugin stays thin.

* **Grouped by host.** ``HostScheduling`` (harness/xdist_grouping.py, through xdist's
  ``pytest_xdist_make_scheduler``; it replaces every ``--dist`` mode but ``each``) gives all of a lab
  host's tests to one worker, up front and in collection order: host *i* of the sorted hosts goes to
  worker ``gw<i mod n>``; tests without a scenario go to ``gw0``. A worker without a host gets no
  test and stops at once. The same function (``assign``) runs in every worker on its own collection
  (xdist checks that all are equal), so a worker knows its hosts before its first test.
* **One part of the run per worker.** A worker's run (the plugin's ``restore_run``) covers only its
  hosts: its own connections, host locks, ledger and ``--drill`` scheduler, under
  ``<reports>/parts/<run id>/<worker>/``, its record left unsigned. The run id is the controller's,
  chosen before the workers start.
* **The controller owns the run.** Workers leave the terminal's process group (POSIX), so Ctrl-C and
  SIGTERM reach the controller only; it passes each one on to every worker as SIGINT, and waits:
  each worker tears down what it created (a second Ctrl-C asks to abandon teardown, as in one
  process). On Windows the console already gives Ctrl-C to every worker. Then the controller folds
  the parts into the run's one evidence folder, signs it once (harness/evidence/merge.py), writes the
  run's one ledger and the run's context into the Allure results, and counts the workers' outcomes
  for the exit code. Restarting a crashed worker is off (``--max-worker-restart 0`` unless given):
  its hosts' part of the run cannot be resumed by another process.
* **A worker that dies is said, not hidden.** xdist reports the test it was running as crashed
  (``DSession.handle_crashitem``); through xdist's ``pytest_handlecrashitem`` the controller adds to
  that report which hosts' part ended and how to remove what it left, and reports each of the
  worker's tests that did not run as failed, "not run", the same way: a lab problem (exit 3; the
  run could not audit them). After the run it names the lost part and prints the cleanup command
  once; the merged record marks the part as lost (harness/evidence/merge.py) and the Allure results
  get a broken result for each of those tests (harness/evidence/allure_lost.py). A Ctrl-C passed on to
  the workers is no crash: their tests not run are not reported.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from harness import naming
from harness.check_records import outcome_kind
from harness.engine import recording
from harness.errors import InventoryError, LabError, UsageError, problem_kind
from harness.evidence.allure_lost import LostTest, write_lost_results
from harness.evidence.allure_report import default_history_file
from harness.evidence.manifest import MANIFEST_NAME
from harness.evidence.merge import LostPart, merge_parts
from harness.evidence.pytest_hooks import method_label, results_dir_of, write_run_context
from harness.evidence.record import RUN_JSON
from harness.interrupt import cleanup_command, show_on_console
from harness.ledger import Ledger, LedgerEntry, ledger_path
from harness.xdist_grouping import HostScheduling, assign, scenario_in_nodeid, worker_index
from harness.outcomes import RUN_LEVEL, Problem, outcome_event
from harness.pytest_reporting import open_console

PARTS = "parts"
_STATE = pytest.StashKey["ScaleOut"]()
#: xdist's "error" for a worker that ended its own session with exit status 2 (a KeyboardInterrupt
#: there, not a death): DSession.worker_workerfinished
STOPPED_ITSELF = "keyboard-interrupt"


@dataclass
class ScaleOut:
    """What this process knows of the scale-out: the scenario → host map of the inventory; in a
    worker its hosts; in the controller the workers' pids, the signals passed on, the outcomes, why
    each worker that went down did (xdist's error), and the parts of the run that were lost."""

    host_of: dict[str, str] = field(default_factory=dict)
    hosts: set[str] | None = None
    pids: dict[str, int] = field(default_factory=dict)
    signals: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    handlers: dict[int, Any] = field(default_factory=dict)
    down: dict[str, str] = field(default_factory=dict)
    lost: dict[str, LostPart] = field(default_factory=dict)


# ----------------------------------------------------------------------------- roles


def is_worker(config: pytest.Config) -> bool:
    """True in an xdist worker process."""
    return hasattr(config, "workerinput")


def is_controller(config: pytest.Config) -> bool:
    """True in the xdist controller of a distributed session (``-n`` with at least one worker)."""
    return (not is_worker(config) and bool(getattr(config.option, "numprocesses", None))
            and getattr(config.option, "dist", "no") != "no")


def _inventory_path(config: pytest.Config) -> str:
    from harness.cli import DEFAULT_INVENTORY

    return str(config.getoption("--inventory") or DEFAULT_INVENTORY)


def _load_inventory(config: pytest.Config) -> Any:
    """The inventory, or None when it cannot be read (the plugin reports why)."""
    from harness.inventory import load_inventory

    try:
        return load_inventory(_inventory_path(config))
    except (InventoryError, UsageError, OSError):
        return None


def _host_map(inventory: Any) -> dict[str, str]:
    return {s.name: inventory.scenario_host(s).name for s in inventory.scenarios} if inventory is not None else {}


def _host_of_nodeid(host_of: dict[str, str]) -> Callable[[str], str | None]:
    names = sorted(host_of)

    def host(nodeid: str) -> str | None:
        scenario = scenario_in_nodeid(nodeid, names)
        return host_of[scenario] if scenario is not None else None
    return host


def _reports(config: pytest.Config, inventory: Any) -> Path:
    return Path(config.getoption("--reports") or inventory.reports.dir)


def part_dir(reports: Path, run_id: str, worker: str) -> Path:
    """Where a worker's part of the run keeps its ledger and unsigned record."""
    return Path(reports) / PARTS / run_id / worker


# ----------------------------------------------------------------------------- what the plugin asks


def own_scenarios(config: pytest.Config, inventory: Any, scenarios: Sequence[Any]) -> list[Any]:
    """The scenarios this process runs: in a worker those of its hosts, else all of them."""
    state = config.stash.get(_STATE, None)
    if not is_worker(config) or state is None or state.hosts is None:
        return list(scenarios)
    return [s for s in scenarios if inventory.scenario_host(s).name in state.hosts]


def run_options(config: pytest.Config, inventory: Any) -> dict[str, Any]:
    """``open_run`` keywords for this process: a worker's part of the run lives in its own folder
    and is not signed (the controller signs the merged record)."""
    if not is_worker(config):
        return {"reports": config.getoption("--reports"), "sign": True}
    worker = str(config.workerinput["workerid"])  # type: ignore[attr-defined]
    return {"reports": part_dir(_reports(config, inventory), config.getoption("--run-id"), worker), "sign": False}


def outcomes(config: pytest.Config) -> dict[str, int]:
    """In the controller: the workers' classified outcomes (passed/defect/lab/harness counts)."""
    state = config.stash.get(_STATE, None)
    return dict(state.outcomes) if state is not None else {}


def exit_status(config: pytest.Config, status: int) -> int:
    """pytest's exit status as the plugin maps it. In the controller, xdist reports "interrupted" (2)
    also when a worker stopped its own session (its run could not start: host in use, run id used);
    without a signal that is a failed test, whose report says why (1)."""
    return 1 if int(status) == 2 and is_controller(config) and not signalled(config) else int(status)


def signalled(config: pytest.Config) -> bool:
    """In the controller: a Ctrl-C or SIGTERM arrived (and was passed on to the workers)."""
    state = config.stash.get(_STATE, None)
    return bool(state and state.signals)


# ----------------------------------------------------------------------------- hooks


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("restore_harness", "restore-harness").addoption(
        "--worker-progress", action="store_true", default=False,
        help="with -n: each worker shows the progress of its long waits on the terminal, as timestamped "
             "lines (`restore-harness run -n` sets it)")


def _show_progress(config: pytest.Config) -> None:
    """In a worker: its long waits' progress on the terminal (what ``restore-harness run`` shows in
    one process), as plain lines: several workers share the terminal."""
    from harness import progress
    from harness.remote import events

    stream = open_console(config)
    inventory = _load_inventory(config)
    if stream is None or inventory is None:
        return
    console = progress.ConsoleProgress(stream, tty=False)
    stack = contextlib.ExitStack()
    stack.enter_context(progress.listening(console))
    stack.enter_context(events.listening(progress.RemoteProgress(config.getoption("--run-id"),
                                                                 [s.name for s in inventory.scenarios])))
    config.add_cleanup(console.close)
    config.add_cleanup(stack.close)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    if is_worker(config):
        config.stash[_STATE] = ScaleOut()
        if not config.option.run_id:  # the controller's (pytest_configure_node)
            config.option.run_id = config.workerinput.get("rh_run_id")  # type: ignore[attr-defined]
        if hasattr(os, "setpgid"):  # out of the terminal's process group: signals come from the controller
            with contextlib.suppress(OSError):
                os.setpgid(0, 0)
        if config.getoption("--worker-progress", False):
            _show_progress(config)
        return
    if not is_controller(config):
        return
    inventory = _load_inventory(config)
    config.stash[_STATE] = ScaleOut(host_of=_host_map(inventory))
    if not config.option.run_id:  # one run id for all the workers (pytest_configure_node)
        config.option.run_id = naming.new_run_id()
    if getattr(config.option, "maxworkerrestart", None) is None:
        config.option.maxworkerrestart = "0"
    if inventory is not None:
        reports, run_id = _reports(config, inventory), config.option.run_id
        used = [p for p in (reports / "evidence" / run_id / MANIFEST_NAME, ledger_path(reports, run_id),
                            reports / PARTS / run_id) if p.exists()]
        if used:
            raise pytest.UsageError(f"run id {run_id} was used before ({used[0]}): a run id is used once; "
                                    "start a new run (no --run-id) or finish the old one with `restore-harness cleanup`")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if getattr(config.option, "dist", "no") == "each":
        return None
    state = config.stash.get(_STATE, None)
    return HostScheduling(config, log, _host_of_nodeid(state.host_of if state is not None else {}),
                          interrupted=lambda: signalled(config))


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """In the controller: the run id goes to each worker before it starts."""
    node.workerinput["rh_run_id"] = node.config.option.run_id


@pytest.hookimpl(optionalhook=True)
def pytest_testnodeready(node: Any) -> None:
    """In the controller: the worker's pid, to pass signals on to it."""
    state = node.config.stash.get(_STATE, None)
    if state is not None:
        with contextlib.suppress(Exception):
            state.pids[node.gateway.id] = int(node.gateway._rinfo().pid)  # execnet's remote info (xdist uses it too)


def pytest_collection_finish(session: pytest.Session) -> None:
    """In a worker: its hosts, from the same assignment the controller makes."""
    config = session.config
    state = config.stash.get(_STATE, None)
    if not is_worker(config) or state is None:
        return
    inventory = _load_inventory(config)
    state.host_of = _host_map(inventory)
    workers = int(config.workerinput.get("workercount", 1))  # type: ignore[attr-defined]
    mine = assign([item.nodeid for item in session.items], _host_of_nodeid(state.host_of), workers)
    index = worker_index(str(config.workerinput["workerid"]))  # type: ignore[attr-defined]
    host = _host_of_nodeid(state.host_of)
    state.hosts = {h for i in (mine[index] if 0 <= index < len(mine) else [])
                   if (h := host(session.items[i].nodeid)) is not None}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
    """In a worker: the report carries its classification to the controller (the exception stays here)."""
    report = (yield).get_result()
    if not is_worker(item.config):
        return
    if not report.skipped and (report.when == "call" or (report.when == "setup" and report.failed)):
        report.rh_kind = outcome_kind(report, call)
    event = outcome_event(item, report, call, _inventory_path(item.config))
    if event is not None:
        report.rh_outcome = event


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object | None) -> None:
    """In the controller: why a worker went down (xdist's error: "Not properly terminated" when its
    process died), for what the controller says about its part of the run."""
    state = node.config.stash.get(_STATE, None)
    if state is not None and error:
        state.down[node.gateway.id] = str(error).splitlines()[0] if str(error) else type(error).__name__


@pytest.hookimpl(optionalhook=True)
def pytest_handlecrashitem(crashitem: str, report: pytest.TestReport, sched: Any) -> None:
    """In the controller: a worker stopped with tests left, not told to (``HostScheduling.remove_node``
    returns no crash item after a Ctrl-C). xdist reports the test it was running as crashed; its hosts'
    part of the run ended with it. That report gets which hosts and how to remove what the worker left;
    each of its other tests is reported as failed, "not run", through ``pytest_runtest_logreport`` like
    xdist's own report (so the terminal, JUnit and the exit code count it); all as lab problems."""
    node = getattr(report, "node", None)
    state = node.config.stash.get(_STATE, None) if node is not None else None
    if state is None or not isinstance(sched, HostScheduling):
        return
    config, worker = node.config, node.gateway.id
    tests = sched.dropped.get(worker) or [crashitem]
    part = lost_part(config, worker, sched.hosts_of(worker), tests, state.down.get(worker, "stopped"))
    state.lost[worker] = part
    _mark_lost(report, config, crashitem, f"did not end: {part.why}", part)
    for nodeid in tests:
        if nodeid == crashitem:
            continue
        fspath = nodeid.split("::")[0]
        rep = pytest.TestReport(nodeid=nodeid, location=(fspath, None, fspath), keywords={}, outcome="failed",
                                longrepr="", when="call")
        rep.node = node  # type: ignore[attr-defined]
        _mark_lost(rep, config, nodeid, f"not run: {part.why}", part)
        config.hook.pytest_runtest_logreport(report=rep)


def lost_part(config: pytest.Config, worker: str, hosts: Sequence[str], tests: Sequence[str], error: str | None
              ) -> LostPart:
    """What the controller knows of a worker's part of the run that ended before its tests: its hosts,
    those tests (with their scenarios), why in one sentence (from xdist's ``error`` for the worker;
    None: it went down without one but did not finish its record), and the run's cleanup command."""
    inventory = _load_inventory(config)
    reports = _reports(config, inventory) if inventory is not None else config.getoption("--reports")
    command = cleanup_command(_inventory_path(config), str(config.option.run_id), str(reports) if reports else None)
    where = f"lab host{'s' if len(hosts) > 1 else ''} {', '.join(hosts)}" if hosts else "no lab host"
    if error is None:
        why = f"worker {worker} ({where}) ended without finishing its part of the run's record"
    elif error == STOPPED_ITSELF:  # interrupted from outside the run (not by the controller): its teardown ran
        why = (f"worker {worker} ({where}) was interrupted and stopped before its part of the run ended "
               "(its teardown ran)")
    else:
        why = (f"worker {worker} ({where}) died ({error}) before its part of the run ended; that part was not torn "
               "down by the worker")
    scenario = _scenario_of_nodeid(config)
    return LostPart(worker, tuple(hosts), tuple((t, scenario(t)) for t in tests), why, command)


def _scenario_of_nodeid(config: pytest.Config) -> Callable[[str], str | None]:
    state = config.stash.get(_STATE, None)
    names = sorted(state.host_of) if state is not None else []
    return lambda nodeid: scenario_in_nodeid(nodeid, names)


def _mark_lost(report: pytest.TestReport, config: pytest.Config, nodeid: str, message: str, part: LostPart) -> None:
    """A crashed or not-run test's report: the message with the cleanup command, and its
    classification as a worker's report carries it (``rh_kind``, ``rh_outcome``): a lab problem,
    the run could not audit the test (harness.errors.problem_kind)."""
    kind = problem_kind(LabError(message))
    said = f"{message}: run `{part.cleanup}`"
    report.longrepr = f"{report.longrepr}\n{said}" if report.longrepr else said
    report.rh_kind = kind  # type: ignore[attr-defined]
    problem = Problem(kind=kind, test=nodeid.rsplit("::", 1)[-1], message=message, error_type=LabError.__name__,
                      hint=f"`{part.cleanup}`, then run those tests again")
    report.rh_outcome = {"scenario": _scenario_of_nodeid(config)(nodeid) or RUN_LEVEL,  # type: ignore[attr-defined]
                         "what": "problem", "problem": asdict(problem)}


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """In the controller, after the run: the parts of it that were lost, and the cleanup command once."""
    state = config.stash.get(_STATE, None)
    if not is_controller(config) or state is None or not state.lost:
        return
    terminalreporter.write_sep("=", "parts of the run lost with their worker", red=True)
    for part in state.lost.values():
        count = f": {len(part.not_run)} test(s) did not run to their end (reported as failed)" if part.not_run else ""
        terminalreporter.write_line(part.why + count)
    terminalreporter.write_line(f"remove what the run left: {next(iter(state.lost.values())).cleanup}")


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """In the controller: count a worker's classified outcome (see pytest_runtest_makereport)."""
    node = getattr(report, "node", None)  # set by xdist on a worker's report in the controller
    state = node.config.stash.get(_STATE, None) if node is not None else None
    kind = getattr(report, "rh_kind", None)
    if state is not None and kind:
        state.outcomes[kind] = state.outcomes.get(kind, 0) + 1


def pytest_sessionstart(session: pytest.Session) -> None:
    """In the controller: pass Ctrl-C and SIGTERM on to the workers instead of stopping."""
    state = session.config.stash.get(_STATE, None)
    if not is_controller(session.config) or state is None or threading.current_thread() is not threading.main_thread():
        return

    def forward(signum: int, frame: FrameType | None) -> None:
        if not state.pids:  # no worker is ready yet: none has created anything, stop as usual
            raise KeyboardInterrupt
        state.signals += 1
        # on Windows the console gives Ctrl-C to every process attached to it, workers included (and
        # os.kill with SIGINT would terminate a worker without its teardown): nothing to pass on there
        for pid in state.pids.values() if os.name == "posix" else ():
            with contextlib.suppress(OSError):  # a worker that has ended already
                os.kill(pid, signal.SIGINT)
        show_on_console(f"{signal.Signals(signum).name}: passed on to the workers; each tears down what it created, "
                        "the run record is merged when they have ended"
                        + (" (again: a worker in teardown asks whether to abandon it)" if state.signals > 1 else ""),
                        session.config)

    for signum in (signal.SIGINT, signal.SIGTERM):
        state.handlers[signum] = signal.signal(signum, forward)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """In the controller, once the workers ended: the signal handlers back, the parts merged."""
    config = session.config
    state = config.stash.get(_STATE, None)
    if not is_controller(config) or state is None:
        return
    for signum, handler in state.handlers.items():
        signal.signal(signum, handler)
    state.handlers.clear()
    if not state.pids:  # no worker came up: no part of the run exists
        return
    try:
        merge_run(config)
    except Exception as exc:  # noqa: BLE001 - said, and a harness error for the exit code
        state.outcomes["harness"] = state.outcomes.get("harness", 0) + 1
        show_on_console(f"the run's parts could not be merged into one record: {exc}", config)
    try:
        write_lost_to_allure(config, state.lost.values())
    except Exception as exc:  # noqa: BLE001 - said, and a harness error for the exit code
        state.outcomes["harness"] = state.outcomes.get("harness", 0) + 1
        show_on_console(f"the tests lost with their worker could not be added to the Allure results: {exc}", config)


def write_lost_to_allure(config: pytest.Config, lost: Iterable[LostPart]) -> list[str]:
    """In the controller: an Allure result for each test a dead worker did not run to its end, so the
    report does not look complete without them (harness/evidence/allure_lost.py). Nothing without
    ``--alluredir``. Returns the results' uuids."""
    results = results_dir_of(config)
    lost = list(lost)
    if results is None or not lost:
        return []
    inventory = _load_inventory(config)
    methods, systems, simulated = {}, {}, False
    if inventory is not None:
        methods = {s.name: method_label(s) for s in inventory.scenarios}
        systems = {s.name: str(s.vm or s.name) for s in inventory.scenarios}
        simulated = any(h.simulated for h in inventory.hosts)
    written = []
    for part in lost:
        tests = [LostTest(nodeid, scenario, f"did not run to its end: {part.why}") for nodeid, scenario in part.not_run]
        written += write_lost_results(results, tests, cleanup=part.cleanup, methods=methods, systems=systems,
                                      simulated=simulated)
    return written


def merge_run(config: pytest.Config) -> Path | None:
    """Fold the workers' parts of the run into its one evidence folder (signed once) and its one
    ledger; the parts' folder is removed once both are written. None when no worker ran a part.
    A part whose worker died, or whose record was never finished, is recorded as lost
    (harness/evidence/merge.py): with its ledger as the worker left it and the evidence files its
    record did not list yet, so that removing the parts' folder loses nothing."""
    inventory = _load_inventory(config)
    if inventory is None:
        return None
    reports, run_id = _reports(config, inventory), config.option.run_id
    root = reports / PARTS / run_id
    parts = sorted((p for p in root.iterdir() if p.is_dir()), key=lambda p: worker_index(p.name)) \
        if root.is_dir() else []
    folders = [(p.name, p / "evidence" / run_id) for p in parts if (p / "evidence" / run_id / RUN_JSON).is_file()]
    if not folders:
        return None

    def notice(text: str) -> None:
        show_on_console(text, config)

    records = {label: json.loads((f / RUN_JSON).read_text(encoding="utf-8")) for label, f in folders}
    state = config.stash.setdefault(_STATE, ScaleOut())
    for label, record in records.items():
        if not record.get("finished") and label not in state.lost:  # its worker ended without closing it
            state.lost[label] = lost_part(config, label, sorted(record.get("hosts") or {}), [], state.down.get(label))
            state.outcomes["lab"] = state.outcomes.get("lab", 0) + 1  # the run could not audit that part to its end
    lost = [replace(part, ledger=ledger_path(part_dir(reports, run_id, label), run_id))
            for label, part in state.lost.items()]
    simulated = any(record.get("simulated") for record in records.values())
    key = recording.signing_key(inventory, config.getoption("--signing-key"), notice=notice)
    recorder = recording.open_recorder(inventory, _inventory_path(config), run_id, reports, simulated=simulated, key=key)
    merge_parts(recorder, folders, lost)
    merge_ledgers(reports, run_id, [ledger_path(p, run_id) for p in parts])
    recorder.finish()
    for line in recording.finish_notes(recorder):
        notice(line)
    results = results_dir_of(config)
    if results is not None:  # the workers skip it: the run's environment, executor and categories, once
        write_run_context(results, recorder, history_file=default_history_file(reports))
    shutil.rmtree(root)
    with contextlib.suppress(OSError):  # parts/ itself, when no other run's parts are in it
        root.parent.rmdir()
    return recorder.dir


def merge_ledgers(reports: Path, run_id: str, ledgers: Sequence[Path]) -> Ledger | None:
    """The run's one ledger (``reports/ledger/<run id>.json``) with every part's entries, numbered
    anew, each in the state its part's teardown left it: what ``restore-harness cleanup`` and the
    run summary read. None when no part wrote a ledger."""
    parts = [Ledger.load(p) for p in ledgers if p.is_file()]
    if not parts:
        return None
    roots: dict[str, str] = {}
    for part in parts:
        roots.update(part.scratch_roots)
    ledger = Ledger(run_id, ledger_path(reports, run_id), roots)
    for part in parts:
        ledger.entries += [LedgerEntry(**{**vars(e), "seq": len(ledger.entries) + n})
                           for n, e in enumerate(part, start=1)]
    ledger.save()
    return ledger
