"""Hyper-V VM recovery from a host-level Windows Server Backup: every `method: wsb-vm` scenario.

The VM is recovered once (Start-WBHyperVRecovery -UseAlternateLocation into the run folder, -Async,
polled), renamed to the run prefix and put on isolated switches; then the backup's age is checked
here, and registration, no backup checkpoint (the backup working checkpoint of an online backup
comes back here; the scenario's remediation runs once) and switch mapping by
suites/test_restored_vm.py, as for an import. See docs/wsb-restore.md.
"""

from __future__ import annotations

import json

import allure
import pytest

from harness.checks.result import restore_check

pytestmark = [pytest.mark.restore_method("wsb-vm")]


def _attach(name: str, data) -> None:
    allure.attach(json.dumps(data, indent=2, default=str, ensure_ascii=False), name, allure.attachment_type.JSON)


@pytest.mark.check("restore")
def test_wsb_vm_restore(scenario, restored, restore_run):
    """The WSB Hyper-V recovery job completed and the VM is registered under the run prefix."""
    r = restored.result
    found = None if r is None else {"vm_id": r.vm_id, "vm_name": r.vm_name, "source_id": r.source_id,
                                    "caption": r.caption, "adapters": r.adapters,
                                    "version": r.chosen.backup.version_id}
    check = restore_run.measured(scenario, restore_check(
        scenario.name, restored.defect, f"WSB recovery of {scenario.vm} completed and registered, no defect", found))
    if r is not None:
        allure.attach("\n".join(r.job.progress), "WSB job progress", allure.attachment_type.TEXT)
        _attach("recovery result", found)
    check.assert_ok()


@pytest.mark.check("backup age", severity="normal")
def test_backup_age(scenario, restore_run, restored):
    """The newest backup on the target is not older than the policy's maximum age."""
    r = restored.require_vm()
    restore_run.measured(scenario, r.chosen.age_check)
    _attach("backup age", r.chosen.age_check.evidence)
    r.chosen.age_check.assert_ok()
