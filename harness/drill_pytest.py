"""pytest glue of the drill scheduler (``--drill`` / ``--serial``; docs/drills.md), kept beside the
plugin (harness/plugin.py registers it) so that the plugin stays thin.

With ``--drill``, once the run's hosts passed their preflight the scheduler restores and boots the
selected scenarios concurrently per host (``harness.engine.scheduler.start_drill``). The tests run
scenario by scenario, in the order the scheduler plans (the order their tests were collected in), so
each scenario's checks start as soon as its restore and boot are done; after a scenario's last test
its VM is turned off and its memory given back. ``--serial`` (the default) is today's behaviour.
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
    items_left: dict[str, int] = field(default_factory=dict)  # scenario -> its tests not finished yet
    order: dict[str, int] = field(default_factory=dict)  # scenario -> its place in the test order


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("restore_harness", "restore-harness")
    group.addoption("--drill", action="store_true", default=False,
                    help="restore and boot the scenarios concurrently per host (docs/drills.md)")
    group.addoption("--serial", action="store_true", default=False,
                    help="one scenario at a time, restored by the first test that needs it (the default)")


def enabled(config: pytest.Config) -> bool:
    """Whether this session runs as a drill (``--drill``); both flags at once are a usage error."""
    if config.getoption("--drill", False) and config.getoption("--serial", False):
        raise UsageError("--drill and --serial exclude each other: choose one")
    return bool(config.getoption("--drill", False))


def _scenario_of(item: pytest.Item) -> Any:
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("scenario") if callspec else None


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_DRILL] = DrillState()


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """--drill: each scenario's tests together, scenarios in the order they first appear; the
    scheduler plans in that same order (so that memory reserved in plan order is reserved in the
    order the tests need it); tests without a scenario first."""
    if not enabled(config):
        return
    state = config.stash[_DRILL]
    rank = state.order
    keyed = []
    for pos, item in enumerate(items):
        scenario = _scenario_of(item)
        if scenario is None:
            keyed.append((-1, pos, item))
            continue
        rank.setdefault(scenario.name, len(rank))
        keyed.append((rank[scenario.name], pos, item))
        state.items_left[scenario.name] = state.items_left.get(scenario.name, 0) + 1
    items[:] = [item for _, _, item in sorted(keyed, key=lambda k: (k[0], k[1]))]


@contextlib.contextmanager
def drill_session(config: pytest.Config, run: Any, scenarios: Sequence[Any]) -> Iterator[None]:
    """Around the session's run: with --drill, start the scheduler on the scenarios that have tests;
    at the end (or Ctrl-C) start nothing new and let running operations end before the teardown."""
    if not enabled(config):
        yield
        return
    from harness.engine.drill import start_drill

    state = config.stash[_DRILL]
    tested = sorted((s for s in scenarios if s.name in state.order), key=lambda s: state.order[s.name])
    state.scheduler = start_drill(run, tested or list(scenarios))
    try:
        yield
    finally:
        state.scheduler.stop()
        state.scheduler.join()
        run.hosts.close_all()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    try:
        return (yield)
    finally:
        state = item.config.stash.get(_DRILL, None)
        scenario = _scenario_of(item)
        # after the last test the run itself ends (its teardown removes every VM): nothing to give back
        if state is not None and state.scheduler is not None and scenario is not None and nextitem is not None:
            state.items_left[scenario.name] -= 1
            if state.items_left[scenario.name] == 0:  # the scenario's last test: turn its VM off
                state.scheduler.done(scenario.name)
