"""Hyper-V module cmdlets (module "Hyper-V") on the :class:`HyperVHost` model.

Each function binds the documented parameter sets (reference/hyperv-powershell.md §1-3, docs of
windows-powershell-docs winserver2019-ps/hyper-v) and delegates the work to the host; output
objects come from :mod:`simlab.lab.psobjects`. Command types follow the module:
``Microsoft.HyperV.PowerShell.Commands.<Verb><Noun>`` (VHD cmdlets: ``Microsoft.Vhd.PowerShell.Cmdlets``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

from simlab.lab import psobjects as o
from simlab.lab.psobjects import like
from simlab.lab.host import HyperVHost, virt_error, vm_not_found_by_name
from simlab.lab.model import VM, CompatibilityReport, ControllerType, DvdDrive, HardDiskDrive, NetworkAdapter, SnapshotType, SwitchType
from simlab.ps.api import Bound, CmdletError, CmdletFn, Context, Param, PSObject, cmdlet

MODULE = "Hyper-V"
T_VM = "Microsoft.HyperV.PowerShell.VirtualMachine"
T_NIC = "Microsoft.HyperV.PowerShell.VMNetworkAdapter"
T_SNAP = "Microsoft.HyperV.PowerShell.VMSnapshot"
T_REPORT = "Microsoft.HyperV.PowerShell.VMCompatibilityReport"
T_SWITCH = "Microsoft.HyperV.PowerShell.VMSwitch"


def hv(name: str, params: list[Param], **kw: Any):  # type: ignore[no-untyped-def]
    verb, _, noun = name.partition("-")
    ns = "Microsoft.Vhd.PowerShell.Cmdlets." if noun in ("VHD",) else "Microsoft.HyperV.PowerShell.Commands."
    return cmdlet(name, params, module=MODULE, command_type=ns + verb + noun, **kw)


def host_of(ctx: Context) -> HyperVHost:
    """The Hyper-V host this runspace is on; vmms must be running; due async work completes first."""
    h = ctx.machine
    if not isinstance(h, HyperVHost):  # pragma: no cover - module availability keeps this out
        raise CmdletError("The Hyper-V role is not installed on this machine.", "NotInstalled", "NotInstalled")
    h.poll()
    h.require_vmms()
    return h


def _is_wild(name: str) -> bool:
    return any(c in name for c in "*?[")


def resolve_vms(ctx: Context, h: HyperVHost, b: Bound, name_param: str = "VMName", vm_param: str = "VM") -> list[VM]:
    """VMs named (wildcards allowed; a missing literal name writes the Windows error) or passed as objects."""
    out: list[VM] = []
    for obj in b.get(vm_param) or []:
        vm = obj.ref if isinstance(obj, PSObject) else None
        if isinstance(vm, VM):
            out.append(vm)
    for name in b.get(name_param) or []:
        found = [v for v in h.all_vms() if like(v.name, name)]
        if not found and not _is_wild(name):
            ctx.write_error(vm_not_found_by_name(name).record)
        out.extend(v for v in found if v not in out)
    return out


def _id_param(b: Bound) -> uuid.UUID | None:
    v = b.get("Id")
    return v if isinstance(v, uuid.UUID) or v is None else uuid.UUID(str(v))


# ============================================================================ host, VMs

@hv("Get-VMHost", [Param("ComputerName", "string[]")])
def get_vmhost(ctx: Context, b: Bound) -> Iterator[Any]:
    yield o.vmhost_obj(host_of(ctx))


@hv("Get-VM", [
    Param("Name", "string[]", position=0, aliases=("VMName",), sets=("Name",), from_pipeline=True),
    Param("Id", "guid", sets=("Id",), mandatory_in=("Id",)),
    Param("ComputerName", "string[]"),
], default_set="Name", pipeline="per-item")
def get_vm(ctx: Context, b: Bound) -> Iterator[Any]:
    h = host_of(ctx)
    if b.parameter_set == "Id":
        vid = _id_param(b)
        vm = h.vms.get(vid) if vid else None
        if vm is None:
            ctx.write_error(virt_error(f'Hyper-V was unable to find a virtual machine with id "{vid}".',
                                       "InvalidArgument", "InvalidParameter", str(vid)).record)
            return
        yield o.vm_obj(h, vm)
        return
    names = b.get("Name")
    if not names:
        for vm in h.all_vms():
            yield o.vm_obj(h, vm)
        return
    for vm in resolve_vms(ctx, h, Bound({"VMName": names}, "Name")):
        yield o.vm_obj(h, vm)


@hv("New-VM", [
    Param("Name", "string", position=0, aliases=("VMName",)),
    Param("MemoryStartupBytes", "long", position=1),
    Param("Generation", "int", position=2),
    Param("Path", "string"),
    Param("NoVHD", "switch"),
    Param("SwitchName", "string"),
    Param("VHDPath", "string"),
    Param("NewVHDPath", "string"),
    Param("NewVHDSizeBytes", "long"),
    Param("BootDevice", "string"),
    Param("Version", "string"),
    Param("Force", "switch"),
])
def new_vm(ctx: Context, b: Bound) -> Iterator[Any]:
    h = host_of(ctx)
    gen = int(b.get("Generation") or 1)
    if gen not in (1, 2):
        raise virt_error("The generation must be 1 or 2.", "InvalidArgument", "InvalidParameter")
    vhd_path = b.get("VHDPath")
    if b.get("NewVHDPath"):
        h.new_vhd(b.get("NewVHDPath"), int(b.get("NewVHDSizeBytes") or 127 * 1024**3))
        vhd_path = b.get("NewVHDPath")
    vm = h.new_vm(b.get("Name") or "New Virtual Machine", gen, b.get("Path"), int(b.get("MemoryStartupBytes") or 1024**3),
                  b.get("SwitchName"), vhd_path)
    yield o.vm_obj(h, vm)


_VM_TARGET = [
    Param("Name", "string[]", position=0, aliases=("VMName",), sets=("Name",), mandatory_in=("Name",)),
    Param("VM", T_VM + "[]", position=0, sets=("VMObject",), mandatory_in=("VMObject",), from_pipeline=True),
    Param("Passthru", "switch"),
    Param("ComputerName", "string[]"),
]


def _targets(ctx: Context, h: HyperVHost, b: Bound) -> list[VM]:
    return resolve_vms(ctx, h, b, "Name", "VM")


@hv("Remove-VM", [*_VM_TARGET, Param("Force", "switch")], default_set="Name", pipeline="per-item")
def remove_vm(ctx: Context, b: Bound) -> Iterator[Any]:
    h = host_of(ctx)
    for vm in _targets(ctx, h, b):
        if vm.state != "Off":
            h.stop_vm(vm, turn_off=True)  # Remove-VM turns a running VM off first
        h.remove_vm(vm)
    return iter(())


def _vm_action(name: str, extra: list[Param]) -> Callable[[Callable[[HyperVHost, VM, Bound], None]], CmdletFn]:
    """Register a cmdlet of the Name/VMObject sets (``_VM_TARGET``) that acts on each VM in turn and
    with -Passthru writes the VM afterwards; the decorated function does the work for one VM."""
    def register(act: Callable[[HyperVHost, VM, Bound], None]) -> CmdletFn:
        def run(ctx: Context, b: Bound) -> Iterator[Any]:
            h = host_of(ctx)
            for vm in _targets(ctx, h, b):
                act(h, vm, b)
                if b.switch("Passthru"):
                    yield o.vm_obj(h, vm)
        run.__name__, run.__doc__ = act.__name__, act.__doc__
        return hv(name, [*_VM_TARGET, *extra], default_set="Name", pipeline="per-item")(run)
    return register


@_vm_action("Start-VM", [])
def start_vm(h: HyperVHost, vm: VM, b: Bound) -> None:
    h.start_vm(vm)


@_vm_action("Stop-VM", [Param("TurnOff", "switch"), Param("Force", "switch"), Param("Save", "switch")])
def stop_vm(h: HyperVHost, vm: VM, b: Bound) -> None:
    if b.switch("Save"):
        h.save_vm(vm)
    else:
        h.stop_vm(vm, turn_off=b.switch("TurnOff") or vm.heartbeat_at is None)


@_vm_action("Rename-VM", [Param("NewName", "string", position=1, mandatory_in=("*",))])
def rename_vm(h: HyperVHost, vm: VM, b: Bound) -> None:
    """Rename-VM (Name and VMObject sets; also a planned VM from ``$report.VM``, as Packer/Vagrant do)."""
    h.rename_vm(vm, b.get("NewName"))


@_vm_action("Set-VM", [
    Param("ProcessorCount", "long"),
    Param("MemoryStartupBytes", "long"),
    Param("StaticMemory", "switch"),
    Param("DynamicMemory", "switch"),
    Param("Notes", "string"),
    Param("NewVMName", "string"),
])
def set_vm(h: HyperVHost, vm: VM, b: Bound) -> None:
    """Set-VM basics: -ProcessorCount, -MemoryStartupBytes, -StaticMemory/-DynamicMemory, -Notes, -NewVMName."""
    dyn = True if b.switch("DynamicMemory") else (False if b.switch("StaticMemory") else None)
    h.set_vm(vm, processor_count=None if b.get("ProcessorCount") is None else int(b.get("ProcessorCount")),
             memory_startup=None if b.get("MemoryStartupBytes") is None else int(b.get("MemoryStartupBytes")),
             dynamic_memory=dyn, notes=b.get("Notes"))
    if b.get("NewVMName"):
        h.rename_vm(vm, b.get("NewVMName"))


@hv("Checkpoint-VM", [*_VM_TARGET, Param("SnapshotName", "string", position=1)], default_set="Name",
    pipeline="per-item")
def checkpoint_vm(ctx: Context, b: Bound) -> Iterator[Any]:
    h = host_of(ctx)
    for vm in _targets(ctx, h, b):
        name = b.get("SnapshotName") or f"{vm.name} - ({h.now():%m/%d/%Y - %H:%M:%S})"
        cp = h.create_checkpoint(vm, name, "Standard")
        if b.switch("Passthru"):
            yield o.snapshot_obj(h, vm, cp)


# ============================================================================ import

_IMPORT_PARAMS = [
    Param("Path", "string", position=0, sets=("Register", "Copy"), mandatory_in=("Register", "Copy")),
    Param("Register", "switch", sets=("Register",)),
    Param("Copy", "switch", sets=("Copy",), mandatory_in=("Copy",)),
    Param("VhdDestinationPath", "string", position=1, sets=("Copy",)),
    Param("VirtualMachinePath", "string", sets=("Copy",)),
    Param("SnapshotFilePath", "string", sets=("Copy",), aliases=("CheckpointFileLocation", "SnapshotFileLocation")),
    Param("SmartPagingFilePath", "string", sets=("Copy",)),
    Param("VhdSourcePath", "string", sets=("Copy",)),
    Param("GenerateNewId", "switch", sets=("Copy",)),
    Param("CompatibilityReport", T_REPORT, position=0, sets=("CompatibilityReport",),
          mandatory_in=("CompatibilityReport",)),
    Param("ComputerName", "string[]"),
    Param("AsJob", "switch"),
]


def _compare(h: HyperVHost, b: Bound) -> CompatibilityReport:
    # Whether files are copied depends on the parameter set, not on the value of -Copy (reference §1.2).
    return h.compare(
        b.get("Path"), copy=b.parameter_set == "Copy", generate_new_id=b.switch("GenerateNewId"),
        vm_path=b.get("VirtualMachinePath"), vhd_destination_path=b.get("VhdDestinationPath"),
        snapshot_path=b.get("SnapshotFilePath"), smart_paging_path=b.get("SmartPagingFilePath"),
        vhd_source_path=b.get("VhdSourcePath"),
    )


def _report_of(b: Bound) -> CompatibilityReport:
    r = b.get("CompatibilityReport")
    ref = r.ref if isinstance(r, PSObject) else None
    if not isinstance(ref, CompatibilityReport):
        raise virt_error("The compatibility report provided was not generated for an import.", "InvalidArgument",
                         "InvalidParameter")
    return ref


@hv("Compare-VM", _IMPORT_PARAMS, default_set="Register")
def compare_vm(ctx: Context, b: Bound) -> Iterator[Any]:
    h = host_of(ctx)
    if b.parameter_set == "CompatibilityReport":
        report = h.regenerate(_report_of(b))
    else:
        report = _compare(h, b)
    yield o.report_obj(h, report)


@hv("Import-VM", _IMPORT_PARAMS, default_set="Register")
def import_vm(ctx: Context, b: Bound) -> Iterator[Any]:
    h = host_of(ctx)
    if b.parameter_set == "CompatibilityReport":
        vm = h.import_report(_report_of(b))  # on failure the planned VM stays (ImportVM.cs)
    else:
        report = _compare(h, b)
        try:
            vm = h.import_report(report)
        except CmdletError:
            h.discard_planned(report)  # Import-VM -Path removes the planned VM it created
            raise
    yield o.vm_obj(h, vm)


# ============================================================================ checkpoints

_SNAP_FILTER = [
    Param("VMName", "string[]", position=0, sets=("VMName",), mandatory_in=()),
    Param("VM", T_VM + "[]", position=0, sets=("VMObject",), mandatory_in=("VMObject",), from_pipeline=True),
    Param("Id", "guid", sets=("Id",), mandatory_in=("Id",)),
    Param("Name", "string", position=1),
    Param("SnapshotType", SnapshotType, aliases=("VMRecoveryCheckpoint",)),
    Param("ComputerName", "string[]"),
]


@hv("Get-VMSnapshot", _SNAP_FILTER, default_set="VMName", pipeline="per-item", aliases=("Get-VMCheckpoint",))
def get_vmsnapshot(ctx: Context, b: Bound) -> Iterator[Any]:
    h = host_of(ctx)
    pairs = []
    if b.parameter_set == "Id":
        sid = _id_param(b)
        pairs = [(vm, c) for vm in h.vms.values() for c in vm.checkpoints if c.id == sid]
    else:
        vms = resolve_vms(ctx, h, b) if (b.get("VMName") or b.get("VM")) else h.all_vms()
        pairs = [(vm, c) for vm in vms for c in vm.checkpoints]
    name, stype = b.get("Name"), b.get("SnapshotType")
    if name is not None:
        pairs = [(vm, c) for vm, c in pairs if like(c.name, name)]
    if stype is not None:
        pairs = [(vm, c) for vm, c in pairs if SnapshotType(c.snapshot_type) == int(stype)]
    if not pairs and (name is not None or stype is not None or b.parameter_set == "Id"):
        ctx.write_error(virt_error("Unable to find a snapshot matching the given criteria.", "ObjectNotFound",
                                   "ObjectNotFound").record)
        return
    for vm, c in sorted(pairs, key=lambda p: p[1].created):
        yield o.snapshot_obj(h, vm, c)


_REMOVE_SNAP = [
    Param("VMSnapshot", T_SNAP + "[]", position=0, sets=("SnapshotObject",), mandatory_in=("SnapshotObject",),
          from_pipeline=True),
    Param("VMName", "string[]", position=0, sets=("SnapshotName",), mandatory_in=("SnapshotName",)),
    Param("VM", T_VM + "[]", position=0, sets=("VMObject",), mandatory_in=("VMObject",)),
    Param("Name", "string[]", position=1, sets=("SnapshotName", "VMObject")),
    Param("IncludeAllChildSnapshots", "switch", aliases=("IncludeAllChildCheckpoints",)),
    Param("Passthru", "switch"),
    Param("Confirm", "switch"),
    Param("ComputerName", "string[]"),
]


@hv("Remove-VMSnapshot", _REMOVE_SNAP, default_set="SnapshotObject", pipeline="per-item",
    aliases=("Remove-VMCheckpoint",))
def remove_vmsnapshot(ctx: Context, b: Bound) -> Iterator[Any]:
    h = host_of(ctx)
    pairs: list[tuple[VM, Any]] = []
    for s in b.get("VMSnapshot") or []:
        if isinstance(s, PSObject) and isinstance(s.ref, tuple):
            pairs.append(s.ref)
    if b.parameter_set != "SnapshotObject":
        names = b.get("Name") or ["*"]
        for vm in resolve_vms(ctx, h, b):
            pairs.extend((vm, c) for c in vm.checkpoints if any(like(c.name, n) for n in names))
    for vm, cp in pairs:
        if not any(c.id == cp.id for c in vm.checkpoints):
            continue  # already removed (e.g. a parent removed with its children)
        if b.switch("IncludeAllChildSnapshots"):
            for child in [c for c in vm.checkpoints if c.parent_id == cp.id]:
                h.remove_checkpoint(vm, child)
        h.remove_checkpoint(vm, cp)
        if b.switch("Passthru"):
            yield o.snapshot_obj(h, vm, cp)


# ============================================================================ switches and adapters

@hv("Get-VMSwitch", [
    Param("Name", "string[]", position=0, aliases=("SwitchName",)),
    Param("Id", "guid"),
    Param("SwitchType", SwitchType),
    Param("ComputerName", "string[]"),
])
def get_vmswitch(ctx: Context, b: Bound) -> Iterator[Any]:
    h = host_of(ctx)
    switches = list(h.switches)
    if b.get("Id") is not None:
        switches = [s for s in switches if s.id == _id_param(b)]
    if b.get("SwitchType") is not None:
        switches = [s for s in switches if SwitchType(s.switch_type) == int(b.get("SwitchType"))]
    names = b.get("Name")
    if names:
        out = []
        for n in names:
            found = [s for s in switches if like(s.name, n)]
            if not found and not _is_wild(n):
                ctx.write_error(virt_error(f'Hyper-V was unable to find a virtual switch with name "{n}".',
                                           "InvalidArgument", "InvalidParameter", n).record)
            out.extend(s for s in found if s not in out)
        switches = out
    for s in switches:
        yield o.switch_obj(h, s)


@hv("New-VMSwitch", [
    Param("Name", "string", position=0, aliases=("SwitchName",), mandatory_in=("*",)),
    Param("SwitchType", SwitchType),
    Param("NetAdapterName", "string"),
    Param("NetAdapterInterfaceDescription", "string"),
    Param("AllowManagementOS", "bool"),
    Param("Notes", "string"),
    Param("ComputerName", "string[]"),
])
def new_vmswitch(ctx: Context, b: Bound) -> Iterator[Any]:
    h = host_of(ctx)
    adapter = b.get("NetAdapterName") or b.get("NetAdapterInterfaceDescription")
    stype = str(b.get("SwitchType")) if b.get("SwitchType") is not None else ("External" if adapter else "Private")
    sw = h.new_switch(b.get("Name"), stype, adapter)
    if b.get("Notes"):
        sw.notes = b.get("Notes")
    yield o.switch_obj(h, sw)


def _adapters(ctx: Context, h: HyperVHost, b: Bound) -> list[tuple[VM, NetworkAdapter]]:
    out: list[tuple[VM, NetworkAdapter]] = []
    for obj in b.get("VMNetworkAdapter") or []:
        if isinstance(obj, PSObject) and isinstance(obj.ref, NetworkAdapter):
            out.append((h.owner_of_adapter(obj.ref), obj.ref))
    if b.get("VMName") or b.get("VM"):
        names = b.get("Name") or ["*"]
        for vm in resolve_vms(ctx, h, b):
            out.extend((vm, a) for a in vm.adapters if any(like(a.name, n) for n in names))
    return out


@hv("Get-VMNetworkAdapter", [
    Param("VMName", "string[]", position=0, sets=("VMName",), mandatory_in=("VMName",)),
    Param("VM", T_VM + "[]", position=0, sets=("VMObject",), mandatory_in=("VMObject",), from_pipeline=True),
    Param("All", "switch", sets=("All",), mandatory_in=("All",)),
    Param("ManagementOS", "switch", sets=("ManagementOS",), mandatory_in=("ManagementOS",)),
    Param("Name", "string"),
    Param("ComputerName", "string[]"),
], default_set="VMName", pipeline="per-item")
def get_vmnetworkadapter(ctx: Context, b: Bound) -> Iterator[Any]:
    h = host_of(ctx)
    if b.parameter_set == "ManagementOS":
        return
    if b.parameter_set == "All":
        pairs = [(vm, a) for vm in h.all_vms() for a in vm.adapters]
        if b.get("Name"):
            pairs = [(vm, a) for vm, a in pairs if like(a.name, b.get("Name"))]
    else:
        pairs = _adapters(ctx, h, Bound({**b.values, "Name": [b.get("Name")] if b.get("Name") else None},
                                        b.parameter_set))
    for vm, a in pairs:
        yield o.adapter_obj(h, vm, a)


_NIC_TARGET = [
    Param("VMName", "string[]", position=0, sets=("Name",), mandatory_in=("Name",)),
    Param("Name", "string[]", position=1, aliases=("VMNetworkAdapterName",), sets=("Name",)),
    Param("VMNetworkAdapter", T_NIC + "[]", position=0, sets=("Obj",), mandatory_in=("Obj",), from_pipeline=True),
    Param("Passthru", "switch"),
    Param("ComputerName", "string[]"),
]


@hv("Connect-VMNetworkAdapter", [*_NIC_TARGET, Param("SwitchName", "string", position=2, mandatory_in=("*",)),
                                 Param("VMSwitch", T_SWITCH)],
    default_set="Name", pipeline="per-item")
def connect_vmnetworkadapter(ctx: Context, b: Bound) -> Iterator[Any]:
    h = host_of(ctx)
    switch = b.get("SwitchName")
    if switch is None and isinstance(b.get("VMSwitch"), PSObject):
        switch = b.get("VMSwitch").ref.name
    for vm, a in _adapters(ctx, h, b):
        h.connect_adapter(a, switch)
        if b.switch("Passthru"):
            yield o.adapter_obj(h, vm, a)


@hv("Disconnect-VMNetworkAdapter", list(_NIC_TARGET), default_set="Name", pipeline="per-item")
def disconnect_vmnetworkadapter(ctx: Context, b: Bound) -> Iterator[Any]:
    h = host_of(ctx)
    for vm, a in _adapters(ctx, h, b):
        h.disconnect_adapter(a)
        if b.switch("Passthru"):
            yield o.adapter_obj(h, vm, a)


# ============================================================================ drives and firmware

_VM_SEL = [
    Param("VMName", "string[]", position=0, sets=("VMName",), mandatory_in=("VMName",)),
    Param("VM", T_VM + "[]", position=0, sets=("VMObject",), mandatory_in=("VMObject",), from_pipeline=True),
    Param("ComputerName", "string[]"),
]


@hv("Get-VMHardDiskDrive", [
    *_VM_SEL,
    Param("VMSnapshot", T_SNAP, sets=("VMSnapshot",), mandatory_in=("VMSnapshot",)),
    Param("ControllerType", ControllerType),
    Param("ControllerNumber", "int"),
    Param("ControllerLocation", "int"),
], default_set="VMName", pipeline="per-item")
def get_vmharddiskdrive(ctx: Context, b: Bound) -> Iterator[Any]:
    h = host_of(ctx)
    objs: list[PSObject] = []
    if b.parameter_set == "VMSnapshot":
        snap = b.get("VMSnapshot")
        vm, cp = snap.ref
        objs = list(o.snapshot_obj(h, vm, cp)["HardDrives"])
    else:
        for vm in resolve_vms(ctx, h, b):
            objs.extend(o.hdd_obj(h, vm, i, d) for i, d in enumerate(vm.hard_drives))
    for obj in objs:
        if b.get("ControllerType") is not None and int(obj["ControllerType"]) != int(b.get("ControllerType")):
            continue
        if b.get("ControllerNumber") is not None and obj["ControllerNumber"] != b.get("ControllerNumber"):
            continue
        if b.get("ControllerLocation") is not None and obj["ControllerLocation"] != b.get("ControllerLocation"):
            continue
        yield obj


def _free_location(vm: VM, ctype: str, number: int) -> int:
    used = {d.controller_location for d in [*vm.hard_drives, *vm.dvd_drives]
            if d.controller_type == ctype and d.controller_number == number}
    return next(i for i in range(64) if i not in used)


@hv("Add-VMHardDiskDrive", [
    *_VM_SEL,
    Param("Path", "string", position=4),
    Param("ControllerType", ControllerType, position=1),
    Param("ControllerNumber", "int", position=2),
    Param("ControllerLocation", "int", position=3),
    Param("Passthru", "switch"),
], default_set="VMName", pipeline="per-item")
def add_vmharddiskdrive(ctx: Context, b: Bound) -> Iterator[Any]:
    h = host_of(ctx)
    for vm in resolve_vms(ctx, h, b):
        ctype = str(b.get("ControllerType")) if b.get("ControllerType") is not None else (
            "SCSI" if vm.generation == 2 else "IDE")
        if vm.generation == 2 and ctype == "IDE":
            raise virt_error("Generation 2 virtual machines do not support IDE controllers.", "InvalidArgument",
                             "InvalidParameter", vm.name)  # text [UNVERIFIED]
        number = int(b.get("ControllerNumber") or 0)
        loc = b.get("ControllerLocation")
        loc = _free_location(vm, ctype, number) if loc is None else int(loc)
        path = h.disk(b.get("Path")).path if b.get("Path") else ""
        drive = HardDiskDrive(path, ctype, number, loc)
        vm.hard_drives.append(drive)
        if vm.generation == 2 and not any(e.startswith("HardDiskDrive") for e in vm.boot_order):
            vm.boot_order.append(f"HardDiskDrive:{len(vm.hard_drives) - 1}")
        h._rewrite_config(vm)
        h.clock.advance(1)
        if b.switch("Passthru"):
            yield o.hdd_obj(h, vm, len(vm.hard_drives) - 1, drive)


@hv("Add-VMDvdDrive", [
    *_VM_SEL,
    Param("Path", "string", position=3),
    Param("ControllerNumber", "int", position=1),
    Param("ControllerLocation", "int", position=2),
    Param("Passthru", "switch"),
], default_set="VMName", pipeline="per-item")
def add_vmdvddrive(ctx: Context, b: Bound) -> Iterator[Any]:
    h = host_of(ctx)
    for vm in resolve_vms(ctx, h, b):
        if b.get("Path") and not h.fs.exists(b.get("Path")):
            raise virt_error(f"The system cannot find the file specified. ('{b.get('Path')}')", "ObjectNotFound",
                             "ObjectNotFound", b.get("Path"))  # text [UNVERIFIED]
        ctype = "SCSI" if vm.generation == 2 else "IDE"
        number = int(b.get("ControllerNumber") or (0 if vm.generation == 2 else 1))
        loc = b.get("ControllerLocation")
        loc = _free_location(vm, ctype, number) if loc is None else int(loc)
        drive = DvdDrive(h.fs.canonical(b.get("Path")) if b.get("Path") else None, ctype, number, loc)
        vm.dvd_drives.append(drive)
        if vm.generation == 2:
            vm.boot_order.append(f"DvdDrive:{len(vm.dvd_drives) - 1}")
        h._rewrite_config(vm)
        if b.switch("Passthru"):
            yield o.dvd_obj(h, vm, drive)


def _gen2(vm: VM) -> None:
    if vm.generation != 2:
        # Text [UNVERIFIED]
        raise virt_error(f"The operation is not supported for generation 1 virtual machine '{vm.name}'. VMFirmware "
                         "is available only for generation 2 virtual machines.", "InvalidOperation",
                         "InvalidOperation", vm.name)


def _boot_entry(vm: VM, dev: Any) -> str:
    ref = dev.ref if isinstance(dev, PSObject) else None
    if ref is None and isinstance(dev, PSObject) and isinstance(dev.get("Device"), PSObject):
        ref = dev["Device"].ref  # a VMBootSource from Get-VMFirmware .BootOrder
    for kind, items in (("HardDiskDrive", vm.hard_drives), ("DvdDrive", vm.dvd_drives), ("NetworkAdapter", vm.adapters)):
        for i, item in enumerate(items):
            if item is ref:
                return f"{kind}:{i}"
    raise virt_error("The boot device does not belong to the virtual machine.", "InvalidArgument", "InvalidParameter")


@hv("Get-VMFirmware", list(_VM_SEL), default_set="VMName", pipeline="per-item")
def get_vmfirmware(ctx: Context, b: Bound) -> Iterator[Any]:
    h = host_of(ctx)
    for vm in resolve_vms(ctx, h, b):
        _gen2(vm)
        yield o.firmware_obj(h, vm)


@hv("Set-VMFirmware", [
    *_VM_SEL,
    Param("BootOrder", "object[]"),
    Param("FirstBootDevice", "object"),
    Param("EnableSecureBoot", "string"),
    Param("Passthru", "switch"),
], default_set="VMName", pipeline="per-item")
def set_vmfirmware(ctx: Context, b: Bound) -> Iterator[Any]:
    h = host_of(ctx)
    for vm in resolve_vms(ctx, h, b):
        _gen2(vm)
        if b.get("BootOrder") is not None:
            vm.boot_order = [_boot_entry(vm, d) for d in b.get("BootOrder")]
        if b.get("FirstBootDevice") is not None:
            first = _boot_entry(vm, b.get("FirstBootDevice"))
            vm.boot_order = [first] + [e for e in vm.boot_order if e != first]
        h._rewrite_config(vm)
        if b.switch("Passthru"):
            yield o.firmware_obj(h, vm)


@hv("Get-VMIntegrationService", [*_VM_SEL, Param("Name", "string[]", position=1)], default_set="VMName",
    pipeline="per-item")
def get_vmintegrationservice(ctx: Context, b: Bound) -> Iterator[Any]:
    h = host_of(ctx)
    for vm in resolve_vms(ctx, h, b):
        for obj in o.integration_objs(h, vm):
            if not b.get("Name") or any(like(obj["Name"], n) for n in b.get("Name")):
                yield obj


# ============================================================================ VHDs

@hv("Get-VHD", [
    Param("Path", "string[]", position=0, aliases=("FullName",), sets=("Path",), mandatory_in=("Path",),
          from_pipeline=True, from_pipeline_by_property_name=True),
    Param("DiskNumber", "int", sets=("Number",), mandatory_in=("Number",)),
    Param("VMId", "guid", sets=("VMId",), mandatory_in=("VMId",)),
    Param("ComputerName", "string[]"),
], default_set="Path", pipeline="per-item")
def get_vhd(ctx: Context, b: Bound) -> Iterator[Any]:
    h = host_of(ctx)
    if b.parameter_set == "VMId":
        vm = h.vm_by_id(b.get("VMId"))
        for d in vm.hard_drives:
            yield o.vhd_obj(h, h.disk(d.path))
        return
    if b.parameter_set == "Number":
        for d in h.disks.values():
            if d.mounted_disk_number == b.get("DiskNumber"):
                yield o.vhd_obj(h, d)
        return
    for p in b.get("Path") or []:
        yield o.vhd_obj(h, h.disk(p))


@hv("New-VHD", [
    Param("Path", "string[]", position=0, mandatory_in=("*",)),
    Param("SizeBytes", "long", position=1),
    Param("Dynamic", "switch", sets=("DynamicWithoutSource",)),
    Param("Fixed", "switch", sets=("FixedWithoutSource",), mandatory_in=("FixedWithoutSource",)),
    Param("Differencing", "switch", sets=("Differencing",)),
    Param("ParentPath", "string", sets=("Differencing",), mandatory_in=("Differencing",)),
    Param("BlockSizeBytes", "long"),
    Param("ComputerName", "string[]"),
], default_set="DynamicWithoutSource")
def new_vhd(ctx: Context, b: Bound) -> Iterator[Any]:
    h = host_of(ctx)
    kind = "Differencing" if b.parameter_set == "Differencing" else ("Fixed" if b.switch("Fixed") else "Dynamic")
    if kind != "Differencing" and not b.get("SizeBytes"):
        raise virt_error("The size of the virtual hard disk must be specified (-SizeBytes).", "InvalidArgument",
                         "InvalidParameter")
    for p in b.get("Path"):
        yield o.vhd_obj(h, h.new_vhd(p, int(b.get("SizeBytes") or 0), kind, b.get("ParentPath")))


@hv("Mount-VHD", [
    Param("Path", "string[]", position=0, aliases=("FullName",), mandatory_in=("*",), from_pipeline=True,
          from_pipeline_by_property_name=True),
    Param("NoDriveLetter", "switch"),
    Param("ReadOnly", "switch"),
    Param("Passthru", "switch"),
    Param("ComputerName", "string[]"),
], pipeline="per-item")
def mount_vhd(ctx: Context, b: Bound) -> Iterator[Any]:
    h = host_of(ctx)
    for p in b.get("Path"):
        d = h.mount_vhd(p, b.switch("ReadOnly"), b.switch("NoDriveLetter"))
        if b.switch("Passthru"):
            yield o.vhd_obj(h, d)


@hv("Dismount-VHD", [
    Param("Path", "string[]", position=0, aliases=("FullName",), sets=("Path",), mandatory_in=("Path",),
          from_pipeline=True, from_pipeline_by_property_name=True),
    Param("DiskNumber", "int", sets=("Number",), mandatory_in=("Number",)),
    Param("Passthru", "switch"),
    Param("ComputerName", "string[]"),
], default_set="Path", pipeline="per-item")
def dismount_vhd(ctx: Context, b: Bound) -> Iterator[Any]:
    h = host_of(ctx)
    paths = list(b.get("Path") or [])
    if b.parameter_set == "Number":
        paths = [d.path for d in h.disks.values() if d.mounted_disk_number == b.get("DiskNumber")]
        if not paths:
            raise virt_error(f"The disk number '{b.get('DiskNumber')}' is not a mounted virtual hard disk.",
                             "InvalidArgument", "InvalidParameter")  # text [UNVERIFIED]
    for p in paths:
        h.dismount_vhd(p)
    return iter(())
