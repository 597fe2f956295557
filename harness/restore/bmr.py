"""Bare-metal recovery into a lab VM: WinPE automation, DISM driver injection, boot verification.

The flow (docs/bmr.md), each step one template run over WinRM:

1. ``bmr_precheck``: ISO, driver folders (and their INFs), switch, VM name free, backup sets of the
   machine with ``RecoverableItems``; the plan refuses a set without bare metal recovery here.
2. ledger intents (run folder, both VHDX, the VM) → ``bmr_prepare``: empty system disk, automation
   disk with ``run.cmd``/``params.cmd`` (harness.bmr.automation) and the driver folders, recovery VM
   on an isolated switch booting the WinPE ISO.
3. ``bmr_start`` (DVD) and ``bmr_vm_state`` polls until WinPE shuts the VM down (Off), with
   progress and the scenario's timeout.
4. ``bmr_read_logs``: run.log, exit code, per-step codes, ``dism /Get-Drivers`` output; params.cmd
   (share password) is deleted from the disk. A failed step fails with its log in the message.
5. ``bmr_offline_drivers``: Get-WindowsDriver -Path on the mounted restored disk (dismount in finally).
6. ``bmr_start`` (disk) and ``bmr_vm_state`` polls: heartbeat OK, or the Hyper-V-Worker event 18590
   with the guest's stop code (0x7B), or no heartbeat in time. Then the guest must answer (harness.guest).

Boot and driver outcomes are facts in :class:`BmrResult`; the suite's checks judge them.
"""

from __future__ import annotations

import datetime as _dt
import logging
import re
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from harness.bmr.automation import EXIT_MEANING, WinPELogs, WinPEParams, automation_files, parse_logs
from harness.bmr.plan import BmrBackupSet, BmrPlan, BmrRefused, choose_set, parse_sets, plan_bmr
from harness.checks.registration import RegistrationExpectation
from harness.errors import LabError, RestoreDefect
from harness.hyperv.operations import RemoteRunner
from harness.ledger import Ledger
from harness.restore import phases
from harness.restore.protocol import BackupUsed, MethodOutcome, Needs, RestoreContext, poll_wait, source_needs
from harness.secrets import REDACTOR, Credential, resolve_credential
from harness.wsb.facts import parse_time
from harness.wsb.target import target_params as wsb_target_params

log = logging.getLogger(__name__)
Step = Callable[[str], AbstractContextManager[Any]]
VM_OFF, VM_RUNNING = 3, 2
HEARTBEAT_OK, HEARTBEAT_NO_CONTACT = 2, 12
AUTOMATION_DISK_BYTES = 2 * 1024**3
STOP_CODES = {0x7B: "INACCESSIBLE_BOOT_DEVICE", 0x7E: "SYSTEM_THREAD_EXCEPTION_NOT_HANDLED",
              0xED: "UNMOUNTABLE_BOOT_VOLUME", 0xC000021A: "STATUS_SYSTEM_PROCESS_TERMINATED"}


def _no_step(title: str) -> AbstractContextManager[Any]:
    return nullcontext()


class WinPEScriptFailed(RestoreDefect):
    """The WinPE automation did not complete; the message holds the failed step and its log."""

    def __init__(self, message: str, logs: WinPELogs | None = None) -> None:
        super().__init__(message)
        self.logs = logs


class RecoveryTimedOut(RestoreDefect):
    """WinPE did not shut the VM down within the scenario's recovery timeout."""


class BmrLabProblem(LabError):
    """The lab host lacks what the scenario needs (ISO, driver folder, switch) or is in the way."""


@dataclass(frozen=True)
class BootOutcome:
    """What the host saw after starting the restored disk."""

    ok: bool
    reason: str  # "heartbeat OK after N s" or why not
    stop_code: int | None = None
    heartbeat_after_s: float | None = None
    samples: tuple[Mapping[str, Any], ...] = ()
    started_at: str = ""


