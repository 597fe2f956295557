"""Module "WindowsServerBackup": targets, backup sets, file and Hyper-V recovery, jobs, summary."""

from __future__ import annotations

import datetime as _dt
import weakref
from collections.abc import Iterator
from typing import Any

from simlab.lab import wsb
from simlab.ps.api import Bound, CmdletError, Context, Param, PSObject, cmdlet, enum_type
from simlab.winfs import FsError

MODULE = "WindowsServerBackup"
NS = "Microsoft.Windows.ServerBackup.Commands."
# [UNVERIFIED] member numbers of the WSB enums: no public source lists them (simlab/docs/simulator-wsb-dism-guests.md).
JobType = enum_type(NS + "WBJobType", {"Unknown": 0, "Backup": 1, "FileRecovery": 2, "VolumeRecovery": 3,
                                       "ApplicationRecovery": 4, "SystemStateRecovery": 5, "BareMetalRecovery": 6,
                                       "HyperVRecovery": 7})
JobState = enum_type(NS + "WBJobState", {"Unknown": 0, "Queued": 1, "Running": 2, "Completed": 3})
TargetType = enum_type(NS + "WBTargetType", {"Unknown": 0, "Volume": 1, "Disk": 2, "Network": 3})
FileOption = enum_type(NS + "WBFileRecoveryOptions",
                       {"None": 0, "SkipIfExists": 1, "CreateCopyIfExists": 2, "OverwriteIfExists": 3})

_CATALOGS: weakref.WeakKeyDictionary[Any, wsb.WsbCatalog] = weakref.WeakKeyDictionary()


def attach(host: Any, catalog: wsb.WsbCatalog, images: dict[str, Any]) -> None:
    """Make ``catalog`` the WSB state of ``host`` (the machine the WSB cmdlets run on). It is kept on
    the host (``host.wsb_catalog``) so that it is saved and loaded with the lab state."""
    try:
        host.wsb_catalog = catalog
    except AttributeError:  # a machine that takes no attributes: remembered beside it
        _CATALOGS[host] = catalog


def find_catalog(machine: Any) -> wsb.WsbCatalog | None:
    """The WSB catalog of ``machine`` (installed or not), or None when it has no WSB model."""
    cat = getattr(machine, "wsb_catalog", None)
    if isinstance(cat, wsb.WsbCatalog):
        return cat
    try:
        return _CATALOGS.get(machine)
    except TypeError:
        return None


def catalog_of(machine: Any) -> wsb.WsbCatalog:
    cat = find_catalog(machine)
    if cat is None or not cat.installed:
        raise CmdletError("The Windows Server Backup feature is not installed on this computer. Install it with "
                          "Install-WindowsFeature Windows-Server-Backup.", "WBNotInstalled", "NotInstalled",
                          "System.InvalidOperationException")
    cat.tick()
    return cat


def credential_parts(cred: Any) -> tuple[str | None, str | None]:
    """(user, password) of a PSCredential as the interpreter represents it (duck-typed)."""
    if cred is None:
        return None, None
    if isinstance(cred, PSObject):
        user = cred.get("UserName")
        net = cred.methods.get("GetNetworkCredential") if cred.methods else None
        if callable(net):
            n = net()
            pw = n.get("Password") if isinstance(n, PSObject) else getattr(n, "password", None)
            return user, pw
        pw = cred.get("Password")
        if callable(getattr(pw, "reveal", None)):  # the interpreter's SecureString
            return user, pw.reveal()
        for attr in ("plain", "value", "text"):
            if hasattr(pw, attr):
                return user, getattr(pw, attr)
        return user, None if pw is None else str(pw)
    return getattr(cred, "username", None), getattr(cred, "password", None)


def _err(e: wsb.WsbError, target: Any = None) -> CmdletError:
    return CmdletError(str(e), "System.Runtime.InteropServices.COMException", e.category,
                       "System.Runtime.InteropServices.COMException", target, hresult=e.code)


def target_object(t: wsb.Target, user: str | None = None, password: str | None = None) -> PSObject:
    return PSObject(
        [("Label", t.label), ("WBDisk", None), ("WBVolume", None), ("Path", t.path),
         ("TargetType", TargetType("Network" if t.kind == "share" else "Volume")),
         ("InheritAcl", True), ("PreserveExistingBackups", t.kind != "share")],
        type_names=(NS + "WBBackupTarget", "System.Object"), ref=(t, user, password),
        to_string=lambda: t.path)


