"""System cmdlets every Windows Server machine of the lab answers (host and guests):

Get-Process, Get-HotFix, Test-Connection (5.1: Win32_PingStatus), Get-NetIPAddress, Get-LocalUser, Get-Acl,
Get-WmiObject (the CIM classes of simlab.lab.guest_cmdlets as ManagementObjects, WMI date strings), and the
CIM classes Win32_ComputerSystem, Win32_LogicalDisk, Win32_QuickFixEngineering.

Errors are Windows' (texts and FullyQualifiedErrorIds of 5.1).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator
from typing import Any

from simlab.lab.guest import GuestMachine
from simlab.lab.guest_cmdlets import CIM_CLASSES, _filter, _reachable, _services, cim_instance
from simlab.ps.api import Bound, CmdletError, Context, ErrorRecord, Param, PSObject, cmdlet
from simlab.ps.values import like, to_string

MGMT = "Microsoft.PowerShell.Management"

# (name, id, handles, npm KB, pm KB, ws KB, cpu s, session) of the processes every Windows Server runs
_BASE_PROCESSES = [
    ("Idle", 0, 0, 0, 60, 8, 0.0, 0), ("System", 4, 2712, 0, 200, 144, 95.5, 0), ("Registry", 92, 0, 12, 7400, 53000, 1.2, 0),
    ("smss", 364, 53, 3, 1070, 1200, 0.1, 0), ("csrss", 472, 420, 18, 1800, 5200, 0.9, 0),
    ("wininit", 548, 160, 11, 1400, 6900, 0.1, 0), ("services", 620, 640, 14, 5600, 10300, 3.4, 0),
    ("lsass", 640, 1350, 26, 6400, 19500, 4.1, 0), ("svchost", 760, 1100, 19, 9800, 24600, 6.0, 0),
    ("svchost", 812, 820, 16, 6200, 14800, 2.3, 0), ("spoolsv", 1980, 430, 24, 5900, 15400, 0.3, 0),
    ("WmiPrvSE", 2960, 310, 14, 8100, 17200, 1.1, 0), ("explorer", 3412, 1800, 60, 28000, 82000, 5.7, 1),
]
# service -> process image that runs it
_SERVICE_IMAGES = {"vmms": ("vmms", 2304), "vmcompute": ("vmcompute", 2388), "MSSQLSERVER": ("sqlservr", 3120),
                   "SQLSERVERAGENT": ("SQLAGENT", 3188), "WinRM": ("svchost", 1240), "TermService": ("svchost", 1320),
                   "SMS_EXECUTIVE": ("smsexec", 4020)}


def _proc(name: str, pid: int, handles: int, npm: int, pm: int, ws: int, cpu: float, session: int,
          start: _dt.datetime) -> PSObject:
    path = None if pid in (0, 4) or name == "Registry" else f"C:\\Windows\\system32\\{name}.exe"
    return PSObject([
        ("Name", name), ("Id", pid), ("Handles", handles), ("HandleCount", handles), ("NPM", npm * 1024),
        ("NonpagedSystemMemorySize64", npm * 1024), ("PM", pm * 1024), ("PagedMemorySize64", pm * 1024),
        ("WS", ws * 1024), ("WorkingSet64", ws * 1024), ("VM", ws * 1024 * 40), ("CPU", cpu), ("SessionId", session),
        ("ProcessName", name), ("Path", path), ("StartTime", start), ("Responding", True),
    ], ["System.Diagnostics.Process", "System.ComponentModel.Component", "System.Object"], to_string=lambda:
        f"System.Diagnostics.Process ({name})")


def _boot(machine: Any) -> _dt.datetime:
    return getattr(machine, "booted_at", None) or getattr(machine, "last_boot", None) or machine.clock.now()


def processes(ctx: Context) -> list[PSObject]:
    machine = ctx.machine
    start = _boot(machine)
    out = [_proc(*p, start=start) for p in _BASE_PROCESSES]
    for s in _services(machine):
        image = _SERVICE_IMAGES.get(s.name)
        if image is not None and s.status == 4 and image[0] != "svchost":
            out.append(_proc(image[0], image[1], 700, 40, 60000, 120000, 12.5, 0, start))
    pid = ctx.get_variable("PID") if hasattr(ctx, "get_variable") else None
    out.append(_proc("powershell", int(pid or 5528), 560, 30, 52000, 68000, 0.7, 0, machine.clock.now()))
    out.sort(key=lambda p: (to_string(p.props["Name"]).lower(), p.props["Id"]))
    return out


@cmdlet("Get-Process", [Param("Name", "string[]", 0, sets=("Name",), aliases=("ProcessName",), from_pipeline=True),
                        Param("Id", "object[]", sets=("Id",), aliases=("PID",)), Param("ComputerName", "string[]"),
                        Param("IncludeUserName", "switch"), Param("Module", "switch")],
        module=MGMT, default_set="Name", aliases=("gps", "ps"))
def get_process(ctx: Context, b: Bound) -> Iterator[Any]:
    procs = processes(ctx)
    if "Id" in b:
        for pid in b.get("Id"):
            hits = [p for p in procs if p.props["Id"] == int(pid)]
            if not hits:
                ctx.write_error(ErrorRecord(f"Cannot find a process with the process identifier {int(pid)}.",
                                            "NoProcessFoundForGivenId", "ObjectNotFound",
                                            "Microsoft.PowerShell.Commands.ProcessCommandException", target=int(pid)))
            yield from hits
        return
    names = b.get("Name")
    if not names:
        yield from procs
        return
    for n in names:
        hits = [p for p in procs if like(to_string(p.props["Name"]), n)]
        if not hits and not any(c in n for c in "*?["):
            ctx.write_error(ErrorRecord(f"Cannot find a process with the name \"{n}\". Verify the process name and "
                                        "call the cmdlet again.", "NoProcessFoundForGivenName", "ObjectNotFound",
                                        "Microsoft.PowerShell.Commands.ProcessCommandException", target=n))
        yield from hits


_HOTFIXES = [("KB5044281", "Security Update", _dt.datetime(2024, 10, 9)), ("KB5045711", "Update", _dt.datetime(2024, 10, 9)),
             ("KB5046616", "Security Update", _dt.datetime(2024, 11, 13))]


def _hotfix_rows(machine: Any) -> list[PSObject]:
    return [cim_instance("Win32_QuickFixEngineering", "root\\cimv2", [
        ("Source", machine.computer_name), ("Description", desc), ("HotFixID", kb),
        ("InstalledBy", "NT AUTHORITY\\SYSTEM"), ("InstalledOn", when.replace(tzinfo=_dt.timezone.utc)),
        ("Caption", f"https://support.microsoft.com/help/{kb[2:]}"), ("CSName", machine.computer_name)])
        for kb, desc, when in _HOTFIXES]


@cmdlet("Get-HotFix", [Param("Id", "string[]", 0, sets=("Default",), aliases=("HFID",)),
                       Param("Description", "string[]", sets=("Description",)), Param("ComputerName", "string[]")],
        module=MGMT, default_set="Default")
def get_hotfix(ctx: Context, b: Bound) -> Iterator[Any]:
    rows = _hotfix_rows(ctx.machine)
    for r in rows:
        r.type_names[0] = "System.Management.ManagementObject#root\\cimv2\\Win32_QuickFixEngineering"
    if b.get("Id"):
        for kb in b.get("Id"):
            hits = [r for r in rows if like(r.props["HotFixID"], kb)]
            if not hits:
                ctx.write_error(ErrorRecord(f"Cannot find the requested hotfix on the 'localhost' computer. Verify the "
                                            "input and run the command again.", "GetHotFixNoEntriesFound",
                                            "ObjectNotFound", "System.ArgumentException", target=kb))
            yield from hits
        return
    if b.get("Description"):
        rows = [r for r in rows if any(like(r.props["Description"], d) for d in b.get("Description"))]
    yield from rows


@cmdlet("Test-Connection", [Param("ComputerName", "string[]", 0, mandatory_in=("*",), aliases=("CN", "IPAddress")),
                            Param("Count", "int"), Param("Quiet", "switch"), Param("BufferSize", "int"),
                            Param("Delay", "int"), Param("TimeToLive", "int"), Param("Source", "string[]")],
        module=MGMT)
def test_connection(ctx: Context, b: Bound) -> Iterator[Any]:
    count = b.get("Count") or 4
    src = ctx.machine.computer_name
    for target in b.get("ComputerName"):
        ok = _reachable(ctx.machine, target)
        if b.switch("Quiet"):
            yield ok
            continue
        if not ok:
            ctx.write_error(ErrorRecord(f"Testing connection to computer '{target}' failed: Error due to lack of "
                                        "resources", "TestConnectionException", "ResourceUnavailable",
                                        "System.Net.NetworkInformation.PingException", target=target))
            continue
        address = "127.0.0.1" if target.lower() in ("localhost", src.lower()) else target
        for _ in range(count):
            yield PSObject([("Source", src), ("Destination", target), ("IPV4Address", address), ("IPV6Address", None),
                            ("Bytes", b.get("BufferSize") or 32), ("Time", 0), ("Address", target),
                            ("ResponseTime", 0), ("StatusCode", 0), ("ReplySize", b.get("BufferSize") or 32),
                            ("PSComputerName", src)],
                           ["System.Management.ManagementObject#root\\cimv2\\Win32_PingStatus", "System.Object"])


def _interfaces(machine: Any) -> list[tuple[str, str, int]]:
    if isinstance(machine, GuestMachine):
        return [("Ethernet", machine.ip_address, 24)]
    out = []
    for itf in getattr(machine, "interfaces", []) or []:
        bits = sum(bin(int(x)).count("1") for x in itf.mask.split("."))
        out.append((itf.name, itf.ipv4, bits))
    return out or [("Ethernet", "192.168.50.1", 24)]


@cmdlet("Get-NetIPAddress", [Param("IPAddress", "string[]", 0), Param("InterfaceAlias", "string[]"),
                             Param("InterfaceIndex", "object[]"), Param("AddressFamily", "string[]"),
                             Param("Type", "string[]"), Param("PrefixOrigin", "string[]")],
        module="NetTCPIP", command_type="Microsoft.Management.Infrastructure.CimCmdlets.NetIPAddress")
def get_net_ip_address(ctx: Context, b: Bound) -> Iterator[Any]:
    rows = []
    for i, (alias, ip, prefix) in enumerate(_interfaces(ctx.machine)):
        rows.append((alias, 4 + i, ip, "IPv4", prefix, "Manual"))
    rows.append(("Loopback Pseudo-Interface 1", 1, "127.0.0.1", "IPv4", 8, "WellKnown"))
    fams = [to_string(f).lower() for f in b.get("AddressFamily") or []]
    found = False
    for alias, index, ip, fam, prefix, origin in rows:
        if fams and fam.lower() not in fams:
            continue
        if b.get("InterfaceAlias") and not any(like(alias, a) for a in b.get("InterfaceAlias")):
            continue
        if b.get("IPAddress") and not any(like(ip, a) for a in b.get("IPAddress")):
            continue
        if b.get("InterfaceIndex") and index not in [int(x) for x in b.get("InterfaceIndex")]:
            continue
        found = True
        yield PSObject([("IPAddress", ip), ("InterfaceIndex", index), ("InterfaceAlias", alias),
                        ("AddressFamily", fam), ("Type", "Unicast"), ("PrefixLength", prefix),
                        ("PrefixOrigin", origin), ("SuffixOrigin", origin), ("AddressState", "Preferred"),
                        ("ValidLifetime", None), ("PreferredLifetime", None), ("SkipAsSource", False),
                        ("PolicyStore", "ActiveStore")],
                       ["Microsoft.Management.Infrastructure.CimInstance#ROOT/StandardCimv2/MSFT_NetIPAddress",
                        "Microsoft.Management.Infrastructure.CimInstance", "System.Object"], to_string=lambda ip=ip: ip)
    if not found and b.get("IPAddress"):
        ctx.write_error(ErrorRecord(f"No MSFT_NetIPAddress objects found with property 'IPAddress' equal to "
                                    f"'{', '.join(b.get('IPAddress'))}'.  Verify the value of the property and retry.",
                                    "CmdletizationQuery_NotFound_IPAddress,Get-NetIPAddress", "ObjectNotFound",
                                    "Microsoft.PowerShell.Cmdletization.Cim.CimJobException"))


_LOCAL_USERS = [("Administrator", True, "Built-in account for administering the computer/domain"),
                ("DefaultAccount", False, "A user account managed by the system."),
                ("Guest", False, "Built-in account for guest access to the computer/domain"),
                ("WDAGUtilityAccount", False, "A user account managed and used by the system for Windows Defender "
                                              "Application Guard scenarios.")]


@cmdlet("Get-LocalUser", [Param("Name", "string[]", 0, from_pipeline=True), Param("SID", "object[]")],
        module="Microsoft.PowerShell.LocalAccounts", command_type="Microsoft.PowerShell.Commands.GetLocalUserCommand")
def get_local_user(ctx: Context, b: Bound) -> Iterator[Any]:
    users = list(_LOCAL_USERS)
    for acct in getattr(ctx.machine, "accounts", {}) or {}:
        name = acct.split("\\")[-1]
        if not any(u[0].lower() == name.lower() for u in users):
            users.append((name, True, ""))
    names = b.get("Name")
    for n in names or ["*"]:
        hits = [u for u in users if like(u[0], n)]
        if not hits and not any(c in n for c in "*?["):
            ctx.write_error(ErrorRecord(f"User {n} was not found.", "UserNotFound", "ObjectNotFound",
                                        "Microsoft.PowerShell.Commands.UserNotFoundException", target=n))
        for i, (name, enabled, desc) in enumerate(hits):
            rid = {"Administrator": 500, "Guest": 501, "DefaultAccount": 503, "WDAGUtilityAccount": 504}.get(name, 1000 + i)
            yield PSObject([("Name", name), ("Enabled", enabled), ("Description", desc),
                            ("SID", f"S-1-5-21-3623811015-3361044348-30300820-{rid}"),
                            ("PrincipalSource", "Local"), ("ObjectClass", "User")],
                           ["Microsoft.PowerShell.Commands.LocalUser", "System.Object"], to_string=lambda n=name: n)


@cmdlet("Get-Acl", [Param("Path", "string[]", 0, from_pipeline=True, aliases=("LiteralPath",)),
                    Param("Audit", "switch")], module="Microsoft.PowerShell.Security", pipeline="per-item")
def get_acl(ctx: Context, b: Bound) -> Iterator[Any]:
    from simlab.ps.cmdlets.filesystem import absolute
    for p in b.get("Path") or ["."]:
        full = absolute(ctx, p)
        if not ctx.machine.fs.exists(full):
            ctx.write_error(ErrorRecord(f"Cannot find path '{full}' because it does not exist.",
                                        "GetAcl_PathNotFound_Exception", "ObjectNotFound",
                                        "System.Management.Automation.ItemNotFoundException", target=p))
            continue
        rules = [PSObject([("FileSystemRights", r), ("AccessControlType", "Allow"), ("IdentityReference", who),
                           ("IsInherited", True), ("InheritanceFlags", "ContainerInherit, ObjectInherit"),
                           ("PropagationFlags", "None")],
                          ["System.Security.AccessControl.FileSystemAccessRule", "System.Object"])
                 for who, r in (("NT AUTHORITY\\SYSTEM", "FullControl"), ("BUILTIN\\Administrators", "FullControl"),
                                ("BUILTIN\\Users", "ReadAndExecute, Synchronize"))]
        yield PSObject([("Path", f"Microsoft.PowerShell.Core\\FileSystem::{ctx.machine.fs.canonical(full)}"),
                        ("Owner", "BUILTIN\\Administrators"), ("Group", "NT AUTHORITY\\SYSTEM"), ("Access", rules),
                        ("Sddl", "O:BAG:SYD:AI(A;OICIID;FA;;;SY)(A;OICIID;FA;;;BA)(A;OICIID;0x1200a9;;;BU)"),
                        ("AccessToString", "NT AUTHORITY\\SYSTEM Allow  FullControl\nBUILTIN\\Administrators Allow  "
                                           "FullControl\nBUILTIN\\Users Allow  ReadAndExecute, Synchronize")],
                       ["System.Security.AccessControl.DirectorySecurity"
                        if ctx.machine.fs.is_dir(full) else "System.Security.AccessControl.FileSecurity",
                        "System.Object"])


# --------------------------------------------------------------------------- WMI / CIM classes


def _computer_system(machine: Any) -> list[PSObject]:
    total = int(getattr(machine, "memory_bytes", 8 * 2**30))
    cpus = int(getattr(machine, "logical_processors", 4))
    model = "Virtual Machine" if isinstance(machine, GuestMachine) else "PowerEdge R750"
    maker = "Microsoft Corporation" if isinstance(machine, GuestMachine) else "Dell Inc."
    return [cim_instance("Win32_ComputerSystem", "root\\cimv2", [
        ("Name", machine.computer_name), ("Domain", "WORKGROUP"), ("Manufacturer", maker), ("Model", model),
        ("PrimaryOwnerName", "Windows User"), ("TotalPhysicalMemory", total), ("NumberOfProcessors", 1 if
         isinstance(machine, GuestMachine) else 2), ("NumberOfLogicalProcessors", cpus), ("PartOfDomain", False),
        ("DomainRole", 2), ("SystemType", "x64-based PC"), ("HypervisorPresent", True), ("Status", "OK")])]


def _logical_disks(machine: Any) -> list[PSObject]:
    out = []
    for letter, vol in sorted((getattr(machine.fs, "volumes", {}) or {}).items()):
        if len(letter) != 2:
            continue
        size = int(getattr(vol, "size", 0))
        out.append(cim_instance("Win32_LogicalDisk", "root\\cimv2", [
            ("DeviceID", letter), ("DriveType", 3), ("ProviderName", None), ("FreeSpace", int(vol.free())),
            ("Size", size), ("VolumeName", getattr(vol, "label", "") or ""), ("FileSystem", "NTFS"),
            ("VolumeSerialNumber", "8E2C5A1B")]))
    return out


CIM_CLASSES.update({
    ("root\\cimv2", "win32_computersystem"): _computer_system,
    ("root\\cimv2", "win32_logicaldisk"): _logical_disks,
    ("root\\cimv2", "win32_quickfixengineering"): _hotfix_rows,
})


def _wmi_date(d: Any) -> Any:
    if isinstance(d, _dt.datetime):
        return d.strftime("%Y%m%d%H%M%S.") + f"{d.microsecond:06d}+000"
    return d


@cmdlet("Get-WmiObject", [Param("Class", "string", 0, aliases=("ClassName",)), Param("Property", "string[]", 1),
                          Param("Namespace", "string", aliases=("NS",)), Param("Filter", "string"),
                          Param("Query", "string"), Param("ComputerName", "string[]", aliases=("Cn",)),
                          Param("List", "switch")], module=MGMT, aliases=("gwmi",))
def get_wmi_object(ctx: Context, b: Bound) -> Iterator[Any]:
    import re
    cls = b.get("Class")
    wql = b.get("Filter")
    if b.get("Query"):
        m = re.match(r"\s*select\s+.+?\s+from\s+(\w+)(?:\s+where\s+(.*))?$", b.get("Query"), re.I | re.S)
        if not m:
            raise CmdletError("Invalid query ", "GetWMIManagementException", "InvalidOperation",
                              "System.Management.ManagementException")
        cls, wql = m.group(1), m.group(2)
    ns = (b.get("Namespace") or "root\\cimv2").replace("/", "\\").lower()
    provider = CIM_CLASSES.get((ns, (cls or "").lower()))
    if provider is None:
        known_ns = {k[0] for k in CIM_CLASSES}
        raise CmdletError("Invalid class " if ns in known_ns else "Invalid namespace ",
                          "GetWMIManagementException", "InvalidOperation", "System.Management.ManagementException")
    for row in _filter(provider(ctx.machine), wql):
        real = row.type_names[0].split("#", 1)[-1].split("/")[-1]
        props = [(k, _wmi_date(v)) for k, v in row.props.items() if k != "CimClass"]
        props += [("__CLASS", real), ("__NAMESPACE", ns.replace("/", "\\")), ("__SERVER", ctx.machine.computer_name),
                  ("PSComputerName", ctx.machine.computer_name)]
        yield PSObject(props, [f"System.Management.ManagementObject#{ns}\\{real}", "System.Management.ManagementObject",
                               "System.Object"], ref=row.ref)
