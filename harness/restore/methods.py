"""Which restore methods produce a VM: the ONE place suites and the plugin decide "is there a VM?".

``import``, ``wsb-vm`` and ``bmr`` end with a registered VM on the lab host; ``wsb-files`` restores
files and folders into the scratch folder and has no VM to boot, look at or log on to.
"""

from __future__ import annotations

from typing import Any

VM_METHODS = frozenset({"import", "wsb-vm", "bmr"})


def restores_vm(scenario: Any) -> bool:
    """True when the scenario's restore method produces a VM (``scenario.method`` or a method name)."""
    method = scenario if isinstance(scenario, str) else getattr(scenario, "method", None)
    return method in VM_METHODS


def no_vm_reason(scenario: Any) -> str:
    """The skip reason for a VM check on a scenario whose method restores no VM."""
    return (f"{scenario.name}: method {scenario.method} restores files, not a VM: no VM to check "
            f"(VM methods: {', '.join(sorted(VM_METHODS))})")
