"""The fault registry of the simulated lab: named, documented faults that put the lab into a state
Windows really gets into, switchable from the description (``simulated_lab.faults``) and from Python
(``SimulatedLab.inject(name, **where)``).

The registry is open: other lab modules (WSB, DISM, guests, WinPE) register their faults with
:func:`fault` from their own modules; importing ``simlab.lab`` imports them all. Each fault
records the Windows behaviour it copies and its source, which simlab/docs/simulator.md lists.
"""

from __future__ import annotations

import datetime as _dt
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from simlab.lab.host import HyperVHost
from simlab.lab.model import GB, MB


@dataclass
class FaultContext:
    """What a fault can change: the host model (and through it every other model), the WS-Man
    server (None until the lab serves) and the lab description."""

    host: HyperVHost
    server: Any = None
    description: Any = None


@dataclass(frozen=True)
class FaultSpec:
    name: str
    apply: Callable[..., None]
    windows_behaviour: str
    source: str
    needs_server: bool = False


REGISTRY: dict[str, FaultSpec] = {}


class FaultError(ValueError):
    """Unknown fault or bad parameters (message says which and how to fix)."""


def fault(name: str, *, windows_behaviour: str, source: str, needs_server: bool = False
          ) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register ``fn(ctx: FaultContext, **params)`` as fault ``name``."""

    def register(fn: Callable[..., None]) -> Callable[..., None]:
        REGISTRY[name] = FaultSpec(name, fn, windows_behaviour, source, needs_server)
        return fn

    return register


def apply_fault(ctx: FaultContext, name: str, **params: Any) -> None:
    """Apply a registered fault; unknown names or parameters raise FaultError."""
    spec = REGISTRY.get(name)
    if spec is None:
        raise FaultError(f"unknown fault '{name}'; known faults: {', '.join(sorted(REGISTRY))}")
    sig = inspect.signature(spec.apply)
    accepted = [p for p in list(sig.parameters)[1:] if sig.parameters[p].kind is not inspect.Parameter.VAR_KEYWORD]
    has_var = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in sig.parameters.values())
    unknown = [k for k in params if k not in accepted]
    if unknown and not has_var:
        raise FaultError(f"fault '{name}' has no parameter {', '.join(unknown)}; it takes: "
                         f"{', '.join(accepted) or '(none)'}")
    if spec.needs_server and ctx.server is None:
        raise FaultError(f"fault '{name}' needs the WS-Man server; inject it after the lab is serving")
    try:
        spec.apply(ctx, **params)
    except TypeError as e:
        raise FaultError(f"fault '{name}': {e}") from None
    ctx.host.flags.setdefault("applied_faults", []).append({"fault": name, **{k: str(v) for k, v in params.items()}})


# --------------------------------------------------------------------------- helpers


def _export_vm(ctx: FaultContext, vm: str) -> tuple[str, Any]:
    """(vmcx path, VM) of the export named ``vm`` (read from the description's export folders)."""
    host = ctx.host
    for path in host.flags.get("export_configs", {}).get(vm.lower(), []):
        if host.fs.exists(path):
            return path, host.read_vmcx(path)
    raise FaultError(f"no export of a VM named '{vm}' in the lab")


def _target_vms(ctx: FaultContext, vm: str) -> list[tuple[Any, str | None]]:
    """Registered VMs named ``vm`` (config None) or, failing that, the export (its vmcx path)."""
    regs = [v for v in ctx.host.vms.values() if v.name.lower() == vm.lower()]
    if regs:
        return [(v, None) for v in regs]
    path, model = _export_vm(ctx, vm)
    model.path = model.snapshot_location = path.rsplit("\\", 2)[0]
    model.config_file = path
    return [(model, path)]


# --------------------------------------------------------------------------- Hyper-V faults


@fault(
    "leftover_backup_checkpoint",
    windows_behaviour=(
        "After a host-level backup of a running VM (WSB/VSS) is restored, the VM can keep the backup's working "
        "checkpoint: type Recovery, named '<VM> - Backup - (<date> - <time>)', not deletable in Hyper-V Manager, its "
        ".avhdx stays in use. Restarting vmms (or the host) clears it; Remove-VMSnapshot removes it with an "
        "asynchronous merge."),
    source="seed 004 §3.1.2(9) (Fujitsu guide); reference/hyperv-powershell.md §2.3 (workinghardinit blog, SEP wiki)",
)
def leftover_backup_checkpoint(ctx: FaultContext, vm: str, created: str | None = None, stuck: bool = False,
                               avhdx_size: str | int = "2GB") -> None:
    from simlab.lab.description import parse_size

    for model, vmcx in _target_vms(ctx, vm):
        when = _dt.datetime.fromisoformat(created) if created else ctx.host.now() - _dt.timedelta(hours=7)
        name = f"{model.name} - Backup - ({when:%m/%d/%Y - %H:%M:%S})"
        cp = ctx.host.create_checkpoint(model, name, "Recovery", stuck=stuck, avhdx_size=parse_size(avhdx_size),
                                        clears_on_vmms_restart=not stuck)
        cp.created = when
        if vmcx is not None:  # an export: rewrite its configuration file
            ctx.host.fs.write(vmcx, model.config_bytes())
        else:
            ctx.host._rewrite_config(model)


@fault(
    "stuck_backup_checkpoint",
    windows_behaviour=(
        "A backup checkpoint still held by a hung or failed backup: it survives a vmms restart and Remove-VMSnapshot "
        "fails while the backup holds it (seen in the field; the exact error text is [UNVERIFIED])."),
    source="reference/hyperv-powershell.md §2.3; seed 004 §3.1.2(9)",
)
def stuck_backup_checkpoint(ctx: FaultContext, vm: str, created: str | None = None) -> None:
    leftover_backup_checkpoint(ctx, vm, created=created, stuck=True)


@fault(
    "missing_switch",
    windows_behaviour=(
        "An exported VM's adapter names a virtual switch the import host lacks (switch settings are not part of a "
        "VM export or a Hyper-V settings backup): Compare-VM reports MessageId 33012 \"Could not find Ethernet "
        "switch '<name>'.\" with the adapter as Source, and Import-VM fails until it is fixed."),
    source="reference §1.3 (Compare-VM doc example 2); seed 004 §3.3.8(3) step 8",
)
def missing_switch(ctx: FaultContext, vm: str, switch: str = "Corp-LAN") -> None:
    host = ctx.host
    host.switches = [s for s in host.switches if s.name.lower() != switch.lower()]
    for model, vmcx in _target_vms(ctx, vm):
        if not model.adapters:
            raise FaultError(f"VM '{vm}' has no network adapter to point at switch '{switch}'")
        model.adapters[0].switch_name = switch
        if vmcx is not None:
            host.fs.write(vmcx, model.config_bytes())


@fault(
    "duplicate_vm_id",
    windows_behaviour=(
        "A VM with the export's ID is already registered (e.g. the original is still on the host): importing with "
        "the existing ID (register in place or restore) fails; only a copy with a new ID succeeds."),
    source="seed 004 §3.3.8(3) step 5 note; reference §1.2/§1.4 (text [UNVERIFIED])",
)
def duplicate_vm_id(ctx: FaultContext, vm: str, name: str | None = None, path: str = "E:\\Hyper-V") -> None:
    host = ctx.host
    _, model = _export_vm(ctx, vm)
    model.name = name or model.name
    model.planned = False
    model.path = model.snapshot_location = model.smart_paging_location = f"{path.rstrip(chr(92))}\\{model.name}"
    model.config_file = f"{model.path}\\Virtual Machines\\{str(model.id).upper()}.vmcx"
    model.checkpoints = []
    model.current_checkpoint_id = None
    new_drives = []
    for d in model.hard_drives:
        leaf = d.path.rsplit("\\", 1)[-1].split("_")[0]
        leaf = leaf if leaf.lower().endswith(".vhdx") else leaf + ".vhdx"
        dest = f"{model.path}\\Virtual Hard Disks\\{leaf}"
        if not host.fs.exists(dest):
            host.new_vhd(dest, 60 * GB)
        d.path = dest
        new_drives.append(d)
    model.hard_drives = new_drives
    model.managed_by_lab = False
    host.vms[model.id] = model
    host._write_vm_files(model, running=False)


@fault(
    "destination_files_exist",
    windows_behaviour=(
        "The VHD destination folder of a copy import already holds files with the export's VHD names (an earlier "
        "restore's leftovers): Compare-VM's staging copy (overwrite:false) fails with \"The file '<path>' already "
        "exists.\"."),
    source="reference §1.2/§1.4 (neonSDK FileUtilitiesResources.FileExistsError); seed 004 §3.3.8(3) step 7",
)
def destination_files_exist(ctx: FaultContext, vm: str = "*", path: str | None = None) -> None:
    """With ``path`` the files are created now; without it the fault is armed and the files appear
    in the destination folder of the next copy import of ``vm`` just before staging."""
    host = ctx.host
    if path is None:
        host.flags.setdefault("destination_files_exist", []).append(vm.lower())
        return
    _, model = _export_vm(ctx, vm)
    for f in host._vhd_files(model):
        leaf = f.rsplit("\\", 1)[-1]
        host.fs.write(f"{path.rstrip(chr(92))}\\{leaf}", None, 1 * MB, overwrite=False)


@fault(
    "not_enough_space",
    windows_behaviour=(
        "The destination volume has less free space than the VM's files: the import copy fails with \"There is not "
        "enough space on the disk.\" (ERROR_DISK_FULL)."),
    source="Win32 ERROR_DISK_FULL (112) message text; seed 004 §1.6 (sizing)",
)
def not_enough_space(ctx: FaultContext, volume: str = "E", free: str | int = "5GB") -> None:
    from simlab.lab.description import parse_size

    vol = ctx.host.fs.volume_of(volume.rstrip(":\\") + ":\\")
    target_free = parse_size(free)
    vol.baseline_used += max(0, vol.free() - target_free)


@fault(
    "winrm_http_500",
    windows_behaviour="WinRM answers a request with HTTP 500 (a transient WS-Man fault) and recovers afterwards.",
    source="pywinrm issues on transient 500 (WinRMTransportError); reference/ecosystem.md §3",
    needs_server=True,
)
def winrm_http_500(ctx: FaultContext, count: int = 1) -> None:
    ctx.server.faults.fail_next(int(count))


@fault(
    "winrm_slow",
    windows_behaviour=(
        "A Receive takes longer than the WS-Man OperationTimeout: WinRM returns the w:TimedOut fault "
        "(2150858793) and the client polls again; long operations are normal, not failures."),
    source="MS-WSMV OperationTimeout; DESIGN.md remote execution contract",
    needs_server=True,
)
def winrm_slow(ctx: FaultContext, seconds: float = 30.0) -> None:
    ctx.server.faults.slow_receive(float(seconds))


def documentation() -> list[dict[str, str]]:
    """Every registered fault with its Windows behaviour and source (for simlab/docs/simulator.md, `sim faults`)."""
    return [{"name": s.name, "windows_behaviour": s.windows_behaviour, "source": s.source}
            for s in sorted(REGISTRY.values(), key=lambda s: s.name)]


# --------------------------------------------------------------------------- connection faults (issue 13)


@fault(
    "winrm_html_503",
    windows_behaviour=(
        "HTTP.sys answers the request itself with its HTML error page 'HTTP Error 503. The service is unavailable.' "
        "(text/html, Server: Microsoft-HTTPAPI/2.0) when it cannot hand it to the WinRM service's request queue "
        "(service stopping, queue full); no WS-Management document comes back."),
    source="HTTP.sys error responses (Microsoft docs: 'Error logging in HTTP APIs', reasons QueueFull/Disabled)",
    needs_server=True,
)
def winrm_html_503(ctx: FaultContext, count: int = 1, status: int = 503) -> None:
    ctx.server.faults.wire("html", int(count), status=int(status))


@fault(
    "winrm_truncated_answer",
    windows_behaviour=(
        "The connection breaks while an answer is being sent (host reset, network failure): the client receives the "
        "headers and part of the body, then the connection closes."),
    source="RFC 9112 §6.3 (incomplete message when the connection closes before Content-Length bytes)",
    needs_server=True,
)
def winrm_truncated_answer(ctx: FaultContext, count: int = 1, action: str | None = None) -> None:
    ctx.server.faults.wire("truncate", int(count), action=action)


@fault(
    "winrm_connection_dropped",
    windows_behaviour=(
        "The connection closes after the request was sent and before any answer (host crash, WinRM service "
        "restart, an idle connection reaped): the client sees 'Remote end closed connection without response'."),
    source="RFC 9112 §9.3.1 (retrying requests after a connection closes); pywinrm issue #320",
    needs_server=True,
)
def winrm_connection_dropped(ctx: FaultContext, count: int = 1, action: str | None = None) -> None:
    ctx.server.faults.wire("drop", int(count), action=action)


@fault(
    "winrm_no_answer",
    windows_behaviour=(
        "The host stops answering in the middle of an operation (hung service, host under heavy load): the answer "
        "comes only after the client's read timeout, if at all."),
    source="pywinrm read_timeout_sec (winrm/protocol.py); reference/ecosystem.md §3.2 pitfall 4",
    needs_server=True,
)
def winrm_no_answer(ctx: FaultContext, seconds: float = 60.0, count: int = 1, action: str | None = None) -> None:
    ctx.server.faults.wire("hang", int(count), action=action, seconds=float(seconds))
