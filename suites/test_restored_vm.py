"""Checks of every restored VM, once for the methods whose restore ends with a VM on the lab host
(Hyper-V import, WSB Hyper-V recovery, bare-metal recovery into a new VM): registered with the right
id, no backup checkpoint left behind, every adapter on the switch the switch map names (isolated).

The restore-specific checks stay with their method's suite (test_import_restore.py,
test_wsb_vm.py, test_bmr.py). A new method whose restore ends with a VM joins by adding its name to
``VM_METHODS``; its result must carry ``vm_id``, ``vm_name``, ``plan.host``, ``expected_switches`` and
``registration()`` (the ``RegistrationExpectation`` of harness/checks/registration.py).
"""

from __future__ import annotations

import json

import allure
import pytest

from harness.checks.registration import check_registration
from harness.checks.remediation import checkpoints_clean_after_remediation
from harness.checks.result import compared
from harness.checks.switches import check_switch_mapping

VM_METHODS = ("import", "wsb-vm", "bmr")
pytestmark = [pytest.mark.restore_method(*VM_METHODS)]


def _attach(name: str, data) -> None:
    allure.attach(json.dumps(data, indent=2, default=str, ensure_ascii=False), name, allure.attachment_type.JSON)


@pytest.mark.check("vm registered")
def test_vm_registered(scenario, restore_run, restored):
    """Registered (looked up by id) under the run-prefixed name, with the id, generation and version
    the restore's ``registration()`` expects."""
    result = restored.require_vm()
    facts = restore_run.facts(result.plan.host)
    outcome = restore_run.measured(scenario, check_registration(facts, result.registration()))
    _attach("registration", outcome.evidence)
    outcome.assert_ok()


@pytest.mark.check("no backup checkpoint")
def test_no_backup_checkpoint(scenario, restore_run, restored):
    """No backup/Recovery checkpoint, differencing disk or stray .avhdx. A leftover is recorded as a
    finding, the scenario's remediation runs once, and the check runs again."""
    result = restored.require_vm()
    outcome = restore_run.measured(scenario, checkpoints_clean_after_remediation(
        restore_run, scenario, result.plan.host, result.vm_id, result.vm_name))
    outcome.assert_ok()


@pytest.mark.check("switch mapping")
def test_switch_mapping(scenario, restore_run, restored):
    """Every adapter connected, to the switch the switch map names, which exists and is isolated."""
    result = restored.require_vm()
    host_cfg = restore_run.host_of(scenario)
    facts = restore_run.facts(host_cfg.name)
    vm = facts.vm(result.vm_id)
    if vm is None:
        restore_run.measured(scenario, compared(
            "switch mapping", scenario.name, {"vm": f"{result.vm_name} ({result.vm_id}) registered"},
            {"vm": f"not registered on {host_cfg.name}"}, ["the VM is not registered"])).assert_ok()
    outcome = restore_run.measured(scenario, check_switch_mapping(
        vm, facts, result.expected_switches, [s.name for s in host_cfg.isolated_switches]))
    _attach("switch mapping", outcome.evidence)
    outcome.assert_ok()
