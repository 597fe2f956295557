"""One run per lab host: a lock file under the host's scratch root, with a lease the run renews.

Two runs against one host collide (Hyper-V refuses with "The operation cannot be performed while
the object is in use", results mix in one folder), so a run takes ``<scratch root>\\restore-harness.lock``
on every host it uses BEFORE it creates anything, keeps the lease fresh while it works
(:class:`LeaseKeeper`) and removes the file at the end. The file holds the run id, the controller
(machine running the harness), its process id, the start time and the lease expiry (JSON, ASCII).

* A second run is refused at once (:class:`~harness.errors.LabBusyError`, exit 3) with the holder.
* A lock whose lease expired (its run was killed, or hangs) is taken over only when asked
  (``take_over_stale=True``, the ``--take-over-stale-lock`` option), and the takeover is returned
  so the engine records it in the evidence. A stale lock held by a process that still runs on this
  very controller is never taken over.
* ``restore-harness cleanup --run-id X`` may take over a stale lock of run X itself (finishing that
  run is exactly what it is for); on the controller that ran X, as soon as X's process is gone (a
  SIGKILLed run is cleaned up at once, without waiting for its lease to expire).

Creation is atomic on the host (``New-Item`` without ``-Force`` fails when the file exists;
``host_lock.ps1``); renewal and release change the file only if it still holds what this run wrote.
Lease times are the controllers' clocks (UTC): controllers are expected to agree within a minute
(NTP); the default lease of 5 minutes, renewed every 100 s, leaves room for that. The host's clock is
not used.
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import os
import socket
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness import naming
from harness.errors import HarnessError, LabBusyError, UsageError
from harness.ledger import host_ledger_path, ledger_path

log = logging.getLogger(__name__)

LOCK_FILE = "restore-harness.lock"
DEFAULT_LEASE_SEC = 300.0
LOCK_VERSION = 1


def _utcnow() -> _dt.datetime:
    return _dt.datetime.now(_dt.UTC)


def lock_path(scratch_root: str) -> str:
    """``<scratch root>\\restore-harness.lock`` (one place for the lock's location)."""
    return f"{scratch_root.rstrip(chr(92))}\\{LOCK_FILE}"


@dataclass(frozen=True)
class LockInfo:
    """What a lock file holds. ``raw`` is the file text (compared on renewal and release)."""

    run_id: str
    controller: str
    pid: int
    started: str
    lease_expires: str
    lease_seconds: float
    raw: str = ""

    @classmethod
    def parse(cls, text: str) -> LockInfo | None:
        """The lock in ``text``, or None if it is not a lock this harness wrote (corrupt/foreign)."""
        try:
            data = json.loads(text)
            return cls(run_id=str(data["run_id"]), controller=str(data["controller"]), pid=int(data["pid"]),
                       started=str(data["started"]), lease_expires=str(data["lease_expires"]),
                       lease_seconds=float(data.get("lease_seconds", DEFAULT_LEASE_SEC)), raw=text.strip())
        except (ValueError, KeyError, TypeError):
            return None

    def to_json(self) -> str:
        return json.dumps({"version": LOCK_VERSION, "run_id": self.run_id, "controller": self.controller,
                           "pid": self.pid, "started": self.started, "lease_expires": self.lease_expires,
                           "lease_seconds": self.lease_seconds}, ensure_ascii=True, separators=(",", ":"))

    def expires_at(self) -> _dt.datetime | None:
        try:
            when = _dt.datetime.fromisoformat(self.lease_expires)
        except ValueError:
            return None
        return when if when.tzinfo else when.replace(tzinfo=_dt.UTC)

    def expired(self, now: _dt.datetime) -> bool:
        when = self.expires_at()
        return when is None or when <= now

    def describe(self) -> str:
        return (f"run {self.run_id} from controller {self.controller} (process {self.pid}), started "
                f"{self.started}, lease until {self.lease_expires}")


@dataclass(frozen=True)
class Takeover:
    """A stale lock this run took over (for the evidence and the console)."""

    host: str
    path: str
    previous: LockInfo | None  # None: the file was not a lock this harness wrote
    previous_text: str
    at: str

    def text(self) -> str:
        held = self.previous.describe() if self.previous else f"unreadable content {self.previous_text[:200]!r}"
        return f"{self.host}: took over the stale lock {self.path} ({held}) at {self.at}"

    def as_dict(self) -> dict[str, Any]:
        return {"host": self.host, "path": self.path, "at": self.at, "previous": self.previous_text}


def process_alive(pid: int) -> bool:
    """True if a process with ``pid`` runs on this machine (signal 0 probes without touching it)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    except OSError:
        return False
    return True


class HostLock:
    """The lock of one run on one host, reached through ``remote`` (``RemoteHost.run``)."""

    def __init__(self, remote: Any, host_name: str, scratch_root: str, run_id: str, *,
                 lease_seconds: float = DEFAULT_LEASE_SEC, controller: str | None = None, pid: int | None = None,
                 clock: Callable[[], _dt.datetime] = _utcnow,
                 alive: Callable[[int], bool] = process_alive) -> None:
        self.remote = remote
        self.host = host_name
        self.path = lock_path(scratch_root)
        self.run_id = naming.validate_run_id(run_id)
        self.lease_seconds = float(lease_seconds)
        self.controller = controller or socket.gethostname()
        self.pid = os.getpid() if pid is None else int(pid)
        self._clock = clock
        self._alive = alive
        self.started = clock().isoformat(timespec="seconds")
        self.held: LockInfo | None = None

    def _info(self) -> LockInfo:
        expires = self._clock() + _dt.timedelta(seconds=self.lease_seconds)
        info = LockInfo(self.run_id, self.controller, self.pid, self.started,
                        expires.isoformat(timespec="seconds"), self.lease_seconds)
        return LockInfo(**{**info.__dict__, "raw": info.to_json()})

    def _call(self, action: str, **params: Any) -> dict[str, Any]:
        data = self.remote.run("host_lock", {"action": action, "path": self.path, **params},
                               timeout=120, idempotent=action == "read") or {}
        return {"done": bool(data.get("done")), "exists": bool(data.get("exists")),
                "content": str(data.get("content") or "").lstrip("\ufeff").strip()}

    def read(self) -> tuple[LockInfo | None, str] | None:
        """(parsed lock or None if unreadable, raw text) of the current lock file, or None if free."""
        r = self._call("read")
        if not r["exists"]:
            return None
        return LockInfo.parse(r["content"]), r["content"]

    def acquire(self, *, take_over_stale: bool = False) -> Takeover | None:
        """Take the lock; returns the :class:`Takeover` if a stale lock was replaced, else None.
        Raises :class:`~harness.errors.LabBusyError` naming the holder when the host is taken."""
        mine = self._info()
        r = self._call("create", content=mine.raw)
        if r["done"]:
            self.held = mine
            log.info("lock %s on %s taken by run %s", self.path, self.host, self.run_id)
            return None
        current, text = LockInfo.parse(r["content"]), r["content"]
        now = self._clock()
        stale = current is None or current.expired(now)
        own_run = current is not None and current.run_id == self.run_id
        if current is not None and current.controller == self.controller and current.pid != self.pid:
            if self._alive(current.pid):
                stale = False  # its process still runs here: hung or slow, not gone
            elif own_run:
                stale = True  # `cleanup` of a run whose process on this controller is gone (SIGKILL)
        if not stale or not (take_over_stale or own_run):
            raise LabBusyError(self._busy_message(current, text, stale))
        r = self._call("replace", content=mine.raw, expected=text)
        if not r["done"]:  # someone else changed it in between
            raise LabBusyError(self._busy_message(LockInfo.parse(r["content"]), r["content"], False))
        self.held = mine
        takeover = Takeover(self.host, self.path, current, text, now.isoformat(timespec="seconds"))
        log.warning("%s", takeover.text())
        return takeover

    def _busy_message(self, current: LockInfo | None, text: str, stale: bool) -> str:
        holder = current.describe() if current else f"a lock file with unreadable content ({text[:120]!r})"
        base = f"lab host {self.host} is in use: {self.path} is held by {holder}"
        if stale:
            return (f"{base}; its lease has expired (the run was killed or hangs). If that run is gone, take the "
                    f"lock over with --take-over-stale-lock (recorded in the evidence); finish the old run with "
                    f"`restore-harness cleanup --run-id {current.run_id if current else '<run id>'}`")
        return f"{base}. Wait for that run to finish (one run per lab host), or use another host"

    def renew(self) -> None:
        """Extend the lease; :class:`~harness.errors.LabBusyError` if the lock is no longer ours."""
        if self.held is None:
            raise UsageError(f"renew: run {self.run_id} does not hold the lock on {self.host}")
        mine = self._info()
        r = self._call("replace", content=mine.raw, expected=self.held.raw)
        if not r["done"]:
            current = LockInfo.parse(r["content"]) if r["exists"] else None
            self.held = None
            what = current.describe() if current else ("nobody (the file is gone)" if not r["exists"] else "?")
            raise LabBusyError(f"lab host {self.host}: run {self.run_id} lost its lock {self.path}; it is now held "
                               f"by {what}")
        self.held = mine

    def release(self) -> bool:
        """Remove the lock if it is still ours; True if removed. Never removes another run's lock."""
        if self.held is None:
            return False
        r = self._call("remove", expected=self.held.raw)
        self.held = None
        if not r["done"]:
            log.warning("lock %s on %s was not ours any more at release (%s)", self.path, self.host,
                        r["content"][:200] or "file gone")
        return bool(r["done"])


def acquire_all(locks: Iterable[HostLock], *, take_over_stale: bool = False) -> list[Takeover]:
    """Take every host's lock (in the given order) or none: on a refusal the locks already taken
    are released and the error raised. Returns the takeovers for the evidence."""
    taken: list[HostLock] = []
    takeovers: list[Takeover] = []
    try:
        for lock in locks:
            t = lock.acquire(take_over_stale=take_over_stale)
            taken.append(lock)
            if t is not None:
                takeovers.append(t)
    except BaseException:
        for lock in reversed(taken):
            try:
                lock.release()
            except HarnessError as exc:
                log.warning("could not release the lock on %s: %s", lock.host, exc)
        raise
    return takeovers


class LeaseKeeper:
    """Renews a run's locks every ``interval`` seconds (default a third of the lease) in a daemon
    thread. A failed renewal is kept in ``errors`` (the engine stops the run when ``lost`` is set)."""

    def __init__(self, locks: Iterable[HostLock], interval: float | None = None) -> None:
        self.locks = list(locks)
        lease = min((lk.lease_seconds for lk in self.locks), default=DEFAULT_LEASE_SEC)
        self.interval = interval if interval is not None else lease / 3
        self.errors: list[str] = []
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def renew_all(self) -> None:
        for lock in self.locks:
            if lock.held is None:
                continue
            try:
                lock.renew()
            except LabBusyError as exc:
                self.errors.append(str(exc))
                self.lost.set()
            except HarnessError as exc:  # a transient lab problem: the lease still has time
                self.errors.append(f"{lock.host}: lease renewal failed: {exc}")

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.renew_all()

    def start(self) -> LeaseKeeper:
        self._thread = threading.Thread(target=self._loop, name="rh-lease", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def __enter__(self) -> LeaseKeeper:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def check_run_id_unused(run_id: str, reports_dir: Path, scratch_roots: Mapping[str, str],
                        hosts: Mapping[str, Any]) -> None:
    """Refuse a run id that already has a ledger, locally or on any host (``ledger_read.ps1``): one
    run's teardown must never act on another run's resources. Raises :class:`UsageError`."""
    run_id = naming.validate_run_id(run_id)
    local = ledger_path(reports_dir, run_id)
    if local.exists():
        raise UsageError(f"run id {run_id} was used before: its ledger {local} exists. Use a new run id (leave "
                         f"--run-id out for a fresh one); to remove what that run left: "
                         f"`restore-harness cleanup --run-id {run_id}`")
    for name, root in sorted(scratch_roots.items()):
        remote = hosts.get(name)
        if remote is None:
            continue
        path = host_ledger_path(root, run_id)
        data = remote.run("ledger_read", {"path": path}, idempotent=True, timeout=120) or {}
        if data.get("exists"):
            raise UsageError(f"run id {run_id} was used before: host {name} holds its ledger {path}. Use a new run "
                             f"id; to remove what that run left: `restore-harness cleanup --run-id {run_id}`")