@dataclass
class BmrResult:
    """A finished BMR run of one scenario (the VM stays until teardown)."""

    plan: BmrPlan
    backup: BmrBackupSet
    vm_id: str
    vm_name: str
    logs: WinPELogs
    drivers: list[Mapping[str, Any]]
    boot: BootOutcome
    started: _dt.datetime
    finished: _dt.datetime
    adapters: list[Mapping[str, Any]] = field(default_factory=list)
    recovery_seconds: float | None = None

    @property
    def expected_switches(self) -> dict[str, str]:
        """Adapter name → the isolated switch the run created the VM on (``bmr_prepare``: New-VM
        -SwitchName); the adapters the host reported at creation, else the one New-VM names
        "Network Adapter"."""
        names = [str(a.get("Name")) for a in self.adapters if a.get("Name")] or ["Network Adapter"]
        return {name: self.plan.switch for name in names}

    def registration(self) -> RegistrationExpectation:
        """What the registration check expects: the VM the run created (looked up by the id New-VM
        returned) under the run-prefixed name, with the generation the plan chose for the backup."""
        return RegistrationExpectation(vm_id=self.vm_id, vm_name=self.vm_name, source_id="", keeps_id=False,
                                       generation=self.plan.vm_generation)

    def driver_names(self) -> set[str]:
        """Leaf names of ``OriginalFileName`` (DISM renames INFs to oemN.inf; the original name counts)."""
        return {re.split(r"[\\/]", str(d.get("OriginalFileName") or ""))[-1].lower() for d in self.drivers}

    def missing_drivers(self) -> list[str]:
        have = self.driver_names()
        return [inf for inf in self.plan.expected_drivers if inf.lower() not in have]

    def evidence(self) -> dict[str, Any]:
        return {"vm_name": self.vm_name, "vm_id": self.vm_id, "backup_version": self.backup.version_id,
                "backup_time": self.backup.backup_time, "target": self.plan.target, "machine": self.plan.machine,
                "winpe_exit_code": self.logs.exit_code, "steps": [list(s) for s in self.logs.steps],
                "drivers": list(self.drivers), "missing_drivers": self.missing_drivers(),
                "boot": {"ok": self.boot.ok, "reason": self.boot.reason, "stop_code": self.boot.stop_code},
                "recovery_seconds": self.recovery_seconds}


# ----------------------------------------------------------------------------- steps


def precheck(host: RemoteRunner, plan: BmrPlan, target_params: Mapping[str, Any]) -> tuple[BmrBackupSet, list[str]]:
    """Check the host has what the scenario needs; returns the chosen set and the NIC INF paths
    (relative to the automation folder, e.g. ``nic\\1\\e1r68x64.inf``). Raises before anything is created."""
    s = plan.settings
    data = host.run("bmr_precheck", {"iso": s.winpe_iso, "drivers": s.drivers, "nic_drivers": s.winpe_nic_drivers,
                                     "switch": plan.switch, "vm_name": plan.vm_name, "target": dict(target_params),
                                     "machine": plan.machine}, idempotent=True) or {}
    missing = [str(m) for m in _list(data.get("Missing"))]
    if missing:
        raise BmrLabProblem(f"scenario {plan.scenario}: not found on {plan.host}: {', '.join(missing)}. Fix: put the "
                            f"WinPE ISO / driver folders there or correct bmr.winpe_iso / bmr.drivers / "
                            f"bmr.winpe_nic_drivers (docs/bmr.md shows how to build the ISO)")
    sw = data.get("Switch")
    if not sw:
        raise BmrLabProblem(f"scenario {plan.scenario}: switch {plan.switch} does not exist on {plan.host}")
    if int(sw.get("SwitchType", 2)) == 2:
        raise BmrLabProblem(f"scenario {plan.scenario}: switch {plan.switch} is External on {plan.host}; a restored "
                            f"system must stay isolated. Fix: use a Private or Internal switch")
    if data.get("VmExists"):
        raise BmrLabProblem(f"scenario {plan.scenario}: a VM named {plan.vm_name} already exists on {plan.host}; "
                            f"the run never reuses or overwrites it. Fix: use a new run id")
    nic_infs: list[str] = []
    for i, folder in enumerate(f for f in _list(data.get("Folders")) if f.get("Kind") == "nic_drivers"):
        infs = [str(x) for x in _list(folder.get("Infs"))]
        if not infs:
            raise BmrLabProblem(f"scenario {plan.scenario}: NIC driver folder {folder.get('Path')} holds no .inf file")
        nic_infs += [f"nic\\{i + 1}\\{inf}" for inf in infs]
    for folder in (f for f in _list(data.get("Folders")) if f.get("Kind") == "drivers"):
        if not _list(folder.get("Infs")):
            raise BmrLabProblem(f"scenario {plan.scenario}: driver folder {folder.get('Path')} holds no .inf file")
    return choose_set(plan, parse_sets(data.get("Sets"))), nic_infs


