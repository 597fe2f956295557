"""Which collected tests a run keeps: scenarios not asked for with ``--scenario`` are *deselected*
(pytest reports "N deselected"), not skipped, so a run of one scenario shows only that scenario.

:func:`deselect_scenarios` is what the plugin's ``pytest_collection_modifyitems`` calls. A test
parametrized with an empty scenario list (the inventory has no scenario of the suite's method, or
none of them was asked for) is deselected too: there is nothing for it to test.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any

import pytest

from harness.errors import UsageError

SCENARIO_PARAM = "scenario"


def scenario_name(item: pytest.Item) -> str | None:
    """The scenario a collected test runs for ("" for an empty parameter set; None when the test is
    not parametrized by scenario)."""
    callspec = getattr(item, "callspec", None)
    if callspec is None or SCENARIO_PARAM not in callspec.params:
        return None
    value: Any = callspec.params[SCENARIO_PARAM]
    if isinstance(value, enum.Enum):  # pytest's NOTSET placeholder of an empty parameter set
        return ""
    return str(getattr(value, "name", "") or "")


def deselect_scenarios(config: pytest.Config, items: list[pytest.Item], wanted: Iterable[str]) -> list[pytest.Item]:
    """Remove (in place) the tests of scenarios not in ``wanted`` (all scenarios when empty) and the
    tests with an empty scenario set; report them through ``pytest_deselected``. Returns them."""
    wanted = {w.lower() for w in wanted}
    keep, drop = [], []
    for item in items:
        name = scenario_name(item)
        if name is None or (name and (not wanted or name.lower() in wanted)):
            keep.append(item)
        else:
            drop.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
    return drop


def check_asked_scenarios(inventory: Any, wanted: Iterable[str], inventory_path: str) -> None:
    """``UsageError`` naming the inventory and its scenarios when ``--scenario`` asks for one it lacks."""
    unknown = set(wanted) - {s.name for s in inventory.scenarios}
    if unknown:
        raise UsageError(f"--scenario {', '.join(sorted(unknown))}: not in {inventory_path} "
                         f"(scenarios: {', '.join(s.name for s in inventory.scenarios)})")
