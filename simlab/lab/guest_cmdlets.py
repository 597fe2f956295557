"""Cmdlets that run inside a guest (and on the host where they make sense): services, TCP listeners,
event logs, CIM classes (Win32_*, Hyper-V's Msvm_* thumbnail), Test-NetConnection, and PowerShell
Direct (``Invoke-Command -VMName``)."""

from __future__ import annotations

import datetime as _dt
import fnmatch
import re
from collections.abc import Callable, Iterator
from typing import Any

from simlab.lab import guest_console
from simlab.lab.guest import EventRecord, GuestMachine, event_log_of, runtime_of
from simlab.lab.wsb_cmdlets import credential_parts
from simlab.ps import api
from simlab.ps.api import Bound, CmdletError, Context, ErrorRecord, Param, PSObject, cmdlet, enum_type

MGMT = "Microsoft.PowerShell.Management"
SVC_EXC = "Microsoft.PowerShell.Commands.ServiceCommandException"
ServiceStatus = enum_type("System.ServiceProcess.ServiceControllerStatus",
                          {"Stopped": 1, "StartPending": 2, "StopPending": 3, "Running": 4, "ContinuePending": 5,
                           "PausePending": 6, "Paused": 7})
StartMode = enum_type("System.ServiceProcess.ServiceStartMode",
                      {"Boot": 0, "System": 1, "Automatic": 2, "Manual": 3, "Disabled": 4})
TcpState = enum_type("Microsoft.PowerShell.Cmdletization.GeneratedTypes.NetTCPConnection.State",
                     {"Closed": 1, "Listen": 2, "SynSent": 3, "SynReceived": 4, "Established": 5, "FinWait1": 6,
                      "FinWait2": 7, "CloseWait": 8, "Closing": 9, "LastAck": 10, "TimeWait": 11, "DeleteTCB": 12,
                      "Bound": 100})
EntryType = enum_type("System.Diagnostics.EventLogEntryType",
                      {"Error": 1, "Warning": 2, "Information": 4, "SuccessAudit": 8, "FailureAudit": 16})


# ------------------------------------------------------------------ services (guest model or host model)


class _Svc:
    """One service row, whichever model it comes from."""

    def __init__(self, name: str, display: str, status: int, start: str, delayed: bool, deps: list[str],
                 exit_code: int = 0) -> None:
        self.name, self.display, self.status, self.start, self.delayed, self.deps = name, display, status, start, delayed, deps
        self.exit_code = exit_code


def _services(machine: Any) -> list[_Svc]:
    if isinstance(machine, GuestMachine):
        return [_Svc(st.spec.name, st.spec.display_name, machine.status(st.spec.name), st.start_type, st.spec.delayed,
                     st.spec.depends_on, machine.exit_code(st.spec.name)) for st in machine.services.values()]
    table = getattr(machine, "services", None) or {}
    out = []
    for s in table.values():
        status = {"Running": 4, "Stopped": 1, "StartPending": 2, "StopPending": 3}.get(getattr(s, "status", ""), 1)
        out.append(_Svc(s.name, s.display_name, status, s.start_type, False, list(getattr(s, "depends_on", []))))
    return out


ServiceType = enum_type("System.ServiceProcess.ServiceType", {
    "KernelDriver": 1, "FileSystemDriver": 2, "Adapter": 4, "RecognizerDriver": 8, "Win32OwnProcess": 16,
    "Win32ShareProcess": 32, "InteractiveProcess": 256})


def service_object(s: _Svc) -> PSObject:
    return PSObject(
        [("Name", s.name), ("DisplayName", s.display), ("Status", ServiceStatus(s.status)),
         ("StartType", StartMode(s.start)), ("ServiceName", s.name), ("ServicesDependedOn", list(s.deps)),
         ("DependentServices", []), ("CanPauseAndContinue", False), ("CanShutdown", s.status == 4),
         ("CanStop", s.status == 4), ("MachineName", "."),
         ("ServiceType", ServiceType(16 if s.name.lower() not in ("lanmanserver", "lanmanworkstation") else 32))],
        type_names=("System.ServiceProcess.ServiceController", "System.ComponentModel.Component", "System.Object"),
        ref=s, to_string=lambda: s.name)