def set_object(s: wsb.BackupSet, user: str | None, password: str | None) -> PSObject:
    vols = [PSObject([("VolumeLabel", v["label"]), ("MountPath", v["mount"]), ("MountPoints", [v["mount"]]),
                      ("FileSystem", "NTFS"), ("Property", "ValidSource, IsOnDiskWithCriticalVolume"),
                      ("FreeSpace", v["size"] - v["used"]), ("TotalSpace", v["size"])],
                     type_names=(NS + "WBVolume", "System.Object"), to_string=lambda v=v: v["mount"])
            for v in s.volumes]
    apps = []
    if s.vms:
        comps = [PSObject([("Caption", vm.caption), ("Name", str(vm.id).upper()), ("VMName", vm.name),
                           ("VMId", vm.id), ("WriterId", "66841cd4-6ded-4f4b-8f17-fd23f8ddc3de")],
                          type_names=(NS + "WBVirtualMachine", NS + "WBComponent", "System.Object"), ref=vm,
                          to_string=lambda vm=vm: vm.caption) for vm in s.vms]
        apps.append(PSObject([("Identifier", "HyperV"), ("Component", comps)],
                             type_names=(NS + "WBApplication", "System.Object"), to_string=lambda: "HyperV"))
    return PSObject(
        [("VersionId", s.version_id), ("BackupTime", s.time), ("BackupTarget", target_object(s.target, user, password)),
         ("RecoverableItems", s.recoverable_items()), ("Volume", vols), ("Application", apps),
         ("VssBackupOption", s.vss_option), ("SnapshotId", s.snapshot_id), ("BackupSetId", s.set_id),
         ("MachineName", s.machine)],
        type_names=(NS + "WBBackupSet", "System.Object"), ref=s, to_string=lambda: s.version_id)


def job_object(j: wsb.Job, now: _dt.datetime) -> PSObject:
    state = j.state(now)
    done = state == "Completed"
    code = j.error.code if (j.error and done) else 0
    op = (f"{j.job_type} completed." if done else f"{j.job_type} in progress: {j.percent(now)}% done.")
    return PSObject(
        [("JobType", JobType(j.job_type)), ("JobState", JobState(state)), ("StartTime", j.start),
         ("EndTime", j.end if done else None), ("HResult", wsb.hr(code)), ("DetailedHResult", wsb.hr(code)),
         ("ErrorDescription", str(j.error) if (j.error and done) else ""), ("JobItems", list(j.items)),
         ("VersionId", j.version_id), ("CurrentOperation", op), ("SuccessLogPath", ""), ("FailureLogPath", "")],
        type_names=(NS + "WBJob", "System.Object"), ref=j)


# ------------------------------------------------------------------ targets and sets


@cmdlet("Get-WBPolicy", [Param("Editable", "switch"), Param("Previous", "switch")], module=MODULE,
        command_type=NS + "GetWBPolicy")
def get_wb_policy(ctx: Context, b: Bound) -> Iterator[Any]:
    cat = catalog_of(ctx.machine)
    local = [t for t in cat.targets.values() if t.kind == "volume"]
    yield PSObject([("Schedule", []), ("BackupTargets", [target_object(t) for t in local])],
                   type_names=(NS + "WBPolicy", "System.Object"), ref=local)


@cmdlet("Get-WBBackupTarget", [Param("Policy", "object", position=0, aliases=("InPolicy",), mandatory_in=("*",),
                                     from_pipeline=True)],
        module=MODULE, command_type=NS + "GetWBBackupTarget")
def get_wb_backup_target(ctx: Context, b: Bound) -> Iterator[Any]:
    catalog_of(ctx.machine)
    pol = b.get("Policy")
    if not isinstance(pol, PSObject) or pol.type_name != NS + "WBPolicy":
        raise CmdletError("Cannot bind parameter 'Policy'. Specify a WBPolicy object (Get-WBPolicy).",
                          "CannotConvertArgument", "InvalidArgument", "System.ArgumentException")
    yield from pol.get("BackupTargets") or []


