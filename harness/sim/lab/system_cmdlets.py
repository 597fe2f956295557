"""Windows system cmdlets the restore templates use on the lab host (and on any simulated machine
that carries the same model attributes):

* services: Get-Service, Start-Service, Stop-Service, Restart-Service on ``machine.services``
  (a CaseInsensitiveDict of :class:`harness.sim.lab.model.Service`; guests use the same model).
  A machine may define ``set_service_status(name, action)`` to add its own rules (the host
  restarts vmms that way); otherwise the generic rules here apply.
* Get-CimInstance with a class registry (:data:`CIM_CLASSES`) other modules can extend;
  Win32_OperatingSystem and Win32_ComputerSystem are here.
* Get-WindowsFeature (module ServerManager) on ``machine.features``.
* Get-Disk, Get-Partition, Get-Volume (module Storage) on the host's volumes and mounted VHDs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from harness.sim.lab.psobjects import like
from harness.sim.lab.model import InstallState, Service, ServiceStartType, ServiceStatus, VirtualDisk
from harness.sim.ps.api import Bound, CmdletError, Context, ErrorRecord, Param, PSObject, cmdlet
from harness.sim.winfs import Volume

SVC_EXC = "Microsoft.PowerShell.Commands.ServiceCommandException"


# ============================================================================ services

def service_obj(machine: Any, s: Service) -> PSObject:
    props = {
        "Name": s.name,
        "RequiredServices": [],
        "CanPauseAndContinue": False,
        "CanShutdown": s.status == "Running",
        "CanStop": s.can_stop and s.status == "Running",
        "DisplayName": s.display_name,
        "DependentServices": [],
        "MachineName": ".",
        "ServiceName": s.name,
        "ServicesDependedOn": list(s.depends_on),
        "ServiceHandle": None,
        "Status": ServiceStatus(s.status),
        "ServiceType": 16,
        "StartType": ServiceStartType(s.start_type),
        "Site": None,
        "Container": None,
    }
    return PSObject(props, ["System.ServiceProcess.ServiceController", "System.ComponentModel.Component",
                            "System.Object"], ref=s, to_string=lambda: s.name)


def _services(machine: Any) -> Any:
    return getattr(machine, "services", {}) or {}


def _select(ctx: Context, b: Bound, cmd_is_get: bool) -> list[Service]:
    services = _services(ctx.machine)
    out: list[Service] = []
    for obj in b.get("InputObject") or []:
        if isinstance(obj, PSObject) and isinstance(obj.ref, Service):
            out.append(obj.ref)
    for name in b.get("Name") or []:
        found = [s for s in services.values() if like(s.name, name) or (not cmd_is_get and like(s.display_name, name))]
        if not found and not any(c in name for c in "*?["):
            ctx.write_error(ErrorRecord(f"Cannot find any service with service name '{name}'.",
                                        "NoServiceFoundForGivenName", "ObjectNotFound", SVC_EXC, name))
        out.extend(s for s in found if s not in out)
    for name in b.get("DisplayName") or []:
        found = [s for s in services.values() if like(s.display_name, name)]
        if not found and not any(c in name for c in "*?["):
            ctx.write_error(ErrorRecord(f"Cannot find any service with display name '{name}'.",
                                        "NoServiceFoundForGivenDisplayName", "ObjectNotFound", SVC_EXC, name))
        out.extend(s for s in found if s not in out)
    return out


def service_action(machine: Any, svc: Service, action: str) -> None:
    """start/stop/restart with Windows' rules (disabled services and failing ones do not start)."""
    hook = getattr(machine, "set_service_status", None)
    if callable(hook):
        hook(svc.name, action)
        return
    clock = getattr(machine, "clock", None)
    if action in ("stop", "restart") and svc.status == "Running":
        svc.status = "Stopped"
    if action in ("start", "restart") and svc.status != "Running":
        if svc.start_type == "Disabled" or svc.fail_start:
            raise CmdletError(svc.fail_message or (
                f"Service '{svc.display_name} ({svc.name})' cannot be started due to the following error: Cannot "
                f"start service {svc.name} on computer '.'."), "CouldNotStartService", "OpenError", SVC_EXC, svc.name)
        svc.status = "Running"
    if clock is not None:
        clock.advance(2)


_SVC_PARAMS = [
    Param("Name", "string[]", position=0, aliases=("ServiceName",), sets=("Default",), from_pipeline=False,
          from_pipeline_by_property_name=True),
    Param("DisplayName", "string[]", sets=("DisplayName",), mandatory_in=("DisplayName",)),
    Param("InputObject", "System.ServiceProcess.ServiceController[]", position=0, sets=("InputObject",),
          mandatory_in=("InputObject",), from_pipeline=True),
    Param("ComputerName", "string[]", aliases=("Cn",)),
]


@cmdlet("Get-Service", _SVC_PARAMS, module="Microsoft.PowerShell.Management", default_set="Default",
        pipeline="per-item", aliases=("gsv",))
def get_service(ctx: Context, b: Bound) -> Iterator[Any]:
    if not b.get("Name") and not b.get("DisplayName") and not b.get("InputObject"):
        services = sorted(_services(ctx.machine).values(), key=lambda s: s.name.lower())
    else:
        services = _select(ctx, b, True)
    for s in services:
        yield service_obj(ctx.machine, s)


