"""The drill scheduler: a run's restores planned up front and run concurrently per host.

Why: a serial run restores, boots and waits for each VM in turn, so a host's storage sits idle while
a guest boots and its services settle. Here each host runs up to ``max_concurrent_restores``
restores at once (the storage-bound part), and a restored VM boots and waits for its services while
the next restores copy. A VM starts only when the host has the memory for it (the scheduler keeps
its own account, so it does not rely on Start-VM failing). Results are published per scenario the
moment they are ready; the consumer (the run's tests) takes them with :meth:`DrillScheduler.result`
or :meth:`DrillScheduler.as_completed` and tells the scheduler when it is done with a VM
(:meth:`DrillScheduler.done`: its memory goes back to the pool).

What a unit of work does is not this module's business: it calls a :class:`Work` (``restore_one``,
``boot_one``, ``release_one``), which the restore engine provides. A failure in one scenario is that
scenario's outcome and nothing else's. Each operation runs in its own worker thread, so a ``Work``
gives each thread its own host connection (one WinRS shell per concurrent operation); the number of
threads per host is bounded (``HostCapacity.max_in_flight``), so the number of shells is too.

``serial=True`` keeps the behaviour of a serial run: one scenario at a time, in plan order,
restored, booted and released before the next one starts. The restore engine's side (its run as
the ``Work``, one connection per worker thread, host-side waits) is harness/engine/drill.py.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from harness.restore import phases

log = logging.getLogger(__name__)

GB = 2**30
MAX_DEFAULT_CONCURRENT = 4
DEFAULT_MAX_SHELLS = 25  # below WinRM's default MaxShellsPerUser (30), leaving room for the run's own shell


class Work(Protocol):
    """The unit of work the restore engine gives the scheduler."""

    def restore_one(self, scenario: Any) -> Any:
        """Restore ``scenario`` (copy, recovery, BMR); return its outcome or raise."""

    def boot_one(self, scenario: Any, restored: Any) -> Any:
        """Start the restored VM and wait until its guest answers and its services are healthy."""

    def release_one(self, scenario: Any, restored: Any, booted: Any) -> None:
        """The consumer is done with the VM (``booted`` is None when its boot failed): stop it, so
        its memory goes back to the host."""


class Cancelled(Exception):
    """The scenario was not started: the run was stopped (Ctrl-C) before its turn."""


@dataclass(frozen=True)
class HostCapacity:
    """What one lab host can take at once."""

    name: str
    max_concurrent_restores: int
    vm_memory_bytes: int  # memory for the run's VMs: host memory minus its reserve and the VMs already running
    max_in_flight: int = DEFAULT_MAX_SHELLS  # worker threads (= WinRS shells) at once
    # bytes per second the host's restores can write in all (its scratch volume; 0: unknown). With it,
    # a restore starts only while the running ones write less than that in all (PlannedScenario.rate)
    storage_rate: float = 0.0

    def __post_init__(self) -> None:
        if self.max_concurrent_restores < 1:
            raise ValueError(f"host {self.name}: max_concurrent_restores must be at least 1, "
                             f"not {self.max_concurrent_restores}")
        if self.max_in_flight < 1:
            raise ValueError(f"host {self.name}: max_in_flight must be at least 1")
        if self.storage_rate < 0:
            raise ValueError(f"host {self.name}: storage_rate must not be negative")


@dataclass(frozen=True)
class PlannedScenario:
    """One scenario of the plan, with what the scheduler needs to place and order it."""

    name: str
    host: str
    scenario: Any = None
    memory_bytes: int = 0  # startup memory of the VM it boots (0: boots nothing)
    restore_bytes: int = 0  # estimate, for ordering
    boot_to_healthy_s: float = 0.0  # estimate, for ordering
    boots: bool = True
    restore_s: float = 0.0  # estimate of the restore's duration alone (0: unknown), for ordering
    exclusive: str = ""  # a host resource its restore needs alone ("wbengine": one WSB job per host)
    rate: float = 0.0  # estimate: bytes per second its restore writes when it runs alone (0: unknown)


@dataclass
class ScenarioOutcome:
    """What happened to one scenario; ``ready`` is set when the consumer may take it."""

    name: str
    host: str
    restored: Any = None
    booted: Any = None
    error: BaseException | None = None
    failed_in: str = ""  # "restore" | "boot" | "" (ok) | "cancelled"
    restore_started: float | None = None  # time.monotonic() stamps, for the run's own figures
    restore_finished: float | None = None
    boot_finished: float | None = None
    ready: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def ok(self) -> bool:
        return self.error is None


def default_max_concurrent_restores(*, scratch_free_bytes: int, largest_restore_bytes: int,
                                    vm_memory_bytes: int, largest_vm_memory_bytes: int) -> int:
    """The default when the inventory names none: as many restores as fit the scratch volume at once
    and whose VMs fit the memory at once, at most :data:`MAX_DEFAULT_CONCURRENT` (beyond a few
    streams a volume gets no faster; docs/drills.md explains how to size it from measured rates)."""
    by_space = scratch_free_bytes // max(1, largest_restore_bytes)
    by_memory = vm_memory_bytes // max(1, largest_vm_memory_bytes)
    return int(max(1, min(MAX_DEFAULT_CONCURRENT, by_space, by_memory)))


def order_plan(plan: Sequence[PlannedScenario]) -> list[PlannedScenario]:
    """The order restores start in on each host: longest first, by the estimated time from the
    restore's start to healthy services (``restore_s + boot_to_healthy_s``; the classic
    longest-processing-time rule for a short makespan). The last restores to start are then the
    short ones: restores that fill the storage on their own (an import copy writes at the volume's
    rate, a WSB job or BMR only at wbengine's) and VMs whose boots and service waits are short, so the
    tail after the storage is done is as short as it can be. Among equals: the longer boot, then the
    bigger restore. Stable: without estimates the plan keeps its order."""
    return sorted(plan, key=lambda p: (-(p.restore_s + p.boot_to_healthy_s), -p.boot_to_healthy_s,
                                       -p.restore_bytes))


class _MemoryPool:
    """A host's memory for the run's VMs. A VM may start when the free memory, less what the VMs
    before it in the plan still need (they are reserved for), covers it: a VM later in the plan never
    takes the memory an earlier one waits for, so a consumer that takes scenarios in plan order
    cannot wait forever for a VM whose memory is held by VMs it has not reached yet."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.free = total
        self._cond = threading.Condition()
        self._pending: dict[int, int] = {}  # plan rank -> memory it will need (not booted yet)

    def expect(self, rank: int, nbytes: int) -> None:
        with self._cond:
            self._pending[rank] = min(nbytes, self.total)
            self._cond.notify_all()

    def forget(self, rank: int) -> None:
        with self._cond:
            self._pending.pop(rank, None)
            self._cond.notify_all()

    def acquire(self, nbytes: int, stopping: threading.Event, rank: int = 0) -> int:
        """Take ``nbytes`` (at most the whole pool: a VM larger than the host still gets to try, and
        Start-VM fails as Windows does). Returns what was taken."""
        want = min(nbytes, self.total)
        with self._cond:
            self._pending[rank] = want
            try:
                while self.free - sum(n for r, n in self._pending.items() if r < rank) < want:
                    if stopping.is_set():
                        raise Cancelled("the run was stopped while this VM waited for host memory")
                    self._cond.wait(0.2)
                self.free -= want
                return want
            finally:
                self._pending.pop(rank, None)
                self._cond.notify_all()

    def release(self, nbytes: int) -> None:
        with self._cond:
            self.free = min(self.total, self.free + nbytes)
            self._cond.notify_all()


class DrillScheduler:
    """Runs a plan's restores and boots concurrently per host (see the module docstring)."""

    def __init__(self, work: Work, hosts: Mapping[str, HostCapacity], plan: Sequence[PlannedScenario], *,
                 serial: bool = False, release_when_booted: bool = False) -> None:
        names = [p.name for p in plan]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"scenario names must be unique in a plan: {', '.join(dupes)}")
        unknown = sorted({p.host for p in plan} - set(hosts))
        if unknown:
            raise ValueError(f"plan names hosts without a capacity: {', '.join(unknown)}")
        self.work = work
        self.hosts = dict(hosts)
        self.serial = serial
        self.release_when_booted = release_when_booted
        self.plan = list(plan) if serial else order_plan(plan)
        self.outcomes: dict[str, ScenarioOutcome] = {p.name: ScenarioOutcome(p.name, p.host) for p in self.plan}
        self._planned = {p.name: p for p in self.plan}
        self._stopping = threading.Event()
        self._memory = {h: _MemoryPool(c.vm_memory_bytes) for h, c in self.hosts.items()}
        self._rank = {p.name: i for i, p in enumerate(self.plan)}
        for p in self.plan:
            if p.boots:
                self._memory[p.host].expect(self._rank[p.name], p.memory_bytes)
        self._held: dict[str, int] = {}
        self._released: set[str] = set()
        self._lock = threading.Lock()
        self._done_cond = threading.Condition()
        self._finished_order: list[str] = []
        self._threads: list[threading.Thread] = []
        self._started = False
        self._launch_cond = threading.Condition()  # guards the two below
        self._shells: dict[str, int] = {h: 0 for h in self.hosts}  # worker threads (shells) per host
        self._busy: dict[tuple[str, str], str] = {}  # (host, exclusive resource) -> the scenario holding it
        self._writing: dict[str, float] = {h: 0.0 for h in self.hosts}  # estimated rates of the restores running

    # ------------------------------------------------------------------ running
    def start(self) -> DrillScheduler:
        """Start every host's launcher (returns at once)."""
        if self._started:
            raise RuntimeError("the scheduler was already started")
        self._started = True
        if self.serial:
            t = threading.Thread(target=self._serial, name="drill-serial", daemon=True)
            self._threads.append(t)
            t.start()
            return self
        for host in self.hosts:
            queue = [p for p in self.plan if p.host == host]
            if not queue:
                continue
            t = threading.Thread(target=self._launch, args=(host, queue), name=f"drill-{host}", daemon=True)
            self._threads.append(t)
            t.start()
        return self

    def _serial(self) -> None:
        for p in self.plan:
            if self._stopping.is_set():
                self._cancel(p)
                continue
            self._run_one(p, restore_slot=None)
            out = self.outcomes[p.name]
            if not self.release_when_booted and out.booted is not None:
                # a serial run waits for its consumer before the next scenario (today's order)
                while not self._stopping.is_set() and p.name not in self._released_names():
                    with self._done_cond:
                        self._done_cond.wait(0.2)

    def _launch(self, host: str, queue: list[PlannedScenario]) -> None:
        cap = self.hosts[host]
        restore_slots = threading.BoundedSemaphore(cap.max_concurrent_restores)
        waiting = list(queue)
        workers: list[threading.Thread] = []
        while waiting:
            if not self._acquire(restore_slots):
                break
            p = self._take_next(host, waiting, cap.max_in_flight)
            if p is None:  # stopping
                restore_slots.release()
                break
            t = threading.Thread(target=self._run_one, args=(p, restore_slots),
                                 name=f"drill-{host}-{p.name}", daemon=True)
            workers.append(t)
            t.start()
        for p in waiting:
            self._cancel(p)
        for t in workers:
            t.join()

    def _acquire(self, sem: threading.BoundedSemaphore) -> bool:
        while not self._stopping.is_set():
            if sem.acquire(timeout=0.2):
                return True
        return False

    def _take_next(self, host: str, waiting: list[PlannedScenario], max_shells: int) -> PlannedScenario | None:
        """The next scenario of ``host`` to start (taken out of ``waiting``, with its shell and its
        exclusive resource), once one can start; None when the drill is stopping. Plan order, with
        two rules: a scenario whose exclusive resource is busy waits (Windows Server Backup runs one
        job per host: a second Start-WB*Recovery fails), and a scenario that needs a free exclusive
        resource goes first, so that the host's chain of WSB jobs, which cannot overlap, never
        idles. A scenario started ahead of the plan's first waiting one must leave a shell free:
        that first one can then always start, and since a VM's memory is reserved in plan order, a
        consumer that takes the scenarios in plan order cannot wait forever.

        With the host's ``storage_rate`` known, a scenario without an exclusive resource also waits
        while the restores running write at least that much in all (their estimated ``rate``): a
        volume that is already full gets no faster from one more stream, which only takes its share
        from the others, among them the WSB job that the host's chain waits for. The chain's next
        job itself does not wait for that: the chain cannot be parallelised, so it must not idle."""
        with self._launch_cond:
            while not self._stopping.is_set():
                free = max_shells - self._shells[host]
                storage = self.hosts[host].storage_rate
                full = storage > 0 and self._writing[host] >= storage
                ready = [p for p in waiting if (not p.exclusive or (host, p.exclusive) not in self._busy)
                         and (p.exclusive or not full)]
                pick = next((p for p in ready if p.exclusive), ready[0] if ready else None)
                if pick is not None and pick is not waiting[0] and free < 2:
                    pick = waiting[0] if waiting[0] in ready else None
                if pick is not None and free >= 1:
                    waiting.remove(pick)
                    self._shells[host] += 1
                    self._writing[host] += pick.rate
                    if pick.exclusive:
                        self._busy[(host, pick.exclusive)] = pick.name
                    return pick
                self._launch_cond.wait(0.2)
        return None

    def _give_back(self, p: PlannedScenario, *, shell: bool = False, slot: bool = False) -> None:
        """``slot``: its restore's bytes are written (its exclusive resource and its share of the
        storage are free); ``shell``: its worker ended."""
        with self._launch_cond:
            if slot:
                self._writing[p.host] = max(0.0, self._writing[p.host] - p.rate)
            if slot and p.exclusive and self._busy.get((p.host, p.exclusive)) == p.name:
                del self._busy[(p.host, p.exclusive)]
            if shell:
                self._shells[p.host] -= 1
            self._launch_cond.notify_all()

    def _cancel(self, p: PlannedScenario) -> None:
        out = self.outcomes[p.name]
        out.error, out.failed_in = Cancelled(f"{p.name}: not started, the run was stopped"), "cancelled"
        self._publish(out)

    def _run_one(self, p: PlannedScenario, restore_slot: threading.BoundedSemaphore | None) -> None:
        out = self.outcomes[p.name]
        freed = threading.Event()

        def free_slot() -> None:  # the next restore starts while this one boots (or its BMR's system does)
            if restore_slot is not None and not freed.is_set():
                freed.set()
                restore_slot.release()
                self._give_back(p, slot=True)

        try:
            out.restore_started = time.monotonic()
            try:
                with phases.on_bytes_in_place(free_slot):
                    out.restored = self.work.restore_one(p.scenario if p.scenario is not None else p.name)
            except BaseException as exc:  # noqa: BLE001 - one scenario's failure is its own outcome
                out.error, out.failed_in = exc, "restore"
                log.warning("drill: restore of %s on %s failed: %s", p.name, p.host, exc)
            finally:
                out.restore_finished = time.monotonic()
                free_slot()
            if out.ok and p.boots:
                self._boot(p, out)
            elif p.boots:
                self._memory[p.host].forget(self._rank[p.name])
        finally:
            self._publish(out)
            if restore_slot is not None:
                self._give_back(p, shell=True)

    def _boot(self, p: PlannedScenario, out: ScenarioOutcome) -> None:
        need = p.memory_bytes
        memory_of = getattr(self.work, "memory_of", None)
        if callable(memory_of):  # the restored VM's own startup memory, once it is known
            try:
                need = int(memory_of(p.scenario if p.scenario is not None else p.name, out.restored) or need)
            except Exception as exc:  # noqa: BLE001 - the plan's estimate stands
                log.warning("drill: memory of %s not read (%s); using the plan's %d bytes", p.name, exc, need)
        pool = self._memory[p.host]
        try:
            taken = pool.acquire(need, self._stopping, self._rank[p.name])
        except Cancelled as exc:
            out.error, out.failed_in = exc, "cancelled"
            return
        with self._lock:
            self._held[p.name] = taken
        try:
            out.booted = self.work.boot_one(p.scenario if p.scenario is not None else p.name, out.restored)
        except BaseException as exc:  # noqa: BLE001
            out.error, out.failed_in = exc, "boot"
            log.warning("drill: boot of %s on %s failed: %s", p.name, p.host, exc)
        finally:
            out.boot_finished = time.monotonic()
        if self.release_when_booted:
            self._release(p.name)

    def _publish(self, out: ScenarioOutcome) -> None:
        if out.ready.is_set():
            return
        with self._done_cond:
            self._finished_order.append(out.name)
            out.ready.set()
            self._done_cond.notify_all()

    # ------------------------------------------------------------------ consuming
    def result(self, name: str, timeout: float | None = None) -> ScenarioOutcome:
        """The outcome of scenario ``name``, as soon as it is ready (blocks until then)."""
        out = self.outcomes.get(name)
        if out is None:
            raise KeyError(f"scenario {name!r} is not in this drill's plan")
        if not out.ready.wait(timeout):
            raise TimeoutError(f"scenario {name} is not ready after {timeout} s")
        return out

    def as_completed(self, timeout: float | None = None) -> Iterator[ScenarioOutcome]:
        """Every outcome, in the order they become ready."""
        given = 0
        deadline = None if timeout is None else time.monotonic() + timeout
        while given < len(self.outcomes):
            with self._done_cond:
                while len(self._finished_order) <= given:
                    left = None if deadline is None else deadline - time.monotonic()
                    if left is not None and left <= 0:
                        raise TimeoutError(f"{len(self.outcomes) - given} scenario(s) not ready after {timeout} s")
                    self._done_cond.wait(0.2 if left is None else min(0.2, left))
                name = self._finished_order[given]
            given += 1
            yield self.outcomes[name]

    def done(self, name: str) -> None:
        """The consumer is done with scenario ``name``: stop its VM and give its memory back."""
        self._release(name)

    def _released_names(self) -> set[str]:
        with self._lock:
            return set(self._released)

    def _release(self, name: str) -> None:
        with self._lock:
            if name in self._released:
                return
            self._released.add(name)
            taken = self._held.pop(name, 0)
        p = self._planned[name]
        out = self.outcomes[name]
        try:
            if out.booted is not None or (out.failed_in == "boot"):
                self.work.release_one(p.scenario if p.scenario is not None else p.name, out.restored, out.booted)
        except Exception as exc:  # noqa: BLE001 - a VM that would not stop keeps its memory
            log.warning("drill: %s could not be released: %s; its memory stays taken", name, exc)
            taken = 0
        finally:
            if taken:
                self._memory[p.host].release(taken)
            with self._done_cond:
                self._done_cond.notify_all()

    # ------------------------------------------------------------------ stopping
    def stop(self) -> None:
        """Ctrl-C: start nothing new; operations already running finish (their cleanup is the
        ledger's and teardown's, as in a serial run)."""
        self._stopping.set()

    @property
    def stopping(self) -> bool:
        """True once :meth:`stop` was called."""
        return self._stopping.is_set()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for every launcher and worker; True when all ended."""
        deadline = None if timeout is None else time.monotonic() + timeout
        for t in list(self._threads):
            t.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        return not any(t.is_alive() for t in self._threads)

    def __enter__(self) -> DrillScheduler:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        if exc and exc[0] is not None:
            self.stop()
        self.join()
