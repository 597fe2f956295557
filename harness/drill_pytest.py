"""pytest glue of the drill scheduler (concurrent by default, ``--serial`` to opt out;
docs/drills.md), kept beside the plugin (harness/plugin.py registers it) so that the plugin stays thin.

By default, once the run's hosts passed their preflight the scheduler restores and boots the
scenarios that have tests to run concurrently per host (``harness.engine.drill.start_drill``). The
tests run scenario by scenario, in the order the scheduler plans (the order their tests were
collected in), so each scenario's checks start as soon as its restore and boot are done; after a
scenario's last test its VM is turned off and its memory given back. ``--serial`` runs one scenario
at a time, restored by the first test that needs it (the behaviour before the scheduler).
``--drill`` names the default explicitly (kept for command lines written when it was an opt-in).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from harness.errors import UsageError

_DRILL = pytest.StashKey["DrillState"]()


@dataclass
class DrillState:
    scheduler: Any = None
    run: Any = None  # the engine's run the scheduler works for
    items_left: dict[str, int] = field(default_factory=dict)  # scenario -> its tests not finished yet
    order: dict[str, int] = field(default_factory=dict)  # scenario -> its place in the test order
    boots: set[str] = field(default_factory=set)  # scenarios with a test that needs the VM booted


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("restore_harness", "restore-harness")
    group.addoption("--drill", action="store_true", default=False,
                    help="restore and boot the scenarios concurrently per host (the default; docs/drills.md)")
    group.addoption("--serial", action="store_true", default=False,
                    help="one scenario at a time, restored by the first test that needs it")


def enabled(config: pytest.Config) -> bool:
    """Whether this session runs as a drill: yes unless ``--serial``; ``--drill`` with ``--serial``
    is a usage error."""
    serial = bool(config.getoption("--serial", False))
    if config.getoption("--drill", False) and serial:
        raise UsageError("--drill and --serial exclude each other: choose one")
    return not serial


def _scenario_of(item: pytest.Item) -> Any:
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("scenario") if callspec else None


BOOT_FIXTURES = ("booted", "guest")  # the plugin's fixtures that start the restored VM


def needs_boot(item: pytest.Item) -> bool:
    """Whether a test needs its scenario's VM booted, so the drill boots it up front: the test (or its
    module) is marked ``boots``, or it uses the plugin's ``booted`` or ``guest`` fixture, directly or
    through another fixture. A test that calls ``restore_run.boot`` without saying so still works: it
    boots the VM itself when it runs, as a serial run does."""
    return item.get_closest_marker("boots") is not None or any(
        name in getattr(item, "fixturenames", ()) for name in BOOT_FIXTURES)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "boots: the tests need the scenario's VM booted; the drill boots it (and waits "
                                       "for its services) while other restores run")
    config.stash[_DRILL] = DrillState()


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
                                  ) -> Iterator[None]:
    """Drill: each scenario's tests together, scenarios in the order they first appear; the
    scheduler plans in that same order (so that memory reserved in plan order is reserved in the
    order the tests need it); tests without a scenario first. Runs after every other plugin's
    selection (``-k``, ``--scenario``), so only scenarios with a test to run are restored; a test
    marked ``skip`` (e.g. a VM check of a scenario that restores no VM) asks for no restore."""
    result = yield
    if not enabled(config):
        return result
    state = config.stash[_DRILL]
    rank = state.order
    keyed = []
    for pos, item in enumerate(items):
        scenario = _scenario_of(item)
        if scenario is None:
            keyed.append((-1, pos, item))
            continue
        if item.get_closest_marker("skip") is None:
            rank.setdefault(scenario.name, len(rank))
            state.items_left[scenario.name] = state.items_left.get(scenario.name, 0) + 1
            if needs_boot(item):
                state.boots.add(scenario.name)
        keyed.append((rank.get(scenario.name, len(items)), pos, item))
    items[:] = [item for _, _, item in sorted(keyed, key=lambda k: (k[0], k[1]))]
    return result


@contextlib.contextmanager
def drill_session(config: pytest.Config, run: Any, scenarios: Sequence[Any]) -> Iterator[None]:
    """Around the session's run: unless --serial, start the scheduler on the scenarios that have
    tests to run (none: nothing is restored up front); at the end (or Ctrl-C) start nothing new and
    let running operations end before the teardown."""
    state = config.stash[_DRILL]
    tested = sorted((s for s in scenarios if s.name in state.order), key=lambda s: state.order[s.name])
    if not enabled(config) or not tested:
        yield
        return
    from harness.engine.drill import start_drill

    state.scheduler = start_drill(run, tested, boots=state.boots)
    state.run = run
    try:
        yield
    finally:
        _stop_and_join(state.scheduler)
        run.hosts.close_all()


def _stop_and_join(scheduler: Any) -> None:
    """Start nothing new and wait for the workers (their waits give up at once, see
    harness.engine.drill.stoppable), also when a Ctrl-C comes during the wait (raised afterwards):
    the run's teardown and the signing of its record come after the last worker's last write. A
    second Ctrl-C stops waiting (a worker stuck in one long host command)."""
    scheduler.stop()
    interrupted: BaseException | None = None
    while True:
        try:
            if scheduler.join(0.5):
                break
        except KeyboardInterrupt as exc:
            if interrupted is not None:
                raise
            interrupted = exc
    if interrupted is not None:
        raise interrupted


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    try:
        return (yield)
    finally:
        state = item.config.stash.get(_DRILL, None)
        scenario = _scenario_of(item)
        if (state is not None and state.scheduler is not None and scenario is not None
                and scenario.name in state.order and item.get_closest_marker("skip") is None):
            left = state.items_left.get(scenario.name, 0) - 1
            state.items_left[scenario.name] = left
            if left == 0:  # the scenario's last test: the services' settling seen by its worker, if over
                state.run.hand_over(scenario, "settle")
            # after the last test the run itself ends (its teardown removes every VM): nothing to give back
            if left == 0 and nextitem is not None:  # turn its VM off
                state.scheduler.done(scenario.name)
