"""Windows Server Backup: targets, backup sets (catalog), recovery jobs in simulated time.

Backup sets live on targets named in the lab description (``backup_targets:``): a local volume
(``B:``) or a share (``\\\\NAS01\\wsb``) that needs its own credential. Each set records what it
holds: volumes, system state, bare metal recovery (with the machine's Windows volume), Hyper-V VMs
(their configuration in the Hyper-V model's format) and files with their bytes. On disk the target
shows ``WindowsImageBackup\\<machine>\\...`` like WSB writes it, and a SHA-256 manifest of the
file items beside the backup (``WindowsImageBackup\\<machine>\\manifest.sha256.json``).
Recovery jobs take simulated time; their effects land when they complete.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from simlab.lab.guest import DescriptionError, GuestImage, build_windows_volume
from simlab.winfs import Volume, WinFS, split_path

THROUGHPUT = 150 * 2**20  # bytes per simulated second: wbengine's own rate for one recovery
RECOVERY_START_SECONDS = 20.0  # catalog, VSS and volume preparation before the first byte


def hr(code: int) -> int:
    """An HRESULT as the signed Int32 WSB reports (0x807800C5 → -2139619131)."""
    return code - 2**32 if code >= 2**31 else code


# Windows-like texts for the errors WSB users meet (sources in simlab/docs/simulator-wsb-dism-guests.md).
E_ACCESS = 0x807800C5
E_NOT_FOUND = 0x80780166
E_VSS_WRITER = 0x800423F4
E_NO_BMR = 0x80780043
# [UNVERIFIED] code: no public source gives the HRESULT WSB returns when a second operation is started.
# HRESULT_FROM_WIN32(ERROR_BUSY) was chosen so as not to guess a 0x8078xxxx code that may mean something
# else. The text is Microsoft-Windows-Backup event 518's (blbevents.dll) with "backup" made "recovery".
E_BUSY = 0x800700AA
MESSAGES = {
    E_ACCESS: "Access is denied. The backup storage location could not be accessed: there was a failure in "
              "preparing the backup image of one of the volumes in the backup set (0x807800C5).",
    E_NOT_FOUND: "The specified backup location could not be found or is not a supported backup storage "
                 "location (0x80780166).",
    E_VSS_WRITER: "The writer experienced a non-transient error. If the backup process is retried, the error is "
                  "likely to reoccur (0x800423F4).",
    E_BUSY: "The recovery operation has failed because another backup or recovery operation is in progress. "
            "Please stop the conflicting operation, and then rerun the recovery operation (0x800700AA).",
}


class WsbError(Exception):
    def __init__(self, code: int, message: str | None = None, category: str = "InvalidOperation") -> None:
        super().__init__(message or MESSAGES.get(code, f"Windows Server Backup failed (0x{code:08X})."))
        self.code = code
        self.category = category


@dataclass
class BackupFile:
    path: str  # original path, e.g. D:\Shares\Finance\予算.xlsx
    content: bytes
    sha256: str  # recorded at backup time (the manifest)


@dataclass
class VMItem:
    """A Hyper-V VM in a host-level backup: its configuration and whether it ran during the backup."""

    name: str
    id: uuid.UUID
    config: dict[str, Any]
    running_at_backup: bool = False

    @property
    def caption(self) -> str:
        return ("Online\\" if self.running_at_backup else "Offline\\") + self.name


@dataclass
class BackupSet:
    machine: str
    time: _dt.datetime
    target: Target
    volumes: list[dict[str, Any]] = field(default_factory=list)  # {mount, label, size, used}
    system_state: bool = False
    bare_metal: bool = False
    generation: int = 2  # firmware of the source (1 = BIOS/Gen1, 2 = UEFI/Gen2)
    vms: list[VMItem] = field(default_factory=list)
    files: list[BackupFile] = field(default_factory=list)
    windows_image: str | None = None  # guest image name of the backed-up system (BMR/system state)
    snapshot_id: uuid.UUID = field(default_factory=uuid.uuid4)
    set_id: uuid.UUID = field(default_factory=uuid.uuid4)
    vss_option: str = "VssCopyBackup"

    @property
    def version_id(self) -> str:
        return self.time.strftime("%m/%d/%Y-%H:%M")

    def recoverable_items(self) -> str:
        parts = []
        if self.volumes:
            parts.append("Volumes")
        if self.system_state:
            parts.append("SystemState")
        if self.vms:
            parts.append("Applications")
        if self.files or self.volumes:
            parts.append("Files")
        if self.bare_metal:
            parts.append("BareMetalRecovery")
        return ", ".join(parts)

    def files_under(self, source: str, recursive: bool) -> list[BackupFile]:
        src = source.rstrip("\\").lower()
        exact = [f for f in self.files if f.path.lower() == src]
        if exact:
            return exact
        below = [f for f in self.files if f.path.lower().startswith(src + "\\")]
        if not recursive:
            below = [f for f in below if "\\" not in f.path[len(src) + 1:]]
        return below


@dataclass
class Target:
    """A backup location (WBBackupTarget): local volume or network share."""

    path: str
    kind: str  # 'volume' | 'share'
    label: str = ""
    user_env: str | None = None
    password_env: str | None = None
    sets: list[BackupSet] = field(default_factory=list)
    missing: bool = False  # fault: target not found
    access_denied: bool = False  # fault: share refuses every credential
    vss_writer_failed: bool = False  # fault: the last backup job failed with 0x800423f4

    def check_access(self, user: str | None, password: str | None) -> None:
        """Raise like WSB when the target is gone or the credential is not accepted."""
        if self.missing:
            raise WsbError(E_NOT_FOUND, category="ObjectNotFound")
        if self.kind != "share":
            return
        want_user = os.environ.get(self.user_env or "", None)
        want_pw = os.environ.get(self.password_env or "", None)
        if self.access_denied or user is None or want_user is None:
            raise WsbError(E_ACCESS, category="PermissionDenied")
        if user.split("\\")[-1].lower() != want_user.split("\\")[-1].lower() or password != want_pw:
            raise WsbError(E_ACCESS, category="PermissionDenied")


@dataclass
class Job:
    """A WSB job (WBJob) and its effect when it completes."""

    job_type: str  # Backup | FileRecovery | VolumeRecovery | ApplicationRecovery | SystemStateRecovery | BareMetalRecovery
    start: _dt.datetime
    end: _dt.datetime
    items: list[str]
    apply: Callable[[], None] | None = None
    error: WsbError | None = None
    applied: bool = False
    version_id: str = ""
    flow: Any = None  # the transfer (simlab.flows.Flow); ``end`` follows it (see WsbCatalog.tick)

    def follow(self, clock: Any) -> None:
        """Move ``end`` to when the job's transfer ends now that others share its resources."""
        if self.flow is None or clock is None:
            return
        end = clock.flow_end(self.flow)
        if end is not None:
            self.end = end + _dt.timedelta(seconds=RECOVERY_START_SECONDS)
            clock.at(self.end)

    def state(self, now: _dt.datetime) -> str:
        return "Completed" if now >= self.end else "Running"

    def percent(self, now: _dt.datetime) -> int:
        total = (self.end - self.start).total_seconds() or 1.0
        return max(0, min(100, int(100 * (now - self.start).total_seconds() / total)))