@cmdlet("New-WBBackupTarget", [
    Param("VolumePath", "string", sets=("VolumePath",), mandatory_in=("VolumePath",)),
    Param("NetworkPath", "string", sets=("NetworkPath",), mandatory_in=("NetworkPath",)),
    Param("Credential", "object", sets=("NetworkPath",)), Param("NonInheritAcl", "switch", sets=("NetworkPath",)),
    Param("Label", "string"),
], module=MODULE, command_type=NS + "NewWBBackupTarget")
def new_wb_backup_target(ctx: Context, b: Bound) -> Iterator[Any]:
    cat = catalog_of(ctx.machine)
    path = b.get("VolumePath") or b.get("NetworkPath")
    target = cat.target(path)
    if target is None:
        if b.get("VolumePath") and not ctx.machine.fs.exists(path.rstrip("\\") + "\\"):
            raise _err(wsb.WsbError(wsb.E_NOT_FOUND, category="ObjectNotFound"), path)
        target = wsb.Target(path, "share" if b.get("NetworkPath") else "volume", b.get("Label") or "")
    user, pw = credential_parts(b.get("Credential"))
    yield target_object(target, user, pw)


@cmdlet("Get-WBBackupSet", [
    Param("BackupTarget", "object", position=0, from_pipeline=True), Param("MachineName", "string", position=1),
], module=MODULE, command_type=NS + "GetWBBackupSet")
def get_wb_backup_set(ctx: Context, b: Bound) -> Iterator[Any]:
    cat = catalog_of(ctx.machine)
    t_obj = b.get("BackupTarget")
    if t_obj is not None:
        target, user, pw = t_obj.ref
        targets = [(target, user, pw)]
    else:  # the local catalog: backups on the host's own volumes
        targets = [(t, None, None) for t in cat.targets.values() if t.kind == "volume"]
    machine = b.get("MachineName")
    for target, user, pw in targets:
        try:
            target.check_access(user, pw)
        except wsb.WsbError as e:
            raise _err(e, target.path) from None
        for s in sorted(target.sets, key=lambda s: s.time):
            if machine and s.machine.lower() != machine.lower():
                continue
            yield set_object(s, user, pw)


def _backup_set(b: Bound) -> tuple[wsb.BackupSet, str | None, str | None]:
    obj = b.get("BackupSet")
    if not isinstance(obj, PSObject) or not isinstance(obj.ref, wsb.BackupSet):
        raise CmdletError("Cannot bind parameter 'BackupSet'. Specify a WBBackupSet from Get-WBBackupSet.",
                          "CannotConvertArgument", "InvalidArgument", "System.ArgumentException")
    _, user, pw = obj.get("BackupTarget").ref
    obj.ref.target.check_access(user, pw)
    return obj.ref, user, pw


def _start(ctx: Context, cat: wsb.WsbCatalog, job: wsb.Job, nbytes: int, source: str, dest: str, label: str) -> None:
    """Hand ``job`` to the machine's wbengine, then start its copy. While another job runs the cmdlet
    fails before anything exists: no job, no transfer, nothing written (simlab/docs/simulator-wsb-dism-guests.md)."""
    try:
        cat.add_job(job)
    except wsb.WsbError as e:
        raise _err(e) from None
    job.flow = wsb.start_recovery_flow(ctx.machine, nbytes, source, dest, label)


def _run(ctx: Context, cat: wsb.WsbCatalog, job: wsb.Job, is_async: bool) -> Iterator[Any]:
    if is_async:
        return
    clock = ctx.machine.clock
    while True:
        job.follow(clock)
        if job.state(clock.now()) == "Completed":
            break
        ctx.write_progress(f"{job.job_type}", f"{job.percent(clock.now())}% done", job.percent(clock.now()))
        if job.flow is not None and not job.flow.done:
            clock.wait_flow(job.flow)  # shares the volumes/network with the lab's other transfers
        else:
            clock.advance(max(1.0, (job.end - clock.now()).total_seconds()))
    cat.tick()
    if job.error:
        raise _err(job.error)
    yield from ()


# ------------------------------------------------------------------ recovery


def _copy_name(fs: Any, path: str) -> str:
    folder, _, leaf = path.rpartition("\\")
    n, candidate = 1, f"{folder}\\Copy of {leaf}"
    while fs.exists(candidate):
        n += 1
        candidate = f"{folder}\\Copy ({n}) of {leaf}"
    return candidate


