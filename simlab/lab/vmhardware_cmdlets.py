"""Hyper-V processor and BIOS cmdlets: Get-/Set-VMProcessor, Get-/Set-VMBios (module Hyper-V).

Windows behaviour (learn.microsoft.com hyper-v module docs, Set-VMProcessor.md, Set-VMBios.md,
Get-VMBios.md):

* ``Set-VMProcessor -VMName|-VM -Count N [-Passthru]`` sets the virtual processor count in the VM's
  configuration (``ProcessorCount`` of Get-VM, ``Count`` of Get-VMProcessor). The count can only change
  while the VM is off or saved [UNVERIFIED text of the error], and not beyond the host's logical
  processors [UNVERIFIED text].
* ``Set-VMBios -VMName|-VM -StartupOrder <BootDevice[]>`` exists for generation 1 VMs only (BIOS); the
  default order is CD, IDE, LegacyNetworkAdapter, Floppy (Get-VMBios.md example output). On a generation 2
  VM Windows refuses it [UNVERIFIED text, modelled on the VMFirmware-on-Gen1 wording]. The simulator stores
  the order on the VM (``VM.bios_startup_order``); the guest model boots WinPE from a DVD whatever the order.
* BootDevice integers (Floppy 0, CD 1, IDE 2, LegacyNetworkAdapter 3, NetworkAdapter 4, VHD 5) [UNVERIFIED].
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from simlab.lab.host import HyperVHost, virt_error
from simlab.lab.hyperv_cmdlets import T_VM, host_of, hv, resolve_vms
from simlab.lab.model import VM
from simlab.ps.api import Bound, CmdletError, Context, Param, PSObject, enum_type

BootDevice = enum_type("Microsoft.HyperV.PowerShell.BootDevice", {
    "Floppy": 0, "CD": 1, "IDE": 2, "LegacyNetworkAdapter": 3, "NetworkAdapter": 4, "VHD": 5})
DEFAULT_STARTUP_ORDER = ("CD", "IDE", "LegacyNetworkAdapter", "Floppy")

_SEL = [
    Param("VMName", "string[]", position=0, sets=("VMName",), mandatory_in=("VMName",)),
    Param("VM", T_VM + "[]", position=0, sets=("VMObject",), mandatory_in=("VMObject",), from_pipeline=True),
    Param("ComputerName", "string[]"),
]


def startup_order(vm: VM) -> list[str]:
    """The BIOS startup order of a generation 1 VM (the default until Set-VMBios changes it)."""
    return list(getattr(vm, "bios_startup_order", None) or DEFAULT_STARTUP_ORDER)


def _processor_obj(h: HyperVHost, vm: VM) -> PSObject:
    return PSObject({
        "Count": vm.processor_count, "CompatibilityForMigrationEnabled": False,
        "CompatibilityForMigrationMode": 1, "CompatibilityForOlderOperatingSystemsEnabled": False,
        "HwThreadCountPerCore": 0, "ExposeVirtualizationExtensions": False, "Maximum": 100, "Reserve": 0,
        "RelativeWeight": 100, "MaximumCountPerNumaNode": min(h.logical_processors, 64),
        "MaximumCountPerNumaSocket": 1, "EnableHostResourceProtection": False, "OperationalStatus": [2],
        "StatusDescription": ["OK"], "Name": "Processor", "Id": f"Microsoft:{str(vm.id).upper()}\\B637F346-6A0E-4DEC-AF52-BD70CB80A21D\\0",
        "VMId": vm.id, "VMName": vm.name, "VMSnapshotId": "00000000-0000-0000-0000-000000000000",
        "VMSnapshotName": "", "CimSession": None, "ComputerName": h.computer_name, "IsDeleted": False,
    }, ["Microsoft.HyperV.PowerShell.VMProcessor", "Microsoft.HyperV.PowerShell.VirtualMachineDevice",
        "System.Object"], ref=vm)


def _bios_obj(h: HyperVHost, vm: VM) -> PSObject:
    return PSObject({
        "NumLockEnabled": False, "StartupOrder": [BootDevice(x) for x in startup_order(vm)],
        "VMId": vm.id, "VMName": vm.name, "ComputerName": h.computer_name, "IsDeleted": False,
    }, ["Microsoft.HyperV.PowerShell.VMBios", "System.Object"], ref=vm)


def _gen1(vm: VM) -> None:
    if vm.generation != 1:
        # Text [UNVERIFIED]
        raise virt_error(f"The operation is not supported for generation 2 virtual machine '{vm.name}'. VMBios is "
                         "available only for generation 1 virtual machines.", "InvalidOperation", "InvalidOperation",
                         vm.name)


@hv("Get-VMProcessor", list(_SEL), default_set="VMName", pipeline="per-item")
def get_vmprocessor(ctx: Context, b: Bound) -> Iterator[Any]:
    h = host_of(ctx)
    for vm in resolve_vms(ctx, h, b):
        yield _processor_obj(h, vm)


@hv("Set-VMProcessor", [*_SEL, Param("Count", "long"), Param("Reserve", "long"), Param("Maximum", "long"),
                        Param("RelativeWeight", "int"), Param("ExposeVirtualizationExtensions", "bool"),
                        Param("Passthru", "switch")], default_set="VMName", pipeline="per-item")
def set_vmprocessor(ctx: Context, b: Bound) -> Iterator[Any]:
    h = host_of(ctx)
    for vm in resolve_vms(ctx, h, b):
        if b.get("Count") is not None:
            count = int(b.get("Count"))
            if vm.state not in ("Off", "Saved") and count != vm.processor_count:
                raise virt_error(f"'{vm.name}' failed to modify device 'Processor'. The virtual processor count cannot "
                                 "be changed while the virtual machine is running.", "InvalidOperation",
                                 "InvalidState", vm.name)  # text [UNVERIFIED]
            if count < 1 or count > h.logical_processors:
                raise virt_error(f"'{vm.name}' failed to modify device 'Processor'. The virtual processor count "
                                 f"({count}) must be between 1 and the number of logical processors of the host "
                                 f"({h.logical_processors}).", "InvalidArgument", "InvalidParameter",
                                 vm.name)  # text [UNVERIFIED]
            vm.processor_count = count
            h._rewrite_config(vm)
            h.clock.advance(1)
        if b.switch("Passthru"):
            yield _processor_obj(h, vm)


@hv("Get-VMBios", list(_SEL), default_set="VMName", pipeline="per-item")
def get_vmbios(ctx: Context, b: Bound) -> Iterator[Any]:
    h = host_of(ctx)
    for vm in resolve_vms(ctx, h, b):
        _gen1(vm)
        yield _bios_obj(h, vm)


@hv("Set-VMBios", [*_SEL, Param("StartupOrder", "string[]"), Param("EnableNumLock", "switch"),
                   Param("DisableNumLock", "switch"), Param("Passthru", "switch")], default_set="VMName",
    pipeline="per-item")
def set_vmbios(ctx: Context, b: Bound) -> Iterator[Any]:
    h = host_of(ctx)
    for vm in resolve_vms(ctx, h, b):
        _gen1(vm)
        if b.get("StartupOrder") is not None:
            try:
                order = [BootDevice(str(x)).name for x in b.get("StartupOrder")]
            except ValueError as e:
                raise CmdletError(f"Cannot bind parameter 'StartupOrder'. {e}", "CannotConvertArgumentNoMessage",
                                  "InvalidArgument", "System.Management.Automation.ParameterBindingException") from None
            vm.bios_startup_order = order  # type: ignore[attr-defined]
            h._rewrite_config(vm)
        if b.switch("Passthru"):
            yield _bios_obj(h, vm)


# ============================================================================ memory, DVD drives, metering
#
# Get-VMMemory / Get-VMDvdDrive / Measure-VM (learn.microsoft.com hyper-v module docs). VMMemory: Startup is the
# configured startup memory; with dynamic memory off Minimum and Maximum equal Startup (Windows reports the
# static value for both) [UNVERIFIED for Minimum/Maximum with dynamic memory off]; with it on, 512 MB and 1 TB
# (the Hyper-V Manager defaults). Measure-VM reports from the model: RAM is the assigned memory in MB, TotalDisk
# the disks' maximum sizes in MB; metering is treated as enabled on every VM [UNVERIFIED: Windows needs
# Enable-VMResourceMetering first].


def _memory_obj(h: HyperVHost, vm: VM) -> PSObject:
    startup = vm.memory_startup
    minimum, maximum = (512 * 2**20, 2**40) if vm.dynamic_memory else (startup, startup)
    return PSObject({
        "VMName": vm.name, "DynamicMemoryEnabled": vm.dynamic_memory, "Minimum": minimum, "Startup": startup,
        "Maximum": maximum, "Buffer": 20, "Priority": 50, "ResourcePoolName": "Primordial", "VMId": vm.id,
        "ComputerName": h.computer_name, "IsDeleted": False,
    }, ["Microsoft.HyperV.PowerShell.VMMemory", "Microsoft.HyperV.PowerShell.VMComponentObject", "System.Object"],
        ref=vm)


@hv("Get-VMMemory", list(_SEL), default_set="VMName", pipeline="per-item")
def get_vmmemory(ctx: Context, b: Bound) -> Iterator[Any]:
    h = host_of(ctx)
    for vm in resolve_vms(ctx, h, b):
        yield _memory_obj(h, vm)


@hv("Get-VMDvdDrive", [*_SEL, Param("ControllerNumber", "int"), Param("ControllerLocation", "int")],
    default_set="VMName", pipeline="per-item")
def get_vmdvddrive(ctx: Context, b: Bound) -> Iterator[Any]:
    from simlab.lab import psobjects as o
    h = host_of(ctx)
    for vm in resolve_vms(ctx, h, b):
        for d in vm.dvd_drives:
            if "ControllerNumber" in b and d.controller_number != b.get("ControllerNumber"):
                continue
            if "ControllerLocation" in b and d.controller_location != b.get("ControllerLocation"):
                continue
            yield o.dvd_obj(h, vm, d)


@hv("Measure-VM", list(_SEL), default_set="VMName", pipeline="per-item")
def measure_vm(ctx: Context, b: Bound) -> Iterator[Any]:
    h = host_of(ctx)
    for vm in resolve_vms(ctx, h, b):
        ram = vm.memory_startup // 2**20 if vm.state == "Running" else 0
        disk = 0
        for hd in vm.hard_drives:
            model = h.disks.get(hd.path.lower()) if hasattr(h, "disks") else None
            disk += int(getattr(model, "size", 0) or 0) // 2**20
        yield PSObject({
            "VMId": vm.id, "VMName": vm.name, "AvgRAM": ram, "MaxRAM": ram, "MinRAM": ram, "TotalDisk": disk,
            "NetworkMeteredTrafficReport": [], "HardDiskMetrics": [], "AggregatedAverageNormalizedIOPS": 0,
            "AggregatedAverageLatency": 0, "AggregatedDiskDataRead": 0, "AggregatedDiskDataWritten": 0,
            "ComputerName": h.computer_name, "MeteringDuration": None, "AverageProcessorUsage": 0,
        }, ["Microsoft.HyperV.PowerShell.VMMeteringReportForVirtualMachine", "System.Object"], ref=vm)
