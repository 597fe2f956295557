"""Hyper-V VM recovery from a host-level Windows Server Backup (seed 004 §3.3.3 (2), §3.3.5 (2)).

Flow: read the catalog → choose the set → the VM must be in it → ledger (run folder, and the VM
under its run-prefixed name with the backup's id) BEFORE anything is created →
``Start-WBHyperVRecovery -UseAlternateLocation -TargetPath <run folder> -RecreatePath -Async``
(refused if a VM with that id is already registered) → poll the job → ``wsb_vm_finish.ps1``: rename
to the run prefix, adapters onto isolated switches from the switch map → isolation guard. The
post-restore checks are the import checks (registration, checkpoints with remediation, switches):
a VM recovered from an online backup is where the backup working checkpoint comes back.
"""

from __future__ import annotations

import datetime as _dt
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from harness import naming
from harness.checks.isolation import guard_before_start
from harness.checks.registration import RegistrationExpectation
from harness.errors import (LabError, LabSafetyError, RemoteAccessDenied, RemoteNotFound, RemoteNotInstalled,
                            RemoteScriptError, RestoreDefect)
from harness.hyperv.facts import VM, Adapter, HostVMFacts, as_list, parse_switches
from harness.hyperv.operations import RemoteRunner
from harness.ledger import Ledger
from harness.restore.protocol import MethodOutcome, Needs, RestoreContext, poll_wait, source_needs
from harness.restore.wsb_common import (ChosenBackup, Step, WsbSource, backup_used, choose_backup, keep_backup_sets,
                                        no_step, wsb_source)
from harness.secrets import Credential
from harness.wsb.errors import ItemNotInBackup
from harness.wsb.facts import parse_time
from harness.wsb.jobs import JobWait, wait_for_job
from harness.wsb.target import remote_failure, target_params


class RecoveryRefused(LabError):
    """The lab's state forbids the recovery (a VM with the backup's id is already registered)."""


# Hyper-V's own refusals (VirtualizationException and friends) are about the lab host's state, not a
# harness bug: an unknown switch name, access denied, a VM in a state that forbids the change.
_HYPERV_TYPES = ("Microsoft.HyperV.PowerShell.", "Microsoft.Virtualization.")


def finish_failure(exc: RemoteScriptError, plan: VMRestorePlan, vm_id: str) -> Exception:
    """Classify a failed ``wsb_vm_finish`` (rename, adapters): lab problems stay lab problems.

    A missing module/cmdlet is already a lab problem (``RemoteNotInstalled``); access denied, a switch the
    lab host lacks (``RemoteNotFound``) or a Hyper-V refusal is a ``LabError`` naming the VM and the fix;
    anything else (a script error) is left as it is: a harness bug that must be seen as one.
    """
    what = f"{plan.scenario}: naming the recovered VM {plan.vm_name} ({vm_id}) and connecting its adapters"
    if isinstance(exc, RemoteNotInstalled):
        return exc
    if isinstance(exc, RemoteNotFound):
        return LabError(f"{what} failed on {plan.host}: {exc.message}. Fix: the switch_map must name switches "
                        f"that exist on {plan.host} (isolated: {', '.join(plan.isolated_switches) or 'none listed'})")
    if isinstance(exc, RemoteAccessDenied) or str(exc.type or "").startswith(_HYPERV_TYPES):
        return LabError(f"{what} failed on {plan.host}: {exc.message}")
    return exc


@dataclass(frozen=True)
class VMRestorePlan:
    """Where one ``wsb-vm`` scenario recovers its VM (inside the run's scratch folder)."""

    scenario: str
    host: str
    vm: str  # VM name in the backup
    source: WsbSource
    run_dir: str  # -TargetPath: <scratch>\<run id>\<scenario>
    vm_name: str  # run-prefixed name the recovered VM gets
    switch_map: Mapping[str, str] = field(default_factory=dict)
    isolated_switches: tuple[str, ...] = ()
    keeps_id: bool = True  # WSB recovers the VM with the id it had in the backup


