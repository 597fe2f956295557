"""Build a :class:`HyperVHost` from a validated :class:`Description` (the only place that does).

Builders of other lab modules (WSB backup sets, guests, drivers) hook in through
:data:`EXTRA_BUILDERS`: ``fn(host, description)`` called after the Hyper-V part is built and
before faults are applied.
"""

from __future__ import annotations

import datetime as _dt
import os
import uuid
from collections.abc import Callable

from simlab.clock import SimClock
from simlab.lab import io
from simlab.lab.description import Description, VMDesc
from simlab.lab.host import HyperVHost
from simlab.lab.model import GB, MB, VM, HardDiskDrive, NetworkAdapter, Switch, VirtualDisk
from simlab.winfs import Directory, Volume, walk_files

EXTRA_BUILDERS: list[Callable[[HyperVHost, Description], None]] = []

#: Features Get-WindowsFeature lists (name -> display name, type); the description says which are installed.
FEATURE_CATALOG: dict[str, tuple[str, str]] = {
    "Hyper-V": ("Hyper-V", "Role"),
    "FileAndStorage-Services": ("File and Storage Services", "Role"),
    "FS-FileServer": ("File Server", "Role Service"),
    "Hyper-V-Tools": ("Hyper-V Management Tools", "Feature"),
    "Hyper-V-PowerShell": ("Hyper-V Module for Windows PowerShell", "Feature"),
    "RSAT-Hyper-V-Tools": ("Hyper-V Management Tools", "Feature"),
    "Windows-Server-Backup": ("Windows Server Backup", "Feature"),
    "Failover-Clustering": ("Failover Clustering", "Feature"),
    "PowerShellRoot": ("Windows PowerShell", "Feature"),
    "PowerShell": ("Windows PowerShell 5.1", "Feature"),
}

#: Namespace for stable IDs of described objects without an explicit id.
_NS = uuid.UUID("5e1d0c6a-8f0e-4d61-9a57-7265737472e1")


