"""Model objects -> the PowerShell objects the Hyper-V module returns (property names, types, enums).

Property names follow the shipping module (reference/hyperv-powershell.md §1-3, neonSDK
reproduction); each object's ``ref`` is the live model object so that piping it back into a
cmdlet (``$r.Incompatibilities[0].Source | Disconnect-VMNetworkAdapter``) acts on the model.
"""

from __future__ import annotations

import datetime as _dt
import re
import uuid
from typing import Any

from simlab.lab.host import HyperVHost
from simlab.lab.model import (
    VM,
    Checkpoint,
    CheckpointType,
    CompatibilityReport,
    ControllerType,
    DvdDrive,
    HardDiskDrive,
    NetworkAdapter,
    OperationType,
    SnapshotType,
    Switch,
    SwitchType,
    VhdFormat,
    VhdType,
    VirtualDisk,
    VMIntegrationComponentOperationalStatus,
    VMOperationalStatus,
    VMState,
)
from simlab.ps.api import PSObject, enum_type

HV = "Microsoft.HyperV.PowerShell."
EMPTY_GUID = uuid.UUID(int=0)

#: VMHeartbeatStatus (Get-VM .Heartbeat) [UNVERIFIED integers; names from the module].
VMHeartbeatStatus = enum_type(
    HV + "VMHeartbeatStatus",
    {"Unknown": 0, "Disabled": 1, "NoContact": 2, "Error": 3, "LostCommunication": 4, "OkApplicationsUnknown": 5,
     "OkApplicationsHealthy": 6, "OkApplicationsCritical": 7, "Paused": 8},
)
#: VMBootSourceType of Get-VMFirmware .BootOrder [UNVERIFIED integers].
BootSourceType = enum_type(HV + "VMBootSourceType", {"Unknown": 0, "Drive": 1, "Network": 2, "File": 3})
OnOffState = enum_type(HV + "OnOffState", {"On": 0, "Off": 1})


def like(value: str | None, pattern: str) -> bool:
    """PowerShell ``-like`` (case-insensitive ``*``, ``?``, ``[...]``) for -Name filters."""
    if value is None:
        return False
    rx = ""
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "*":
            rx += ".*"
        elif ch == "?":
            rx += "."
        elif ch == "[" and "]" in pattern[i:]:
            j = pattern.index("]", i)
            rx += "[" + re.escape(pattern[i + 1:j]).replace("\\-", "-") + "]"
            i = j
        elif ch == "`" and i + 1 < len(pattern):
            i += 1
            rx += re.escape(pattern[i])
        else:
            rx += re.escape(ch)
        i += 1
    return re.fullmatch(rx, str(value), re.IGNORECASE | re.DOTALL) is not None


def _types(name: str, *bases: str) -> list[str]:
    return [HV + name, *(HV + b for b in bases), "System.Object"]


def vm_status(host: HyperVHost, vm: VM) -> str:
    if vm.merges:
        m = vm.merges[0]
        total = max(1.0, (m.done_at - host.now()).total_seconds() + 1)
        return f"Merging disks ({max(1, min(99, int(100 - total)))}%)"
    return "Operating normally"


