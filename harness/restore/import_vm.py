"""Hyper-V import restores of all three types (seed 004 §3.3.8 (3)).

* ``register`` - register in place, existing ID. The backup is never registered itself: the run
  copies the export folder into its scratch folder first and registers that copy.
* ``restore`` - copy the files to the run folder, existing ID.
* ``copy-new-id`` - copy the files to the run folder with a new ID.

Flow: plan (paths under ``<scratch root>\\<run id>\\<scenario>``, run-prefixed VM name) → precheck
(no changes: VM id from the .vmcx file name, ``Get-VM -Id`` collision, destination files) → ledger
intent → ``import_vm.ps1`` (Compare-VM, fix 33012 from the switch map, Compare again,
Import-VM -CompatibilityReport) → ledger confirm → isolation guard before anything could start the VM.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import re
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from harness import naming
from harness.checks.registration import RegistrationExpectation
from harness.checks.switches import isolation_violations
from harness.errors import LabError, LabSafetyError, RemoteScriptError, RestoreDefect
from harness.hyperv.facts import Adapter, HostVMFacts, VM, as_list, parse_switches
from harness.hyperv.operations import RemoteRunner
from harness.ledger import Ledger
from harness.restore.protocol import BackupUsed, MethodOutcome, Needs, RestoreContext
from harness.wsb.facts import parse_time

MISSING_SWITCH = 33012
KEEPS_ID = {"register": True, "restore": True, "copy-new-id": False}
Step = Callable[[str], AbstractContextManager[Any]]


def _no_step(title: str) -> AbstractContextManager[Any]:
    return contextlib.nullcontext()


class ImportRefused(LabError):
    """The lab's state forbids the import (same VM id registered, destination files exist)."""


class UnmappedSwitch(LabError):
    """An adapter's switch is missing on the lab host and the scenario's switch_map has no entry for it."""


class ImportIncompatible(RestoreDefect):
    """Compare-VM reported an incompatibility other than a missing switch: the backup cannot be imported here."""


class IsolationViolation(LabSafetyError):
    """A restored VM's adapter is on a switch that is not isolated; the VM must not start."""


@dataclass(frozen=True)
class ImportPlan:
    """Where and how one scenario imports (every path inside the run's scratch folder)."""

    scenario: str
    host: str
    import_type: str
    vm: str  # name in the backup
    folder: str  # export folder in the backup, e.g. B:\Exports\CM01
    run_dir: str  # E:\RestoreTests\<run id>\<scenario>
    vm_name: str  # run-prefixed name of the restored VM
    switch_map: Mapping[str, str] = field(default_factory=dict)
    isolated_switches: tuple[str, ...] = ()

    @property
    def keeps_id(self) -> bool:
        return KEEPS_ID[self.import_type]

    @property
    def vhd_path(self) -> str:
        return f"{self.run_dir}\\Virtual Hard Disks"

    @property
    def snapshot_path(self) -> str:
        return f"{self.run_dir}\\Snapshots"

    @property
    def copy_to(self) -> str:
        """Register in place: the copy of the export folder the run registers."""
        return f"{self.run_dir}\\{self.vm}"

    @property
    def destinations(self) -> list[str]:
        """Folders whose existing files would collide with the import's files."""
        if self.import_type == "register":
            return []
        return [self.vhd_path, f"{self.run_dir}\\Virtual Machines", self.snapshot_path]


def plan_import(inventory: Any, scenario: Any, run_id: str) -> ImportPlan:
    """Build the plan from the inventory (``harness.inventory.models.Inventory``) and a scenario."""
    if scenario.method != "import" or scenario.import_type not in KEEPS_ID:
        raise ValueError(f"scenario {scenario.name!r} is not an import scenario")
    host = inventory.scenario_host(scenario)
    source = inventory.source(scenario.source)
    return ImportPlan(
        scenario=scenario.name,
        host=host.name,
        import_type=scenario.import_type,
        vm=scenario.vm,
        folder=f"{source.path.rstrip(chr(92))}\\{scenario.vm}",
        run_dir=naming.scratch_dir(host.scratch_root, run_id, scenario.name),
        vm_name=naming.resource_name(run_id, scenario.name),
        switch_map=dict(scenario.switch_map),
        isolated_switches=tuple(s.name for s in host.isolated_switches),
    )


@dataclass(frozen=True)
class Precheck:
    """What the backup holds and whether the import may go ahead."""

    vmcx: str
    source_id: str
    vmcx_written: str | None
    files: tuple[Mapping[str, Any], ...]
    registered: Mapping[str, Any] | None
    conflicts: tuple[str, ...]