def _list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    return value if isinstance(value, list) else [value]


def prepare(host: RemoteRunner, plan: BmrPlan, ledger: Ledger, files: Mapping[str, str]) -> dict[str, Any]:
    """Record the run's resources in the ledger, then create them on the host (``bmr_prepare``)."""
    s = plan.settings
    folder = ledger.intend("folder", plan.host, plan.scenario, path=plan.run_dir)
    disks = [ledger.intend("vhd", plan.host, plan.scenario, path=p) for p in (plan.system_disk, plan.automation_disk)]
    vm_entry = ledger.intend("vm", plan.host, plan.scenario, vm_name=plan.vm_name, path=plan.run_dir)
    data = host.run("bmr_prepare", {
        "run_dir": plan.run_dir, "vm_name": plan.vm_name, "generation": plan.vm_generation, "cpu": s.cpu,
        "memory_bytes": int(s.memory_gb * 1024**3), "system_disk": plan.system_disk,
        "system_bytes": s.system_disk_gb * 1024**3, "automation_disk": plan.automation_disk,
        "automation_bytes": AUTOMATION_DISK_BYTES, "switch": plan.switch, "iso": s.winpe_iso, "files": dict(files),
        "drivers": s.drivers, "nic_drivers": s.winpe_nic_drivers}) or {}
    ledger.confirm(folder)
    for d in disks:
        ledger.confirm(d, message="holds the WinPE parameters (share password) until removed" if d.path == plan.automation_disk else "")
    ledger.confirm(vm_entry, vm_id=str(data.get("VmId") or ""))
    return data


def _elapsed(now: Any, since: Any) -> float:
    a, b = parse_time(now), parse_time(since)
    return (a - b).total_seconds() if a and b else 0.0


def run_winpe(host: RemoteRunner, plan: BmrPlan, vm_id: str, *, step: Step = _no_step,
              sleep: Callable[[float], None] = time.sleep) -> float:
    """Boot WinPE from the DVD and wait until the automation shuts the VM down; returns seconds
    (host clock). Raises :class:`RecoveryTimedOut` after ``recovery_timeout_minutes``."""
    s = plan.settings
    started = host.run("bmr_start", {"vm_id": vm_id, "boot": "dvd"}) or {}
    since = started.get("StartedAt")
    limit = s.recovery_timeout_minutes * 60
    last_report = 0.0
    while True:
        state = host.run("bmr_vm_state", {"vm_id": vm_id, "since": ""}, idempotent=True) or {}
        elapsed = _elapsed(state.get("Now"), since)
        if int(state.get("State") or 0) == VM_OFF:
            return elapsed
        if elapsed >= limit:
            raise RecoveryTimedOut(
                f"scenario {plan.scenario}: WinPE did not finish the recovery within {s.recovery_timeout_minutes:g} "
                f"min (VM {plan.vm_name} still in state {state.get('State')}); the console shows what it waits for "
                f"(a 'Press any key to boot from CD' prompt means the ISO was built without efisys_noprompt.bin)")
        if elapsed - last_report >= 300 or last_report == 0.0:
            last_report = max(elapsed, 1.0)
            with step(f"WinPE recovery still running on {plan.vm_name}: {elapsed / 60:.0f} min"):
                log.info("BMR %s: WinPE still running after %.0f min", plan.scenario, elapsed / 60)
        sleep(s.poll_seconds)


def read_logs(host: RemoteRunner, plan: BmrPlan) -> tuple[WinPELogs, bool]:
    """The automation's logs (and whether params.cmd is gone from the disk)."""
    data = host.run("bmr_read_logs", {"automation_disk": plan.automation_disk}) or {}
    logs = parse_logs(data.get("RunLog"), data.get("ExitCode"), data.get("Steps"), data.get("Drivers"))
    return logs, bool(data.get("ParamsRemoved"))


def judge_logs(plan: BmrPlan, logs: WinPELogs) -> None:
    """Raise :class:`WinPEScriptFailed` unless every step of the automation succeeded."""
    if logs.ok:
        return
    if logs.exit_code is None and not logs.run_log:
        raise WinPEScriptFailed(
            f"scenario {plan.scenario}: the WinPE automation left no log on the automation disk: WinPE did not run "
            f"run.cmd (is restore-harness' startnet.cmd in the WinPE image? docs/bmr.md)", logs)
    meaning = EXIT_MEANING.get(logs.exit_code or -1, "")
    tail = "\n".join(REDACTOR.redact(logs.run_log).strip().splitlines()[-40:])
    raise WinPEScriptFailed(
        f"scenario {plan.scenario}: the WinPE automation failed at step {logs.failed_step or '?'} "
        f"(run.cmd exit code {logs.exit_code}{': ' + meaning if meaning else ''}).\n--- run.log (last lines) ---\n{tail}",
        logs)