def _no_service(name: str) -> ErrorRecord:
    return ErrorRecord(f"Cannot find any service with service name '{name}'.", "NoServiceFoundForGivenName",
                       "ObjectNotFound", SVC_EXC, name)


def _select(ctx: Context, b: Bound) -> list[_Svc]:
    rows = _services(ctx.machine)
    items = b.get("InputObject")
    if items is not None:
        wanted = [i.ref.name if isinstance(i, PSObject) and isinstance(i.ref, _Svc) else str(i)
                  for i in (items if isinstance(items, list) else [items])]
        return [r for r in rows if r.name.lower() in {w.lower() for w in wanted}]
    names = b.get("Name")
    displays = b.get("DisplayName")
    if names is None and displays is None:
        return sorted(rows, key=lambda r: r.name.lower())
    out: list[_Svc] = []
    for pattern, attr in [(n, "name") for n in (names or [])] + [(d, "display") for d in (displays or [])]:
        hits = [r for r in rows if fnmatch.fnmatchcase(getattr(r, attr).lower(), pattern.lower())]
        if not hits and not any(c in pattern for c in "*?["):
            ctx.write_error(_no_service(pattern))
        out.extend(h for h in hits if h not in out)
    return out


@cmdlet("Get-Service", [Param("Name", "string[]", position=0, aliases=("ServiceName",), from_pipeline=True),
                        Param("DisplayName", "string[]"), Param("InputObject", "object[]"),
                        Param("ComputerName", "string[]"), Param("DependentServices", "switch"),
                        Param("RequiredServices", "switch")],
        module=MGMT, command_type="Microsoft.PowerShell.Commands.GetServiceCommand")
def get_service(ctx: Context, b: Bound) -> Iterator[Any]:
    for s in _select(ctx, b):
        yield service_object(s)


def _control(ctx: Context, b: Bound, action: str) -> Iterator[Any]:
    machine = ctx.machine
    for s in _select(ctx, b):
        err: str | None = None
        if isinstance(machine, GuestMachine):
            if action in ("stop", "restart"):
                machine.stop_service(s.name)
            if action in ("start", "restart"):
                err = machine.start_service(s.name)
        else:
            setter: Callable[..., Any] | None = getattr(machine, "set_service_status", None)
            if setter is None:
                raise CmdletError("This machine has no service model.", "NotSupported", "NotImplemented")
            try:
                setter(s.name, action)
            except CmdletError as exc:
                err = str(exc)
        if err:
            verb = "started" if action != "stop" else "stopped"
            ctx.write_error(ErrorRecord(
                f"Service '{s.display} ({s.name})' cannot be {verb} due to the following error: Cannot "
                f"{'start' if action != 'stop' else 'stop'} service {s.name} on computer '.'.",
                "CouldNotStartService" if action != "stop" else "CouldNotStopService", "OpenError", SVC_EXC,
                s.name))
            continue
        if b.switch("PassThru"):
            yield service_object(next(r for r in _services(machine) if r.name == s.name))


_CONTROL_PARAMS = [Param("Name", "string[]", position=0, aliases=("ServiceName",), from_pipeline_by_property_name=True),
                   Param("DisplayName", "string[]"), Param("InputObject", "object[]", from_pipeline=True),
                   Param("PassThru", "switch"), Param("Force", "switch")]


@cmdlet("Start-Service", _CONTROL_PARAMS, module=MGMT, command_type="Microsoft.PowerShell.Commands.StartServiceCommand",
        pipeline="per-item")
def start_service(ctx: Context, b: Bound) -> Iterator[Any]:
    yield from _control(ctx, b, "start")


@cmdlet("Restart-Service", _CONTROL_PARAMS, module=MGMT,
        command_type="Microsoft.PowerShell.Commands.RestartServiceCommand", pipeline="per-item")
def restart_service(ctx: Context, b: Bound) -> Iterator[Any]:
    yield from _control(ctx, b, "restart")