def plan_vm_restore(inventory: Any, scenario: Any, run_id: str) -> VMRestorePlan:
    """The plan of a ``wsb-vm`` scenario."""
    if scenario.method != "wsb-vm":
        raise ValueError(f"scenario {scenario.name!r} is not a wsb-vm scenario")
    host = inventory.scenario_host(scenario)
    return VMRestorePlan(
        scenario=scenario.name, host=host.name, vm=scenario.vm, source=wsb_source(inventory, scenario),
        run_dir=naming.scratch_dir(host.scratch_root, run_id, scenario.name),
        vm_name=naming.resource_name(run_id, scenario.name), switch_map=dict(scenario.switch_map),
        isolated_switches=tuple(s.name for s in host.isolated_switches),
    )


@dataclass(frozen=True)
class VMRestoreResult:
    """The recovered VM (``vm_id``/``plan.run_dir``/``plan.host`` as the import result has them)."""

    plan: VMRestorePlan
    chosen: ChosenBackup
    vm_id: str
    vm_name: str
    source_id: str
    caption: str  # Online\CM01 / Offline\VMM01
    generation: int
    version: str
    adapters: tuple[Mapping[str, Any], ...]
    expected_switches: Mapping[str, str]
    job: JobWait
    started: _dt.datetime
    finished: _dt.datetime

    def registration(self) -> RegistrationExpectation:
        """What the registration check expects: the run-prefixed name and the id the VM had in the
        backup (WSB recovers a VM with its original id)."""
        return RegistrationExpectation(vm_id=self.vm_id, vm_name=self.vm_name, source_id=self.source_id, keeps_id=True)


