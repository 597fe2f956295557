"""The Hyper-V object model of the simulated lab: VMs, switches, adapters, drives, checkpoints, VHDs.

These are plain dataclasses with no PowerShell in them. ``simlab.lab.host.HyperVHost`` owns
instances and performs the operations (import, checkpoint merge, mount ...); the cmdlet modules
(``hyperv_cmdlets``) turn them into PowerShell objects. Other lab modules (WSB, DISM, guests) use
these classes directly, so their fields are a stable API:

* :class:`VirtualDisk` – one VHD/VHDX/AVHDX file's metadata plus its file-system content
  (``volumes``: small :class:`simlab.winfs.Volume` objects; mounting puts them into the host's
  WinFS under a drive letter, so writes through the mount land in the disk).
* :class:`VM` – a registered (``planned=False``) or planned (inside a Compare-VM report) VM.
* :class:`Checkpoint`, :class:`NetworkAdapter`, :class:`HardDiskDrive`, :class:`DvdDrive`,
  :class:`Switch`, :class:`Service`, :class:`Feature`.

Enum integers are the ones Windows PowerShell 5.1 writes (simlab/docs/simulator.md, reference §6.1).
"""

from __future__ import annotations

import datetime as _dt
import json
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

from simlab.ps.api import enum_type
from simlab.winfs import Volume

GB = 1024**3
MB = 1024**2

# --------------------------------------------------------------------------- enums (PS 5.1 integers)
VMState = enum_type(
    "Microsoft.HyperV.PowerShell.VMState",
    {"Other": 1, "Running": 2, "Off": 3, "Stopping": 4, "Saved": 6, "Paused": 9, "Starting": 10,
     "Reset": 11, "Saving": 32773, "Pausing": 32776, "Resuming": 32777},
)
SnapshotType = enum_type(
    "Microsoft.HyperV.PowerShell.SnapshotType",
    {"Standard": 0, "Recovery": 1, "Planned": 2, "Missing": 5, "Replica": 6, "AppConsistentReplica": 7,
     "SyncedReplica": 8},
)
SwitchType = enum_type("Microsoft.HyperV.PowerShell.VMSwitchType", {"Private": 0, "Internal": 1, "External": 2})
VhdType = enum_type(
    "Microsoft.Vhd.PowerShell.VhdType", {"Unknown": 0, "Fixed": 2, "Dynamic": 3, "Differencing": 4}
)
VhdFormat = enum_type("Microsoft.Vhd.PowerShell.VhdFormat", {"Unknown": 0, "VHD": 2, "VHDX": 3, "VHDSet": 4})
ControllerType = enum_type("Microsoft.HyperV.PowerShell.ControllerType", {"IDE": 0, "SCSI": 1, "PMEM": 2})
CheckpointType = enum_type(
    "Microsoft.HyperV.PowerShell.CheckpointType", {"Disabled": 2, "Production": 3, "ProductionOnly": 4, "Standard": 5}
)
OperationType = enum_type(
    "Microsoft.HyperV.PowerShell.OperationType",
    {"MoveVirtualMachine": 0, "ImportVirtualMachine": 1, "MoveVirtualMachineAndStorage": 2},
)
VMOperationalStatus = enum_type(
    "Microsoft.HyperV.PowerShell.VMOperationalStatus",
    {"Ok": 2, "Degraded": 3, "PredictiveFailure": 5, "Stopped": 10, "InService": 11, "Dormant": 15,
     "CreatingSnapshot": 32768, "DeletingSnapshot": 32770, "MergingDisks": 32772,
     "BackingUpVirtualMachine": 32776},
)
VMIntegrationComponentOperationalStatus = enum_type(
    "Microsoft.HyperV.PowerShell.VMIntegrationComponentOperationalStatus",
    {"Ok": 2, "Degraded": 3, "Error": 6, "NonRecoverableError": 7, "NoContact": 12, "LostCommunication": 13,
     "Disabled": 32896},
)
ServiceStatus = enum_type(
    "System.ServiceProcess.ServiceControllerStatus",
    {"Stopped": 1, "StartPending": 2, "StopPending": 3, "Running": 4, "ContinuePending": 5, "PausePending": 6,
     "Paused": 7},
)
ServiceStartType = enum_type(
    "System.ServiceProcess.ServiceStartMode", {"Boot": 0, "System": 1, "Automatic": 2, "Manual": 3, "Disabled": 4}
)
InstallState = enum_type(
    "Microsoft.Windows.ServerManager.Commands.InstallState",
    {"Unknown": 0, "Installed": 1, "InstallPending": 2, "Available": 3, "UninstallPending": 4, "Removed": 5},
)

#: Highest VM configuration version each host build can run (Windows Server 2016 = 8.0, 2019 = 9.0,
#: 2022 = 10.0; docs: learn.microsoft.com "Supported virtual machine configuration versions").
MAX_CONFIG_VERSION_BY_BUILD = {14393: "8.0", 17763: "9.0", 20348: "10.0", 26100: "12.0"}


def version_tuple(v: str) -> tuple[int, ...]:
    return tuple(int(x) for x in str(v).split("."))