@cmdlet("Stop-Service", _CONTROL_PARAMS, module=MGMT, command_type="Microsoft.PowerShell.Commands.StopServiceCommand",
        pipeline="per-item")
def stop_service(ctx: Context, b: Bound) -> Iterator[Any]:
    yield from _control(ctx, b, "stop")


# ------------------------------------------------------------------ network


@cmdlet("Get-NetTCPConnection", [Param("LocalAddress", "string[]"), Param("LocalPort", "object[]"),
                                 Param("State", "object[]"), Param("OwningProcess", "object[]")],
        module="NetTCPIP", command_type="Microsoft.Management.Infrastructure.CimCmdlets.NetTCPConnection")
def get_net_tcp_connection(ctx: Context, b: Bound) -> Iterator[Any]:
    machine = ctx.machine
    ports = machine.listening_ports() if isinstance(machine, GuestMachine) else [135, 445, 2179, 5985, 47001]
    states = [str(TcpState(s)).lower() for s in (b.get("State") or [])]
    if states and "listen" not in states:
        ctx.write_error(ErrorRecord("No MSFT_NetTCPConnection objects found with property 'State' equal to "
                                    f"'{', '.join(map(str, b.get('State')))}'.  Verify the value of the property "
                                    "and retry.", "CmdletizationQuery_NotFound_State,Get-NetTCPConnection",
                                    "ObjectNotFound", "Microsoft.PowerShell.Cmdletization.Cim.CimJobException"))
        return
    want_ports = {int(p) for p in (b.get("LocalPort") or [])}
    for port in ports:
        if want_ports and port not in want_ports:
            continue
        yield PSObject([("LocalAddress", "0.0.0.0"), ("LocalPort", port), ("RemoteAddress", "0.0.0.0"),
                        ("RemotePort", 0), ("State", TcpState("Listen")), ("AppliedSetting", None),
                        ("OwningProcess", 4 if port in (445, 5985, 47001) else 1000 + port)],
                       type_names=("Microsoft.Management.Infrastructure.CimInstance#ROOT/StandardCimv2/"
                                   "MSFT_NetTCPConnection", "Microsoft.Management.Infrastructure.CimInstance",
                                   "System.Object"))


def _reachable(machine: Any, target: str) -> bool:
    """Lab addresses (loopback, the 192.168.50.0/24 lab network) only; nothing outside from an isolated guest."""
    if target.lower() in ("localhost", "127.0.0.1", "::1") or target.lower() == machine.computer_name.lower():
        return True
    if isinstance(machine, GuestMachine) and machine.isolated:
        return target.startswith("192.168.50.")
    return True


@cmdlet("Test-NetConnection", [Param("ComputerName", "string", position=0, aliases=("RemoteAddress", "cn")),
                               Param("Port", "int"), Param("CommonTCPPort", "string"),
                               Param("InformationLevel", "string")],
        module="NetTCPIP", command_type="Microsoft.PowerShell.Commands.TestNetConnectionCommand")
def test_net_connection(ctx: Context, b: Bound) -> Iterator[Any]:
    target = b.get("ComputerName") or "internetbeacon.msedge.net"
    port = b.get("Port") or {"http": 80, "rdp": 3389, "smb": 445, "winrm": 5985}.get(
        str(b.get("CommonTCPPort") or "").lower())
    ok = _reachable(ctx.machine, target)
    resolves = bool(re.match(r"^[\d.]+$", target)) or target.lower() in ("localhost",) or ok
    if not resolves:
        ctx.write_warning(f"Name resolution of {target} failed")
    elif not ok:
        if port:
            ctx.write_warning(f"TCP connect to ({target} : {port}) failed")
        ctx.write_warning(f"Ping to {target} failed with status: DestinationHostUnreachable")
    if str(b.get("InformationLevel") or "").lower() == "quiet":
        yield bool(ok)
        return
    src = ctx.machine.ip_address if isinstance(ctx.machine, GuestMachine) else "192.168.50.1"
    props = [("ComputerName", target), ("RemoteAddress", target if resolves else None),
             ("InterfaceAlias", "Ethernet"), ("SourceAddress", src), ("NameResolutionSucceeded", resolves),
             ("PingSucceeded", ok)]
    if port:
        props += [("RemotePort", port), ("TcpTestSucceeded", ok)]
    yield PSObject(props, type_names=("TestNetConnectionResult", "System.Object"))


