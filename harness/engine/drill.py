"""The drill scheduler on the restore engine's run (harness/engine/run.py): per-thread host
connections, the run's restore and boot as the scheduler's unit of work, host-side waits, each
host's capacity, and :func:`start_drill`, which the pytest side (harness/drill_pytest.py) calls.
See harness/engine/scheduler.py for the scheduling itself and docs/drills.md for the whole.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from typing import Any

from harness.engine.scheduler import (GB, Cancelled, DrillScheduler, HostCapacity, PlannedScenario,
                                      default_max_concurrent_restores)

log = logging.getLogger(__name__)

def host_sleep(host: Any) -> Callable[[float], None]:
    """A ``sleep`` for the polls of a restore, boot or service check that waits ON the lab host
    (template ``host_wait``: Start-Sleep there), over the worker's own connection. The wait then
    happens where the work happens: on a real host it costs what a local sleep costs plus one
    round trip; a simulated lab counts it in its own (simulated) time."""

    def sleep(seconds: float) -> None:
        if seconds <= 0:  # nothing to wait for: no round trip
            return
        host.run("host_wait", {"seconds": round(min(max(float(seconds), 0.0), 3600.0), 3)}, idempotent=True)

    return sleep


def stoppable(sleep_for: Callable[[Any], Callable[[float], None]], sched: DrillScheduler
              ) -> Callable[[Any], Callable[[float], None]]:
    """``sleep_for`` whose waits end the polling operation (:class:`Cancelled`) once the drill is
    stopping (Ctrl-C, or the session ended): a worker then gives up a long wait (a boot's heartbeat,
    a WSB job) as a serial run does when Ctrl-C interrupts it, instead of keeping teardown waiting;
    what it created is in the ledger for teardown."""

    def for_host(host: Any) -> Callable[[float], None]:
        sleep = sleep_for(host)

        def wait(seconds: float) -> None:
            if sched.stopping:
                raise Cancelled("the drill is stopping: the wait was given up")
            sleep(seconds)

        return wait

    return for_host


HOST_RESERVE_BYTES = 8 * GB  # memory the Hyper-V host keeps for itself (the parent partition)


class ThreadHosts(Mapping[str, Any]):
    """The run's host connections as each thread sees them: the thread that created this mapping
    gets the run's own connections; every other thread (a scheduler worker) gets its own, opened on
    first use with the same settings, so each concurrent operation has its own WinRS shell."""

    def __init__(self, hosts: Mapping[str, Any], opener: Callable[[Any], Any] | None = None) -> None:
        self._base = dict(hosts)
        self._owner = threading.get_ident()
        self._opener = opener or _connect_like
        self._lock = threading.Lock()
        self._mine: dict[int, dict[str, Any]] = {}

    def __getitem__(self, name: str) -> Any:
        base = self._base[name]
        me = threading.get_ident()
        if me == self._owner:
            return base
        with self._lock:
            conn = self._mine.get(me, {}).get(name)
        if conn is None:
            conn = self._opener(base)
            with self._lock:
                self._mine.setdefault(me, {})[name] = conn
        return conn

    def __iter__(self) -> Iterator[str]:
        return iter(self._base)

    def __len__(self) -> int:
        return len(self._base)

    def close_thread(self) -> None:
        """Close the calling thread's own connections (its shells)."""
        with self._lock:
            conns = self._mine.pop(threading.get_ident(), {})
        for conn in conns.values():
            _close(conn)

    def close_all(self) -> None:
        with self._lock:
            every = [c for conns in self._mine.values() for c in conns.values()]
            self._mine.clear()
        for conn in every:
            _close(conn)


def _connect_like(remote: Any) -> Any:
    from harness.remote.session import connect

    return connect(remote.config)


def _close(conn: Any) -> None:
    try:
        conn.close()
    except Exception as exc:  # noqa: BLE001 - a shell that will not close expires on the host
        log.warning("drill: closing a worker connection failed: %s", exc)


