"""The restore-method registry: ONE table from a method's name (the inventory's ``method:``) to the
object that implements it (:class:`harness.restore.protocol.RestoreMethod`).

Everything that depends on the method asks here: the inventory's ``Method`` type and the source
kinds a method accepts (harness/inventory/models.py), the preflight's needs (harness/preflight.py),
the engine's dispatch (harness/engine/run.py), and whether a VM check applies (the plugin's
``needs_vm`` marker). Adding a method is one module with a ``METHOD`` object, one entry below and
one suite.
"""

from __future__ import annotations

from typing import Any

from harness.errors import UsageError
from harness.restore import bmr, import_vm, wsb_items, wsb_vm
from harness.restore.protocol import RestoreMethod

METHODS: dict[str, RestoreMethod] = {m.name: m for m in (import_vm.METHOD, wsb_items.METHOD, wsb_vm.METHOD,
                                                         bmr.METHOD)}
METHOD_NAMES: tuple[str, ...] = tuple(METHODS)


def method_of(scenario: Any) -> RestoreMethod:
    """The method a scenario (or a method name) uses; a UsageError for a name not in the table."""
    name = scenario if isinstance(scenario, str) else scenario.method
    try:
        return METHODS[name]
    except KeyError:
        raise UsageError(f"restore method {name!r} is not known (methods: {', '.join(METHODS)})") from None


def _known(scenario: Any) -> RestoreMethod | None:
    """The method of a scenario (or the method named), None for a name not in the table."""
    return METHODS.get(scenario if isinstance(scenario, str) else scenario.method)


def restores_vm(scenario: Any) -> bool:
    """True when the scenario's method (or the method named) ends with a registered VM."""
    method = _known(scenario)
    return bool(method and method.restores_vm)


def boots_in_restore(scenario: Any) -> bool:
    """True when the scenario's method leaves its VM running at the end of the restore (a BMR boots the
    recovered system inside the restore): the drill then always accounts for its memory."""
    method = _known(scenario)
    return bool(method and method.boots_in_restore)


def host_exclusive(scenario: Any) -> str:
    """The host resource the scenario's restore needs alone ("wbengine" for a WSB job: Windows Server
    Backup runs one job per machine), or "": the drill never runs two such restores on one host."""
    method = _known(scenario)
    return str(method.host_exclusive) if method else ""


def vm_methods() -> list[str]:
    """Names of the methods that restore a VM."""
    return sorted(name for name, m in METHODS.items() if m.restores_vm)


def no_vm_reason(scenario: Any) -> str:
    """The skip reason for a VM check on a scenario whose method restores no VM."""
    return (f"{scenario.name}: method {scenario.method} restores files, not a VM: no VM to check "
            f"(VM methods: {', '.join(vm_methods())})")