@cmdlet("Start-WBFileRecovery", [
    Param("BackupSet", "object", position=0, mandatory_in=("*",)),
    Param("SourcePath", "string", position=1, mandatory_in=("*",)),
    Param("TargetPath", "string", position=2), Param("Option", FileOption, position=3),
    Param("Recursive", "switch"), Param("NoRestoreAcl", "switch"), Param("Async", "switch"), Param("Force", "switch"),
], module=MODULE, command_type=NS + "StartWBFileRecovery")
def start_wb_file_recovery(ctx: Context, b: Bound) -> Iterator[Any]:
    cat = catalog_of(ctx.machine)
    try:
        bset, _, _ = _backup_set(b)
    except wsb.WsbError as e:
        raise _err(e) from None
    source = b.get("SourcePath")
    files = bset.files_under(source, b.switch("Recursive"))
    if not files:
        raise CmdletError(f"The file or folder {source} does not exist in the backup.", "FileNotFound",
                          "ObjectNotFound", "System.IO.FileNotFoundException", source)
    option = str(b.get("Option") or "CreateCopyIfExists")
    fs = ctx.machine.fs
    target = b.get("TargetPath")
    base = source.rstrip("\\")
    parent = base.rpartition("\\")[0]
    if target is not None and not fs.exists(target):
        raise CmdletError(f"The recovery target location {target} does not exist.", "DirectoryNotFound",
                          "ObjectNotFound", "System.IO.DirectoryNotFoundException", target)

    apply = _FileRecovery(fs, files, parent, target, option)

    now = ctx.machine.clock.now()
    size = sum(len(f.content) for f in files)
    job = wsb.Job("FileRecovery", now, now + _dt.timedelta(seconds=wsb.recovery_seconds(size)),
                  [f.path for f in files], apply, version_id=bset.version_id)
    dest = target if target is not None else (files[0].path if files else "C:\\")
    _start(ctx, cat, job, size, bset.target.path, dest, "Start-WBFileRecovery")
    yield from _run(ctx, cat, job, b.switch("Async"))


@cmdlet("Start-WBHyperVRecovery", [
    Param("BackupSet", "object", position=0, mandatory_in=("*",)),
    Param("VMInBackup", "object[]", position=1, mandatory_in=("*",)),
    Param("TargetPath", "string", position=2), Param("NoRollForward", "switch"), Param("Async", "switch"),
    Param("Force", "switch"), Param("UseAlternateLocation", "switch"), Param("RecreatePath", "switch"),
], module=MODULE, command_type=NS + "StartWBHyperVRecovery")
def start_wb_hyperv_recovery(ctx: Context, b: Bound) -> Iterator[Any]:
    cat = catalog_of(ctx.machine)
    try:
        bset, _, _ = _backup_set(b)
    except wsb.WsbError as e:
        raise _err(e) from None
    vms = [o.ref for o in (b.get("VMInBackup") or []) if isinstance(o, PSObject) and isinstance(o.ref, wsb.VMItem)]
    if not vms:
        raise CmdletError("Specify the virtual machines to recover with -VMInBackup "
                          "($set.Application[0].Component).", "InvalidVMInBackup", "InvalidArgument",
                          "System.ArgumentException")
    alternate = b.switch("UseAlternateLocation")
    target = b.get("TargetPath")
    fs = ctx.machine.fs
    if alternate and not target:
        raise CmdletError("The -TargetPath parameter is required with -UseAlternateLocation.", "TargetPathMissing",
                          "InvalidArgument", "System.ArgumentException")
    if alternate and not fs.exists(target):
        if not b.switch("RecreatePath"):
            raise CmdletError(f"The recovery target location {target} does not exist. Use -RecreatePath to create "
                              "it.", "DirectoryNotFound", "ObjectNotFound", "System.IO.DirectoryNotFoundException",
                              target)
    apply = _HyperVRecovery(ctx.machine, vms, bset, target, alternate)

    now = ctx.machine.clock.now()
    size = sum(disk_bytes(d) for vm in vms for d in vm.config.get("disks", []))
    job = wsb.Job("HyperVRecovery", now, now + _dt.timedelta(seconds=wsb.recovery_seconds(size)),
                  [vm.caption for vm in vms], apply, version_id=bset.version_id)
    dest = str(target) if alternate else str(vms[0].config.get("path") or "C:\\")
    _start(ctx, cat, job, size, bset.target.path, dest, "Start-WBHyperVRecovery")
    yield from _run(ctx, cat, job, b.switch("Async"))


