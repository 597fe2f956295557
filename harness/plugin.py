"""pytest glue for restore-harness: options, markers, fixtures and hook wrappers, nothing else.

Registered through the ``pytest11`` entry point ``restore_harness``. The run itself (lab, plan,
preflight, restores, record, teardown) is the engine's (harness/engine/run.py); this module maps it
onto fixtures: ``scenario`` (parametrized from the inventory by the ``restore_method`` marker),
``restore_run`` (the engine's ``Run``), ``restored``, ``booted``, and for user checks ``lab_host``
and ``guest`` (harness/user_fixtures.py). See docs/plugin.md and docs/writing-checks.md.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

import pytest

from harness import drill_pytest, interrupt, naming, redaction_hooks, selection, user_fixtures, xdist_hosts
from harness.drill_pytest import drill_session
from harness.check_records import apply_check_labels, outcome_kind, record_check
from harness.engine.run import Run, open_run
from harness.errors import InventoryError, UsageError, mark_lab_problem
from harness.evidence.allure_steps import ATTACHMENTS, AllureProgress, remote_operation_listener
from harness.evidence.pytest_hooks import EvidenceHooks, ensure_labels
from harness.exitcodes import ExitCode, for_pytest
from harness.inventory import load_inventory
from harness.pytest_reporting import console_notice, open_console, shorten_lab_problem, stop_session
from harness.remote import events
from harness.restore.registry import METHODS, no_vm_reason, restores_vm
from harness.restore.restored import NoVmToCheck, Restored, RestoreFailed

DEFAULT_INVENTORY = "inventories/sim-lab.yml"
_STATE = pytest.StashKey["PluginState"]()
# registered with the plugin (not through pytest_plugins, which would ask pytest to rewrite modules the
# plugin has already imported): user fixtures, the drill options, harness.interrupt (a Ctrl-C's
# traceback gets line numbers before pytest formats it: exit 2, not 4) and harness.redaction_hooks
# (reports, terminal output and Allure results pass through the one redactor), harness.xdist_hosts (-n)
_PARTS = (user_fixtures, drill_pytest, interrupt, redaction_hooks, xdist_hosts)


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    for part in _PARTS:  # their own pytest_addoption runs as they register (a historic hook)
        if not pluginmanager.is_registered(part):
            pluginmanager.register(part, part.__name__)
    group = parser.getgroup("restore_harness", "restore-harness")
    group.addoption("--inventory", default=None, help=f"inventory file (default {DEFAULT_INVENTORY})")
    group.addoption("--scenario", action="append", default=[], help="run only this scenario (repeatable)")
    group.addoption("--run-id", default=None, help="run id (default: a new one, rh-YYYYMMDD-HHMM-xxxx)")
    group.addoption("--keep", action="store_true", default=False, help="skip teardown (leave run resources on the host)")
    group.addoption("--reports", default=None, help="reports directory (default: the inventory's reports.dir)")
    group.addoption("--signing-key", default=None, help="evidence signing key: file or keyring:NAME (default "
                                                        "$RH_SIGNING_KEY, then the inventory's reports.signing_key)")
    group.addoption("--take-over-stale-lock", action="store_true", default=False,
                    help="take over a lab host lock whose lease expired (its run is gone); recorded in the evidence")


@dataclass
class PluginState:
    """Per-session state: the inventory (or its error), the engine's run, classified outcomes,
    the real terminal, the error that kept the run from starting, the lab problems shown so far."""

    inventory_path: str
    scenarios: list[str]
    inventory: Any = None
    inventory_error: Exception | None = None
    outcomes: dict[str, int] = field(default_factory=lambda: {"passed": 0, "defect": 0, "lab": 0, "harness": 0})
    run: Run | None = None
    collection_errors: int = 0
    console: TextIO | None = None
    refused: BaseException | None = None
    lab_problems: dict[int, tuple[BaseException, str]] = field(default_factory=dict)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"restore_method(*names): the restore methods a suite tests ({', '.join(METHODS)})")
    config.addinivalue_line("markers", "check(name, severity='critical'): the check a test performs; names its "
                                       "Allure labels and its line in the run record")
    config.addinivalue_line("markers", "needs_vm: the suite checks a restored VM; scenarios whose method restores "
                                       "no VM (wsb-files) are skipped with the reason, before any restore")
    config.stash[_STATE] = PluginState(config.getoption("--inventory") or DEFAULT_INVENTORY,
                                       list(config.getoption("--scenario") or []), console=open_console(config))
    events.add_listener(remote_operation_listener)
    config.add_cleanup(lambda: events.remove_listener(remote_operation_listener))


def _inventory(config: pytest.Config) -> Any:
    state = config.stash[_STATE]
    if state.inventory is None and state.inventory_error is None:
        try:
            inv = load_inventory(state.inventory_path)
            selection.check_asked_scenarios(inv, state.scenarios, state.inventory_path)
            state.inventory = inv
            ATTACHMENTS.configure(inv.reports)
        except (InventoryError, UsageError, OSError) as exc:
            state.inventory_error = exc
    if state.inventory_error is not None:
        raise pytest.UsageError(str(state.inventory_error))
    return state.inventory


def selected_scenarios(config: pytest.Config, methods: tuple[str, ...] = ()) -> list[Any]:
    """Scenarios of the inventory, filtered by --scenario and (if given) the restore methods."""
    state = config.stash[_STATE]
    return [s for s in _inventory(config).scenarios
            if (not state.scenarios or s.name in state.scenarios) and (not methods or s.method in methods)]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "scenario" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("restore_method")
    methods = tuple(marker.args) if marker else ()
    # every scenario of the methods: those --scenario did not ask for are deselected, not skipped
    scenarios = [s for s in _inventory(metafunc.config).scenarios if not methods or s.method in methods]
    params: list[Any] = list(scenarios)
    if metafunc.definition.get_closest_marker("needs_vm") is not None:
        # decided by the scenario's method before anything is restored: no restore is asked for
        params = [s if restores_vm(s) else pytest.param(s, marks=pytest.mark.skip(reason=no_vm_reason(s)))
                  for s in scenarios]
    metafunc.parametrize("scenario", params, ids=[s.name for s in scenarios])


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    selection.deselect_scenarios(config, items, config.stash[_STATE].scenarios)


@pytest.fixture(scope="session")
def inventory(pytestconfig: pytest.Config) -> Any:
    """The validated inventory (``--inventory``)."""
    return _inventory(pytestconfig)


@pytest.fixture(scope="session")
def restore_run(request: pytest.FixtureRequest, pytestconfig: pytest.Config, inventory: Any) -> Iterator[Run]:
    """The engine's run: hosts locked, lab opened, scenarios planned, hosts preflighted; torn down at
    the end (also after Ctrl-C/SIGTERM: the engine's guard). A run that cannot start (host in use
    or unreachable, run id used before) stops the session at once."""
    state = pytestconfig.stash[_STATE]
    run_id = pytestconfig.getoption("--run-id") or naming.new_run_id()  # open_run validates it

    def opened(run: Run) -> None:
        state.run = run
        pytestconfig.pluginmanager.register(EvidenceHooks(run.recorder, on_interrupt=run.interrupted),
                                            "restore_harness_evidence")

    scenarios = xdist_hosts.own_scenarios(pytestconfig, inventory, selected_scenarios(pytestconfig))  # a worker: its hosts'
    try:
        with open_run(inventory, state.inventory_path, scenarios=scenarios, run_id=run_id,
                      **xdist_hosts.run_options(pytestconfig, inventory), keep=pytestconfig.getoption("--keep"),
                      progress=AllureProgress(), on_open=opened, notice=console_notice(pytestconfig, state.console),
                      guard=interrupt.InterruptGuard(out=state.console), signing_key=pytestconfig.getoption("--signing-key"),
                      take_over_stale_lock=pytestconfig.getoption("--take-over-stale-lock")) as run, \
                drill_session(pytestconfig, run, scenarios):
            yield run
    except Exception as exc:
        if state.run is None:  # refused or unreachable before anything was created: no test can run
            state.refused = exc
            stop_session(request.session, run_id, exc)
        raise


@pytest.fixture
def restored(restore_run: Run, scenario: Any) -> Restored:
    """The scenario's restore (done once, by the first test that asks)."""
    return restore_run.restore(scenario)