# --------------------------------------------------------------------------- devices


@dataclass
class NetworkAdapter:
    """A VM network adapter. ``switch_name`` None = not connected (PowerShell shows SwitchName $null)."""

    name: str = "Network Adapter"
    switch_name: str | None = None
    mac: str = "00155D000000"
    dynamic_mac: bool = True
    id: uuid.UUID = field(default_factory=uuid.uuid4)


@dataclass
class HardDiskDrive:
    """A drive slot of a VM; ``path`` is the *current* file (an .avhdx while a checkpoint exists)."""

    path: str
    controller_type: str = "SCSI"
    controller_number: int = 0
    controller_location: int = 0


@dataclass
class DvdDrive:
    path: str | None = None
    controller_type: str = "SCSI"
    controller_number: int = 0
    controller_location: int = 1


@dataclass
class Checkpoint:
    """A VM checkpoint (snapshot). ``disk_paths`` are the files the checkpoint froze (the parents of
    the VM's current .avhdx files). ``stuck`` marks a backup checkpoint that neither a vmms restart
    nor a merge clears (fault ``stuck_backup_checkpoint``)."""

    name: str
    snapshot_type: str = "Standard"  # Standard | Recovery | Planned ...
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    created: _dt.datetime = field(default_factory=lambda: _dt.datetime(2026, 1, 1, tzinfo=_dt.timezone.utc))
    parent_id: uuid.UUID | None = None
    disk_paths: list[str] = field(default_factory=list)
    automatic: bool = False
    stuck: bool = False
    clears_on_vmms_restart: bool = True


@dataclass
class Merge:
    """An asynchronous checkpoint merge in progress (after Remove-VMSnapshot)."""

    checkpoint_id: uuid.UUID
    done_at: _dt.datetime
    # (drive index, path the drive points at once merged, avhdx path to delete)
    drive_updates: list[tuple[int, str, str]] = field(default_factory=list)
    flow: Any = None  # the merge's transfer (simlab.flows.Flow); done_at follows it (HyperVHost.poll)


@dataclass
class VM:
    """A virtual machine as vmms knows it. ``path`` is the VM's folder (Path/ConfigurationLocation);
    ``config_file`` the .vmcx it was loaded from / written to."""

    name: str
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    generation: int = 2
    version: str = "10.0"
    state: str = "Off"
    path: str = ""
    config_file: str = ""
    snapshot_location: str = ""
    smart_paging_location: str = ""
    checkpoint_type: str = "Production"
    processor_count: int = 2
    memory_startup: int = 4 * GB
    dynamic_memory: bool = False
    notes: str = ""
    adapters: list[NetworkAdapter] = field(default_factory=list)
    hard_drives: list[HardDiskDrive] = field(default_factory=list)
    dvd_drives: list[DvdDrive] = field(default_factory=list)
    boot_order: list[str] = field(default_factory=list)  # device kinds: "HardDiskDrive","DvdDrive","NetworkAdapter","File"
    checkpoints: list[Checkpoint] = field(default_factory=list)
    current_checkpoint_id: uuid.UUID | None = None
    started_at: _dt.datetime | None = None
    heartbeat_at: _dt.datetime | None = None  # when the guest's heartbeat starts answering (None: never)
    boot_failure: str | None = None  # e.g. "0x0000007B" set by guest/boot hooks; heartbeat stays "No Contact"
    merges: list[Merge] = field(default_factory=list)
    planned: bool = False
    managed_by_lab: bool = True  # False for objects the description calls untouchable (doc only)
    guest: Any = None  # opaque: the guest model the guest developer attaches (not persisted in vmcx)

    @property
    def is_merging(self) -> bool:
        return bool(self.merges)

    def config(self) -> dict[str, Any]:
        """The VM configuration as stored in the simulated .vmcx file (JSON; only the simulator reads it)."""
        return {
            "format": "restore-harness-sim-vmcx/1",
            "Name": self.name,
            "Id": str(self.id),
            "Generation": self.generation,
            "Version": self.version,
            "CheckpointType": self.checkpoint_type,
            "ProcessorCount": self.processor_count,
            "MemoryStartup": self.memory_startup,
            "DynamicMemoryEnabled": self.dynamic_memory,
            "Notes": self.notes,
            "NetworkAdapters": [
                {"Name": a.name, "SwitchName": a.switch_name, "MacAddress": a.mac, "DynamicMacAddressEnabled": a.dynamic_mac,
                 "Id": str(a.id)}
                for a in self.adapters
            ],
            "HardDrives": [asdict(d) for d in self.hard_drives],
            "DvdDrives": [asdict(d) for d in self.dvd_drives],
            "BootOrder": list(self.boot_order),
            "Checkpoints": [
                {"Name": c.name, "SnapshotType": c.snapshot_type, "Id": str(c.id), "Created": c.created.isoformat(),
                 "ParentId": str(c.parent_id) if c.parent_id else None, "DiskPaths": c.disk_paths,
                 "Automatic": c.automatic, "Stuck": c.stuck, "ClearsOnVmmsRestart": c.clears_on_vmms_restart}
                for c in self.checkpoints
            ],
            "CurrentCheckpointId": str(self.current_checkpoint_id) if self.current_checkpoint_id else None,
        }

    def config_bytes(self) -> bytes:
        return json.dumps(self.config(), indent=1).encode("utf-8")

    @classmethod
    def from_config(cls, data: dict[str, Any]) -> VM:
        """Rebuild a VM (state Off, no location) from :meth:`config` output."""
        vm = cls(
            name=data["Name"], id=uuid.UUID(data["Id"]), generation=int(data["Generation"]),
            version=str(data["Version"]), checkpoint_type=data.get("CheckpointType", "Production"),
            processor_count=int(data.get("ProcessorCount", 1)), memory_startup=int(data.get("MemoryStartup", GB)),
            dynamic_memory=bool(data.get("DynamicMemoryEnabled", False)), notes=data.get("Notes", ""),
        )
        vm.adapters = [
            NetworkAdapter(a["Name"], a.get("SwitchName"), a.get("MacAddress", "00155D000000"),
                           a.get("DynamicMacAddressEnabled", True), uuid.UUID(a["Id"]))
            for a in data.get("NetworkAdapters", [])
        ]
        vm.hard_drives = [HardDiskDrive(**d) for d in data.get("HardDrives", [])]
        vm.dvd_drives = [DvdDrive(**d) for d in data.get("DvdDrives", [])]
        vm.boot_order = list(data.get("BootOrder", []))
        vm.checkpoints = [
            Checkpoint(c["Name"], c["SnapshotType"], uuid.UUID(c["Id"]), _dt.datetime.fromisoformat(c["Created"]),
                       uuid.UUID(c["ParentId"]) if c.get("ParentId") else None, list(c.get("DiskPaths", [])),
                       c.get("Automatic", False), c.get("Stuck", False), c.get("ClearsOnVmmsRestart", True))
            for c in data.get("Checkpoints", [])
        ]
        cur = data.get("CurrentCheckpointId")
        vm.current_checkpoint_id = uuid.UUID(cur) if cur else None
        return vm