class _FileRecovery:
    """What a file recovery job does when it completes (an object, not a closure, so a saved lab keeps it)."""

    def __init__(self, fs: Any, files: list[Any], parent: str, target: str | None, option: str) -> None:
        self.fs, self.files, self.parent, self.target, self.option = fs, files, parent, target, option

    def __call__(self) -> None:
        fs, target, option = self.fs, self.target, self.option
        for f in self.files:
            rel = f.path[len(self.parent) + 1:] if target is not None else None
            dest = f"{target.rstrip(chr(92))}\\{rel}" if rel is not None else f.path
            if fs.exists(dest):
                if option == "SkipIfExists":
                    continue
                if option == "CreateCopyIfExists":
                    dest = _copy_name(fs, dest)
            try:
                fs.write(dest, f.content, overwrite=True)
            except FsError as exc:
                raise RuntimeError(str(exc)) from None


class _HyperVRecovery:
    """What a Hyper-V recovery job does when it completes (picklable, so `sim serve --state-dir` can save
    the lab after a WSB VM recovery)."""

    def __init__(self, machine: Any, vms: list[Any], bset: Any, target: str | None, alternate: bool) -> None:
        self.machine, self.vms, self.bset, self.target, self.alternate = machine, vms, bset, target, alternate

    def __call__(self) -> None:
        machine, target, alternate, bset = self.machine, self.target, self.alternate, self.bset
        fs = machine.fs
        register = getattr(machine, "register_recovered_vm", None)
        for vm in self.vms:
            root = f"{target.rstrip(chr(92))}\\{vm.name}" if alternate else vm.config.get("path")
            placed = dict(vm.config)
            placed["path"] = root
            disks = []
            for d in vm.config.get("disks", []):
                leaf = d["path"].rsplit("\\", 1)[-1]
                dest = f"{root}\\Virtual Hard Disks\\{leaf}" if alternate else d["path"]
                fs.write(dest, None, size=disk_bytes(d))
                disks.append({**d, "path": dest})
            placed["disks"] = disks
            fs.write(f"{root}\\Virtual Machines\\{str(vm.id).upper()}.vmcx", b"vmcx (simulated)")
            checkpoint = None
            if vm.running_at_backup:  # seed 004 §3.1.2 (9): the backup working checkpoint comes back
                checkpoint = {"name": f"{vm.name} - Backup - ({bset.time.strftime('%m/%d/%Y - %H:%M:%S')})",
                              "type": "Recovery", "created": bset.time}
            if callable(register):
                if checkpoint is not None:  # the model's hook expects the .avhdx files already written
                    checkpoint["avhdx"] = [f"{d['path'].rsplit('.', 1)[0]}_{str(vm.id).upper()}.avhdx" for d in disks]
                    for av in checkpoint["avhdx"]:
                        fs.write(av, None, size=64 * 2**20)
                register(placed, checkpoint)
            else:
                register_with_model(machine, placed, checkpoint, alternate)
            _restore_system_disk(machine, vm.name, disks)


def disk_bytes(disk: dict[str, Any]) -> int:
    """Bytes a recovered VHDX holds (what the recovery reads and writes): the description's
    ``used_gb``, else a quarter of its ``size_gb`` (a dynamic disk a quarter full)."""
    if disk.get("used_gb") is not None:
        return int(float(disk["used_gb"]) * 2**30)
    return int(disk.get("size_gb", 40)) * 2**30 // 4


def _restore_system_disk(host: Any, name: str, disks: list[dict[str, Any]]) -> None:
    """The recovered VHDX files hold what was backed up: the system disk of a VM whose Windows the lab
    describes (a guest image named like the VM in the backup) gets that Windows back, so the recovered
    VM boots it whatever name the VM is given afterwards (Rename-VM does not touch the disk)."""
    from simlab.lab.guest import build_windows_volume, runtime_of

    rt = runtime_of(host)
    image = rt.images.get(name) if rt is not None and disks else None
    if image is not None:
        rt.set_disk_volume(disks[0]["path"], build_windows_volume(image, host.clock.now))