@pytest.fixture
def booted(restore_run: Run, restored: Restored) -> Any:
    """The scenario's restored VM, started after the isolation guard and answering the heartbeat
    (``harness.restore.boot.BootResult``; done once per scenario)."""
    return restore_run.boot(restored.scenario)


# ----------------------------------------------------------------------------- hook wrappers


def _apply_labels(item: pytest.Item) -> None:
    state = item.config.stash.get(_STATE, None)
    if state is not None:
        apply_check_labels(item, state.run, state.inventory)


def _reraise(exc: BaseException) -> None:
    """Raise ``exc`` as pytest should see it: the engine's "no VM to check" is a skip, its "the
    restore failed" a failed check; a lab error gets its category mark."""
    if isinstance(exc, NoVmToCheck):
        raise pytest.skip.Exception(str(exc)) from None
    if isinstance(exc, RestoreFailed):
        raise pytest.fail.Exception(str(exc)) from None
    if isinstance(exc, Exception):
        mark_lab_problem(exc)
    raise exc


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    try:
        return (yield)
    except BaseException as exc:
        with contextlib.suppress(Exception):  # the labels of a check whose fixtures failed
            _apply_labels(item)
        _reraise(exc)
        raise


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    _apply_labels(item)
    try:
        return (yield)
    except BaseException as exc:
        _reraise(exc)
        raise


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
    report = (yield).get_result()
    state = item.config.stash.get(_STATE, None)
    if state is None:
        return
    if state.run is None and (report.when == "teardown" or (report.when == "setup" and not report.passed)):
        with contextlib.suppress(Exception):  # labels before (or without) a run: the evidence hooks do it after
            ensure_labels(item, simulated=any(h.simulated for h in state.inventory.hosts))
    if report.skipped:
        return
    if report.when == "call" or (report.when == "setup" and report.failed):
        kind = outcome_kind(report, call)
        state.outcomes[kind] += 1
        if report.failed and call.excinfo is not None:
            shorten_lab_problem(item, report, call.excinfo.value, kind, state.lab_problems,
                                refused=call.excinfo.value is state.refused)
        record_check(state.run, item, kind, report)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Remember collection errors: pytest then reports "interrupted", which is a harness error here."""
    state = session.config.stash.get(_STATE, None)
    if state is not None:
        state.collection_errors = session.testsfailed


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Map outcomes to the harness exit codes (harness/exitcodes.py)."""
    state = session.config.stash.get(_STATE, None)
    if state is None:
        return
    if state.inventory_error is not None:  # raised as a collection error; it is a usage error
        session.exitstatus = ExitCode.HARNESS
        return
    state.outcomes.update({k: state.outcomes[k] + n for k, n in xdist_hosts.outcomes(session.config).items()})  # -n
    interrupted = (state.run is not None and state.run.signalled) or xdist_hosts.signalled(session.config)
    session.exitstatus = ExitCode.INTERRUPTED if interrupted else for_pytest(
        xdist_hosts.exit_status(session.config, exitstatus), state.outcomes, keyboard_interrupt=not state.collection_errors)