# ------------------------------------------------------------------ event logs


def _winevent(r: EventRecord) -> PSObject:
    return PSObject([("TimeCreated", r.time), ("Id", r.event_id), ("LevelDisplayName", r.level_name),
                     ("Level", r.level), ("ProviderName", r.provider), ("LogName", r.log_name),
                     ("Message", r.message), ("MachineName", r.machine), ("RecordId", r.record_id)],
                    type_names=("System.Diagnostics.Eventing.Reader.EventLogRecord",
                                "System.Diagnostics.Eventing.Reader.EventRecord", "System.Object"))


def _as_time(v: Any) -> _dt.datetime | None:
    if v is None or isinstance(v, _dt.datetime):
        return v
    return _dt.datetime.fromisoformat(str(v).replace("Z", "+00:00"))


@cmdlet("Get-WinEvent", [Param("LogName", "string[]", position=0, sets=("LogName",)),
                         Param("FilterHashtable", "hashtable", sets=("HashQuerySet",), mandatory_in=("HashQuerySet",)),
                         Param("MaxEvents", "long"), Param("ProviderName", "string[]", sets=("ProviderName",)),
                         Param("ComputerName", "string")],
        module="Microsoft.PowerShell.Diagnostics", command_type="Microsoft.PowerShell.Commands.GetWinEventCommand",
        default_set="LogName")
def get_win_event(ctx: Context, b: Bound) -> Iterator[Any]:
    log = event_log_of(ctx.machine)
    f = b.get("FilterHashtable") or {}
    logs = f.get("LogName") or b.get("LogName")
    logs = logs if isinstance(logs, list) else ([logs] if logs else [None])
    levels = f.get("Level")
    levels = None if levels is None else [int(x) for x in (levels if isinstance(levels, list) else [levels])]
    ids = f.get("Id") or f.get("ID")
    ids = None if ids is None else [int(x) for x in (ids if isinstance(ids, list) else [ids])]
    providers = f.get("ProviderName") or b.get("ProviderName")
    provider = providers[0] if isinstance(providers, list) else providers
    rows: list[EventRecord] = []
    for name in logs:
        rows += log.query(name, _as_time(f.get("StartTime")), levels, provider, ids)
    rows.sort(key=lambda r: (r.time, r.record_id), reverse=True)
    if b.get("MaxEvents"):
        rows = rows[: int(b.get("MaxEvents"))]
    if not rows:
        # A non-terminating error (GetWinEventCommand WriteError), so scripts catch it with -ErrorAction Stop.
        ctx.write_error(ErrorRecord("No events were found that match the specified selection criteria.",
                                    "NoMatchingEventsFound", "ObjectNotFound", "System.Exception"))
        return
    for r in rows:
        yield _winevent(r)


@cmdlet("Get-EventLog", [Param("LogName", "string", position=0, mandatory_in=("*",)),
                         Param("EntryType", "string[]"), Param("After", "datetime"), Param("Newest", "int"),
                         Param("Source", "string[]")],
        module=MGMT, command_type="Microsoft.PowerShell.Commands.GetEventLogCommand")
def get_event_log(ctx: Context, b: Bound) -> Iterator[Any]:
    types = {"error": 2, "warning": 3, "information": 4}
    levels = None
    if b.get("EntryType"):
        levels = [types[t.lower()] for t in b.get("EntryType") if t.lower() in types]
        if any(t.lower() == "error" for t in b.get("EntryType")):
            levels.append(1)  # Critical events show as Error in the classic log
    rows = event_log_of(ctx.machine).query(b.get("LogName"), _as_time(b.get("After")), levels)
    if b.get("Source"):
        rows = [r for r in rows if r.provider.lower() in {s.lower() for s in b.get("Source")}]
    if b.get("Newest"):
        rows = rows[: int(b.get("Newest"))]
    for r in rows:
        et = "Error" if r.level <= 2 else ("Warning" if r.level == 3 else "Information")
        yield PSObject([("Index", r.record_id), ("TimeGenerated", r.time), ("TimeWritten", r.time),
                        ("EntryType", EntryType(et)), ("Source", r.provider), ("InstanceId", r.event_id),
                        ("EventID", r.event_id), ("Message", r.message), ("MachineName", r.machine)],
                       type_names=("System.Diagnostics.EventLogEntry", "System.Object"))


