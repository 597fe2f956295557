"""Hyper-V VM recovery from a host-level Windows Server Backup: every `method: wsb-vm` scenario.

The VM is recovered once (Start-WBHyperVRecovery -UseAlternateLocation into the run folder, -Async,
polled), renamed to the run prefix and put on isolated switches; then the same checks as an import:
registration, no backup checkpoint (the backup working checkpoint of an online backup comes back
here; the scenario's remediation runs once), switch mapping, and the backup's age.
See docs/wsb-restore.md.
"""

from __future__ import annotations

import json

import allure
import pytest

from harness.checks.remediation import checkpoints_clean_after_remediation
from harness.checks.registration import RegistrationExpectation, check_registration
from harness.checks.switches import check_switch_mapping

pytestmark = [pytest.mark.restore_method("wsb-vm")]


def _label(scenario, run, check: str, version: str | None = None, severity: str = "critical") -> None:
    try:
        from harness.evidence.pytest_hooks import apply_labels
    except ImportError:
        return
    apply_labels(scenario=scenario.name, method="wsb-vm", system=scenario.vm, check=check, severity=severity,
                 host=run.host_of(scenario).name, backup_version=version)


def _attach(name: str, data) -> None:
    allure.attach(json.dumps(data, indent=2, default=str, ensure_ascii=False), name, allure.attachment_type.JSON)


@pytest.mark.check("restore")
def test_wsb_vm_restore(scenario, restore_run, restored):
    """The WSB Hyper-V recovery job completed and the VM is registered under the run prefix."""
    _label(scenario, restore_run, "restore")
    assert restored.defect is None, f"{scenario.name}: restore failed: {restored.defect}"
    r = restored.result
    allure.attach("\n".join(r.job.progress), "WSB job progress", allure.attachment_type.TEXT)
    _attach("recovery result", {"vm_id": r.vm_id, "vm_name": r.vm_name, "source_id": r.source_id,
                                "caption": r.caption, "adapters": r.adapters, "version": r.chosen.backup.version_id})


@pytest.mark.check("backup age")
def test_backup_age(scenario, restore_run, restored):
    """The newest backup on the target is not older than the policy's maximum age."""
    r = restored.require_vm()
    _label(scenario, restore_run, "backup age", r.chosen.backup.version_id, severity="normal")
    _attach("backup age", r.chosen.age_check.evidence)
    assert r.chosen.age_check.ok, r.chosen.age_check.message


@pytest.mark.check("vm registered")
def test_vm_registered(scenario, restore_run, restored):
    """Registered under the run-prefixed name with the id it had in the backup."""
    r = restored.require_vm()
    _label(scenario, restore_run, "vm registered", r.chosen.backup.version_id)
    facts = restore_run.facts(r.plan.host)
    outcome = check_registration(facts, RegistrationExpectation(
        vm_id=r.vm_id, vm_name=r.vm_name, source_id=r.source_id, keeps_id=True))
    _attach("registration", outcome.evidence)
    assert outcome.ok, outcome.message


@pytest.mark.check("no backup checkpoint")
def test_no_backup_checkpoint(scenario, restore_run, restored):
    """No backup/Recovery checkpoint, differencing disk or stray .avhdx; a leftover is a finding, the
    scenario's remediation runs once and the check runs again."""
    r = restored.require_vm()
    _label(scenario, restore_run, "no backup checkpoint", r.chosen.backup.version_id)
    outcome = checkpoints_clean_after_remediation(restore_run, scenario, r.plan.host, r.vm_id, r.vm_name)
    assert outcome.ok, outcome.message


@pytest.mark.check("switch mapping")
def test_switch_mapping(scenario, restore_run, restored):
    """Every adapter connected to the switch the switch map names, which exists and is isolated."""
    r = restored.require_vm()
    _label(scenario, restore_run, "switch mapping", r.chosen.backup.version_id)
    host_cfg = restore_run.host_of(scenario)
    facts = restore_run.facts(host_cfg.name)
    vm = facts.vm(r.vm_id)
    assert vm is not None, f"{scenario.name}: VM {r.vm_name} ({r.vm_id}) is not registered on {host_cfg.name}"
    outcome = check_switch_mapping(vm, facts, r.expected_switches, [s.name for s in host_cfg.isolated_switches])
    _attach("switch mapping", outcome.evidence)
    assert outcome.ok, outcome.message