class WsbCatalog:
    """All WSB state of one machine (the lab host): targets and its job history.

    It also stands for the machine's Block Level Backup Engine service (wbengine), which runs one backup
    or recovery operation at a time: :meth:`add_job` refuses a job while another one runs. The rule is
    per machine; WinPE in a recovery VM runs its own wbengine and never adds jobs here.
    """

    def __init__(self, now: Callable[[], _dt.datetime]) -> None:
        self.now = now
        self.targets: dict[str, Target] = {}
        self.jobs: list[Job] = []
        self.installed = True  # fault/feature: Windows Server Backup removed → module disappears

    def target(self, path: str) -> Target | None:
        return self.targets.get(_norm_target(path))

    def add_job(self, job: Job) -> Job:
        """Start ``job`` on this machine's wbengine, or raise :data:`E_BUSY` while another job runs
        (then nothing is recorded: Get-WBJob keeps showing the running one)."""
        if self.current() is not None:
            raise WsbError(E_BUSY)
        self.jobs.append(job)
        self.tick()
        return job

    def tick(self) -> None:
        """Apply the effects of jobs that completed in simulated time."""
        clock = getattr(self, "clock", None)
        for job in self.jobs:
            if not job.applied:
                job.follow(clock)
        now = self.now()
        for job in self.jobs:
            if not job.applied and now >= job.end:
                job.applied = True
                if job.apply is not None and job.error is None:
                    try:
                        job.apply()
                    except Exception as exc:  # noqa: BLE001 - a failed recovery is the job's result
                        job.error = WsbError(0x80070005 if "denied" in str(exc) else 0x80004005, str(exc))

    def current(self) -> Job | None:
        """The one running job (Get-WBJob without -Previous), or None."""
        self.tick()
        now = self.now()
        return next((j for j in self.jobs if j.state(now) == "Running"), None)