def precheck(host: RemoteRunner, plan: ImportPlan) -> Precheck:
    """Refuse, with the reason, what cannot work: an existing-ID import whose ID is registered, or
    destination files that already exist. Changes nothing on the host."""
    data = host.run("import_precheck", {
        "folder": plan.folder, "destinations": plan.destinations,
        "copy_to": plan.copy_to if plan.import_type == "register" else "",
    }, idempotent=True) or {}
    pre = Precheck(
        vmcx=str(data.get("Vmcx")), source_id=str(data.get("VmId")).lower(),
        vmcx_written=data.get("VmcxWritten"), files=tuple(as_list(data.get("Files"))),
        registered=data.get("Registered") or None, conflicts=tuple(str(c) for c in as_list(data.get("Conflicts"))),
    )
    if plan.keeps_id and pre.registered:
        reg = pre.registered
        raise ImportRefused(
            f"{plan.scenario}: refusing the {plan.import_type} import (existing ID): a VM with the backup's id "
            f"{pre.source_id} is already registered on {plan.host} as '{reg.get('Name')}' ({reg.get('Path')}). "
            f"Hyper-V cannot import a second VM with the same id; use import_type: copy-new-id, or remove that VM "
            f"yourself if it is a leftover (the harness never touches VMs it did not create)."
        )
    if pre.conflicts:
        raise ImportRefused(
            f"{plan.scenario}: refusing the import: destination files already exist on {plan.host}: "
            f"{', '.join(pre.conflicts)}. The harness never overwrites files it did not create."
        )
    return pre


@dataclass(frozen=True)
class ImportResult:
    """The restored VM and everything the import reported."""

    plan: ImportPlan
    vm_id: str
    vm_name: str
    source_id: str
    source_name: str
    generation: int
    version: str
    adapters: tuple[Mapping[str, Any], ...]
    incompatibilities: tuple[Mapping[str, Any], ...]
    expected_switches: Mapping[str, str]  # adapter name -> lab switch it must be on
    vmcx: str
    vmcx_written: str | None
    started: _dt.datetime
    finished: _dt.datetime

    def registration(self) -> RegistrationExpectation:
        """What the registration check expects: the id kept or new as the import type says, generation
        and version as in the backup's configuration."""
        return RegistrationExpectation(vm_id=self.vm_id, vm_name=self.vm_name, source_id=self.source_id,
                                       keeps_id=self.plan.keeps_id, generation=self.generation or None,
                                       version=self.version or None)


_EXISTS_RE = re.compile(r"The file '([^']+)' already exists", re.IGNORECASE)


def _incompatibility_text(items: list[Mapping[str, Any]]) -> str:
    return "; ".join(f"MessageId {i.get('MessageId')}: {i.get('Message')}" for i in items)