def vm_obj(host: HyperVHost, vm: VM) -> PSObject:
    running = vm.state == "Running"
    uptime = (host.now() - vm.started_at) if running and vm.started_at else _dt.timedelta(0)
    hb = host.heartbeat(vm)
    heartbeat = None
    if running:
        heartbeat = VMHeartbeatStatus("OkApplicationsHealthy" if hb == "OK" else "NoContact")
    parent = next((c for c in vm.checkpoints if c.id == vm.current_checkpoint_id), None)
    op = [VMOperationalStatus("Ok")] + ([VMOperationalStatus("MergingDisks")] if vm.merges else [])
    props: dict[str, Any] = {
        "VMName": vm.name,
        "VMId": vm.id,
        "Id": vm.id,
        "Name": vm.name,
        "State": VMState(vm.state),
        "OperationalStatus": op,
        "PrimaryOperationalStatus": op[0],
        "SecondaryOperationalStatus": op[1] if len(op) > 1 else None,
        "PrimaryStatusDescription": "OK",
        "StatusDescriptions": [vm_status(host, vm)],
        "Status": vm_status(host, vm),
        "Heartbeat": heartbeat,
        "ReplicationState": 0,
        "Generation": vm.generation,
        "Version": vm.version,
        "IsClustered": False,
        "ComputerName": host.computer_name,
        "IsDeleted": False,
        "Path": vm.path,
        "ConfigurationLocation": vm.path,
        "SnapshotFileLocation": vm.snapshot_location,
        "SmartPagingFilePath": vm.smart_paging_location,
        "CheckpointType": CheckpointType(vm.checkpoint_type),
        "AutomaticCheckpointsEnabled": False,
        "ProcessorCount": vm.processor_count,
        "MemoryStartup": vm.memory_startup,
        "MemoryAssigned": vm.memory_startup if running else 0,
        "MemoryMinimum": 512 * 1024**2,
        "MemoryMaximum": 1048576 * 1024**2,
        "DynamicMemoryEnabled": vm.dynamic_memory,
        "Uptime": uptime,
        "Notes": vm.notes,
        "CreationTime": host.now() if vm.planned else host.last_boot,
        "ParentSnapshotId": parent.id if parent else None,
        "ParentSnapshotName": parent.name if parent else None,
        "NetworkAdapters": [adapter_obj(host, vm, a) for a in vm.adapters],
        "HardDrives": [hdd_obj(host, vm, i, d) for i, d in enumerate(vm.hard_drives)],
        "DVDDrives": [dvd_obj(host, vm, d) for d in vm.dvd_drives],
        "CPUUsage": 3 if running else 0,
    }
    return PSObject(props, _types("VirtualMachine", "VirtualMachineBase"), ref=vm, to_string=lambda: f"VirtualMachine (Name = '{vm.name}') [Id = '{vm.id}']")


def adapter_obj(host: HyperVHost, vm: VM, a: NetworkAdapter) -> PSObject:
    sw = next((s for s in host.switches if a.switch_name and s.name.lower() == a.switch_name.lower()), None)
    props = {
        "Name": a.name,
        "Id": f"Microsoft:{str(vm.id).upper()}\\{str(a.id).upper()}",
        "VMId": vm.id,
        "VMName": vm.name,
        # SwitchName is resolved from the connection's switch (neonSDK VMNetworkAdapter.SwitchName): a
        # configured switch that does not exist on this host shows $null, and the adapter is not connected.
        "SwitchName": sw.name if sw else None,
        "SwitchId": sw.id if sw else None,
        "Connected": sw is not None,
        "MacAddress": a.mac,
        "DynamicMacAddressEnabled": a.dynamic_mac,
        "IPAddresses": guest_ip_addresses(host, vm, a),
        "Status": [],
        # [UNVERIFIED] Hyper-V Manager shows "Configuration Error" for an adapter whose switch is missing.
        "StatusDescription": ["Configuration Error"] if a.switch_name and sw is None else [],
        "IsLegacy": False,
        "IsManagementOs": False,
        "IsExternalAdapter": False,
        "ComputerName": host.computer_name,
        "IsDeleted": False,
    }
    return PSObject(props, _types("VMNetworkAdapter", "VMNetworkAdapterBase"), ref=a)


def guest_ip_addresses(host: HyperVHost, vm: VM, a: NetworkAdapter) -> list[str]:
    """IPAddresses as the guest reports them over KVP: the running guest's address on its first adapter,
    once it has booted; nothing for a VM that is off, booting or has no modelled guest."""
    rt = host.machines.get("guest_runtime")
    if rt is None or vm.planned or vm.state != "Running" or not vm.adapters or vm.adapters[0] is not a:
        return []
    return [ip for ip in rt.ip_addresses(vm.name) if ":" not in ip]


def hdd_obj(host: HyperVHost, vm: VM, index: int, d: HardDiskDrive, snapshot: Checkpoint | None = None,
            path: str | None = None) -> PSObject:
    props = {
        "Path": path or d.path,
        "DiskNumber": None,
        "ControllerType": ControllerType(d.controller_type),
        "ControllerNumber": d.controller_number,
        "ControllerLocation": d.controller_location,
        "Name": f"Hard Drive on {d.controller_type} controller number {d.controller_number} at location "
                f"{d.controller_location}",
        "Id": f"Microsoft:{str(vm.id).upper()}\\{d.controller_type}{d.controller_number}{d.controller_location}\\D",
        "VMId": vm.id,
        "VMName": vm.name,
        "VMSnapshotId": snapshot.id if snapshot else EMPTY_GUID,
        "VMSnapshotName": snapshot.name if snapshot else "",
        "PoolName": "Primordial",
        "ComputerName": host.computer_name,
        "IsDeleted": False,
    }
    return PSObject(props, _types("HardDiskDrive", "Drive"), ref=d)