def _norm_target(path: str) -> str:
    p = path.strip().rstrip("\\")
    return p.upper() if len(p) == 2 else p.lower()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ------------------------------------------------------------------ description → catalog + files


def _time(value: Any, where: str) -> _dt.datetime:
    if isinstance(value, _dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=_dt.timezone.utc)).astimezone(_dt.timezone.utc)
    try:
        t = _dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise DescriptionError(f"{where}: '{value}' is not a date/time; use ISO 8601, e.g. 2025-03-01T01:00:00Z")
    return t if t.tzinfo else t.replace(tzinfo=_dt.timezone.utc)


def load_targets(section: list[Mapping[str, Any]] | None, catalog: WsbCatalog, host_fs: WinFS,
                 images: Mapping[str, GuestImage], where: str = "simulated_lab.backup_targets") -> None:
    """Build targets and sets from ``backup_targets:`` and write their files into ``host_fs``."""
    for i, entry in enumerate(section or []):
        w = f"{where}[{i}]"
        path = entry.get("path")
        if not path:
            raise DescriptionError(f"{w}: missing field 'path' (e.g. 'B:' or '\\\\NAS01\\wsb').")
        kind = "share" if str(path).startswith("\\\\") else "volume"
        cred = entry.get("credential") or {}
        if kind == "share" and not (cred.get("user_env") and cred.get("password_env")):
            raise DescriptionError(f"{w}.credential: a share target needs user_env and password_env "
                                   "(names of environment variables, never the secret itself).")
        target = Target(str(path), kind, str(entry.get("label", "")), cred.get("user_env"), cred.get("password_env"))
        if kind == "share":
            key, _ = split_path(str(path) + "\\")
            if key not in host_fs.volumes:
                # readable_by=set(): no account reaches it through a remote session's own logon
                host_fs.add_volume(str(path), int(entry.get("size_gb", 8192)) * 2**30,
                                   int(entry.get("free_gb", 4096)) * 2**30, label=str(entry.get("label", "")),
                                   readable_by=set())
        catalog.targets[_norm_target(str(path))] = target
        for j, s in enumerate(entry.get("sets") or []):
            target.sets.append(_load_set(s, target, images, f"{w}.sets[{j}]"))
        for s in target.sets:
            write_set_files(host_fs, s)


def _load_set(s: Mapping[str, Any], target: Target, images: Mapping[str, GuestImage], w: str) -> BackupSet:
    machine = s.get("machine")
    if not machine:
        raise DescriptionError(f"{w}: missing field 'machine' (the computer that was backed up).")
    bset = BackupSet(str(machine), _time(s.get("time", "2025-01-01T00:00:00Z"), f"{w}.time"), target)
    for v in s.get("volumes") or []:
        v = {"mount": v} if isinstance(v, str) else dict(v)
        bset.volumes.append({"mount": v["mount"].rstrip("\\"), "label": v.get("label", ""),
                             "size": int(v.get("size_gb", 100)) * 2**30, "used": int(v.get("used_gb", 40)) * 2**30})
    bset.system_state = bool(s.get("system_state", False))
    bset.bare_metal = bool(s.get("bare_metal_recovery", False))
    if bset.bare_metal:
        bset.system_state = True
    bset.generation = int(s.get("generation", 2))
    bset.vss_option = "VssFullBackup" if s.get("vss_full") else "VssCopyBackup"
    if bset.system_state or bset.bare_metal:
        bset.windows_image = str(s.get("windows_image", machine))
        if bset.windows_image not in images:
            raise DescriptionError(f"{w}.windows_image: no guest image '{bset.windows_image}' in "
                                   "simulated_lab.guests; add it there (the system that was backed up).")
    for k, vm in enumerate(s.get("hyperv_vms") or []):
        if "name" not in vm:
            raise DescriptionError(f"{w}.hyperv_vms[{k}]: missing field 'name'.")
        vm_id = uuid.UUID(str(vm["id"])) if vm.get("id") else uuid.uuid5(uuid.NAMESPACE_URL, f"vm:{machine}:{vm['name']}")
        config = dict(vm.get("config") or {})
        config.setdefault("name", vm["name"])
        config.setdefault("id", str(vm_id))
        config.setdefault("generation", int(vm.get("generation", 2)))
        config.setdefault("version", str(vm.get("version", "9.0")))
        config.setdefault("path", f"D:\\Hyper-V\\{vm['name']}")
        config.setdefault("disks", [{"path": f"D:\\Hyper-V\\{vm['name']}\\Virtual Hard Disks\\{vm['name']}.vhdx",
                                     "size_gb": 127}])
        config.setdefault("adapters", [{"name": "Network Adapter", "switch": "Corp-LAN"}])
        bset.vms.append(VMItem(str(vm["name"]), vm_id, config, bool(vm.get("running_at_backup", False))))
    for f in s.get("files") or []:
        content = f.get("content", "")
        data = content.encode("utf-8") if isinstance(content, str) else bytes(content)
        bset.files.append(BackupFile(str(f["path"]), data, sha256(data)))
    return bset


