"""Storage module cmdlets that change disks: Initialize-Disk, New-Partition, Format-Volume.

The read side (Get-Disk, Get-Partition, Get-Volume) lives in :mod:`simlab.lab.system_cmdlets`;
both work on the same model: a mounted VHD (:class:`simlab.lab.model.VirtualDisk`) with its
``partition_style``, ``hidden_partitions`` and ``volumes`` (WinFS :class:`Volume` objects, one per data
partition). A partition made here is a Volume with no file system yet (``filesystem`` ``""``, offline in
the host's WinFS, so paths on its letter are not found); Format-Volume gives it NTFS and brings it online,
so files written under its letter land in the VHD and survive Dismount-VHD/Mount-VHD.

Windows behaviour (sources):

* Storage cmdlets are CIM cmdletization over ``root/Microsoft/Windows/Storage`` MSFT_* classes; their
  errors are ``CimException`` with FullyQualifiedErrorId ``StorageWMI <code>,<Cmdlet>`` and the text of the
  Storage Management API return code (learn.microsoft.com "Storage Management API Common Return Codes";
  captured stderr ``StorageWMI 40000,New-Partition`` "Not enough available capacity", category
  NotSpecified, in public test fixtures).
* MSFT_Disk.Initialize: RAW disks only, default GPT; 41001 "The disk has already been initialized."
  (learn.microsoft.com initialize-msft-disk). A new GPT disk carries only the MSR partition ("RAW or GPT
  with only MSR partition", the extended text of 41001 in a captured New-Volume error).
* 41000 "The disk has not been initialized." (return codes page) for New-Partition on a RAW disk.
* New-Partition: ``-Size`` or ``-UseMaximumSize`` (40005 when neither or both); 40000 when it does not
  fit. ``-AssignDriveLetter`` takes the next free letter; ``-DriveLetter`` a given one (in use: 42002
  "The access path is already in use." [UNVERIFIED code/text]).
* Format-Volume returns the MSFT_Volume; it erases the volume's files.

[UNVERIFIED]: the "Extended information"/"Activity ID" lines Windows appends to some of these messages are
not reproduced; partition alignment (1 MB offset, no trailing GPT reserve); Size of the MSR partition (16 MB).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from simlab.lab.model import VirtualDisk
from simlab.lab.system_cmdlets import _disk_obj, _disks, _partitions, _volume_obj
from simlab.ps.api import Bound, CmdletError, Context, Param, PSObject, UnsupportedConstruct, cmdlet
from simlab.winfs import Directory, Volume

MODULE = "Storage"
CIM_EXC = "Microsoft.Management.Infrastructure.CimException"
MB = 1024**2

#: Storage Management API return codes used here (learn.microsoft.com, see module docstring).
STORAGE_TEXTS = {
    40000: "Not enough available capacity",
    40005: "You must specify a size by using either the Size or the UseMaximumSize parameter. You can specify "
           "only one of these parameters at a time.",
    41000: "The disk has not been initialized.",
    41001: "The disk has already been initialized.",
    41002: "The disk is read only.",
    42002: "The access path is already in use.",
}


def storage_error(code: int, category: str = "NotSpecified") -> CmdletError:
    """A Storage cmdlet failure as Windows reports it (CimException, FQID ``StorageWMI <code>,<Cmdlet>``)."""
    return CmdletError(STORAGE_TEXTS[code], f"StorageWMI {code}", category, CIM_EXC, "StorageWMI")


def _not_found(cls: str, prop: str, value: Any) -> CmdletError:
    return CmdletError(f"No {cls} objects found with property '{prop}' equal to '{value}'.  Verify the value of the "
                       "property and retry.", f"CmdletizationQuery_NotFound_{prop}", "ObjectNotFound",
                       "Microsoft.PowerShell.Cmdletization.Cim.CimJobException", value)


def _vhd(m: Any, number: int) -> tuple[Volume | None, VirtualDisk | None]:
    for n, vol, vhd in _disks(m):
        if n == number:
            return vol, vhd
    raise _not_found("MSFT_Disk", "Number", number)


def _number(b: Bound, name: str, obj_param: str) -> int:
    obj = b.get(obj_param)
    if isinstance(obj, PSObject):
        for key in ("DiskNumber", "Number"):
            if obj.get(key) is not None:
                return int(obj.get(key))
    if b.get(name) is None:
        raise CmdletError(f"Cannot process command because of one or more missing mandatory parameters: {name}.",
                          "MissingMandatoryParameter", "InvalidArgument",
                          "System.Management.Automation.ParameterBindingException")
    return int(b.get(name))


@cmdlet("Initialize-Disk", [
    Param("Number", "int", position=0, aliases=("DeviceId",)),
    Param("InputObject", "object", from_pipeline=True),
    Param("PartitionStyle", "string"),
    Param("PassThru", "switch"),
], module=MODULE, command_type="Initialize-Disk", pipeline="per-item")
def initialize_disk(ctx: Context, b: Bound) -> Iterator[Any]:
    m = ctx.machine
    number = _number(b, "Number", "InputObject")
    _, vhd = _vhd(m, number)
    style = str(b.get("PartitionStyle") or "GPT").upper()
    if style not in ("GPT", "MBR"):
        raise CmdletError(f"Cannot bind parameter 'PartitionStyle'. Cannot convert value \"{b.get('PartitionStyle')}\" "
                          "to type \"PartitionStyle\".", "ParameterArgumentTransformationError,Initialize-Disk",
                          "InvalidArgument", "System.Management.Automation.ParameterBindingException")
    if vhd is None or vhd.partition_style != "RAW":  # host disks are initialized
        raise storage_error(41001)
    if vhd.read_only_mount:
        raise storage_error(41002)
    base = m.base_disk(vhd)
    for d in {id(vhd): vhd, id(base): base}.values():
        d.partition_style = style
        d.hidden_partitions = ["Reserved"] if style == "GPT" else []
    m.clock.advance(1)
    if b.switch("PassThru"):
        yield _disk_obj(m, number, None, vhd)


def _free_extent(m: Any, number: int, vhd: VirtualDisk) -> int:
    used = sum(int(p["Size"]) for p in _partitions(m, number, None, vhd))
    return max(0, vhd.size - MB - used - (MB if vhd.partition_style == "GPT" else 0))


@cmdlet("New-Partition", [
    Param("DiskNumber", "int", position=0, aliases=("Number",)),
    Param("InputObject", "object", from_pipeline=True),
    Param("Size", "long"),
    Param("UseMaximumSize", "switch"),
    Param("AssignDriveLetter", "switch"),
    Param("DriveLetter", "string"),
    Param("Offset", "long"),
    Param("GptType", "string"),
    Param("MbrType", "string"),
    Param("IsActive", "switch"),
    Param("IsHidden", "switch"),
], module=MODULE, command_type="New-Partition", pipeline="per-item")
def new_partition(ctx: Context, b: Bound) -> Iterator[Any]:
    m = ctx.machine
    number = _number(b, "DiskNumber", "InputObject")
    vol, vhd = _vhd(m, number)
    if vhd is None:
        raise storage_error(40000)  # the host's physical disks have no free extent in the lab
    if vhd.partition_style == "RAW":
        raise storage_error(41000)
    if vhd.read_only_mount:
        raise storage_error(41002)
    if b.switch("UseMaximumSize") == (b.get("Size") is not None):
        raise storage_error(40005, "InvalidArgument")
    free = _free_extent(m, number, vhd)
    size = free if b.switch("UseMaximumSize") else int(b.get("Size"))
    if size <= 0 or size > free:
        raise storage_error(40000)
    letter = None
    if b.get("DriveLetter"):
        letter = str(b.get("DriveLetter")).rstrip(":").upper()[:1]
        if letter + ":" in m.fs.volumes:
            raise storage_error(42002, "InvalidArgument")
    elif b.switch("AssignDriveLetter"):
        letter = m.next_free_letter()
    new = Volume("", size, 0, "", filesystem="")
    new.root = Directory("", m.clock.now(), m.clock.now())
    new.online = False  # no file system yet: the drive exists but its paths are not found
    m.base_disk(vhd).volumes.append(new)
    if letter:
        new.root_name = letter + ":"
        m.fs.volumes[letter + ":"] = new
        vhd.mounted_letters.append(letter)
    m.clock.advance(1)
    yield _partitions(m, number, None, vhd)[-1]


def _volume_of_partition(m: Any, part: PSObject) -> Volume:
    number = int(part.get("DiskNumber"))
    _, vhd = _vhd(m, number)
    if vhd is None:
        raise UnsupportedConstruct("Format-Volume on a partition of the host's own disks", None)
    index = int(part.get("PartitionNumber")) - 1 - len(vhd.hidden_partitions)
    vols = m.base_disk(vhd).volumes
    if not 0 <= index < len(vols):
        raise CmdletError("Invalid Parameter", "StorageWMI 5", "InvalidArgument", CIM_EXC, "StorageWMI")
    return vols[index]


@cmdlet("Format-Volume", [
    Param("DriveLetter", "string[]", position=0, sets=("ByDriveLetter",), mandatory_in=("ByDriveLetter",)),
    Param("Partition", "object", sets=("ByPartition",), mandatory_in=("ByPartition",), from_pipeline=True),
    Param("FileSystem", "string"),
    Param("NewFileSystemLabel", "string"),
    Param("AllocationUnitSize", "int"),
    Param("Full", "switch"),
    Param("Force", "switch"),
    Param("Compress", "switch"),
], module=MODULE, command_type="Format-Volume", default_set="ByDriveLetter", pipeline="per-item")
def format_volume(ctx: Context, b: Bound) -> Iterator[Any]:
    m = ctx.machine
    targets: list[tuple[str | None, Volume]] = []
    if b.parameter_set == "ByPartition":
        part = b.get("Partition")
        if not isinstance(part, PSObject) or part.get("PartitionNumber") is None:
            raise CmdletError("The input object is not a partition.", "InvalidArgument", "InvalidArgument", CIM_EXC)
        vol = _volume_of_partition(m, part)
        key = vol.root_name if m.fs.volumes.get(vol.root_name) is vol else None
        targets.append((key[0] if key else None, vol))
    else:
        for letter in b.get("DriveLetter") or []:
            key = str(letter).rstrip(":").upper()[:1] + ":"
            vol = m.fs.volumes.get(key)
            if vol is None:
                raise _not_found("MSFT_Volume", "DriveLetter", key[0])
            targets.append((key[0], vol))
    fs_name = str(b.get("FileSystem") or "NTFS").upper()
    if fs_name == "REFS":
        fs_name = "ReFS"
    for letter, vol in targets:
        if _is_host_volume(m, vol):  # Windows would format it; the lab does not model losing its own volumes
            raise UnsupportedConstruct(f"Format-Volume of the host volume {letter}:", None)
        vol.root = Directory("", m.clock.now(), m.clock.now())
        vol.filesystem = fs_name
        vol.label = str(b.get("NewFileSystemLabel") or "")
        vol.baseline_used = 0
        vol.online = True
        m.clock.advance(2 + (vol.size / (200 * MB) if b.switch("Full") else 0))
        yield _volume_obj(m, letter, vol)


def _is_host_volume(m: Any, vol: Volume) -> bool:
    for _, _, vhd in _disks(m):
        if vhd is not None and any(v is vol for v in m.base_disk(vhd).volumes):
            return False
    return True