def dvd_obj(host: HyperVHost, vm: VM, d: DvdDrive) -> PSObject:
    props = {
        "Path": d.path,
        "DvdMediaType": 2 if d.path else 0,  # None=0, ISO=1?, [UNVERIFIED]
        "ControllerType": ControllerType(d.controller_type),
        "ControllerNumber": d.controller_number,
        "ControllerLocation": d.controller_location,
        "Name": "DVD Drive on " f"{d.controller_type} controller number {d.controller_number} at location {d.controller_location}",
        "VMId": vm.id,
        "VMName": vm.name,
        "ComputerName": host.computer_name,
    }
    return PSObject(props, _types("DvdDrive", "Drive"), ref=d)


def snapshot_obj(host: HyperVHost, vm: VM, c: Checkpoint) -> PSObject:
    parent = next((p for p in vm.checkpoints if p.id == c.parent_id), None)
    drives = [hdd_obj(host, vm, i, d, c, c.disk_paths[i] if i < len(c.disk_paths) else d.path)
              for i, d in enumerate(vm.hard_drives)]
    props = {
        "Id": c.id,
        "Name": c.name,
        "SnapshotType": SnapshotType(c.snapshot_type),
        "IsAutomaticCheckpoint": c.automatic,
        "VMId": vm.id,
        "VMName": vm.name,
        "State": VMState("Off"),
        "ParentSnapshotId": parent.id if parent else None,
        "ParentSnapshotName": parent.name if parent else None,
        "CreationTime": c.created,
        "Path": vm.snapshot_location or vm.path,
        "Generation": vm.generation,
        "Version": vm.version,
        "Notes": "",
        "HardDrives": drives,
        "ComputerName": host.computer_name,
        "IsDeleted": False,
    }
    return PSObject(props, _types("VMSnapshot", "VirtualMachineBase"), ref=(vm, c))


def switch_obj(host: HyperVHost, s: Switch) -> PSObject:
    props = {
        "Name": s.name,
        "Id": s.id,
        "SwitchType": SwitchType(s.switch_type),
        "AllowManagementOS": s.allow_management_os,
        "NetAdapterInterfaceDescription": s.net_adapter_description,
        "NetAdapterInterfaceDescriptions": [s.net_adapter_description] if s.net_adapter_description else [],
        "NetAdapterInterfaceGuid": None,
        "IovEnabled": False,
        "EmbeddedTeamingEnabled": False,
        "Notes": s.notes,
        "ComputerName": host.computer_name,
        "IsDeleted": False,
    }
    return PSObject(props, _types("VMSwitch"), ref=s)


def vhd_obj(host: HyperVHost, d: VirtualDisk) -> PSObject:
    attached = d.mounted_disk_number is not None or any(
        v.state != "Off" and any(h.path.lower() == d.path.lower() for h in v.hard_drives) for v in host.vms.values())
    props = {
        "ComputerName": host.computer_name,
        "Path": d.path,
        "VhdFormat": VhdFormat(d.vhd_format),
        "VhdType": VhdType(d.vhd_type),
        "FileSize": d.file_size,
        "Size": d.size,
        "MinimumSize": d.size if d.volumes else None,
        "LogicalSectorSize": 512,
        "PhysicalSectorSize": 4096,
        "BlockSize": 0 if d.vhd_type == "Fixed" else 33554432,
        "ParentPath": d.parent_path,
        "DiskIdentifier": str(d.disk_identifier).upper(),
        "FragmentationPercentage": 0,
        "Alignment": 1,
        "Attached": attached,
        "DiskNumber": d.mounted_disk_number,
        "IsPMEMCompatible": False,
        "AddressAbstractionType": 0,
        "Number": d.mounted_disk_number,
    }
    return PSObject(props, ["Microsoft.Vhd.PowerShell.VirtualHardDisk", "System.Object"], ref=d)


