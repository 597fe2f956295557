"""The checkpoint-cleanup check with its remediation, shared by every suite that restores a VM.

A leftover backup checkpoint is first recorded as a *finding* (seed 004 §3.1.2 (9)); the remediation
the scenario's policy names runs once (``remove``, ``restart-vmms`` or ``none``) as its own report
step; then the check runs again. The VM passes only if it ends clean, and the evidence keeps the
finding, the remediation and the final result.
"""

from __future__ import annotations

import json
from typing import Any

import allure

from harness.checks.checkpoints import check_checkpoints
from harness.checks.result import CheckResult
from harness.hyperv.operations import remove_checkpoints, restart_vmms


def _attach(name: str, data: Any) -> None:
    allure.attach(json.dumps(data, indent=2, default=str, ensure_ascii=False), name, allure.attachment_type.JSON)


def checkpoints_clean_after_remediation(run: Any, scenario: Any, host: str, vm_id: str, vm_name: str
                                        ) -> CheckResult:
    """Check the VM's checkpoints; on a leftover, record the finding, remediate once, check again.

    ``run`` is the plugin's restore run (facts, hosts, recorder). Returns the final result; its
    message names the finding and the remediation when one ran.
    """
    vm = run.facts(host).vm(vm_id)
    if vm is None:
        return CheckResult("checkpoint cleanup", f"{scenario.name}", (f"VM {vm_name} ({vm_id}) is not registered on {host}",))
    first = check_checkpoints(vm, host)
    _attach("checkpoints", first.evidence)
    if first.ok:
        return first
    policy = scenario.checkpoint_remediation
    with allure.step(f"Finding: {first.message}"):
        run.recorder.check(scenario.name, "backup checkpoint (finding before remediation)", "finding", first.message)
    with allure.step(f"Remediation '{policy}' on {vm.name}"):
        if policy == "remove":
            remediation = remove_checkpoints(run.hosts[host], vm.id, [c.id for c in vm.leftover_checkpoints])
        elif policy == "restart-vmms":
            remediation = restart_vmms(run.hosts[host])
        else:
            remediation = None
        summary = remediation.summary() if remediation else "policy 'none': nothing done"
        allure.attach(summary, "remediation", allure.attachment_type.TEXT)
        if remediation and remediation.samples:
            _attach("merge progress", [s.__dict__ for s in remediation.samples])
    run.recorder.check(scenario.name, f"checkpoint remediation ({policy})",
                       "passed" if remediation and remediation.finished else "failed", summary)
    with allure.step("Check again after the remediation"):
        vm = run.facts(host, refresh=True).vm(vm_id)
        if vm is None:
            return CheckResult(first.name, first.subject, (f"VM {vm_name} disappeared after remediation '{policy}'",))
        second = check_checkpoints(vm, host)
        _attach("checkpoints after remediation", second.evidence)
    if second.ok:
        return second
    return CheckResult(second.name, second.subject, second.problems, second.evidence,
                       note=f"finding before: {first.message}; remediation: {summary}")