# ------------------------------------------------------------------ CIM

CIM_EXC = "Microsoft.Management.Infrastructure.CimException"
#: (namespace lower, class lower) -> provider(machine) -> list of PSObject. Other lab modules may add classes.
CIM_CLASSES: dict[tuple[str, str], Callable[[Any], list[PSObject]]] = {}
#: (class lower, method lower) -> fn(machine, instance, arguments Hashtable) -> PSObject (out parameters).
CIM_METHODS: dict[tuple[str, str], Callable[[Any, PSObject, Any], PSObject]] = {}


def cim_instance(cls: str, namespace: str, props: list[tuple[str, Any]], ref: Any = None) -> PSObject:
    ns = namespace.replace("\\", "/").upper()
    obj = PSObject(props, type_names=(f"Microsoft.Management.Infrastructure.CimInstance#{ns}/{cls}",
                                      "Microsoft.Management.Infrastructure.CimInstance", "System.Object"), ref=ref)
    obj.props["CimClass"] = f"{namespace.replace(chr(92), '/')}:{cls}"
    return obj


def _os(machine: Any) -> list[PSObject]:
    now = machine.clock.now()
    total = int(getattr(machine, "memory_bytes", 16 * 2**30))
    free_of = getattr(machine, "free_memory", None)
    free = int(free_of()) if callable(free_of) else total // 2
    if isinstance(machine, GuestMachine):
        caption, version, boot = machine.image.os_caption, machine.image.os_version, machine.booted_at
    else:
        caption = getattr(machine, "os_caption", "Microsoft Windows Server 2022 Datacenter")
        version = getattr(machine, "os_version", "10.0.20348")
        boot = getattr(machine, "last_boot", now)
    return [cim_instance("Win32_OperatingSystem", "root\\cimv2", [
        ("Caption", caption), ("Version", version), ("BuildNumber", version.split(".")[-1]),
        ("CSName", machine.computer_name), ("LastBootUpTime", boot), ("LocalDateTime", now),
        ("OSArchitecture", "64-bit"), ("ProductType", 3), ("TotalVisibleMemorySize", total // 1024),
        ("SystemDirectory", "C:\\Windows\\system32"), ("Organization", ""), ("RegisteredUser", "Windows User"),
        ("SerialNumber", "00454-60000-00001-AA" + str(sum(map(ord, machine.computer_name)) % 900 + 100)),
        ("FreePhysicalMemory", free // 1024), ("SystemDrive", "C:"), ("WindowsDirectory", "C:\\Windows")])]


# Win32_Service.State texts (not localized) by ServiceControllerStatus.
_WMI_STATE = {1: "Stopped", 2: "Start Pending", 3: "Stop Pending", 4: "Running", 5: "Continue Pending",
              6: "Pause Pending", 7: "Paused"}


def _win32_service(machine: Any) -> list[PSObject]:
    out = []
    for s in _services(machine):
        mode = {"Automatic": "Auto"}.get(s.start, s.start)
        out.append(cim_instance("Win32_Service", "root\\cimv2", [
            ("ProcessId", (1000 + sum(map(ord, s.name)) % 7000) if s.status in (2, 3, 4) else 0),
            ("Name", s.name), ("DisplayName", s.display), ("State", _WMI_STATE.get(s.status, "Stopped")),
            ("StartMode", mode), ("DelayedAutoStart", s.delayed), ("Started", s.status in (2, 3, 4)),
            ("ExitCode", s.exit_code), ("ServiceSpecificExitCode", 0), ("Status", "OK")]))
    return out


def _vms(machine: Any) -> list[Any]:
    return list(getattr(machine, "vms", {}).values())


def _msvm_cs(machine: Any) -> list[PSObject]:
    return [cim_instance("Msvm_ComputerSystem", "root\\virtualization\\v2", [
        ("ElementName", vm.name), ("Name", str(vm.id).upper()), ("Caption", "Virtual Machine"),
        ("EnabledState", 2 if vm.state == "Running" else 3)], ref=vm) for vm in _vms(machine)]


def _msvm_vssd(machine: Any) -> list[PSObject]:
    return [cim_instance("Msvm_VirtualSystemSettingData", "root\\virtualization\\v2", [
        ("ElementName", vm.name), ("VirtualSystemIdentifier", str(vm.id).upper()),
        ("InstanceID", f"Microsoft:{str(vm.id).upper()}"), ("VirtualSystemType", "Microsoft:Hyper-V:System:Realized")],
        ref=vm) for vm in _vms(machine)]


def _msvm_vsms(machine: Any) -> list[PSObject]:
    if not _vms(machine) and not hasattr(machine, "vms"):
        return []
    return [cim_instance("Msvm_VirtualSystemManagementService", "root\\virtualization\\v2", [
        ("ElementName", "Virtual Machine Management Service"), ("Name", "vmms"),
        ("SystemName", machine.computer_name)], ref=machine)]


def _thumbnail(machine: Any, instance: PSObject, args: Any) -> PSObject:
    target = args.get("TargetSystem") if args is not None else None
    vm = getattr(target, "ref", None)
    width = int(args.get("WidthPixels") or 160)
    height = int(args.get("HeightPixels") or 120)
    if vm is None:
        return PSObject([("ImageData", None), ("ReturnValue", 32773)])  # Invalid parameter
    if getattr(vm, "state", "Off") != "Running":
        return PSObject([("ImageData", None), ("ReturnValue", 32775)])  # Invalid state for this operation
    rt = runtime_of(machine)
    state = rt.state(vm.name) if rt else None
    data = guest_console.render(state, machine.clock.now(), width, height)
    return PSObject([("ImageData", list(data)), ("ReturnValue", 0)],
                    type_names=("Microsoft.Management.Infrastructure.CimMethodResult", "System.Object"))


CIM_CLASSES.update({
    ("root\\cimv2", "win32_operatingsystem"): _os,
    ("root\\cimv2", "win32_service"): _win32_service,
    ("root\\virtualization\\v2", "msvm_computersystem"): _msvm_cs,
    ("root\\virtualization\\v2", "msvm_virtualsystemsettingdata"): _msvm_vssd,
    ("root\\virtualization\\v2", "msvm_virtualsystemmanagementservice"): _msvm_vsms,
})
CIM_METHODS[("msvm_virtualsystemmanagementservice", "getvirtualsystemthumbnailimage")] = _thumbnail


def _filter(rows: list[PSObject], wql: str | None) -> list[PSObject]:
    if not wql:
        return rows
    out = rows
    for prop, value in re.findall(r"(\w+)\s*=\s*'([^']*)'", wql):
        out = [r for r in out if str(r.get(prop, "")).lower() == value.lower()]
    return out


@cmdlet("Get-CimInstance", [Param("ClassName", "string", position=0), Param("Namespace", "string"),
                            Param("Filter", "string"), Param("ComputerName", "string[]"),
                            Param("Property", "string[]")],
        module="CimCmdlets", command_type="Microsoft.Management.Infrastructure.CimCmdlets.GetCimInstanceCommand")
def get_cim_instance(ctx: Context, b: Bound) -> Iterator[Any]:
    ns = (b.get("Namespace") or "root\\cimv2").replace("/", "\\").lower()
    cls = (b.get("ClassName") or "").lower()
    provider = CIM_CLASSES.get((ns, cls))
    if provider is None:
        known_ns = {k[0] for k in CIM_CLASSES}
        raise CmdletError("Invalid class " if ns in known_ns else "Invalid namespace ",
                          "HRESULT 0x80041010" if ns in known_ns else "HRESULT 0x8004100e",
                          "MetadataError" if ns in known_ns else "InvalidArgument", CIM_EXC, b.get("ClassName"))
    yield from _filter(provider(ctx.machine), b.get("Filter"))


@cmdlet("Invoke-CimMethod", [Param("InputObject", "object", aliases=("CimInstance",), from_pipeline=True),
                             Param("MethodName", "string", position=1, mandatory_in=("*",)),
                             Param("Arguments", "hashtable", position=2), Param("ClassName", "string"),
                             Param("Namespace", "string")],
        module="CimCmdlets", command_type="Microsoft.Management.Infrastructure.CimCmdlets.InvokeCimMethodCommand")
def invoke_cim_method(ctx: Context, b: Bound) -> Iterator[Any]:
    inst = b.get("InputObject")
    cls = (inst.type_name.rsplit("/", 1)[-1] if isinstance(inst, PSObject) else b.get("ClassName") or "").lower()
    fn = CIM_METHODS.get((cls, str(b.get("MethodName")).lower()))
    if fn is None:
        raise CmdletError("Method not found ", "HRESULT 0x80041055", "MetadataError", CIM_EXC, b.get("MethodName"))
    yield fn(ctx.machine, inst, b.get("Arguments") or api.Hashtable())


# ------------------------------------------------------------------ PowerShell Direct

REMOTING_EXC = "System.Management.Automation.Remoting.PSRemotingTransportException"


def powershell_direct_target(host: Any, vm_name: str, credential: Any) -> GuestMachine:
    """The guest ``Invoke-Command -VMName`` reaches, or the error Windows gives (texts in the docs)."""
    vms = [v for v in getattr(host, "vms", {}).values() if v.name.lower() == vm_name.lower()]
    if len(vms) != 1:
        raise CmdletError(f"The input VMName {vm_name} does not resolve to a single virtual machine.",
                          "InvalidVMNameNotSingle", "InvalidArgument", "System.ArgumentException", vm_name)
    if vms[0].state != "Running":
        raise CmdletError(f"The virtual machine {vm_name} is not in running state.", "InvalidVMState",
                          "InvalidOperation", "System.ArgumentException", vm_name)
    rt = runtime_of(host)
    guest = rt.guest(vm_name) if rt else None
    if guest is None:  # VM on, but no guest OS answering (booting, stop error, no OS)
        raise CmdletError("An error has occurred which Windows PowerShell cannot handle. A remote session might "
                          "have ended.", "PSSessionStateBroken", "OpenError", REMOTING_EXC, vm_name)
    user, password = credential_parts(credential)
    if user is None or not guest.check_credential(user, password or ""):
        raise CmdletError("The credential is invalid.", "InvalidCredential", "InvalidArgument",
                          "System.Management.Automation.Remoting.PSDirectException", vm_name)
    return guest


api_direct = getattr(api, "POWERSHELL_DIRECT", None)
if isinstance(api_direct, list) and powershell_direct_target not in api_direct:
    api_direct.append(powershell_direct_target)

if "invoke-command" not in api.REGISTRY:  # the interpreter's generic Invoke-Command takes precedence

    @cmdlet("Invoke-Command", [Param("ScriptBlock", "scriptblock", position=0, mandatory_in=("*",)),
                               Param("VMName", "string[]", sets=("VMName",)), Param("VMId", "guid[]", sets=("VMId",)),
                               Param("Credential", "object"), Param("ArgumentList", "object[]", aliases=("Args",))],
            module="Microsoft.PowerShell.Core", command_type="Microsoft.PowerShell.Commands.InvokeCommandCommand",
            default_set="VMName")
    def invoke_command(ctx: Context, b: Bound) -> Iterator[Any]:
        for name in b.get("VMName") or []:
            guest = powershell_direct_target(ctx.machine, name, b.get("Credential"))
            yield from ctx.run_on(guest, b.get("ScriptBlock"), list(b.get("ArgumentList") or []))