def report_obj(host: HyperVHost, r: CompatibilityReport) -> PSObject:
    incompat = [
        PSObject({"Message": i.message, "MessageId": i.message_id,
                  "Source": adapter_obj(host, r.vm, i.source) if isinstance(i.source, NetworkAdapter) else i.source},
                 _types("VMCompatibilityError"), ref=i)
        for i in r.incompatibilities
    ]
    props = {
        "VM": vm_obj(host, r.vm),
        "OperationType": OperationType(r.operation_type),
        "Destination": host.computer_name,
        "Path": r.path,
        "SnapshotPath": r.snapshot_path,
        "VhdDestinationPath": r.vhd_destination_path,
        "VhdSourcePath": r.vhd_source_path,
        "Incompatibilities": incompat,
    }
    return PSObject(props, _types("VMCompatibilityReport"), ref=r)


def integration_objs(host: HyperVHost, vm: VM) -> list[PSObject]:
    running = vm.state == "Running"
    hb = host.heartbeat(vm)
    out = []
    for name in ("Guest Service Interface", "Heartbeat", "Key-Value Pair Exchange", "Shutdown",
                 "Time Synchronization", "VSS"):
        enabled = name != "Guest Service Interface"
        if not running or not enabled:
            status, desc = None, None
        elif hb == "OK":
            status, desc = VMIntegrationComponentOperationalStatus("Ok"), "OK"
        else:
            status, desc = VMIntegrationComponentOperationalStatus("NoContact"), "No Contact"
        out.append(PSObject({
            "VMName": vm.name, "VMId": vm.id, "Name": name, "Enabled": enabled,
            "PrimaryOperationalStatus": status, "PrimaryStatusDescription": desc,
            "SecondaryOperationalStatus": None, "SecondaryStatusDescription": None,
            "ComputerName": host.computer_name, "IsDeleted": False,
        }, _types("VMIntegrationComponent"), ref=vm))
    return out


def firmware_obj(host: HyperVHost, vm: VM) -> PSObject:
    boot = []
    for entry in vm.boot_order:
        kind, _, idx = entry.partition(":")
        i = int(idx or 0)
        if kind == "HardDiskDrive" and i < len(vm.hard_drives):
            dev: Any = hdd_obj(host, vm, i, vm.hard_drives[i])
            boot.append(PSObject({"BootType": BootSourceType("Drive"), "Description": dev["Name"], "Device": dev,
                                  "FirmwarePath": "", "VMName": vm.name}, _types("VMBootSource")))
        elif kind == "DvdDrive" and i < len(vm.dvd_drives):
            dev = dvd_obj(host, vm, vm.dvd_drives[i])
            boot.append(PSObject({"BootType": BootSourceType("Drive"), "Description": dev["Name"], "Device": dev,
                                  "FirmwarePath": "", "VMName": vm.name}, _types("VMBootSource")))
        elif kind == "NetworkAdapter" and i < len(vm.adapters):
            dev = adapter_obj(host, vm, vm.adapters[i])
            boot.append(PSObject({"BootType": BootSourceType("Network"), "Description": "Network Adapter",
                                  "Device": dev, "FirmwarePath": "", "VMName": vm.name}, _types("VMBootSource")))
    props = {
        "VMName": vm.name, "VMId": vm.id, "BootOrder": boot, "SecureBoot": OnOffState("On"),
        "SecureBootTemplate": "MicrosoftWindows", "PreferredNetworkBootProtocol": 0, "ConsoleMode": 0,
        "PauseAfterBootFailure": OnOffState("Off"), "ComputerName": host.computer_name,
    }
    return PSObject(props, _types("VMFirmware"), ref=vm)


def vmhost_obj(host: HyperVHost) -> PSObject:
    props = {
        "ComputerName": host.computer_name,
        "Name": host.computer_name,
        "LogicalProcessorCount": host.logical_processors,
        "MemoryCapacity": host.memory_bytes,
        "VirtualHardDiskPath": host.default_vhd_path,
        "VirtualMachinePath": host.default_vm_path,
        "FullyQualifiedDomainName": host.computer_name,
        "MacAddressMinimum": "00155D0A0000",
        "MacAddressMaximum": "00155D0AFFFF",
        "NumaSpanningEnabled": True,
        "EnableEnhancedSessionMode": False,
        "VirtualMachineMigrationEnabled": False,
        "SupportedVmVersions": None,
    }
    return PSObject(props, _types("VMHost"), ref=host)