class EngineWork:
    """The scheduler's unit of work on the restore engine's run (harness/engine/run.py): the run's own
    ``restore`` and ``boot`` (done once per scenario, whoever asks first; tests that ask later get the
    same outcome), on the worker thread's own connection. What a worker reports (steps, remote
    operations) is kept by scenario and phase (``Run.elsewhere``) and shown in the test that takes
    the outcome, never in whichever test the tests' thread runs meanwhile."""

    def __init__(self, run: Any, hosts: ThreadHosts) -> None:
        self.run = run
        self.hosts = hosts
        self.scheduler: DrillScheduler | None = None  # set by start_drill: a stopping drill settles nothing

    def restore_one(self, scenario: Any) -> Any:
        try:
            with self.run.elsewhere(scenario, "restore"):
                return self.run.restore(scenario)
        except BaseException:
            self.hosts.close_thread()
            raise

    def memory_of(self, scenario: Any, restored: Any) -> int | None:
        """The restored VM's startup memory, from the host's facts."""
        from harness.hyperv.operations import gather_vm_facts

        result = getattr(restored, "result", None)
        if result is None or not getattr(result, "vm_id", None):
            return None
        host = self.run.host_of(scenario).name
        with self.run.elsewhere(scenario, "boot"):
            facts = gather_vm_facts(self.hosts[host], host, [(result.vm_id, result.plan.run_dir)])
        vm = facts.vm(result.vm_id)
        return vm.memory.startup if vm is not None else None

    def boot_one(self, scenario: Any, restored: Any) -> Any:
        try:
            if getattr(restored, "result", None) is None:  # a defect: nothing to boot; the tests report it
                return None
            with self.run.elsewhere(scenario, "boot"):
                booted = self.run.boot(scenario)
            with self.run.elsewhere(scenario, "settle"):
                self.settle(scenario, restored)
            return booted
        finally:
            self.hosts.close_thread()

    def settle(self, scenario: Any, restored: Any) -> None:
        """Wait, in the worker, until the guest's services have settled (the scenario's service
        profiles), and when they are healthy keep that moment (``Run.services_seen_healthy``): the
        tests take scenarios one after the other, so the moment a test gets to look can be long after
        the services were healthy; when the service test passes, the RTO ends at this moment. Anything
        wrong is left to the scenario's service test to report."""
        from harness.checks.services import wait_until_settled
        from harness.checks.switches import isolation_violations
        from harness.guest.select import guest_channel
        from harness.profiles import scenario_profile

        if self.scheduler is not None and self.scheduler.stopping:
            return
        inventory = self.run.inventory
        try:
            profile = scenario_profile(list(scenario.service_profiles), list(scenario.services),
                                       inventory.profile_search_path())
            if profile is None or inventory.guest(scenario.vm) is None:
                return
            host_cfg = self.run.host_of(scenario)
            result = restored.result
            facts = self.run.facts(host_cfg.name)
            vm = facts.vm(result.vm_id)
            problems = isolation_violations(vm, facts, [s.name for s in host_cfg.isolated_switches]) if vm else []
            if problems:
                return
            channel = guest_channel(inventory, host_cfg, self.hosts[host_cfg.name], scenario, result.vm_name, [])
            outcome = wait_until_settled(channel, profile, sleep=self.run.poll_wait(host_cfg.name))
            if outcome.result.ok:
                self.run.services_seen_healthy(scenario)
        except Exception as exc:  # noqa: BLE001 - the service test reports it with its own evidence
            log.info("drill: services of %s not settled in the worker (%s); the tests check them", scenario.name, exc)

    def release_one(self, scenario: Any, restored: Any, booted: Any) -> None:
        result = getattr(restored, "result", None)
        if result is None or not getattr(result, "vm_id", None):
            return
        self.hosts[self.run.host_of(scenario).name].run("vm_stop", {"vm_id": result.vm_id})


def host_capacity(run: Any, host_cfg: Any) -> HostCapacity:
    """A host's capacity for the drill: the inventory's ``max_concurrent_restores``, or the default
    from its scratch volume and memory (read from the host: ``drill_capacity`` template)."""
    data = run.hosts[host_cfg.name].run("drill_capacity", {"scratch_root": host_cfg.scratch_root}, idempotent=True) or {}
    memory = max(0, int(data.get("MemoryCapacity") or 0) - HOST_RESERVE_BYTES - int(data.get("RunningVmMemory") or 0))
    limit = getattr(host_cfg, "max_concurrent_restores", None)
    if not limit:
        needed = [hp.needed for name, hp in getattr(run.preflight_report, "hosts", {}).items() if name == host_cfg.name]
        scenarios = [s for s in run.scenarios if run.host_of(s).name == host_cfg.name] or [None]
        largest = max(needed or [0]) // max(1, len(scenarios)) or GB
        limit = default_max_concurrent_restores(scratch_free_bytes=int(data.get("ScratchFree") or 0),
                                                largest_restore_bytes=largest, vm_memory_bytes=memory,
                                                largest_vm_memory_bytes=8 * GB)
    return HostCapacity(host_cfg.name, int(limit), memory)


def start_drill(run: Any, scenarios: Sequence[Any], *, serial: bool = False, release_when_booted: bool = False,
                boots: Collection[str] | None = None) -> DrillScheduler:
    """Plan ``scenarios`` of the engine's ``run`` and start restoring them concurrently, and booting
    those whose method restores a VM and, when ``boots`` is given, whose names are in it (the run's
    hosts become :class:`ThreadHosts`, so workers have their own shells)."""
    from harness.restore.registry import boots_in_restore, host_exclusive, restores_vm

    hosts = run.hosts if isinstance(run.hosts, ThreadHosts) else ThreadHosts(run.hosts)
    run.hosts = hosts
    used = {run.host_of(s).name: run.host_of(s) for s in scenarios}
    caps = {name: host_capacity(run, cfg) for name, cfg in used.items()}
    plan = [PlannedScenario(s.name, run.host_of(s).name, s, memory_bytes=4 * GB,
                            boots=restores_vm(s) and (boots is None or s.name in boots or boots_in_restore(s)),
                            exclusive=host_exclusive(s))
            for s in scenarios]
    work = EngineWork(run, hosts)
    sched = DrillScheduler(work, caps, plan, serial=serial, release_when_booted=release_when_booted)
    work.scheduler = sched
    run.poll_sleep = stoppable(run.poll_sleep, sched)
    return sched.start()