def offline_drivers(host: RemoteRunner, plan: BmrPlan) -> list[Mapping[str, Any]]:
    """Third-party drivers of the restored image (Get-WindowsDriver -Path on the mounted disk)."""
    data = host.run("bmr_offline_drivers", {"system_disk": plan.system_disk}) or {}
    return [dict(d) for d in _list(data.get("Drivers"))]


_ERRORCODE0 = re.compile(r"ErrorCode0:\s*0x([0-9A-Fa-f]+)")


def stop_reason(code: int) -> str:
    name = STOP_CODES.get(code)
    return f"stop 0x{code:08X}" + (f" ({name})" if name else "")


def boot_restored(host: RemoteRunner, plan: BmrPlan, vm_id: str, *, sleep: Callable[[float], None] = time.sleep
                  ) -> BootOutcome:
    """Boot the restored disk and wait for the heartbeat, a guest crash event, or the timeout."""
    s = plan.settings
    started = host.run("bmr_start", {"vm_id": vm_id, "boot": "disk"}) or {}
    since = str(started.get("StartedAt") or "")
    limit = s.boot_timeout_minutes * 60
    samples: list[Mapping[str, Any]] = []
    while True:
        st = host.run("bmr_vm_state", {"vm_id": vm_id, "since": since}, idempotent=True) or {}
        elapsed = _elapsed(st.get("Now"), since)
        samples.append({"elapsed_s": round(elapsed, 1), "state": st.get("State"), "heartbeat": st.get("Heartbeat")})
        crashes = _list(st.get("Crashes"))
        if crashes:
            m = _ERRORCODE0.search(str(crashes[0].get("Message") or ""))
            code = int(m.group(1), 16) if m else None
            what = stop_reason(code) if code is not None else "a fatal error"
            reason = (f"the restored system of {plan.machine} stopped with {what} at boot (Hyper-V-Worker event "
                      f"18590 on {plan.host})")
            if code == 0x7B:
                reason += ("; the storage driver the VM needs is not in the restored image: inject it with "
                           "bmr.drivers (dism /Add-Driver) before the first boot")
            return BootOutcome(False, reason, code, None, tuple(samples), since)
        if st.get("Heartbeat") is not None and int(st["Heartbeat"]) == HEARTBEAT_OK:
            return BootOutcome(True, f"heartbeat OK after {elapsed:.0f} s", None, elapsed, tuple(samples), since)
        if int(st.get("State") or 0) == VM_OFF:
            return BootOutcome(False, f"the VM turned off during boot (after {elapsed:.0f} s)", None, None,
                               tuple(samples), since)
        if elapsed >= limit:
            unread = (f"; the guest crash events (Hyper-V-Worker 18590) could not be read: {st.get('EventError')}"
                      if st.get("EventError") else "")
            return BootOutcome(False, f"no heartbeat within {s.boot_timeout_minutes:g} min (state "
                               f"{st.get('State')}, heartbeat {st.get('HeartbeatText') or 'none'}){unread}", None, None,
                               tuple(samples), since)
        sleep(s.poll_seconds)