def restore_vm(
    host: RemoteRunner, inventory: Any, scenario: Any, plan: VMRestorePlan, ledger: Ledger, *,
    step: Step = no_step, credential: Credential | None = None, sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> VMRestoreResult:
    """Recover the scenario's VM; raises ItemNotInBackup, RecoveryRefused, WsbJobFailed/Timeout,
    BackupTargetUnavailable or LabSafetyError with messages naming VM, version and target."""
    started = _dt.datetime.now(_dt.UTC)
    chosen = choose_backup(host, inventory, scenario, plan.source, credential=credential, step=step)
    bset = chosen.backup
    item = bset.vm(plan.vm)
    if item is None:
        held = ", ".join(v.caption or v.name for v in bset.vms) or "no Hyper-V VMs"
        raise ItemNotInBackup(f"{plan.scenario}: VM {plan.vm} is not in backup {bset.version_id} on "
                              f"{plan.source.target} (it holds {held})")
    folder = ledger.intend("folder", plan.host, plan.scenario, path=plan.run_dir)
    vm_entry = ledger.intend("vm", plan.host, plan.scenario, vm_name=plan.vm_name, vm_id=item.vm_id or None,
                             path=plan.run_dir)
    target = target_params(inventory.source(scenario.source), credential)
    with step(f"Recover VM {item.caption or plan.vm} from {bset.version_id} to {plan.run_dir} (alternate location)"):
        try:
            start = host.run("wsb_start_vm_recovery", {
                "target": target, "machine": plan.source.machine or "", "version_id": bset.version_id,
                "vm": plan.vm, "target_path": plan.run_dir,
            }) or {}
        except RemoteNotFound as exc:
            raise ItemNotInBackup(f"{plan.scenario}: VM {plan.vm} could not be recovered from {bset.version_id}: "
                                  f"{exc.message}") from exc
        except RemoteScriptError as exc:
            raise remote_failure(exc, f"{plan.scenario}: recovering VM {plan.vm}", plan.source.target) from exc
        comp = start.get("Component") or {}
        vm_id = str(comp.get("VMId") or comp.get("Name") or item.vm_id).lower()
        if start.get("outcome") == "refused":
            reg = start.get("Registered") or {}
            raise RecoveryRefused(
                f"{plan.scenario}: refusing to recover {plan.vm}: a VM with the backup's id {vm_id} is already "
                f"registered on {plan.host} as '{reg.get('Name')}' ({reg.get('Path')}). WSB recovers the VM with its "
                f"original id; remove that VM yourself if it is a leftover (the harness never touches VMs it did "
                f"not create).")
        ledger.confirm(folder, message="WSB Hyper-V recovery target")
        job = wait_for_job(host, what=f"{plan.scenario}: recovery of VM {plan.vm}",
                           started_at=parse_time(start.get("Now")) or chosen.discovery.now,
                           timeout_sec=plan.source.timeout_sec, poll_sec=plan.source.poll_sec, sleep=sleep, clock=clock)
    with step(f"Name the recovered VM {plan.vm_name} and put its adapters on isolated switches"):
        try:
            data = host.run("wsb_vm_finish", {
                "vm_id": vm_id, "name": plan.vm_name, "run_dir": plan.run_dir, "switch_map": dict(plan.switch_map),
                "isolated": list(plan.isolated_switches),
            }) or {}
        except RemoteScriptError as exc:
            raise finish_failure(exc, plan, vm_id) from exc
    vm = data.get("vm") or {}
    if data.get("outcome") == "missing":
        raise RestoreDefect(f"{plan.scenario}: the WSB job for {plan.vm} completed but no VM with id {vm_id} is "
                            f"registered on {plan.host} (the recovery did not register the VM)")
    if data.get("outcome") == "outside":
        raise LabSafetyError(f"{plan.scenario}: the VM with id {vm_id} lives in {vm.get('Path')}, outside the run "
                             f"folder {plan.run_dir}; the harness does not rename or remove it")
    ledger.confirm(vm_entry, vm_id=str(vm.get("Id") or vm_id), message=f"recovered from WSB {bset.version_id}")
    adapters = tuple(dict(a) for a in as_list(data.get("adapters")))
    expected = {str(a.get("Name")): str(a.get("Target")) for a in adapters if a.get("Target")}
    model = VM(id=str(vm.get("Id") or vm_id).lower(), name=str(vm.get("Name")), state=int(vm.get("State") or 3),
               generation=int(vm.get("Generation") or 0), version=str(vm.get("Version") or ""),
               adapters=tuple(Adapter(name=str(a.get("Name")), switch=a.get("SwitchName") or None,
                                      connected=bool(a.get("Connected"))) for a in adapters))
    facts = HostVMFacts(host=plan.host, switches=parse_switches(as_list(data.get("switches"))))
    guard_before_start(model, facts, plan.isolated_switches)
    return VMRestoreResult(
        plan=plan, chosen=chosen, vm_id=model.id, vm_name=model.name, source_id=(item.vm_id or vm_id).lower(),
        caption=item.caption, generation=model.generation, version=model.version, adapters=adapters,
        expected_switches=expected, job=job, started=started, finished=_dt.datetime.now(_dt.UTC),
    )


class WsbVmMethod:
    """``method: wsb-vm``: Hyper-V VM recovery from a host-level WSB backup to an alternate location."""

    name = "wsb-vm"
    restores_vm = True
    boots_in_restore = False
    host_exclusive = "wbengine"  # a WSB job: one per host at a time (wbengine)
    source_kinds = ("wsb-volume", "wsb-share")

    def plan(self, inventory: Any, scenario: Any, run_id: str) -> VMRestorePlan:
        return plan_vm_restore(inventory, scenario, run_id)

    def needs(self, inventory: Any, scenario: Any) -> Needs:
        return source_needs(scenario)

    def run(self, ctx: RestoreContext, scenario: Any, plan: VMRestorePlan) -> MethodOutcome:
        result = restore_vm(ctx.hosts[plan.host], ctx.inventory, scenario, plan, ctx.ledger, step=ctx.step,
                            sleep=poll_wait(ctx, plan.host))
        keep_backup_sets(ctx, scenario.name, result.chosen)
        return MethodOutcome(result, backup_used(result.chosen),
                             f"recovered {result.caption} as {result.vm_name} ({result.vm_id})",
                             result.started, result.finished)


METHOD = WsbVmMethod()
