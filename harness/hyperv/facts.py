"""Typed Hyper-V facts: what ``vm_facts.ps1`` and ``preflight.ps1`` report, as frozen dataclasses.

The templates emit enums as integers (Windows PowerShell 5.1 style), Guids as strings and lists
that may arrive as a single object or nothing at all; the parsers here accept all of that so that
checks work on plain, typed values. Parsing is strict about what a check relies on (a VM without an
``Id`` is an error, not a silent ``None``).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import PureWindowsPath
from typing import Any
from harness.remote.psjson import as_list  # noqa: F401  (re-exported; psjson is the one place for 5.1 JSON)

BACKUP_CHECKPOINT_WORDS = ("backup", "バックアップ")
"""Checkpoint names containing one of these (case-insensitive) are backup checkpoints (seed 004 §3.1.2 (9))."""


class SnapshotType(enum.IntEnum):
    """``Microsoft.HyperV.PowerShell.SnapshotType`` (integers as 5.1 JSON writes them)."""

    STANDARD = 0
    RECOVERY = 1
    PLANNED = 2
    MISSING = 5
    REPLICA = 6
    APP_CONSISTENT_REPLICA = 7
    SYNCED_REPLICA = 8


class SwitchType(enum.IntEnum):
    """``VMSwitchType``: Private=0, Internal=1, External=2."""

    PRIVATE = 0
    INTERNAL = 1
    EXTERNAL = 2


class VhdType(enum.IntEnum):
    """``VhdType``: Unknown=0, Fixed=2, Dynamic=3, Differencing=4."""

    UNKNOWN = 0
    FIXED = 2
    DYNAMIC = 3
    DIFFERENCING = 4


VM_STATE_NAMES = {1: "Other", 2: "Running", 3: "Off", 4: "Stopping", 6: "Saved", 9: "Paused",
                  10: "Starting", 11: "Reset"}
MERGING_STATUS = 32772  # VMOperationalStatus.MergingDisks
BACKING_UP_STATUS = 32776  # VMOperationalStatus.BackingUpVirtualMachine


def _get(data: Mapping[str, Any], key: str, default: Any = None) -> Any:
    """Case-insensitive key lookup (PowerShell property names are case-insensitive)."""
    if key in data:
        return data[key]
    low = key.lower()
    for k, v in data.items():
        if k.lower() == low:
            return v
    return default


def _require(data: Mapping[str, Any], key: str, what: str) -> Any:
    value = _get(data, key)
    if value is None or value == "":
        raise ValueError(f"{what}: field {key!r} is missing in the remote facts {dict(data)!r}")
    return value


def _int(value: Any, default: int = 0) -> int:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return int(value)
    return int(value)


def _enum(kind: type[enum.IntEnum], value: Any, default: int = 0) -> Any:
    number = _int(value, default)
    try:
        return kind(number)
    except ValueError:
        return number


@dataclass(frozen=True)
class Switch:
    """A virtual switch on the host."""

    name: str
    switch_type: SwitchType | int
    id: str = ""

    @property
    def type_name(self) -> str:
        return self.switch_type.name.title() if isinstance(self.switch_type, SwitchType) else str(self.switch_type)


@dataclass(frozen=True)
class Adapter:
    """A VM network adapter: ``switch`` is ``None`` when it is not connected."""

    name: str
    switch: str | None
    connected: bool
    mac: str = ""


@dataclass(frozen=True)
class Checkpoint:
    """A checkpoint (VMSnapshot) of a VM."""

    id: str
    name: str
    snapshot_type: SnapshotType | int
    parent_id: str | None = None
    created: str | None = None

    @property
    def is_recovery(self) -> bool:
        return int(self.snapshot_type) == SnapshotType.RECOVERY

    @property
    def is_backup_named(self) -> bool:
        low = self.name.lower()
        return any(word in low for word in BACKUP_CHECKPOINT_WORDS)

    @property
    def is_leftover(self) -> bool:
        """A Recovery checkpoint or one whose name says it came from a backup."""
        return self.is_recovery or self.is_backup_named

    def describe(self) -> str:
        kind = self.snapshot_type.name.title() if isinstance(self.snapshot_type, SnapshotType) else str(self.snapshot_type)
        return f"'{self.name}' (SnapshotType {int(self.snapshot_type)} {kind}, id {self.id})"


@dataclass(frozen=True)
class Disk:
    """A virtual hard disk attached to a VM, with what ``Get-VHD`` says about its file."""

    path: str
    vhd_type: VhdType | int = VhdType.UNKNOWN
    parent_path: str | None = None
    size: int = 0
    file_size: int = 0
    controller: str = ""

    @property
    def is_differencing(self) -> bool:
        return int(self.vhd_type) == VhdType.DIFFERENCING or bool(self.parent_path) or self.is_avhd

    @property
    def is_avhd(self) -> bool:
        return PureWindowsPath(self.path).suffix.lower() in (".avhd", ".avhdx")


@dataclass(frozen=True)
class Memory:
    """A VM's memory configuration in bytes (``Get-VMMemory``: Startup, Minimum, Maximum,
    DynamicMemoryEnabled). Minimum and maximum are None when the host did not report them."""

    startup: int = 0
    dynamic: bool = False
    minimum: int | None = None
    maximum: int | None = None


@dataclass(frozen=True)
class VM:
    """A registered VM, as one ``vm_facts.ps1`` run saw it."""

    id: str
    name: str
    state: int
    generation: int
    version: str
    path: str = ""
    operational_status: tuple[int, ...] = ()
    checkpoints: tuple[Checkpoint, ...] = ()
    disks: tuple[Disk, ...] = ()
    adapters: tuple[Adapter, ...] = ()
    avhd_files: tuple[str, ...] = ()
    processor_count: int = 0
    memory: Memory = Memory()

    @property
    def state_name(self) -> str:
        return VM_STATE_NAMES.get(self.state, str(self.state))

    @property
    def is_merging(self) -> bool:
        return MERGING_STATUS in self.operational_status

    @property
    def leftover_checkpoints(self) -> tuple[Checkpoint, ...]:
        return tuple(c for c in self.checkpoints if c.is_leftover)

    @property
    def differencing_disks(self) -> tuple[Disk, ...]:
        return tuple(d for d in self.disks if d.is_differencing)

    @property
    def stray_avhd_files(self) -> tuple[str, ...]:
        """``.avhd(x)`` files in the VM's folders that no attached disk points at."""
        used = {d.path.lower() for d in self.disks}
        return tuple(p for p in self.avhd_files if p.lower() not in used)