def restore_bmr(host: RemoteRunner, plan: BmrPlan, ledger: Ledger, *, share_credential: Credential | None,
                target_params: Mapping[str, Any], step: Step = _no_step,
                sleep: Callable[[float], None] = time.sleep) -> BmrResult:
    """Run steps 1-6 for one scenario (see the module docstring)."""
    if plan.share and share_credential is None:
        raise BmrRefused(f"scenario {plan.scenario}: the backup is on a share and needs its credential")
    if share_credential is not None:
        REDACTOR.register(share_credential.password)
    t0 = _dt.datetime.now(_dt.UTC)
    with step(f"Precheck on {plan.host}: ISO, drivers, switch {plan.switch}, backups of {plan.machine}"):
        backup, nic_infs = precheck(host, plan, target_params)
    params = WinPEParams(version=backup.version_id, target=plan.target, machine=plan.machine, nic_infs=nic_infs,
                         driver_count=len(plan.settings.drivers),
                         share_user=share_credential.username if share_credential else None,
                         share_password=share_credential.password if share_credential else None)
    try:
        files = automation_files(params, force_unsigned=plan.settings.force_unsigned)
    except ValueError as exc:
        raise BmrRefused(f"scenario {plan.scenario}: {exc}") from None
    with step(f"Create recovery VM {plan.vm_name} (Gen{plan.vm_generation}) with the automation disk and "
              f"{plan.settings.winpe_iso}"):
        created = prepare(host, plan, ledger, files)
    vm_id = str(created.get("VmId") or "")
    with step(f"WinPE: wbadmin start sysrecovery -version:{backup.version_id} -backupTarget:{plan.target} "
              f"-machine:{plan.machine}, DISM driver injection"):
        seconds = run_winpe(host, plan, vm_id, step=step, sleep=sleep)
    phases.bytes_in_place()  # WinPE wrote the disk and shut down: the rest (logs, boot) moves no bytes
    with step("Read the WinPE logs from the automation disk (params.cmd removed)"):
        logs, removed = read_logs(host, plan)
        if not removed:
            log.warning("BMR %s: params.cmd could not be removed from %s; teardown removes the disk",
                        plan.scenario, plan.automation_disk)
    result = BmrResult(plan, backup, vm_id, plan.vm_name, logs, [], BootOutcome(False, "not booted"), t0, t0,
                       [dict(a) for a in _list(created.get("Adapters"))], seconds)
    judge_logs(plan, logs)
    with step("Drivers in the restored image (Get-WindowsDriver -Path)"):
        result.drivers = offline_drivers(host, plan)
    with step(f"Boot {plan.vm_name} from the restored disk; wait for the heartbeat"):
        result.boot = boot_restored(host, plan, vm_id, sleep=sleep)
    result.finished = _dt.datetime.now(_dt.UTC)
    return result


# ----------------------------------------------------------------------------- the method


def keep_logs(ctx: RestoreContext, scenario: str, logs: WinPELogs | None) -> None:
    """The WinPE logs as evidence (redacted: the share password is registered with the redactor)."""
    if logs is None:
        return
    ctx.evidence(scenario, "winpe-run.log", REDACTOR.redact(logs.run_log or "(empty)"))
    ctx.evidence(scenario, "winpe-steps.txt", REDACTOR.redact(
        "\n".join(f"{s} {v}" for s, v in logs.steps) + f"\nexit code {logs.exit_code}\n"))
    if logs.drivers_log:
        ctx.evidence(scenario, "winpe-dism-get-drivers.txt", REDACTOR.redact(logs.drivers_log))


class BmrMethod:
    """``method: bmr``: bare-metal recovery into a new lab VM from WinPE, with DISM driver injection."""

    name = "bmr"
    restores_vm = True
    boots_in_restore = True  # the recovered system is booted to prove the recovery
    host_exclusive = ""  # wbadmin runs inside the recovery VM's WinPE, not on the host
    source_kinds = ("wsb-volume", "wsb-share")

    def plan(self, inventory: Any, scenario: Any, run_id: str) -> BmrPlan:
        return plan_bmr(inventory, scenario, run_id)

    def needs(self, inventory: Any, scenario: Any) -> Needs:
        return source_needs(scenario)

    def run(self, ctx: RestoreContext, scenario: Any, plan: BmrPlan, *,
            sleep: Callable[[float], None] | None = None) -> MethodOutcome:
        sleep = sleep or poll_wait(ctx, plan.host)
        source = ctx.inventory.source(scenario.source)
        cred = None
        if source.kind == "wsb-share":
            cred = resolve_credential(source.credentials, purpose=f"backup source {source.name}")
        target = wsb_target_params(source, cred)
        try:
            result = restore_bmr(ctx.hosts[plan.host], plan, ctx.ledger, share_credential=cred, target_params=target,
                                 step=ctx.step, sleep=sleep)
        except WinPEScriptFailed as exc:
            keep_logs(ctx, scenario.name, exc.logs)
            raise
        keep_logs(ctx, scenario.name, result.logs)
        when = parse_time(result.backup.backup_time)
        return MethodOutcome(result, BackupUsed(result.backup.version_id, when, plan.target),
                             f"recovered into {result.vm_name} ({result.vm_id}); boot: {result.boot.reason}",
                             result.started, result.finished)


METHOD = BmrMethod()