def _windows_content(host: HyperVHost, disk: VirtualDisk, label: str = "") -> None:
    now = host.now()
    vol = Volume("", disk.size, min(disk.file_size, disk.size) // 2, label)
    vol.root = Directory("", now, now)
    disk.volumes = [vol]
    fs = host.disk_fs(disk)
    for folder in ("Windows\\System32\\config", "Windows\\System32\\drivers", "Windows\\INF",
                   "Windows\\System32\\DriverStore\\FileRepository", "Program Files", "Users\\Administrator"):
        fs.mkdir("V:\\" + folder)
    fs.write("V:\\Windows\\System32\\config\\SYSTEM", None, 16 * MB)
    fs.write("V:\\Windows\\System32\\config\\SOFTWARE", None, 64 * MB)
    fs.write("V:\\Windows\\System32\\ntoskrnl.exe", None, 10 * MB)


def _data_content(host: HyperVHost, disk: VirtualDisk, label: str = "Data") -> None:
    now = host.now()
    vol = Volume("", disk.size, min(disk.file_size, disk.size) // 2, label)
    vol.root = Directory("", now, now)
    disk.volumes = [vol]


def _vm_from_desc(host: HyperVHost, d: VMDesc, root: str, key: str) -> VM:
    vm = VM(name=d.name, id=d.id or uuid.uuid5(_NS, key), generation=d.generation, version=d.version,
            processor_count=d.cpu, memory_startup=d.memory, notes=d.notes)
    vm.path = vm.snapshot_location = vm.smart_paging_location = root
    vm.config_file = f"{root}\\Virtual Machines\\{str(vm.id).upper()}.vmcx"
    for i, a in enumerate(d.adapters):
        vm.adapters.append(NetworkAdapter(a.name, a.switch, a.mac, id=uuid.uuid5(_NS, f"{key}/nic{i}")))
    controller = "SCSI" if d.generation == 2 else "IDE"
    for i, disk_desc in enumerate(d.disks):
        path = disk_desc.file if ":" in disk_desc.file or disk_desc.file.startswith("\\\\") \
            else f"{root}\\Virtual Hard Disks\\{disk_desc.file}"
        disk = VirtualDisk(path, disk_desc.type, size=disk_desc.size,
                           file_size=disk_desc.size if disk_desc.type == "Fixed" else disk_desc.file_size,
                           disk_identifier=uuid.uuid5(_NS, f"{key}/disk{i}"))
        if disk_desc.content == "windows":
            disk.hidden_partitions = ["System", "Reserved", "Recovery"] if d.generation == 2 else ["System Reserved"]
            disk.partition_style = "GPT" if d.generation == 2 else "MBR"
            _windows_content(host, disk)
        elif disk_desc.content == "data":
            _data_content(host, disk)
        else:
            disk.partition_style = "RAW"
        host.add_disk(disk)
        disk.attached_to = vm.id
        vm.hard_drives.append(HardDiskDrive(host.disk(path).path, controller, 0, i))
    vm.boot_order = ["HardDiskDrive", "NetworkAdapter"] if d.generation == 2 else ["CD", "IDE", "LegacyNetworkAdapter", "Floppy"]
    host.fs.mkdir(f"{root}\\Snapshots")
    for cp in d.checkpoints:
        made = host.create_checkpoint(vm, cp.name, cp.type, avhdx_size=cp.avhdx_size)
        if cp.created:
            made.created = cp.created if cp.created.tzinfo else cp.created.replace(tzinfo=_dt.timezone.utc)
    return vm


def resolve_accounts(desc: Description, environ: dict[str, str] | None = None) -> dict[str, str]:
    """user -> password from each account's ``password_env`` (a missing variable is an error with the fix)."""
    env = os.environ if environ is None else environ
    out: dict[str, str] = {}
    for i, acc in enumerate(desc.accounts):
        if acc.password_env not in env:
            raise desc.error(f"accounts[{i}].password_env", f"environment variable {acc.password_env} is not set",
                             f"export {acc.password_env}=<password> before starting the simulated lab")
        user = env.get(acc.user_env, acc.user) if acc.user_env else acc.user
        out[user.rpartition("\\")[2]] = env[acc.password_env]  # local account: BareMachine matches NAME
    return out


def build_host(desc: Description, environ: dict[str, str] | None = None) -> HyperVHost:
    """The lab host exactly as the description says (no faults applied; see faults.apply_fault)."""
    clock = SimClock(desc.time.start, desc.time.scale, mode=desc.time.mode, quiet=desc.time.quiet,
                     think=desc.time.think)
    h = desc.host
    host = HyperVHost(h.name, clock, os_caption=h.os.caption, os_version=h.os.version, build=h.os.build,
                      memory_bytes=h.memory, logical_processors=h.logical_processors)
    host.accounts = resolve_accounts(desc, environ)
    for v in h.volumes:
        vol = host.fs.add_volume(v.letter.rstrip(":") + ":", v.size, v.size, v.label)
        host.physical_disks.append(vol)
        io.set_volume_rates(host, vol.root_name, v.read, v.write)
    host.network_rate = h.network or io.DEFAULT_NETWORK_RATE
    for folder in ("C:\\Windows\\System32", "C:\\Windows\\TEMP", "C:\\Users\\Public", "C:\\ProgramData",
                   "C:\\Program Files"):
        if "C:" in host.fs.volumes:
            host.fs.mkdir(folder)
    if h.default_vm_path:
        host.default_vm_path = h.default_vm_path
    if h.default_vhd_path:
        host.default_vhd_path = h.default_vhd_path
    installed = {f.lower() for f in h.features}
    for name, (display, ftype) in FEATURE_CATALOG.items():
        host.add_feature(name, display, name.lower() in installed, ftype)
    for name in h.features:
        if name not in host.features:
            host.add_feature(name, name, True, "Feature")
    _default_services(host)
    for i, s in enumerate(desc.services):
        if "name" not in s:
            raise desc.error(f"services[{i}]", "a service needs a name", "add `name:`")
        svc = host.add_service(s["name"], s.get("display_name", s["name"]), s.get("status", "Running"),
                               s.get("start_type", "Automatic"))
        svc.fail_start = bool(s.get("fail_start", False))
    for s in desc.switches:
        host.switches.append(Switch(s.name, s.type, uuid.uuid5(_NS, f"switch/{s.name}"), s.net_adapter,
                                    s.type != "Private"))
    for i, v in enumerate(desc.vms):
        root = v.path or f"{host.default_vm_path}\\{v.name}"
        vm = _vm_from_desc(host, v, root, f"{h.name}/{v.name}")
        for a in vm.adapters:
            if a.switch_name and not any(s.name.lower() == a.switch_name.lower() for s in host.switches):
                raise desc.error(f"vms[{i}].adapters", f"switch '{a.switch_name}' is not in `switches:`",
                                 "add the switch or connect the adapter to a lab switch")
        vm.state = v.state
        if v.state == "Running":
            vm.started_at = host.now() - _dt.timedelta(days=1)
            vm.heartbeat_at = vm.started_at + _dt.timedelta(seconds=45)
        host.vms[vm.id] = vm
        host._write_vm_files(vm, running=v.state == "Running")
    exports: dict[str, list[str]] = {}
    for v in desc.exports:
        root = v.path or f"B:\\Exports\\{v.name}"
        vm = _vm_from_desc(host, v, root, f"{v.source_host or 'export'}/{v.name}")
        host._write_vm_files(vm, running=False)
        exports.setdefault(v.name.lower(), []).append(vm.config_file)
    host.flags["export_configs"] = exports
    for builder in EXTRA_BUILDERS:
        builder(host, desc)
    _settle_free_space(host, desc)
    return host


def _settle_free_space(host: HyperVHost, desc: Description) -> None:
    """Make each volume's free space what the description says, counting the files built on it."""
    for i, v in enumerate(desc.host.volumes):
        vol = host.fs.volume_of(v.letter.rstrip(":") + ":\\")
        files = sum(f.size for _, f in walk_files(vol.root, vol.root_name))
        baseline = v.size - v.free - files
        if baseline < 0:
            raise desc.error(f"host.volumes[{i}].free",
                             f"the files the description puts on {vol.root_name} need {files // GB} GB, more than "
                             f"size - free ({(v.size - v.free) // GB} GB)", "lower `free` or make the volume larger")
        vol.baseline_used = baseline


def _default_services(host: HyperVHost) -> None:
    hv = host.features.get("Hyper-V")
    if hv is not None and hv.installed:
        host.add_service("vmms", "Hyper-V Virtual Machine Management")
        if "C:" in host.fs.volumes:  # the service binary, whose version is the Hyper-V version
            host.fs.write("C:\\Windows\\System32\\vmms.exe", None, 6 * 2**20).version = f"10.0.{host.build}.1"
        host.add_service("vmcompute", "Hyper-V Host Compute Service", "Running", "Manual")
    wsb = host.features.get("Windows-Server-Backup")
    if wsb is not None and wsb.installed:
        host.add_service("wbengine", "Block Level Backup Engine Service", "Stopped", "Manual")
    host.add_service("VSS", "Volume Shadow Copy", "Stopped", "Manual")
    host.add_service("WinRM", "Windows Remote Management (WS-Management)")
    host.add_service("LanmanServer", "Server")
    host.add_service("W32Time", "Windows Time")
    host.add_service("EventLog", "Windows Event Log")


def export_paths(host: HyperVHost) -> dict[str, list[str]]:
    """VM name (lower) -> .vmcx paths of the exports the description created."""
    return dict(host.flags.get("export_configs", {}))

