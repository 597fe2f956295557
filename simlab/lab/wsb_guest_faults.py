"""Faults of the WSB, DISM, guest and WinPE models, registered into the lab's fault registry.

Each copies a Windows behaviour (text and source in the registration; listed in
simlab/docs/simulator-wsb-dism-guests.md). They act on the models that ``guest_build`` attached to the host.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from simlab.lab import wsb, wsb_cmdlets
from simlab.lab.faults import FaultContext, FaultError, fault
from simlab.lab.guest import runtime_of


def _catalog(ctx: FaultContext) -> wsb.WsbCatalog:
    cat = wsb_cmdlets.find_catalog(ctx.host)
    if cat is None:
        raise FaultError("the lab has no Windows Server Backup model (no backup_targets in the description)")
    return cat


def _target(ctx: FaultContext, target: str) -> wsb.Target:
    t = _catalog(ctx).target(target)
    if t is None:
        raise FaultError(f"no backup target '{target}' in the lab; known: {', '.join(_catalog(ctx).targets)}")
    return t


def _image(ctx: FaultContext, guest: str) -> Any:
    rt = runtime_of(ctx.host)
    if rt is None or guest not in rt.images:
        raise FaultError(f"no guest image '{guest}' in the lab description (simulated_lab.guests)")
    return rt, rt.images[guest]


def _service(ctx: FaultContext, guest: str, service: str) -> Any:
    """The service ``service`` of guest image ``guest`` (its spec in the lab description)."""
    _, image = _image(ctx, guest)
    spec = image.service(service)
    if spec is None:
        raise FaultError(f"guest '{guest}' has no service '{service}'")
    return spec


@fault("missing_boot_driver",
       windows_behaviour="A restored Windows whose boot-critical storage driver is not in its DriverStore stops at "
       "boot with 0x0000007B INACCESSIBLE_BOOT_DEVICE until the driver is injected offline (DISM /Add-Driver).",
       source="seed 002 (DISM活用術: 0x0000007B on dissimilar hardware); DESIGN.md §2")
def missing_boot_driver(ctx: FaultContext, guest: str, driver: str = "lsisas3.inf") -> None:
    rt, image = _image(ctx, guest)
    rt.extra_required_drivers[image.name] = driver


@fault("backup_file_hash_mismatch",
       windows_behaviour="A file in a backup set no longer has the content whose SHA-256 the manifest recorded "
       "(silent corruption of the backup store); WSB restores it without complaint.",
       source="DESIGN.md §4 (SHA-256 manifest); WSB does not verify file content on recovery")
def backup_file_hash_mismatch(ctx: FaultContext, path: str, target: str = "\\\\NAS01\\wsb") -> None:
    for bset in _target(ctx, target).sets:
        for f in bset.files:
            if f.path.lower() == path.lower():
                f.content = f.content + b"\x00corrupted"
                return
    raise FaultError(f"no file '{path}' in the backup sets on {target}")


@fault("service_fails_to_start",
       windows_behaviour="A service set to start automatically terminates at start: Get-Service shows Stopped, the "
       "System log has Service Control Manager event 7023/7001 (Error), Start-Service fails with 'Service ... cannot "
       "be started due to the following error: Cannot start service X on computer '.'.'.",
       source="Service Control Manager events 7000-7023; ServiceController behaviour (learn.microsoft.com)")
def service_fails_to_start(ctx: FaultContext, guest: str, service: str) -> None:
    spec = _service(ctx, guest, service)
    spec.fails_to_start = True


@fault("service_disabled",
       windows_behaviour="A service's start type is Disabled: it stays Stopped after boot and Start-Service fails "
       "('The service cannot be started, either because it is disabled ...').",
       source="ServiceStartMode.Disabled; Win32 error 1058 ERROR_SERVICE_DISABLED")
def service_disabled(ctx: FaultContext, guest: str, service: str) -> None:
    spec = _service(ctx, guest, service)
    spec.start_type = "Disabled"


@fault("service_stopped",
       windows_behaviour="A service set to start automatically starts at boot and then stops by itself with a clean "
       "exit (nothing to do, or its own start-up check gave up quietly): Get-Service shows Stopped with its start type "
       "unchanged, Win32_Service.ExitCode is 0, the System log has Service Control Manager event 7036 'The <display> "
       "service entered the stopped state.' (Information, no Error event); Start-Service starts it again and it stops "
       "again after the same time.",
       source="Services snap-in message 'The <service> service on Local Computer started and then stopped. Some "
       "services stop automatically if they are not in use by other services or programs.'; SCM event 7036")
def service_stopped(ctx: FaultContext, guest: str, service: str, after_seconds: float = 30.0) -> None:
    spec = _service(ctx, guest, service)
    spec.stops_after_seconds = float(after_seconds)


@fault("stale_backup_set",
       windows_behaviour="The newest backup version on a target is older than the restore test expects (backups "
       "stopped running); Get-WBBackupSet lists only old versions.",
       source="seed 002 (restore tests at least every six months; check backups run)")
def stale_backup_set(ctx: FaultContext, target: str = "B:", days: int = 200) -> None:
    for bset in _target(ctx, target).sets:
        bset.time = ctx.host.now() - _dt.timedelta(days=int(days))


@fault("vss_writer_failure",
       windows_behaviour="The last backup to the target failed: a VSS writer reported a non-transient error "
       "0x800423F4 (Get-WBSummary LastBackupResultHR, Get-WBJob -Previous 1 HResult).",
       source="reference/hyperv-powershell.md §4.3 (vsserror.h VSS_E_WRITERERROR_NONRETRYABLE); seed 002")
def vss_writer_failure(ctx: FaultContext, target: str = "B:") -> None:
    t = _target(ctx, target)
    t.vss_writer_failed = True
    now = ctx.host.now()
    cat = _catalog(ctx)
    cat.jobs.append(wsb.Job("Backup", now - _dt.timedelta(hours=2), now - _dt.timedelta(hours=1), ["C:"],
                            error=wsb.WsbError(wsb.E_VSS_WRITER), applied=True))


@fault("share_access_denied",
       windows_behaviour="The backup share refuses the credential (permissions changed, password expired): WSB "
       "fails with 0x807800C5; net use gives 'System error 5 has occurred. Access is denied.'.",
       source="seed 002 error table (0x807800C5: NAS/share connection or permission error)")
def share_access_denied(ctx: FaultContext, target: str = "\\\\NAS01\\wsb") -> None:
    _target(ctx, target).access_denied = True


@fault("backup_target_missing",
       windows_behaviour="The backup target cannot be found (disk offline, drive letter changed, share gone): WSB "
       "fails with 0x80780166 (text [UNVERIFIED]).",
       source="seed 002 error table (0x80780166: backup destination not found)")
def backup_target_missing(ctx: FaultContext, target: str = "B:") -> None:
    _target(ctx, target).missing = True


@fault("winpe_script_failure",
       windows_behaviour="A step of the WinPE automation fails as the tool would (drvload error, net use system "
       "error 53, wbadmin ERROR, dism Error: 50); run.cmd's exit code and log record it.",
       source="seed 002 (drvload/net use in WinRE), seed 004 §3.3.1(2) (WinRE recovery steps)")
def winpe_script_failure(ctx: FaultContext, step: str = "wbadmin") -> None:
    if step.lower() not in ("drvload", "net", "wbadmin", "dism"):
        raise FaultError(f"winpe_script_failure: step '{step}' is not one of drvload, net, wbadmin, dism")
    rt = runtime_of(ctx.host)
    if rt is None:
        raise FaultError("the lab has no guest runtime")
    rt.winpe_failing_step = step.lower()  # type: ignore[attr-defined]


@fault("wsb_not_installed",
       windows_behaviour="The Windows-Server-Backup feature is not installed: Get-WindowsFeature shows it Available "
       "(InstallState 3), the WindowsServerBackup module and its cmdlets do not exist ('The term 'Get-WBBackupSet' is "
       "not recognized as the name of a cmdlet ...'), and the Block Level Backup Engine service (wbengine) is absent.",
       source="reference/hyperv-powershell.md §4 (module WindowsServerBackup, feature Windows-Server-Backup); "
       "Microsoft docs: Install-WindowsFeature Windows-Server-Backup")
def wsb_not_installed(ctx: FaultContext) -> None:
    host = ctx.host
    feat = host.features.get("Windows-Server-Backup")
    if feat is None:
        host.add_feature("Windows-Server-Backup", "Windows Server Backup", False, "Feature")
    else:
        feat.installed = False
    host.services.pop("wbengine", None)
    cat = wsb_cmdlets.find_catalog(host)
    if cat is not None:  # the backups on the targets stay; only the software is gone
        cat.installed = False


@fault("backup_item_missing",
       windows_behaviour="An item the backup was meant to hold is not in the backup set: a file WSB could not read "
       "(skipped; the backup completed with warnings), or a Hyper-V VM whose component was skipped during the "
       "snapshot ('The component <VM>(Online) was skipped ...'). The manifest written beside the backup still lists "
       "the file; Get-WBBackupSet no longer lists the VM. Restores run without the item.",
       source="reference/hyperv-powershell.md §4.3 (skipped Hyper-V component, c-amie.co.uk); seed 002 (backup "
       "completed with warnings); DESIGN.md §4 (manifest comparison)")
def backup_item_missing(ctx: FaultContext, path: str | None = None, vm: str | None = None,
                        target: str | None = None) -> None:
    """``path`` (a file item) or ``vm`` (a Hyper-V VM item); ``target`` limits the search to one target
    (default: every target)."""
    if (path is None) == (vm is None):
        raise FaultError("backup_item_missing: give exactly one of path (a file in a backup set) or vm (a Hyper-V VM)")
    targets = [_target(ctx, target)] if target else list(_catalog(ctx).targets.values())
    removed = 0
    for t in targets:
        for bset in t.sets:
            if path is not None:
                before = len(bset.files)
                bset.files = [f for f in bset.files if f.path.lower() != path.lower()]
                removed += before - len(bset.files)
            else:
                before = len(bset.vms)
                bset.vms = [v for v in bset.vms if v.name.lower() != str(vm).lower()]
                removed += before - len(bset.vms)
    if not removed:
        what = f"file '{path}'" if path is not None else f"VM '{vm}'"
        raise FaultError(f"backup_item_missing: no {what} in the backup sets"
                         + (f" on {target}" if target else ""))
