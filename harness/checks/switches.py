"""Every adapter of a restored VM connected, to the mapped lab switch, which exists and is isolated.

Isolated means Private, or Internal AND listed in the host's ``isolated_switches``; an External
switch never is (DESIGN.md safety rules). :func:`isolation_violations` is also the guard the import
flow runs before any restored VM could start.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from harness.checks.result import CheckResult
from harness.hyperv.facts import HostVMFacts, SwitchType, VM


def _isolation_problem(switch_name: str, facts: HostVMFacts, listed: Iterable[str]) -> str | None:
    switch = facts.switch(switch_name)
    if switch is None:
        return f"switch {switch_name!r} does not exist on {facts.host}"
    listed_low = {n.lower() for n in listed}
    if int(switch.switch_type) == SwitchType.EXTERNAL:
        return f"switch {switch.name!r} is External (reaches the production network)"
    if int(switch.switch_type) == SwitchType.INTERNAL and switch.name.lower() not in listed_low:
        return f"switch {switch.name!r} is Internal but not listed in the host's isolated_switches"
    if int(switch.switch_type) not in (SwitchType.PRIVATE, SwitchType.INTERNAL):
        return f"switch {switch.name!r} has unknown type {int(switch.switch_type)}"
    return None


def isolation_violations(vm: VM, facts: HostVMFacts, listed: Iterable[str]) -> list[str]:
    """Adapters connected to a switch that is not isolated (empty list: safe to start)."""
    listed = list(listed)
    out = []
    for adapter in vm.adapters:
        if adapter.switch:
            problem = _isolation_problem(adapter.switch, facts, listed)
            if problem:
                out.append(f"adapter {adapter.name!r}: {problem}")
    return out


def check_switch_mapping(
    vm: VM, facts: HostVMFacts, expected: Mapping[str, str], listed: Iterable[str],
) -> CheckResult:
    """``expected``: adapter name → lab switch it must be on (from the switch map at import time)."""
    listed = list(listed)
    problems: list[str] = []
    for adapter in vm.adapters:
        want = expected.get(adapter.name)
        if not adapter.connected or not adapter.switch:
            problems.append(f"adapter {adapter.name!r}: expected connected to {want or 'an isolated switch'!r}, found not connected")
            continue
        if want and adapter.switch.lower() != want.lower():
            problems.append(f"adapter {adapter.name!r}: expected switch {want!r}, found {adapter.switch!r}")
        problem = _isolation_problem(adapter.switch, facts, listed)
        if problem:
            problems.append(f"adapter {adapter.name!r}: expected an isolated switch, found {problem}")
    missing = set(expected) - {a.name for a in vm.adapters}
    for name in sorted(missing):
        problems.append(f"adapter {name!r}: expected on switch {expected[name]!r}, found no such adapter")
    evidence = {
        "expected": dict(expected),
        "found": [{"adapter": a.name, "switch": a.switch, "connected": a.connected} for a in vm.adapters],
        "switches": {s.name: s.type_name for s in facts.switches.values()},
    }
    return CheckResult("switch mapping", f"VM {vm.name} on {facts.host}", tuple(problems), evidence)