def set_folder(bset: BackupSet) -> str:
    return f"{bset.target.path.rstrip(chr(92))}\\WindowsImageBackup\\{bset.machine}"


def manifest_path(bset: BackupSet) -> str:
    return f"{set_folder(bset)}\\manifest.sha256.json"


def write_set_files(fs: WinFS, bset: BackupSet) -> None:
    """What WSB leaves on the target (sized placeholders) plus the SHA-256 manifest of file items."""
    base = set_folder(bset)
    stamp = bset.time.strftime("%Y-%m-%d %H%M%S")
    fs.write(f"{base}\\Catalog\\GlobalCatalog", b"WSB catalog (simulated)\r\n")
    fs.write(f"{base}\\Backup {stamp}\\{bset.set_id}_Components.xml", b"<BackupComponents/>")
    for v in bset.volumes:
        fs.write(f"{base}\\Backup {stamp}\\{uuid.uuid5(bset.set_id, v['mount'])}.vhdx", None, size=v["used"])
    for vm in bset.vms:
        for d in vm.config.get("disks", []):
            fs.write(f"{base}\\Backup {stamp}\\{vm.id}\\{d['path'].rsplit(chr(92), 1)[-1]}", None,
                     size=int(d.get("size_gb", 40)) * 2**30 // 4)
    if bset.files:
        manifest = {"machine": bset.machine, "version": bset.version_id,
                    "backup_time": bset.time.isoformat().replace("+00:00", "Z"),
                    "files": [{"path": f.path, "sha256": f.sha256, "size": len(f.content)} for f in bset.files]}
        fs.write(manifest_path(bset), json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8"))


def windows_volume_of(bset: BackupSet, images: Mapping[str, GuestImage], now: Callable[[], _dt.datetime]) -> Volume:
    """The system (C:) volume contained in a BMR/system-state set."""
    if bset.windows_image is None:
        raise WsbError(E_NO_BMR, "The backup does not contain the system volume.")
    return build_windows_volume(images[bset.windows_image], now)


def recovery_seconds(nbytes: int) -> float:
    """How long a recovery of ``nbytes`` takes alone (the fixed start plus the copy at wbengine's rate)."""
    return RECOVERY_START_SECONDS + nbytes / THROUGHPUT


def recovery_resources(host: Any, source: str, dest: str) -> dict[str, float]:
    """A recovery reads the backup target (a volume, or a share over the network) and writes ``dest``."""
    from simlab.lab import io

    return io.resources(host, read=source + ("\\" if not source.endswith("\\") else ""), write=dest)


def start_recovery_flow(host: Any, nbytes: int, source: str, dest: str, label: str = "") -> Any:
    """Start the copy of a recovery as a transfer that shares throughput with the lab's other ones."""
    return host.clock.start_flow(nbytes, recovery_resources(host, source, dest), max_rate=THROUGHPUT, label=label)


def spend_recovery(host: Any, nbytes: int, source: str, dest: str) -> None:
    """A synchronous recovery (WinPE's wbadmin): the fixed start, then the shared copy."""
    host.clock.advance(RECOVERY_START_SECONDS)
    host.clock.wait_flow(start_recovery_flow(host, nbytes, source, dest, "wbadmin sysrecovery"))