def register_with_model(host: Any, config: dict[str, Any], checkpoint: dict[str, Any] | None,
                        alternate: bool) -> None:
    """Register a recovered VM with the Hyper-V model (its public VM/disk/checkpoint API).

    Original location: a registered VM with the same ID is removed first (seed 004 §3.1.2(4)).
    Adapters whose switch this host lacks come back disconnected. A VM that ran during the backup
    gets a Recovery checkpoint (its drives then point at .avhdx differencing disks).
    """
    import uuid as _uuid

    from simlab.lab.model import HardDiskDrive, NetworkAdapter

    vm_id = _uuid.UUID(str(config["id"]))
    existing = host.vms.get(vm_id)
    if existing is not None:
        if alternate:
            raise RuntimeError(f"A virtual machine with the identifier {str(vm_id).upper()} is already registered "
                               "on this server. [UNVERIFIED text]")
        if existing.state != "Off":
            host.stop_vm(existing, turn_off=True)
        host.remove_vm(existing)
    gen = int(config.get("generation", 2))
    model = host.new_vm(config["name"], generation=gen, path=config["path"].rsplit("\\", 1)[0],
                        memory=int(config.get("memory_gb", 4)) * 2**30)
    host.vms.pop(model.id, None)
    host.remove_file(model.config_file)
    model.id = vm_id
    model.version = str(config.get("version", model.version))
    model.processor_count = int(config.get("cpu", 2))
    model.config_file = f"{model.path}\\Virtual Machines\\{str(vm_id).upper()}.vmcx"
    known = {sw.name.lower() for sw in host.switches}
    model.adapters = [NetworkAdapter(a.get("name", "Network Adapter"),
                                     a.get("switch") if str(a.get("switch", "")).lower() in known else None)
                      for a in config.get("adapters", [])]
    model.hard_drives = [HardDiskDrive(host.disk(d["path"]).path, "SCSI" if gen == 2 else "IDE", 0, i)
                         for i, d in enumerate(config.get("disks", []))]
    host.vms[model.id] = model
    host._rewrite_config(model) if hasattr(host, "_rewrite_config") else None
    if checkpoint is not None:
        cp = host.create_checkpoint(model, checkpoint["name"], "Recovery")
        cp.created = checkpoint["created"]


# ------------------------------------------------------------------ jobs and summary


@cmdlet("Get-WBJob", [Param("Previous", "int", position=0)], module=MODULE, command_type=NS + "GetWBJob")
def get_wb_job(ctx: Context, b: Bound) -> Iterator[Any]:
    cat = catalog_of(ctx.machine)
    now = ctx.machine.clock.now()
    prev = b.get("Previous")
    if prev is None:
        cur = cat.current()
        if cur is not None:
            yield job_object(cur, now)
        else:  # no job running: Windows returns an object with JobState Unknown
            yield PSObject([("JobType", JobType("Unknown")), ("JobState", JobState("Unknown")), ("StartTime", None),
                            ("EndTime", None), ("HResult", 0), ("DetailedHResult", 0), ("ErrorDescription", ""),
                            ("JobItems", []), ("VersionId", ""), ("CurrentOperation", "")],
                           type_names=(NS + "WBJob", "System.Object"))
        return
    done = [j for j in cat.jobs if j.state(now) == "Completed"]
    for j in reversed(done[-int(prev):] if prev else []):
        yield job_object(j, now)


@cmdlet("Get-WBSummary", [], module=MODULE, command_type=NS + "GetWBSummary")
def get_wb_summary(ctx: Context, b: Bound) -> Iterator[Any]:
    cat = catalog_of(ctx.machine)
    local = [s for t in cat.targets.values() if t.kind == "volume" for s in t.sets]
    local.sort(key=lambda s: s.time)
    failed = any(t.vss_writer_failed for t in cat.targets.values())
    last = local[-1] if local else None
    code = wsb.E_VSS_WRITER if failed else 0
    yield PSObject(
        [("NextBackupTime", None), ("NumberOfVersions", len(local)),
         ("LastSuccessfulBackupTime", last.time if last else None),
         ("LastSuccessfulBackupTargetPath", last.target.path if last else None),
         ("LastSuccessfulBackupTargetLabel", last.target.label if last else None),
         ("LastBackupTime", (ctx.machine.clock.now() if failed else (last.time if last else None))),
         ("LastBackupTarget", last.target.path if last else None), ("DetailedMessage", wsb.MESSAGES.get(code, "")),
         ("LastBackupResultHR", wsb.hr(code)), ("LastBackupResultDetailedHR", wsb.hr(code)),
         ("CurrentOperationStatus", "NoOperationInProgress" if cat.current() is None else "Running")],
        type_names=(NS + "WBSummary", "System.Object"))


