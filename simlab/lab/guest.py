"""Guest operating systems inside simulated VMs: images, boot, services, registry, event logs.

A VM that starts runs the guest image found on its system disk (the computer name recorded in the
offline SYSTEM hive of the Windows volume) or, when the Hyper-V model cannot tell what is on the
disk, the image named like the VM. Boot takes simulated time; a boot-critical storage driver that
the image needs but whose package is not in the volume's DriverStore stops the boot with
0x0000007B (INACCESSIBLE_BOOT_DEVICE) exactly where Windows would. A booted guest is a
:class:`GuestMachine` (the ``Machine`` protocol), so the interpreter runs scripts on it
(PowerShell Direct) and a WS-Man server can serve it (its own loopback port, like a real guest).
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import threading
import uuid
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from simlab.winfs import Volume, WinFS

# ------------------------------------------------------------------ images (from the description)

GUEST_CORE_MODULES = frozenset({"NetTCPIP", "Microsoft.PowerShell.Diagnostics", "CimCmdlets",
                                "Microsoft.PowerShell.LocalAccounts"})
HIVE_PATH = r"Windows\System32\config\SYSTEM"
DRIVERSTORE = r"Windows\System32\DriverStore\FileRepository"
BOOT_SECONDS_DEFAULT = 75.0
DELAYED_START_SECONDS = 120.0  # Windows starts "Automatic (Delayed Start)" services ~2 min after boot


class DescriptionError(ValueError):
    """A ``guests:`` / ``backup_targets:`` / ``drivers:`` / ``isos:`` entry is wrong; names field and fix."""


@dataclass
class ServiceSpec:
    """One Windows service as the description defines it."""

    name: str
    display_name: str
    start_type: str = "Automatic"  # Automatic | Manual | Disabled
    delayed: bool = False  # "Automatic (Delayed Start)"
    depends_on: list[str] = field(default_factory=list)
    settle_seconds: float = 10.0  # time from being started to Running
    ports: list[int] = field(default_factory=list)
    fails_to_start: bool = False
    failure_text: str = "The service did not respond to the start or control request in a timely fashion."
    failure_code: int = 1053  # Win32 error of failure_text (ERROR_SERVICE_REQUEST_TIMEOUT)
    stops_after_seconds: float | None = None  # starts, then stops by itself (exit code 0) this long after Running
    trigger_start: bool = False  # Manual, but Windows starts it at boot (TermService with RDP enabled)


@dataclass
class GuestImage:
    """An operating system image: what a VM that boots it looks like from inside."""

    name: str
    computer_name: str
    os_caption: str = "Microsoft Windows Server 2022 Datacenter"
    os_version: str = "10.0.20348"
    generation: int = 2
    boot_seconds: float = BOOT_SECONDS_DEFAULT
    services: list[ServiceSpec] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    accounts: dict[str, str] = field(default_factory=dict)  # user -> env var of the password
    boot_critical_driver: str | None = None  # INF name the storage stack needs (e.g. lsisas3.inf)
    registry_keys: list[str] = field(default_factory=list)
    ip_address: str | None = None

    def service(self, name: str) -> ServiceSpec | None:
        for s in self.services:
            if s.name.lower() == name.lower():
                return s
        return None


# Services every Windows Server guest has (so Get-Service looks like Windows, not only the cast).
BASE_SERVICES = [
    ServiceSpec("EventLog", "Windows Event Log", settle_seconds=2),
    ServiceSpec("RpcSs", "Remote Procedure Call (RPC)", settle_seconds=1, ports=[135]),
    ServiceSpec("LanmanWorkstation", "Workstation", settle_seconds=3),
    ServiceSpec("WinRM", "Windows Remote Management (WS-Management)", settle_seconds=8, ports=[5985]),
    ServiceSpec("vmicheartbeat", "Hyper-V Heartbeat Service", start_type="Manual", settle_seconds=1),
    ServiceSpec("vmicvmsession", "Hyper-V PowerShell Direct Service", start_type="Manual", settle_seconds=1),
    ServiceSpec("VSS", "Volume Shadow Copy", start_type="Manual", settle_seconds=1),
    ServiceSpec("gupdate", "Google Update Service (gupdate)", start_type="Disabled"),
    ServiceSpec("sppsvc", "Software Protection", delayed=True, settle_seconds=5),
    ServiceSpec("TermService", "Remote Desktop Services", start_type="Manual", settle_seconds=4, ports=[3389],
                trigger_start=True),
]


def _req(entry: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in entry:
        raise DescriptionError(f"{where}: missing field '{key}'. Add '{key}:' to this entry.")
    return entry[key]


def parse_service(entry: Mapping[str, Any] | str, where: str) -> ServiceSpec:
    if isinstance(entry, str):
        return ServiceSpec(entry, entry)
    name = _req(entry, "name", where)
    start = str(entry.get("start_type", "Automatic"))
    delayed = bool(entry.get("delayed_start", False))
    if start.lower() == "automatic (delayed start)":
        start, delayed = "Automatic", True
    if start.lower() not in {"automatic", "manual", "disabled"}:
        raise DescriptionError(
            f"{where}.start_type: '{start}' is not a start type. Use Automatic, "
            f"'Automatic (Delayed Start)', Manual or Disabled."
        )
    return ServiceSpec(
        name=str(name),
        display_name=str(entry.get("display_name", name)),
        start_type=start.capitalize(),
        delayed=delayed,
        depends_on=[str(d) for d in entry.get("depends_on", [])],
        settle_seconds=float(entry.get("settle_seconds", 10)),
        ports=[int(p) for p in entry.get("ports", [])],
    )


def parse_guests(section: Any, where: str = "simulated_lab.guests") -> dict[str, GuestImage]:
    """``guests:`` of the lab description (a list of entries with ``name``, or a mapping by name)
    → images by name (the VM name they belong to)."""
    out: dict[str, GuestImage] = {}
    if isinstance(section, Mapping):
        pairs = list(section.items())
    else:
        pairs = []
        for i, entry in enumerate(section or []):
            if not isinstance(entry, Mapping) or "name" not in entry:
                raise DescriptionError(f"{where}[{i}]: missing field 'name' (the VM name of this guest image).")
            pairs.append((entry["name"], entry))
    for name, entry in pairs:
        w = f"{where}.{name}"
        if not isinstance(entry, Mapping):
            raise DescriptionError(f"{w}: expected a mapping with computer_name, services, ...")
        files = {}
        for path, text in (entry.get("files") or {}).items():
            files[str(path)] = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        accounts = {}
        for acc in entry.get("accounts") or []:
            accounts[str(_req(acc, "name", f"{w}.accounts"))] = str(_req(acc, "password_env", f"{w}.accounts"))
        services = [parse_service(s, f"{w}.services[{i}]") for i, s in enumerate(entry.get("services") or [])]
        gen = int(entry.get("generation", 2))
        if gen not in (1, 2):
            raise DescriptionError(f"{w}.generation: {gen} is not a Hyper-V generation; use 1 or 2.")
        out[str(name)] = GuestImage(
            name=str(name),
            computer_name=str(entry.get("computer_name", name)),
            os_caption=str(entry.get("os", GuestImage.os_caption)),
            os_version=str(entry.get("os_version", GuestImage.os_version)),
            generation=gen,
            boot_seconds=float(entry.get("boot_seconds", BOOT_SECONDS_DEFAULT)),
            services=services,
            files=files,
            accounts=accounts,
            boot_critical_driver=entry.get("boot_critical_driver"),
            registry_keys=[str(k) for k in entry.get("registry_keys", [])],
            ip_address=entry.get("ip_address"),
        )
    return out


# ------------------------------------------------------------------ the Windows volume of an image


def build_windows_volume(image: GuestImage, now: Callable[[], _dt.datetime], size: int = 127 * 2**30) -> Volume:
    """A fresh C: volume holding ``image`` (see :func:`populate_windows`)."""
    fs = WinFS(now)
    vol = fs.add_volume("C:", size, size - 20 * 2**30, label="")
    populate_windows(fs, "C:", image)
    return vol


def populate_windows(fs: WinFS, root: str, image: GuestImage) -> None:
    """Write ``image`` onto the volume at ``root``: offline SYSTEM hive (computer name, firmware),
    inbox driver packages in the DriverStore, and the image's files.

    The Hyper-V model's system VHDXs get this content (so Mount-VHD shows it and the guest boots
    from it); WSB system-state/BMR items carry a copy.
    """
    write_hive(fs, root, {"ComputerName": image.computer_name, "Image": image.name,
                          "Firmware": "UEFI" if image.generation == 2 else "BIOS"})
    inbox = [("storvsc.inf", "SCSIAdapter", "Microsoft", True), ("stornvme.inf", "SCSIAdapter", "Microsoft", True),
             ("netvsc.inf", "Net", "Microsoft", False), ("machine.inf", "System", "Microsoft", True)]
    for inf, cls, provider, boot in inbox:
        folder = f"{root}\\{DRIVERSTORE}\\{inf}_amd64_{_hash8(inf)}"
        fs.write(f"{folder}\\{inf}", _inf_text(inf, cls, provider, "10.0.20348.1", "06/21/2006", boot))
    for path, content in image.files.items():
        fs.write(root + path[2:] if path[1:2] == ":" else f"{root}\\{path}", content)


def _hash8(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.lower().encode()).hexdigest()[:16]


def _inf_text(inf: str, cls: str, provider: str, version: str, date: str, boot: bool) -> bytes:
    return (
        f"; {inf}\r\n[Version]\r\nSignature=\"$WINDOWS NT$\"\r\nClass={cls}\r\nProvider={provider}\r\n"
        f"DriverVer={date},{version}\r\nCatalogFile={inf.rsplit('.', 1)[0]}.cat\r\n"
        f"[Manufacturer]\r\n%Mfg%=Models,NTamd64\r\n[Strings]\r\nMfg=\"{provider}\"\r\n"
        + ("; BootCritical=1\r\n[ServiceInstall]\r\nStartType=0\r\n" if boot else "")
    ).encode("ascii")


def write_hive(fs: WinFS, root: str, data: Mapping[str, Any]) -> None:
    fs.write(f"{root}\\{HIVE_PATH}", json.dumps(dict(data), ensure_ascii=False).encode("utf-8"))


def read_hive(fs: WinFS, root: str) -> dict[str, Any] | None:
    """The offline SYSTEM hive of a Windows volume (None when ``root`` holds no Windows)."""
    try:
        return json.loads(fs.read(f"{root}\\{HIVE_PATH}").decode("utf-8"))
    except Exception:  # noqa: BLE001 - no Windows there, or not a hive we wrote
        return None


def volume_fs(vol: Volume, now: Callable[[], _dt.datetime], letter: str = "C:", rename: bool = False) -> WinFS:
    """A WinFS view whose ``letter`` is ``vol`` (to read/write a disk's volume by path)."""
    fs = WinFS(now)
    fs.volumes[letter.upper()] = vol
    if rename:
        vol.root_name = letter.upper()
    return fs


def driver_packages(fs: WinFS, root: str) -> list[str]:
    """INF names present in the DriverStore of the Windows installation under ``root``."""
    base = f"{root.rstrip(chr(92))}\\{DRIVERSTORE}"
    if not fs.is_dir(base):
        return []
    names = []
    for _, node in fs.listdir(base):
        names.append(node.name.rsplit("_", 2)[0].lower())
    return names


# ------------------------------------------------------------------ registry, event log


class RegistryModel:
    """A small registry: keys (case-insensitive paths under HKLM:\\) with value dictionaries."""

    def __init__(self) -> None:
        self._keys: dict[str, dict[str, Any]] = {}

    @staticmethod
    def _norm(path: str) -> str:
        p = path.replace("/", "\\").strip().rstrip("\\")
        for long, short in (("HKEY_LOCAL_MACHINE", "HKLM:"), ("Registry::HKEY_LOCAL_MACHINE", "HKLM:")):
            if p.upper().startswith(long.upper()):
                p = "HKLM:" + p[len(long):]
        if p.upper().startswith("HKLM:") and not p.upper().startswith("HKLM:\\"):
            p = "HKLM:\\" + p[5:]
        return p.lower()

    def set(self, path: str, values: Mapping[str, Any] | None = None) -> None:
        parts = self._norm(path).split("\\")
        spelled = path.replace("/", "\\").strip().rstrip("\\").split("\\")
        names = self.__dict__.setdefault("_names", {})  # key path (folded) -> its name as first written
        for i in range(2, len(parts) + 1):
            self._keys.setdefault("\\".join(parts[:i]), {})
            names.setdefault("\\".join(parts[:i]), spelled[i - 1 + len(spelled) - len(parts)]
                             if len(spelled) >= len(parts) else parts[i - 1])
        self._keys[self._norm(path)].update(values or {})

    def exists(self, path: str) -> bool:
        return self._norm(path) in self._keys

    def values(self, path: str) -> dict[str, Any]:
        return dict(self._keys.get(self._norm(path), {}))

    def subkeys(self, path: str) -> list[str]:
        """Names of the direct subkeys, spelled as first written, in the registry's (case-insensitive) order."""
        base = self._norm(path) + "\\"
        names = self.__dict__.get("_names", {})
        folded = sorted({k[len(base):].split("\\")[0] for k in self._keys if k.startswith(base)})
        return [names.get(base + f, f) for f in folded]


@dataclass
class EventRecord:
    """One event as Get-WinEvent (EventLogRecord) and Get-EventLog (EventLogEntry) show it."""

    log_name: str
    provider: str
    event_id: int
    level: int  # 1 Critical, 2 Error, 3 Warning, 4 Information
    message: str
    time: _dt.datetime
    machine: str
    record_id: int = 0

    @property
    def level_name(self) -> str:
        return {1: "Critical", 2: "Error", 3: "Warning", 4: "Information"}.get(self.level, "Information")


class EventLog:
    """The event logs of one machine (all channels)."""

    def __init__(self, machine_name: str) -> None:
        self.machine_name = machine_name
        self.records: list[EventRecord] = []
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:  # saved with the lab; the lock is a process object
        return {k: v for k, v in self.__dict__.items() if k != "_lock"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def write(self, log: str, provider: str, event_id: int, level: int, message: str, when: _dt.datetime) -> EventRecord:
        with self._lock:
            rec = EventRecord(log, provider, event_id, level, message, when, self.machine_name, len(self.records) + 1)
            self.records.append(rec)
            return rec

    def query(self, log: str | None = None, since: _dt.datetime | None = None,
              levels: Iterable[int] | None = None, provider: str | None = None,
              ids: Iterable[int] | None = None) -> list[EventRecord]:
        lv = set(levels) if levels is not None else None
        idset = set(ids) if ids is not None else None
        out = [r for r in self.records
               if (log is None or r.log_name.lower() == log.lower())
               and (since is None or r.time >= since)
               and (lv is None or r.level in lv)
               and (provider is None or r.provider.lower() == provider.lower())
               and (idset is None or r.event_id in idset)]
        return sorted(out, key=lambda r: (r.time, r.record_id), reverse=True)


_EVENT_LOGS: weakref.WeakKeyDictionary[Any, EventLog] = weakref.WeakKeyDictionary()


def event_log_of(machine: Any) -> EventLog:
    """The event logs of any machine (its own ``event_log`` if it has one, else one kept here)."""
    own = getattr(machine, "event_log", None)
    if isinstance(own, EventLog):
        return own
    log = _EVENT_LOGS.get(machine)
    if log is None:
        log = EventLog(getattr(machine, "computer_name", "localhost"))
        booted = getattr(machine, "last_boot", None)
        if booted is not None:  # the host's System log starts with its boot's entries
            from simlab.lab.facts import boot_events
            for ev in boot_events(log.machine_name, booted, int(getattr(machine, "build", 20348))):
                log.write(*ev)
        try:
            machine.event_log = log  # kept on the machine, so a saved lab keeps its events
        except AttributeError:
            _EVENT_LOGS[machine] = log
    return log


# Host-side channel where the harness reads guest crashes (documented in the simulator docs).
HYPERV_WORKER_LOG = "Microsoft-Windows-Hyper-V-Worker-Admin"
HYPERV_WORKER_PROVIDER = "Microsoft-Windows-Hyper-V-Worker"


# ------------------------------------------------------------------ services at run time


@dataclass
class ServiceState:
    spec: ServiceSpec
    start_type: str
    running_from: _dt.datetime | None = None  # Running once clock >= this
    pending_from: _dt.datetime | None = None  # StartPending from this instant (before: still Stopped)
    stopped: bool = True
    failed: bool = False
    exit_code: int = 1077  # Win32_Service.ExitCode: 1077 ERROR_SERVICE_NEVER_STARTED until it runs
    stop_logged: bool = False


class GuestMachine:
    """A booted guest OS: the ``Machine`` protocol plus services, registry, event log, network."""

    def __init__(self, image: GuestImage, volume: Volume, clock: Any, booted_at: _dt.datetime,
                 ip_address: str, isolated: bool) -> None:
        self.image = image
        self.computer_name = image.computer_name
        self._clock = clock
        self._fs = volume_fs(volume, clock.now, rename=True)
        self._fs.add_volume("D:", 200 * 2**30, 150 * 2**30, label="Data")
        self.booted_at = booted_at
        self.ip_address = ip_address
        self.isolated = isolated
        self.registry = RegistryModel()
        self.event_log = EventLog(image.computer_name)
        self.endpoint: tuple[str, int] | None = None
        self.server: Any = None
        self.services: dict[str, ServiceState] = {}
        up = booted_at
        for spec in [*BASE_SERVICES, *image.services]:
            st = ServiceState(spec, spec.start_type)
            self.services[spec.name.lower()] = st
            self.registry.set(f"HKLM:\\SYSTEM\\CurrentControlSet\\Services\\{spec.name}", {
                "Start": {"Automatic": 2, "Manual": 3, "Disabled": 4}[spec.start_type],
                "DisplayName": spec.display_name, **({"DelayedAutostart": 1} if spec.delayed else {})})
            if spec.start_type == "Automatic" or spec.trigger_start:
                delay = DELAYED_START_SECONDS if spec.delayed else 0.0
                self._schedule_start(st, up + _dt.timedelta(seconds=delay + spec.settle_seconds), up)
        from simlab.lab.facts import boot_events, current_version_values  # facts imports this module
        self.registry.set("HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion",
                          current_version_values(image.os_caption, image.os_version))
        self.registry.set("HKLM:\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server", {"fDenyTSConnections": 0})
        self.registry.set("HKLM:\\SYSTEM\\CurrentControlSet\\Control\\ComputerName\\ComputerName",
                          {"ComputerName": image.computer_name})
        for key in image.registry_keys:
            self.registry.set(key)
        build = int(image.os_version.split(".")[-1]) if image.os_version.split(".")[-1].isdigit() else 20348
        for ev in boot_events(image.computer_name, booted_at, build):
            self.event_log.write(*ev)

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without its WS-Man server (threads, sockets); the runtime restarts it on load."""
        state = dict(self.__dict__)
        state["server"] = None  # the endpoint tuple stays: its port is tried first when restarted
        return state

    # Machine protocol
    @property
    def fs(self) -> WinFS:
        return self._fs

    @property
    def clock(self) -> Any:
        return self._clock

    def modules(self) -> set[str]:
        return set(GUEST_CORE_MODULES)

    def environment(self) -> dict[str, str]:
        return {"COMPUTERNAME": self.computer_name, "SystemRoot": "C:\\Windows", "SystemDrive": "C:",
                "USERNAME": "Administrator", "PROCESSOR_ARCHITECTURE": "AMD64",
                "PSModulePath": "C:\\Windows\\system32\\WindowsPowerShell\\v1.0\\Modules"}

    # services
    def _schedule_start(self, st: ServiceState, when: _dt.datetime, started_at: _dt.datetime) -> None:
        for dep in st.spec.depends_on:
            dst = self.services.get(dep.lower())
            if dst is None or dst.start_type == "Disabled" or dst.spec.fails_to_start:
                self._fail(st, started_at, f"The {st.spec.display_name} service depends on the "
                           f"{dst.spec.display_name if dst else dep} service which failed to start because of "
                           "the following error: \r\nThe dependency service or group failed to start.")
                return
        if st.spec.fails_to_start:
            self._fail(st, started_at, f"The {st.spec.display_name} service terminated with the following "
                       f"error: \r\n{st.spec.failure_text}")
            st.exit_code = st.spec.failure_code
            return
        st.running_from, st.stopped, st.failed, st.stop_logged = when, False, False, False
        st.pending_from = when - _dt.timedelta(seconds=st.spec.settle_seconds)
        at = getattr(self._clock, "at", None)
        if at is not None:  # an idle events-clock lab moves to when the service runs
            at(st.pending_from)
            at(when)

    def _fail(self, st: ServiceState, when: _dt.datetime, message: str) -> None:
        st.failed, st.stopped, st.running_from = True, True, None
        self.event_log.write("System", "Service Control Manager", 7023 if "terminated" in message else 7001,
                             2, message, when)

    def status(self, name: str) -> int:
        """ServiceControllerStatus: Stopped=1, StartPending=2, Running=4."""
        st = self.services[name.lower()]
        if st.stopped or st.running_from is None:
            return 1
        now = self._clock.now()
        if st.pending_from is not None and now < st.pending_from:
            return 1
        if now < st.running_from:
            return 2
        after = st.spec.stops_after_seconds
        if after is not None and now >= st.running_from + _dt.timedelta(seconds=after):
            self._stopped_by_itself(st, st.running_from + _dt.timedelta(seconds=after))
            return 1
        st.exit_code = 0
        return 4

    def _stopped_by_itself(self, st: ServiceState, when: _dt.datetime) -> None:
        """A service that started and then stopped on its own: clean exit (code 0), SCM event 7036."""
        st.stopped, st.running_from, st.exit_code = True, None, 0
        if not st.stop_logged:
            st.stop_logged = True
            self.event_log.write("System", "Service Control Manager", 7036, 4,
                                 f"The {st.spec.display_name} service entered the stopped state.", when)

    def exit_code(self, name: str) -> int:
        """Win32_Service.ExitCode: 0 running or cleanly stopped, 1077 never started since boot, else the error."""
        st = self.services[name.lower()]
        self.status(name)
        return st.exit_code

    def start_service(self, name: str) -> str | None:
        """Start (and wait for) a service; returns Windows' error text when it cannot start."""
        st = self.services[name.lower()]
        if self.status(name) == 4:
            return None
        if st.start_type == "Disabled":
            return ("The service cannot be started, either because it is disabled or because it has no "
                    "enabled devices associated with it.")
        for dep in st.spec.depends_on:
            err = self.start_service(dep) if dep.lower() in self.services else "The dependency service does not exist."
            if err:
                return "The dependency service or group failed to start."
        now = self._clock.now()
        self._schedule_start(st, now + _dt.timedelta(seconds=st.spec.settle_seconds), now)
        if st.failed:
            return st.spec.failure_text
        self._clock.advance(max(0.0, (st.running_from - self._clock.now()).total_seconds()))  # type: ignore[operator]
        return None

    def stop_service(self, name: str) -> None:
        st = self.services[name.lower()]
        if self.status(name) != 1:
            st.exit_code = 0
        st.stopped, st.running_from = True, None

    def listening_ports(self) -> list[int]:
        ports = {135, 445, 5985, 47001}
        for name, st in self.services.items():
            if self.status(name) == 4:
                ports.update(st.spec.ports)
        return sorted(ports)

    # What the WS-Man server reads (same contract as simlab.machine.BareMachine).
    allow_unencrypted = False
    allow_basic = False
    remote_users: set[str] | None = None

    @property
    def accounts(self) -> dict[str, str]:
        """Local accounts → passwords (from the env vars the description names; unset → no account)."""
        return {u: os.environ[e] for u, e in self.image.accounts.items() if e in os.environ}

    def find_account(self, user: str) -> str | None:
        domain, sep, name = user.rpartition("\\")
        if sep and domain.upper() not in ("", ".", self.computer_name.upper(), "LOCALHOST"):
            return None
        return next((a for a in self.accounts if a.lower() == name.lower()), None)

    def check_password(self, user: str, password: str) -> str | None:
        stored = self.find_account(user)
        return stored if stored is not None and self.accounts[stored] == password else None

    def may_use_winrm(self, account: str) -> bool:
        return True

    def check_credential(self, user: str, password: str) -> bool:
        """Local accounts: ``Administrator`` / ``.\\Administrator`` / ``<COMPUTER>\\Administrator``."""
        name = user.split("\\")[-1].split("@")[0]
        for acc, env in self.image.accounts.items():
            if acc.lower() == name.lower():
                expected = os.environ.get(env)
                return expected is not None and password == expected
        return False


# ------------------------------------------------------------------ VMs and the runtime


@dataclass
class VMInfo:
    """What the guest runtime needs to know about a VM (filled from the Hyper-V model)."""

    name: str
    id: uuid.UUID
    generation: int = 2
    disks: list[str] = field(default_factory=list)  # VHD(X) paths, boot disk first
    dvd: str | None = None  # ISO in the first DVD drive
    switches: list[str | None] = field(default_factory=list)
    isolated: bool = True  # all adapters on Private/Internal switches or not connected
    started_at: _dt.datetime | None = None  # the Hyper-V model's start instant

    @classmethod
    def from_model(cls, vm: Any) -> VMInfo:
        """Duck-typed adapter for the Hyper-V model's VM object (attribute names tried in order)."""
        def attr(*names: str, default: Any = None) -> Any:
            for n in names:
                if hasattr(vm, n):
                    return getattr(vm, n)
            return default
        disks = attr("disks", "hard_disks", "hard_drives", default=[]) or []
        paths = [d if isinstance(d, str) else getattr(d, "path", None) for d in disks]
        dvds = attr("dvd_drives", "dvds", default=[]) or []
        dvd = next((d if isinstance(d, str) else getattr(d, "path", None) for d in dvds if d), None)
        adapters = attr("adapters", "network_adapters", default=[]) or []
        switches = [getattr(a, "switch_name", None) if not isinstance(a, str) else a for a in adapters]
        return cls(name=str(attr("name", "Name")), id=attr("id", "Id", "vm_id", default=uuid.uuid4()),
                   generation=int(attr("generation", "Generation", default=2)),
                   disks=[p for p in paths if p], dvd=dvd, switches=switches)


@dataclass
class GuestState:
    """What one VM's guest is doing: booting, running, stopped at a bug check, in WinPE, no OS."""

    vm: VMInfo
    phase: str  # Booting/Running | BugCheck | WinPE | NoOS | Off
    started_at: _dt.datetime
    image: GuestImage | None = None
    machine: GuestMachine | None = None
    stop_code: int | None = None
    message: str = ""


class GuestRuntime:
    """The guests of one Hyper-V host: what runs in each VM, boot, PowerShell Direct, endpoints."""

    def __init__(self, host: Any, images: Mapping[str, GuestImage], isos: Mapping[str, str] | None = None,
                 start_endpoints: bool = True) -> None:
        self.host = host
        self.images = dict(images)
        self.isos = {k.lower(): v for k, v in (isos or {}).items()}  # iso path -> kind ('winpe')
        self.states: dict[str, GuestState] = {}
        self.start_endpoints = start_endpoints
        self.disk_volumes: dict[str, Volume] = {}  # fallback VHD content store (lower path -> Volume)
        self.power_off: Callable[[str], None] | None = None  # set by the Hyper-V model (VM turns Off)
        self.extra_required_drivers: dict[str, str] = {}  # fault: image name -> INF
        self._next_ip = 10

    # -------------------------------------------------------- disks
    def volume_of_disk(self, path: str) -> Volume | None:
        """The Windows volume on a VHD(X): the Hyper-V model's content if it offers it, else ours."""
        disk_of = getattr(self.host, "disk", None)
        base_of = getattr(self.host, "base_disk", None)
        if callable(disk_of) and callable(base_of):  # the Hyper-V model keeps VHD content on its disks
            try:
                base = base_of(disk_of(path))
            except Exception:  # noqa: BLE001 - no such disk: nothing to boot
                return None
            return base.volumes[0] if base.volumes else None
        return self.disk_volumes.get(path.lower())

    def set_disk_volume(self, path: str, vol: Volume) -> None:
        disk_of = getattr(self.host, "disk", None)
        if callable(disk_of) and callable(getattr(self.host, "base_disk", None)):
            base = self.host.base_disk(disk_of(path))
            base.volumes = [vol, *base.volumes[1:]]
            return
        self.disk_volumes[path.lower()] = vol

    def image_for(self, vm: VMInfo) -> tuple[GuestImage | None, Volume | None, dict[str, Any] | None]:
        for disk in vm.disks[:1]:
            vol = self.volume_of_disk(disk)
            if vol is not None:
                vfs = volume_fs(vol, self.host.clock.now)
                hive = read_hive(vfs, "C:")
                if hive is None:
                    if vfs.is_dir("C:\\Windows") and vm.name in self.images:  # Windows of ours, unlabelled
                        image = self.images[vm.name]
                        populate_windows(vfs, "C:", image)
                        return image, vol, {"Firmware": "UEFI" if image.generation == 2 else "BIOS"}
                    return None, vol, None
                return self.images.get(hive.get("Image", "")), vol, hive
        image = self.images.get(vm.name)
        if image is None:
            return None, None, None
        vol = build_windows_volume(image, self.host.clock.now)
        if vm.disks:
            self.set_disk_volume(vm.disks[0], vol)
        return image, vol, {"Firmware": "UEFI" if image.generation == 2 else "BIOS"}

    # -------------------------------------------------------- power
    def vm_started(self, vm: VMInfo | Any, boot_seconds: float | None = None) -> GuestState:
        """Called when a VM starts: decides what boots and schedules it in simulated time."""
        info = vm if isinstance(vm, VMInfo) else VMInfo.from_model(vm)
        now = info.started_at or self.host.clock.now()
        image, vol, hive = self.image_for(info)
        if (image is None or vol is None) and info.dvd and self.isos.get(info.dvd.lower()) == "winpe":
            # No bootable system on the disk: the firmware falls through to the DVD ("Press any key to boot
            # from CD or DVD" only waits when a disk is bootable).
            from simlab.lab import winpe

            state = GuestState(info, "WinPE", now)
            self.states[info.name.lower()] = state
            winpe.run(self, state)
            return state
        if image is None and vol is not None and volume_fs(vol, self.host.clock.now).is_dir("C:\\Windows"):
            # A Windows the description gives no guest image for (e.g. LAB-DC01): it boots, but nothing
            # inside it is modelled (no PowerShell Direct, no services).
            state = GuestState(info, "Unmodelled", now, message="Windows without a guest image")
        elif image is None or vol is None:
            state = GuestState(info, "NoOS", now, message="No operating system was loaded.")
        elif (hive or {}).get("Firmware", "UEFI") != ("UEFI" if info.generation == 2 else "BIOS"):
            state = GuestState(info, "NoOS", now, image,
                               message="The boot loader did not load an operating system.")
        else:
            need = self.extra_required_drivers.get(image.name) or image.boot_critical_driver
            have = driver_packages(volume_fs(vol, self.host.clock.now), "C:")
            if need and need.lower() not in have:
                state = GuestState(info, "BugCheck", now, image, stop_code=0x7B,
                                   message="INACCESSIBLE_BOOT_DEVICE")
                crash_at = now + _dt.timedelta(seconds=8)
                event_log_of(self.host).write(
                    HYPERV_WORKER_LOG, HYPERV_WORKER_PROVIDER, 18590, 1,
                    f"'{info.name}' has encountered a fatal error. The guest operating system reported that it "
                    "failed with the following error codes: ErrorCode0: 0x7B, ErrorCode1: 0xFFFFF98A4D2E6B18, "
                    "ErrorCode2: 0xFFFFFFFFC0000034, ErrorCode3: 0x0, ErrorCode4: 0x0. If the problem persists, "
                    "contact Product Support for the guest operating system. "
                    f"(Virtual machine ID {str(info.id).upper()})", crash_at)
            else:
                ip = image.ip_address or f"192.168.50.{self._next_ip}"
                self._next_ip += 1
                booted = now + _dt.timedelta(seconds=boot_seconds if boot_seconds is not None else image.boot_seconds)
                machine = GuestMachine(image, vol, self.host.clock, booted, ip, info.isolated)
                state = GuestState(info, "Running", now, image, machine)
                if self.start_endpoints:
                    self._start_endpoint(machine)
        self.states[info.name.lower()] = state
        return state

    def vm_stopped(self, name: str) -> None:
        state = self.states.pop(name.lower(), None)
        if state and state.machine and state.machine.server is not None:
            stop = getattr(state.machine.server, "stop", None) or getattr(state.machine.server, "close", None)
            if callable(stop):
                stop()

    def close_endpoints(self) -> None:
        """Stop every guest's WS-Man server (the lab is shutting down or being replaced); the guests'
        state stays, so a saved lab still has them running."""
        for st in self.states.values():
            server = st.machine.server if st.machine else None
            if server is not None:
                server.stop()
                st.machine.server = None

    def vm_renamed(self, old: str, new: str) -> None:
        """Rename-VM of a running VM: its guest keeps running under the new VM name."""
        state = self.states.pop(old.lower(), None)
        if state is not None:
            state.vm.name = new
            self.states[new.lower()] = state

    def __setstate__(self, state: dict[str, Any]) -> None:
        """After loading a saved lab: running guests get their WS-Man endpoints again (new ports)."""
        self.__dict__.update(state)
        if self.start_endpoints:
            for st in self.states.values():
                if st.machine is not None and st.machine.server is None:
                    port = st.machine.endpoint[1] if st.machine.endpoint else 0
                    st.machine.endpoint = None
                    self._start_endpoint(st.machine, port)
        else:
            for st in self.states.values():
                if st.machine is not None:
                    st.machine.endpoint = None

    def _start_endpoint(self, machine: GuestMachine, port: int = 0) -> None:
        """Serve WS-Man for the guest on loopback: on ``port`` when it is free, else on any free port."""
        try:
            from simlab.server import WSManServer  # type: ignore[attr-defined]
        except ImportError:  # the WS-Man server is built in parallel; PowerShell Direct still works
            return
        server = None
        for candidate in ([port, 0] if port else [0]):
            try:
                server = WSManServer(machine, https=False, port=candidate).start()  # type: ignore[arg-type]
                break
            except OSError:
                continue
        if server is None:
            return
        machine.server = server
        machine.endpoint = ("127.0.0.1", int(getattr(server, "port")))

    # -------------------------------------------------------- queries
    def state(self, name: str) -> GuestState | None:
        st = self.states.get(name.lower())
        vms = getattr(self.host, "vms", None)
        if st is not None and isinstance(vms, dict):
            model = vms.get(st.vm.id)
            if model is None or getattr(model, "state", "Running") != "Running" or \
                    getattr(model, "started_at", None) != st.started_at:
                self.vm_stopped(name)
                return None
        return st

    def is_up(self, name: str) -> bool:
        st = self.state(name)
        return bool(st and st.machine and self.host.clock.now() >= st.machine.booted_at)

    def heartbeat(self, name: str) -> str:
        """Heartbeat integration status: 'OK', 'NoContact' (no OS answering) or 'Unknown' (VM off)."""
        st = self.state(name)
        if st is None:
            return "Unknown"
        return "OK" if self.is_up(name) else "NoContact"

    def guest(self, name: str) -> GuestMachine | None:
        st = self.state(name)
        return st.machine if st and self.is_up(name) else None

    def endpoints(self) -> dict[str, dict[str, Any]]:
        """VM name → {'computer_name', 'host', 'port', 'ip'} for every running guest with an endpoint."""
        out = {}
        for st in self.states.values():
            if st.machine and st.machine.endpoint:
                out[st.vm.name] = {"computer_name": st.machine.computer_name, "host": st.machine.endpoint[0],
                                   "port": st.machine.endpoint[1], "ip": st.machine.ip_address}
        return out

    def ip_addresses(self, name: str) -> list[str]:
        """What Get-VMNetworkAdapter IPAddresses shows: the guest's address (and loopback WS-Man port)."""
        g = self.guest(name)
        if g is None:
            return []
        out = [g.ip_address]
        if g.endpoint:
            out.append(f"{g.endpoint[0]}:{g.endpoint[1]}")
        return out


_RUNTIMES: weakref.WeakKeyDictionary[Any, GuestRuntime] = weakref.WeakKeyDictionary()


def attach(host: Any, images: Mapping[str, GuestImage], isos: Mapping[str, str] | None = None,
           start_endpoints: bool = True) -> GuestRuntime:
    """Create the guest runtime of ``host`` (found again with :func:`runtime_of`)."""
    rt = GuestRuntime(host, images, isos, start_endpoints)
    try:
        _RUNTIMES[host] = rt
    except TypeError:
        pass
    setattr(host, "guest_runtime", rt) if not hasattr(type(host), "__slots__") else None
    return rt


def runtime_of(host: Any) -> GuestRuntime | None:
    rt = getattr(host, "guest_runtime", None)
    if isinstance(rt, GuestRuntime):
        return rt
    try:
        return _RUNTIMES.get(host)
    except TypeError:
        return None
