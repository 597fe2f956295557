"""Import restore suite: every `method: import` scenario of the inventory, all three import types.

Run it with `restore-harness run` or `pytest suites/ --inventory inventories/<lab>.yml`. Each
scenario is restored once (by the first test that needs it, `test_import_restore`), then checked.
Copy this file to write your own suite: docs/plugin.md explains the fixtures.
"""

from __future__ import annotations

import json

import allure
import pytest

from harness.checks.remediation import checkpoints_clean_after_remediation
from harness.checks.registration import RegistrationExpectation, check_registration
from harness.checks.switches import check_switch_mapping

pytestmark = [pytest.mark.restore_method("import")]


def _label(scenario, run, check: str, severity: str = "critical") -> None:
    run.label(scenario, check, severity)  # title, epic/feature/story, lab_host and backup version tags


def _attach(name: str, data) -> None:
    allure.attach(json.dumps(data, indent=2, default=str, ensure_ascii=False), name, allure.attachment_type.JSON)


@pytest.mark.check("restore")
def test_import_restore(scenario, restore_run, restored):
    """The import ran: Compare-VM, switch fixes from the switch map, Import-VM -CompatibilityReport."""
    _label(scenario, restore_run, "restore")
    assert restored.defect is None, f"{scenario.name}: restore failed: {restored.defect}"
    _attach("import result", {"vm_id": restored.result.vm_id, "vm_name": restored.result.vm_name,
                              "source_id": restored.result.source_id, "adapters": restored.result.adapters,
                              "incompatibilities": restored.result.incompatibilities})


@pytest.mark.check("vm registered")
def test_vm_registered(scenario, restore_run, restored):
    """Registered (looked up by id), id kept or new as the import type says, generation and version
    as in the backup."""
    _label(scenario, restore_run, "vm registered")
    result = restored.require_vm()
    facts = restore_run.facts(result.plan.host)
    outcome = check_registration(facts, RegistrationExpectation(
        vm_id=result.vm_id, vm_name=result.vm_name, source_id=result.source_id, keeps_id=result.plan.keeps_id,
        generation=result.generation or None, version=result.version or None))
    _attach("registration", outcome.evidence)
    assert outcome.ok, outcome.message


@pytest.mark.check("no backup checkpoint")
def test_no_backup_checkpoint(scenario, restore_run, restored):
    """No Recovery/backup checkpoint, differencing disk or stray .avhdx. A leftover is recorded as a
    finding, the inventory's remediation runs once, and the check runs again."""
    _label(scenario, restore_run, "no backup checkpoint")
    result = restored.require_vm()
    outcome = checkpoints_clean_after_remediation(restore_run, scenario, result.plan.host, result.vm_id,
                                                  result.vm_name)
    assert outcome.ok, outcome.message


@pytest.mark.check("switch mapping")
def test_switch_mapping(scenario, restore_run, restored):
    """Every adapter connected, to the switch the switch map names, which exists and is isolated."""
    _label(scenario, restore_run, "switch mapping")
    result = restored.require_vm()
    host_cfg = restore_run.host_of(scenario)
    facts = restore_run.facts(host_cfg.name)
    vm = facts.vm(result.vm_id)
    assert vm is not None, f"{scenario.name}: VM {result.vm_name} ({result.vm_id}) is not registered on {host_cfg.name}"
    outcome = check_switch_mapping(vm, facts, result.expected_switches, [s.name for s in host_cfg.isolated_switches])
    _attach("switch mapping", outcome.evidence)
    assert outcome.ok, outcome.message