# --------------------------------------------------------------------------- disks


@dataclass
class VirtualDisk:
    """Metadata of one virtual hard disk file (Get-VHD) and its content.

    ``volumes`` holds the disk's partitions with a file system, as WinFS :class:`Volume` objects
    (usually one NTFS data/Windows partition; a Gen2 system disk also reports EFI/MSR partitions in
    ``hidden_partitions`` without a file system). A differencing disk has no own content: reads go
    to ``volumes`` of the chain's base disk (the simulator keeps one content per chain).
    """

    path: str
    vhd_type: str = "Dynamic"  # Fixed | Dynamic | Differencing
    size: int = 127 * GB  # maximum (virtual) size
    file_size: int = 4 * MB
    parent_path: str | None = None
    disk_identifier: uuid.UUID = field(default_factory=uuid.uuid4)
    volumes: list[Volume] = field(default_factory=list)
    partition_style: str = "GPT"
    hidden_partitions: list[str] = field(default_factory=list)  # e.g. ["System", "Reserved", "Recovery"]
    attached_to: uuid.UUID | None = None  # VM id using it (informational)
    mounted_disk_number: int | None = None
    mounted_letters: list[str] = field(default_factory=list)
    read_only_mount: bool = False

    @property
    def vhd_format(self) -> str:
        low = self.path.lower()
        return "VHD" if low.endswith((".vhd", ".avhd")) else "VHDX"


@dataclass
class Switch:
    name: str
    switch_type: str = "Private"
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    net_adapter_description: str | None = None
    allow_management_os: bool = False
    notes: str = ""


@dataclass
class Service:
    """A Windows service on a simulated machine (host or guest). ``fail_start`` makes Start-Service fail
    with ``fail_message`` (fault hook)."""

    name: str
    display_name: str
    status: str = "Running"
    start_type: str = "Automatic"
    can_stop: bool = True
    fail_start: bool = False
    fail_message: str | None = None
    depends_on: list[str] = field(default_factory=list)


@dataclass
class Feature:
    name: str
    display_name: str
    installed: bool = True
    feature_type: str = "Role"  # Role | Role Service | Feature
    path: str = ""


# --------------------------------------------------------------------------- import reports


@dataclass
class Incompatibility:
    """One VMCompatibilityError: ``source`` is the model object at fault (a planned VM's
    :class:`NetworkAdapter` for MessageId 33012)."""

    message: str
    message_id: int
    source: Any = None


@dataclass
class CompatibilityReport:
    """What Compare-VM returns: the planned VM plus the import parameters it was staged with."""

    vm: VM
    mode: str  # "Register" | "Copy"
    path: str  # the .vmcx file
    export_root: str
    vm_path: str
    snapshot_path: str
    smart_paging_path: str
    vhd_destination_path: str | None
    vhd_source_path: str | None
    generate_new_id: bool = False
    incompatibilities: list[Incompatibility] = field(default_factory=list)
    operation_type: str = "ImportVirtualMachine"
    realized: bool = False