def _control(action: str) -> Callable[[Context, Bound], Iterator[Any]]:
    def run(ctx: Context, b: Bound) -> Iterator[Any]:
        for s in _select(ctx, b, False):
            try:
                service_action(ctx.machine, s, action)
            except CmdletError as e:
                ctx.write_error(e.record)  # Start-Service writes a non-terminating error
                continue
            if b.switch("PassThru"):
                yield service_obj(ctx.machine, s)
    return run


_CONTROL_PARAMS = [*_SVC_PARAMS, Param("PassThru", "switch"), Param("Force", "switch"), Param("NoWait", "switch")]
for _name, _action, _alias in (("Start-Service", "start", "sasv"), ("Stop-Service", "stop", "spsv"),
                               ("Restart-Service", "restart", None)):
    cmdlet(_name, _CONTROL_PARAMS, module="Microsoft.PowerShell.Management", default_set="Default",
           pipeline="per-item", aliases=(_alias,) if _alias else ())(_control(_action))


# ============================================================================ CIM

CimClassFn = Callable[[Any], list[PSObject]]
CIM_CLASSES: dict[str, CimClassFn] = {}


def cim_class(name: str) -> Callable[[CimClassFn], CimClassFn]:
    """Register a CIM class for Get-CimInstance (``fn(machine) -> [PSObject]``); open to other modules."""

    def register(fn: CimClassFn) -> CimClassFn:
        CIM_CLASSES[name.lower()] = fn
        return fn

    return register


def cim_obj(cls: str, props: dict[str, Any], namespace: str = "root/cimv2") -> PSObject:
    full = {**props, "PSComputerName": None}
    return PSObject(full, [f"Microsoft.Management.Infrastructure.CimInstance#{namespace}/{cls}",
                           "Microsoft.Management.Infrastructure.CimInstance", "System.Object"])


@cim_class("Win32_OperatingSystem")
def _win32_os(m: Any) -> list[PSObject]:
    total_kb = getattr(m, "memory_bytes", 8 * 1024**3) // 1024
    free_fn = getattr(m, "free_memory", None)
    free_kb = (free_fn() // 1024) if callable(free_fn) else total_kb // 2
    version = getattr(m, "os_version", "10.0.20348")
    return [cim_obj("Win32_OperatingSystem", {
        "Caption": getattr(m, "os_caption", "Microsoft Windows Server 2022 Datacenter"),
        "Version": version,
        "BuildNumber": str(getattr(m, "build", version.rsplit(".", 1)[-1])),
        "CSName": m.computer_name,
        "LastBootUpTime": getattr(m, "last_boot", m.clock.now()),
        "LocalDateTime": m.clock.now(),
        "InstallDate": getattr(m, "last_boot", m.clock.now()).replace(year=2025, month=4, day=1),
        "FreePhysicalMemory": free_kb,
        "TotalVisibleMemorySize": total_kb,
        "OSArchitecture": "64-bit",
        "OSLanguage": 1033,
        "ProductType": 3,
        "SystemDrive": "C:",
        "WindowsDirectory": "C:\\Windows",
        "Status": "OK",
    })]


@cim_class("Win32_ComputerSystem")
def _win32_cs(m: Any) -> list[PSObject]:
    return [cim_obj("Win32_ComputerSystem", {
        "Name": m.computer_name, "DNSHostName": m.computer_name, "Domain": "WORKGROUP", "PartOfDomain": False,
        "Manufacturer": "Microsoft Corporation" if not hasattr(m, "vms") else "Simulated",
        "Model": "Virtual Machine" if not hasattr(m, "vms") else "Simulated Hyper-V host",
        "NumberOfLogicalProcessors": getattr(m, "logical_processors", 2),
        "TotalPhysicalMemory": getattr(m, "memory_bytes", 8 * 1024**3),
    })]


@cmdlet("Get-CimInstance", [
    Param("ClassName", "string", position=0, aliases=("Class",), mandatory_in=("*",)),
    Param("Namespace", "string"),
    Param("Filter", "string"),
    Param("ComputerName", "string[]"),
    Param("CimSession", "object"),
], module="CimCmdlets", command_type="Microsoft.Management.Infrastructure.CimCmdlets.GetCimInstanceCommand")
def get_ciminstance(ctx: Context, b: Bound) -> Iterator[Any]:
    fn = CIM_CLASSES.get(str(b.get("ClassName")).lower())
    if fn is None:
        raise CmdletError("Invalid class ", "HRESULT 0x80041010", "MetadataError",
                          "Microsoft.Management.Infrastructure.CimException", b.get("ClassName"))
    if b.get("Filter"):
        raise CmdletError("The simulated lab does not support Get-CimInstance -Filter; use Where-Object.",
                          "SimulatorUnsupportedConstruct", "NotImplemented", "System.NotSupportedException")
    yield from fn(ctx.machine)


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
        "FileSystemType": "NTFS", "DriveType": "Fixed", "HealthStatus": "Healthy", "OperationalStatus": "OK",
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
    for number, vol, vhd in _disks(m):
        if want is not None and number != want:
            continue
        for p in _partitions(m, number, vol, vhd):
            if b.get("PartitionNumber") is not None and p["PartitionNumber"] != b.get("PartitionNumber"):
                continue
            if b.get("DriveLetter") and p["DriveLetter"].upper() != str(b.get("DriveLetter")).upper():
                continue
            yield p


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
    for key, v in sorted(m.fs.volumes.items()):
        if len(key) != 2:
            continue  # UNC shares are not volumes
        if letters and key[0] not in letters:
            continue
        if b.get("FileSystemLabel") and not any(like(v.label, n) for n in b.get("FileSystemLabel")):
            continue
        yield _volume_obj(m, key[0], v)
