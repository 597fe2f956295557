"""Import restore suite: every `method: import` scenario of the inventory, all three import types.

Run it with `restore-harness run` or `pytest suites/ --inventory inventories/<lab>.yml`. Each
scenario is restored once (by the first test that needs it), then checked here and by the checks
every restored VM gets (suites/test_restored_vm.py: registration, checkpoints, switches).
docs/writing-checks.md shows how to write your own checks.
"""

from __future__ import annotations

import json

import allure
import pytest

from harness.checks.result import restore_check

pytestmark = [pytest.mark.restore_method("import")]


@pytest.mark.check("restore")
def test_import_restore(scenario, restored, restore_run):
    """The import ran: Compare-VM, switch fixes from the switch map, Import-VM -CompatibilityReport."""
    r = restored.result
    found = None if r is None else {"vm_id": r.vm_id, "vm_name": r.vm_name, "source_id": r.source_id,
                                    "adapters": r.adapters, "incompatibilities": r.incompatibilities}
    check = restore_run.measured(scenario, restore_check(
        scenario.name, restored.defect, f"{scenario.import_type} import of {scenario.vm} registered, no defect", found))
    if found is not None:
        allure.attach(json.dumps(found, indent=2, default=str, ensure_ascii=False), "import result",
                      allure.attachment_type.JSON)
    check.assert_ok()