def import_vm(host: RemoteRunner, plan: ImportPlan, ledger: Ledger, *, step: Step = _no_step) -> ImportResult:
    """Run the whole import for one scenario. Raises ImportRefused, UnmappedSwitch, ImportIncompatible
    or IsolationViolation with messages that name the VM, adapter, switch or file."""
    started = _dt.datetime.now(_dt.UTC)
    with step(f"Pre-check {plan.import_type} import of {plan.vm} from {plan.folder}"):
        pre = precheck(host, plan)
    folder_entry = ledger.intend("folder", plan.host, plan.scenario, path=plan.run_dir)
    vm_entry = ledger.intend("vm", plan.host, plan.scenario, vm_name=plan.vm_name,
                             vm_id=pre.source_id if plan.keeps_id else None, path=plan.run_dir)
    with step(f"Import {plan.vm} as {plan.vm_name} ({plan.import_type}) on {plan.host}"):
        try:
            data = host.run("import_vm", {
                "mode": plan.import_type, "vmcx": pre.vmcx, "folder": plan.folder, "copy_to": plan.copy_to,
                "vm_path": plan.run_dir, "vhd_path": plan.vhd_path, "snapshot_path": plan.snapshot_path,
                "name": plan.vm_name, "switch_map": dict(plan.switch_map),
            }) or {}
        except RemoteScriptError as exc:
            found = _EXISTS_RE.findall(exc.message)
            if found:
                raise ImportRefused(
                    f"{plan.scenario}: the import was refused by Hyper-V: destination files already exist on "
                    f"{plan.host}: {', '.join(found)}. The harness never overwrites files it did not create."
                ) from exc
            raise
    ledger.confirm(folder_entry)
    incompat = [dict(i) for i in as_list(data.get("incompatibilities"))]
    if data.get("outcome") != "imported":
        unmapped = [i for i in incompat if i.get("Fix") == "unmapped"]
        fatal = [i for i in incompat if i.get("Fix") != "unmapped" and not str(i.get("Fix", "")).startswith("connected")]
        if unmapped:
            names = ", ".join(f"adapter '{i.get('Adapter')}' on switch '{i.get('Switch')}'" for i in unmapped)
            raise UnmappedSwitch(
                f"{plan.scenario}: {plan.vm} has {names}, which does not exist on {plan.host} and has no entry in "
                f"the scenario's switch_map (mapped: {dict(plan.switch_map) or 'nothing'}). Fix: add "
                f"`{unmapped[0].get('Switch')}: <isolated lab switch>` to switch_map."
                + (f" Other incompatibilities: {_incompatibility_text(fatal)}" if fatal else "")
            )
        raise ImportIncompatible(
            f"{plan.scenario}: Compare-VM reported incompatibilities the harness does not fix: "
            f"{_incompatibility_text(fatal)}"
        )
    vm = data.get("vm") or {}
    vm_id = str(vm.get("Id")).lower()
    ledger.confirm(vm_entry, vm_id=vm_id, message=f"imported from {pre.vmcx}")
    adapters = tuple(dict(a) for a in as_list(data.get("adapters")))
    expected = {}
    for a in adapters:
        original = a.get("OriginalSwitch") or ""
        mapped = {k.lower(): v for k, v in plan.switch_map.items()}.get(str(original).lower())
        if mapped:
            expected[str(a.get("Name"))] = mapped
    _isolation_guard(plan, vm_id, str(vm.get("Name")), adapters, data.get("switches"))
    source = data.get("source") or {}
    return ImportResult(
        plan=plan, vm_id=vm_id, vm_name=str(vm.get("Name")), source_id=pre.source_id,
        source_name=str(source.get("Name") or plan.vm), generation=int(source.get("Generation") or 0),
        version=str(source.get("Version") or ""), adapters=adapters, incompatibilities=tuple(incompat),
        expected_switches=expected, vmcx=pre.vmcx, vmcx_written=pre.vmcx_written,
        started=started, finished=_dt.datetime.now(_dt.UTC),
    )


def _isolation_guard(plan: ImportPlan, vm_id: str, vm_name: str, adapters: tuple[Mapping[str, Any], ...],
                     switches: Any) -> None:
    """Fail before the VM can start if any adapter is on a switch that is not isolated."""
    vm = VM(id=vm_id, name=vm_name, state=3, generation=0, version="", adapters=tuple(
        Adapter(name=str(a.get("Name")), switch=a.get("SwitchName") or None, connected=bool(a.get("Connected")))
        for a in adapters))
    facts = HostVMFacts(host=plan.host, switches=parse_switches(as_list(switches)))
    problems = isolation_violations(vm, facts, plan.isolated_switches)
    if problems:
        raise IsolationViolation(
            f"{plan.scenario}: isolation guard: restored VM {vm_name} must not start: " + "; ".join(problems)
            + ". It stays off and is removed at teardown; map its switches to isolated lab switches."
        )


class ImportMethod:
    """``method: import``: Hyper-V import of an export folder (register, restore, copy-new-id)."""

    name = "import"
    restores_vm = True
    boots_in_restore = False
    host_exclusive = ""
    source_kinds = ("hyperv-export",)

    def plan(self, inventory: Any, scenario: Any, run_id: str) -> ImportPlan:
        return plan_import(inventory, scenario, run_id)

    def needs(self, inventory: Any, scenario: Any) -> Needs:
        """The source must be readable and the export folder's disks must fit the scratch volume."""
        source = inventory.source(scenario.source)
        folder = f"{source.path.rstrip(chr(92))}\\{scenario.vm}"
        return Needs(sources=(scenario.source,), exports=({"scenario": scenario.name, "folder": folder},))

    def run(self, ctx: RestoreContext, scenario: Any, plan: ImportPlan) -> MethodOutcome:
        result = import_vm(ctx.hosts[plan.host], plan, ctx.ledger, step=ctx.step)
        written = parse_time(result.vmcx_written)
        return MethodOutcome(result, BackupUsed(result.vmcx, written, plan.folder),
                             f"imported as {result.vm_name} ({result.vm_id})", result.started, result.finished)


METHOD = ImportMethod()
