"""Windows system cmdlets of the lab host:

* Get-WindowsFeature (module ServerManager) on ``machine.features``.
* Get-Disk, Get-Partition, Get-Volume (module Storage) on the host's volumes and mounted VHDs.

Get-Service/Start-/Stop-/Restart-Service and Get-CimInstance live in one place for every machine,
``simlab.lab.guest_cmdlets``; on the host they act through
:meth:`simlab.lab.host.HyperVHost.set_service_status` (vmms restart rules) and read the host's
``os_caption``/``os_version``/``last_boot``/``services``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from simlab.lab.psobjects import like
from simlab.lab.model import InstallState, VirtualDisk
from simlab.ps.api import Bound, CmdletError, Context, Param, PSObject, cmdlet
from simlab.winfs import Volume

SVC_EXC = "Microsoft.PowerShell.Commands.ServiceCommandException"


def cim_obj(cls: str, props: dict[str, Any], namespace: str = "root/cimv2") -> PSObject:
    """A CIM instance as Get-Disk/Get-Partition/Get-Volume return them (plus PSComputerName)."""
    full = {**props, "PSComputerName": None}
    return PSObject(full, [f"Microsoft.Management.Infrastructure.CimInstance#{namespace}/{cls}",
                           "Microsoft.Management.Infrastructure.CimInstance", "System.Object"])


# ============================================================================ features

@cmdlet("Get-WindowsFeature", [
    Param("Name", "string[]", position=0),
    Param("ComputerName", "string"),
    Param("Vhd", "string"),
], module="ServerManager", command_type="Microsoft.Windows.ServerManager.Commands.GetWindowsFeatureCommand")
def get_windowsfeature(ctx: Context, b: Bound) -> Iterator[Any]:
    features = getattr(ctx.machine, "features", {}) or {}
    for f in features.values():
        if b.get("Name") and not any(like(f.name, n) for n in b.get("Name")):
            continue
        yield PSObject({
            "Name": f.name, "DisplayName": f.display_name, "Description": f.display_name,
            "Installed": f.installed, "InstallState": InstallState("Installed" if f.installed else "Available"),
            "FeatureType": f.feature_type, "Path": f.path, "Depth": 1, "DependsOn": [], "Parent": None,
            "ServerComponentDescriptor": None, "SubFeatures": [], "SystemService": [], "Notification": [],
            "BestPracticesModelId": None, "EventQuery": None, "PostConfigurationNeeded": False,
            "AdditionalInfo": {},
        }, ["Microsoft.Windows.ServerManager.Commands.Feature", "System.Object"], ref=f)


# ============================================================================ storage

def _disks(m: Any) -> list[tuple[int, Volume | None, VirtualDisk | None]]:
    """(number, physical volume, mounted VHD) for every disk the host sees."""
    out: list[tuple[int, Volume | None, VirtualDisk | None]] = [
        (i, v, None) for i, v in enumerate(getattr(m, "physical_disks", []))]
    for d in getattr(m, "disks", {}).values():
        if d.mounted_disk_number is not None:
            out.append((d.mounted_disk_number, None, d))
    return sorted(out, key=lambda t: t[0])


def _disk_obj(m: Any, number: int, vol: Volume | None, vhd: VirtualDisk | None) -> PSObject:
    style = {"RAW": 0, "MBR": 1, "GPT": 2}[vhd.partition_style if vhd else "GPT"]
    props = {
        "Number": number, "DiskNumber": number,
        "FriendlyName": "Msft Virtual Disk" if vhd else "Simulated SAS Disk",
        "SerialNumber": "" if vhd else f"SIM{number:04d}",
        "Location": vhd.path if vhd else f"Integrated : Adapter 0 : Port 0 : Target 0 : LUN {number}",
        "Path": f"\\\\?\\scsi#disk&ven_msft&prod_virtual_disk#{number}",
        "Size": vhd.size if vhd else (vol.size if vol else 0),
        "AllocatedSize": vhd.size if vhd else (vol.size if vol else 0),
        "PartitionStyle": style, "IsOffline": False, "IsReadOnly": bool(vhd and vhd.read_only_mount),
        "IsSystem": number == 0, "IsBoot": number == 0, "BusType": 15 if vhd else 10,
        "OperationalStatus": "Online", "HealthStatus": "Healthy",
        "NumberOfPartitions": len(_partitions(m, number, vol, vhd)),
    }
    return cim_obj("MSFT_Disk", props, "root/Microsoft/Windows/Storage")


def _partitions(m: Any, number: int, vol: Volume | None, vhd: VirtualDisk | None) -> list[PSObject]:
    parts: list[PSObject] = []
    offset = 1024**2
    hidden = vhd.hidden_partitions if vhd else []
    vols = (m.base_disk(vhd).volumes if vhd and hasattr(m, "base_disk") else []) if vhd else ([vol] if vol else [])
    for name in hidden:
        size = {"System": 100 * 1024**2, "Reserved": 16 * 1024**2, "Recovery": 500 * 1024**2,
                "System Reserved": 500 * 1024**2}.get(name, 100 * 1024**2)
        parts.append((name, None, size))  # type: ignore[arg-type]
    for v in vols:
        letter = v.root_name[0] if (v.root_name and (v.root_name in m.fs.volumes and m.fs.volumes[v.root_name] is v)) else None
        parts.append(("Basic" if not vhd or vhd.partition_style == "GPT" else "IFS", letter, v.size))  # type: ignore[arg-type]
    out = []
    for i, (ptype, letter, size) in enumerate(parts, start=1):  # type: ignore[misc]
        out.append(cim_obj("MSFT_Partition", {
            "DiskNumber": number, "PartitionNumber": i, "DriveLetter": letter or "\u0000",
            "AccessPaths": [f"{letter}:\\"] if letter else [], "Offset": offset, "Size": size, "Type": ptype,
            "IsSystem": ptype == "System", "IsBoot": False, "IsHidden": ptype in ("Reserved", "Recovery"),
            "IsReadOnly": False, "IsOffline": False, "OperationalStatus": "Online",
        }, "root/Microsoft/Windows/Storage"))
        offset += size
    return out


def _volume_obj(m: Any, letter: str | None, v: Volume) -> PSObject:
    return cim_obj("MSFT_Volume", {
        "DriveLetter": letter, "FileSystemLabel": v.label, "FileSystem": v.filesystem,
        "FileSystemType": v.filesystem or "Unknown", "DriveType": "Fixed", "HealthStatus": "Healthy", "OperationalStatus": "OK",
        "Size": v.size, "SizeRemaining": v.free(), "Path": f"\\\\?\\Volume{{{id(v) & 0xffffffff:08x}-0000-0000-0000-000000000000}}\\",
        "UniqueId": f"\\\\?\\Volume{{{id(v) & 0xffffffff:08x}-0000-0000-0000-000000000000}}\\",
    }, "root/Microsoft/Windows/Storage")


def _number_of(obj: Any) -> int | None:
    if isinstance(obj, PSObject):
        for key in ("DiskNumber", "Number"):
            if obj.get(key) is not None:
                return int(obj.get(key))
    return None


@cmdlet("Get-Disk", [
    Param("Number", "int", position=0, aliases=("DeviceId",)),
    Param("InputObject", "object", from_pipeline=True),
    Param("FriendlyName", "string[]"),
], module="Storage", command_type="Get-Disk", pipeline="per-item")
def get_disk(ctx: Context, b: Bound) -> Iterator[Any]:
    m = ctx.machine
    want = _number_of(b.get("InputObject")) if b.get("InputObject") is not None else b.get("Number")
    if b.get("InputObject") is not None and want is None:
        raise CmdletError("The input object is not a disk, a virtual hard disk or a partition.", "InvalidArgument",
                          "InvalidArgument", "Microsoft.Management.Infrastructure.CimException")
    found = False
    for number, vol, vhd in _disks(m):
        if want is not None and number != want:
            continue
        found = True
        yield _disk_obj(m, number, vol, vhd)
    if want is not None and not found:
        raise CmdletError(f"No MSFT_Disk objects found with property 'Number' equal to '{want}'.  Verify the value "
                          "of the property and retry.", "CmdletizationQuery_NotFound_Number", "ObjectNotFound",
                          "Microsoft.PowerShell.Cmdletization.Cim.CimJobException", want)


@cmdlet("Get-Partition", [
    Param("DiskNumber", "int", position=0),
    Param("PartitionNumber", "int", position=1),
    Param("DriveLetter", "string"),
    Param("InputObject", "object", from_pipeline=True),
], module="Storage", command_type="Get-Partition", pipeline="per-item")
def get_partition(ctx: Context, b: Bound) -> Iterator[Any]:
    m = ctx.machine
    want = _number_of(b.get("InputObject")) if b.get("InputObject") is not None else b.get("DiskNumber")
    found = False
    for number, vol, vhd in _disks(m):
        if want is not None and number != want:
            continue
        for p in _partitions(m, number, vol, vhd):
            if b.get("PartitionNumber") is not None and p["PartitionNumber"] != b.get("PartitionNumber"):
                continue
            if b.get("DriveLetter") and p["DriveLetter"].upper() != str(b.get("DriveLetter")).upper():
                continue
            found = True
            yield p
    if not found and (b.get("DiskNumber") is not None or b.get("DriveLetter")):
        # a RAW/empty disk or unknown number (captured 5.1 stderr: CmdletizationQuery_NotFound_DiskNumber)
        prop, value = ("DriveLetter", b.get("DriveLetter")) if b.get("DriveLetter") else ("DiskNumber", want)
        raise CmdletError(f"No MSFT_Partition objects found with property '{prop}' equal to '{value}'.  Verify the "
                          "value of the property and retry.", f"CmdletizationQuery_NotFound_{prop}", "ObjectNotFound",
                          "Microsoft.PowerShell.Cmdletization.Cim.CimJobException", value)


@cmdlet("Get-Volume", [
    Param("DriveLetter", "string[]", position=0),
    Param("FileSystemLabel", "string[]"),
    Param("Partition", "object", from_pipeline=True),
], module="Storage", command_type="Get-Volume", pipeline="per-item")
def get_volume(ctx: Context, b: Bound) -> Iterator[Any]:
    m = ctx.machine
    part = b.get("Partition")
    if part is not None:
        letter = part.get("DriveLetter") if isinstance(part, PSObject) else None
        if not letter or letter == "\u0000":
            return  # a partition without a volume letter (EFI/MSR/Recovery) [simplified]
        v = m.fs.volumes.get(letter.upper() + ":")
        if v is not None:
            yield _volume_obj(m, letter.upper(), v)
        return
    letters = [x.rstrip(":").upper() for x in (b.get("DriveLetter") or [])]
    seen: set[str] = set()
    for key, v in sorted(m.fs.volumes.items()):
        if len(key) != 2:
            continue  # UNC shares are not volumes
        if letters and key[0] not in letters:
            continue
        if b.get("FileSystemLabel") and not any(like(v.label, n) for n in b.get("FileSystemLabel")):
            continue
        seen.add(key[0])
        yield _volume_obj(m, key[0], v)
    for letter in letters:
        if letter not in seen:  # each missing letter is its own non-terminating error in cmdletization
            ctx.write_error(CmdletError(
                f"No MSFT_Volume objects found with property 'DriveLetter' equal to '{letter}'.  Verify the value of "
                "the property and retry.", "CmdletizationQuery_NotFound_DriveLetter", "ObjectNotFound",
                "Microsoft.PowerShell.Cmdletization.Cim.CimJobException", letter).record)