@dataclass(frozen=True)
class HostVMFacts:
    """Facts for all VMs of a run on one host plus its switches, from ONE remote command."""

    host: str
    vms: Mapping[str, VM] = field(default_factory=dict)  # by lower-case VM id
    switches: Mapping[str, Switch] = field(default_factory=dict)  # by lower-case name
    missing: tuple[str, ...] = ()  # ids asked for but not registered
    raw: Any = None

    def vm(self, vm_id: str) -> VM | None:
        return self.vms.get(vm_id.lower())

    def switch(self, name: str | None) -> Switch | None:
        return self.switches.get(name.lower()) if name else None


def parse_switch(data: Mapping[str, Any]) -> Switch:
    """One ``Get-VMSwitch`` entry."""
    return Switch(
        name=str(_require(data, "Name", "switch")),
        switch_type=_enum(SwitchType, _get(data, "SwitchType")),
        id=str(_get(data, "Id") or ""),
    )


def _parse_checkpoint(data: Mapping[str, Any]) -> Checkpoint:
    parent = _get(data, "ParentSnapshotId")
    return Checkpoint(
        id=str(_get(data, "Id") or ""),
        name=str(_get(data, "Name") or ""),
        snapshot_type=_enum(SnapshotType, _get(data, "SnapshotType")),
        parent_id=str(parent) if parent else None,
        created=str(_get(data, "CreationTime")) if _get(data, "CreationTime") else None,
    )


def _parse_disk(data: Mapping[str, Any]) -> Disk:
    parent = _get(data, "ParentPath")
    return Disk(
        path=str(_require(data, "Path", "disk")),
        vhd_type=_enum(VhdType, _get(data, "VhdType")),
        parent_path=str(parent) if parent else None,
        size=_int(_get(data, "Size")),
        file_size=_int(_get(data, "FileSize")),
        controller=str(_get(data, "Controller") or ""),
    )


def _parse_adapter(data: Mapping[str, Any]) -> Adapter:
    switch = _get(data, "SwitchName")
    return Adapter(
        name=str(_get(data, "Name") or ""),
        switch=str(switch) if switch else None,
        connected=bool(_get(data, "Connected", bool(switch))),
        mac=str(_get(data, "MacAddress") or ""),
    )


def parse_vm(data: Mapping[str, Any]) -> VM:
    """One VM entry of ``vm_facts.ps1``."""
    return VM(
        id=str(_require(data, "Id", "VM")).lower(),
        name=str(_get(data, "Name") or ""),
        state=_int(_get(data, "State")),
        generation=_int(_get(data, "Generation")),
        version=str(_get(data, "Version") or ""),
        path=str(_get(data, "Path") or ""),
        operational_status=tuple(_int(s) for s in as_list(_get(data, "OperationalStatus"))),
        checkpoints=tuple(_parse_checkpoint(c) for c in as_list(_get(data, "Checkpoints"))),
        disks=tuple(_parse_disk(d) for d in as_list(_get(data, "Disks"))),
        adapters=tuple(_parse_adapter(a) for a in as_list(_get(data, "Adapters"))),
        avhd_files=tuple(str(p) for p in as_list(_get(data, "AvhdFiles"))),
        processor_count=_int(_get(data, "ProcessorCount")),
        memory=_parse_memory(_get(data, "Memory") or {}),
    )


def _parse_memory(data: Mapping[str, Any]) -> Memory:
    def size(key: str) -> int | None:
        value = _get(data, key)
        return None if value is None or value == "" else _int(value)

    return Memory(startup=_int(_get(data, "Startup")), dynamic=bool(_get(data, "DynamicMemoryEnabled", False)),
                  minimum=size("Minimum"), maximum=size("Maximum"))


def parse_switches(items: Iterable[Mapping[str, Any]]) -> dict[str, Switch]:
    switches = [parse_switch(s) for s in items]
    return {s.name.lower(): s for s in switches}


def parse_host_vm_facts(host: str, data: Mapping[str, Any] | None) -> HostVMFacts:
    """The whole ``vm_facts.ps1`` result: ``{"vms": [...], "switches": [...], "missing": [...]}``."""
    data = data or {}
    vms = [parse_vm(v) for v in as_list(_get(data, "vms"))]
    return HostVMFacts(
        host=host,
        vms={v.id: v for v in vms},
        switches=parse_switches(as_list(_get(data, "switches"))),
        missing=tuple(str(m).lower() for m in as_list(_get(data, "missing"))),
        raw=data,
    )
