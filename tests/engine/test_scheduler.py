"""The drill scheduler (harness/engine/scheduler.py) with a recording Work: concurrency limits,
copies overlapping boots, host memory, one failure staying with its scenario, serial mode, Ctrl-C."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from harness.engine.scheduler import (
    Cancelled,
    DrillScheduler,
    HostCapacity,
    PlannedScenario,
    default_max_concurrent_restores,
    order_plan,
)

GB = 2**30
WAIT = 10.0  # real seconds a test waits for something that must happen (never a speed assertion)


class Recorder:
    """A Work that records what runs at once; restores and boots may be held until the test lets go."""

    def __init__(self, fail_restore: set[str] = frozenset(), hold_restores: bool = False) -> None:
        self.lock = threading.Lock()
        self.running: dict[str, int] = {"restore": 0, "boot": 0}
        self.peak: dict[str, int] = {"restore": 0, "boot": 0}
        self.events: list[str] = []
        self.fail_restore = set(fail_restore)
        self.gate = threading.Event()
        if not hold_restores:
            self.gate.set()
        self.boot_hooks: dict[str, Any] = {}
        self.released: list[str] = []

    def _enter(self, kind: str, name: str) -> None:
        with self.lock:
            self.running[kind] += 1
            self.peak[kind] = max(self.peak[kind], self.running[kind])
            self.events.append(f"{kind}:{name}")

    def _leave(self, kind: str, name: str) -> None:
        with self.lock:
            self.running[kind] -= 1
            self.events.append(f"{kind}-end:{name}")

    def restore_one(self, scenario: Any) -> Any:
        self._enter("restore", scenario)
        try:
            assert self.gate.wait(WAIT)
            if scenario in self.fail_restore:
                raise RuntimeError(f"copy of {scenario} failed: There is not enough space on the disk.")
            return f"restored {scenario}"
        finally:
            self._leave("restore", scenario)

    def boot_one(self, scenario: Any, restored: Any) -> Any:
        self._enter("boot", scenario)
        try:
            hook = self.boot_hooks.get(scenario)
            if hook:
                hook()
            return f"booted {scenario}"
        finally:
            self._leave("boot", scenario)

    def release_one(self, scenario: Any, restored: Any, booted: Any) -> None:
        with self.lock:
            self.released.append(scenario)


def _plan(names: list[str], host: str = "HV1", memory: int = 8 * GB) -> list[PlannedScenario]:
    return [PlannedScenario(n, host, n, memory_bytes=memory) for n in names]


def _caps(k: int, memory: int = 256 * GB, host: str = "HV1") -> dict[str, HostCapacity]:
    return {host: HostCapacity(host, k, memory)}


def test_at_most_max_concurrent_restores_run_at_once_per_host() -> None:
    work = Recorder(hold_restores=True)
    sched = DrillScheduler(work, _caps(2), _plan(["a", "b", "c", "d", "e"]), release_when_booted=True).start()
    _until(lambda: work.running["restore"] == 2)
    work.gate.set()
    assert all(o.ok for o in sched.as_completed(timeout=WAIT))
    assert work.peak["restore"] == 2
    assert sched.join(WAIT)


def test_the_next_restore_copies_while_a_restored_vm_boots() -> None:
    work = Recorder()
    second_started = threading.Event()
    work.boot_hooks["a"] = lambda: second_started.wait(WAIT) or pytest.fail("b's restore waited for a's boot")
    orig = work.restore_one

    def restore(scenario: Any) -> Any:
        if scenario == "b":
            second_started.set()
        return orig(scenario)

    work.restore_one = restore  # type: ignore[method-assign]
    sched = DrillScheduler(work, _caps(1), _plan(["a", "b"]), release_when_booted=True).start()
    outs = {o.name: o for o in sched.as_completed(timeout=WAIT)}
    assert outs["a"].ok and outs["b"].ok


def test_a_vm_starts_only_when_the_host_has_memory_for_it() -> None:
    work = Recorder()
    sched = DrillScheduler(work, _caps(3, memory=16 * GB), _plan(["a", "b", "c"])).start()
    first_two = [sched.result(n, WAIT) for n in ("a", "b")]  # order_plan keeps a, b, c (equal estimates)
    assert all(o.booted for o in first_two)
    with pytest.raises(TimeoutError):
        sched.result("c", timeout=0.3)  # 16 GB are taken by a and b
    assert "boot:c" not in work.events
    sched.done("a")  # the consumer is done with a: it is stopped, its memory is back
    assert sched.result("c", WAIT).booted == "booted c"
    assert work.released == ["a"]
    sched.done("b")
    sched.done("c")
    assert sched.join(WAIT)


def test_a_failed_restore_fails_only_its_own_scenario() -> None:
    work = Recorder(fail_restore={"b"})
    sched = DrillScheduler(work, _caps(3), _plan(["a", "b", "c"]), release_when_booted=True).start()
    outs = {o.name: o for o in sched.as_completed(timeout=WAIT)}
    assert outs["b"].failed_in == "restore" and "not enough space" in str(outs["b"].error)
    assert outs["b"].booted is None and "boot:b" not in work.events
    assert outs["a"].booted == "booted a" and outs["c"].booted == "booted c"


def test_serial_mode_runs_one_scenario_at_a_time_in_plan_order_and_waits_for_the_consumer() -> None:
    work = Recorder()
    plan = [PlannedScenario("small", "HV1", "small", 8 * GB, boot_to_healthy_s=10),
            PlannedScenario("big", "HV1", "big", 8 * GB, boot_to_healthy_s=900)]
    sched = DrillScheduler(work, _caps(4), plan, serial=True).start()
    assert sched.result("small", WAIT).ok
    with pytest.raises(TimeoutError):
        sched.result("big", timeout=0.3)  # not before the consumer is done with "small"
    sched.done("small")
    assert sched.result("big", WAIT).ok
    sched.done("big")
    assert sched.join(WAIT)
    assert work.events == ["restore:small", "restore-end:small", "boot:small", "boot-end:small",
                           "restore:big", "restore-end:big", "boot:big", "boot-end:big"]


def test_stop_starts_nothing_new_and_cancels_the_rest() -> None:
    work = Recorder(hold_restores=True)
    sched = DrillScheduler(work, _caps(1), _plan(["a", "b", "c"]), release_when_booted=True).start()
    _until(lambda: work.running["restore"] == 1)
    sched.stop()
    work.gate.set()
    outs = {o.name: o for o in sched.as_completed(timeout=WAIT)}
    assert outs["a"].restored == "restored a"  # the running one finishes
    assert isinstance(outs["b"].error, Cancelled) and outs["c"].failed_in == "cancelled"
    assert "restore:b" not in work.events
    assert sched.join(WAIT)


def test_hosts_run_side_by_side_each_with_its_own_limit() -> None:
    work = Recorder(hold_restores=True)
    caps = {"HV1": HostCapacity("HV1", 1, 64 * GB), "HV2": HostCapacity("HV2", 1, 64 * GB)}
    plan = _plan(["a1", "a2"], "HV1") + _plan(["b1", "b2"], "HV2")
    sched = DrillScheduler(work, caps, plan, release_when_booted=True).start()
    _until(lambda: work.running["restore"] == 2)  # one per host
    work.gate.set()
    assert sorted(o.name for o in sched.as_completed(timeout=WAIT)) == ["a1", "a2", "b1", "b2"]
    assert work.peak["restore"] == 2


def test_order_plan_puts_long_boots_first_and_short_ones_last() -> None:
    plan = [PlannedScenario("quick", "H", boot_to_healthy_s=60, restore_bytes=100),
            PlannedScenario("cm", "H", boot_to_healthy_s=400, restore_bytes=10),
            PlannedScenario("sql", "H", boot_to_healthy_s=400, restore_bytes=50)]
    assert [p.name for p in order_plan(plan)] == ["sql", "cm", "quick"]


def test_order_plan_starts_the_longest_restores_first_and_the_storage_fillers_last() -> None:
    """Same bytes and boots: a BMR (WinPE, wbengine's rate, the recovered system's boot) takes longer
    than a WSB VM recovery, which takes longer than an import copy at the volume's rate: the import
    ends the plan, where one restore alone still keeps the scratch volume busy."""
    plan = [PlannedScenario("imp", "H", boot_to_healthy_s=225, restore_bytes=40, restore_s=102),
            PlannedScenario("wsb", "H", boot_to_healthy_s=225, restore_bytes=40, restore_s=293),
            PlannedScenario("bmr", "H", boot_to_healthy_s=225, restore_bytes=40, restore_s=408),
            PlannedScenario("imp2", "H", boot_to_healthy_s=225, restore_bytes=40, restore_s=102)]
    assert [p.name for p in order_plan(plan)] == ["bmr", "wsb", "imp", "imp2"]
    unknown = [PlannedScenario(n, "H") for n in ("c", "a", "b")]
    assert [p.name for p in order_plan(unknown)] == ["c", "a", "b"]  # no estimates: the plan's own order


def test_default_concurrency_follows_scratch_space_and_memory() -> None:
    assert default_max_concurrent_restores(scratch_free_bytes=2000 * GB, largest_restore_bytes=100 * GB,
                                           vm_memory_bytes=248 * GB, largest_vm_memory_bytes=16 * GB) == 4
    assert default_max_concurrent_restores(scratch_free_bytes=250 * GB, largest_restore_bytes=100 * GB,
                                           vm_memory_bytes=248 * GB, largest_vm_memory_bytes=16 * GB) == 2
    assert default_max_concurrent_restores(scratch_free_bytes=2000 * GB, largest_restore_bytes=100 * GB,
                                           vm_memory_bytes=24 * GB, largest_vm_memory_bytes=16 * GB) == 1


def test_bad_plans_and_capacities_are_refused_with_the_reason() -> None:
    with pytest.raises(ValueError, match="unique in a plan: a"):
        DrillScheduler(Recorder(), _caps(1), _plan(["a", "a"]))
    with pytest.raises(ValueError, match="hosts without a capacity: HV9"):
        DrillScheduler(Recorder(), _caps(1), _plan(["a"], host="HV9"))
    with pytest.raises(ValueError, match="max_concurrent_restores must be at least 1"):
        HostCapacity("HV1", 0, GB)


def _until(pred: Any) -> None:
    import time

    end = time.monotonic() + WAIT
    while not pred():
        assert time.monotonic() < end, "the condition never came true"
        time.sleep(0.005)


def test_a_later_vm_never_takes_the_memory_an_earlier_one_in_the_plan_waits_for() -> None:
    work = Recorder()
    first_restored = threading.Event()
    orig = work.restore_one

    def restore(scenario: Any) -> Any:
        if scenario == "a":
            assert first_restored.wait(WAIT)  # a's restore is the slow one
        return orig(scenario)

    work.restore_one = restore  # type: ignore[method-assign]
    # 16 GB: a (first in the plan) needs 8; b and c are restored first and would take all 16
    sched = DrillScheduler(work, _caps(3, memory=16 * GB), _plan(["a", "b", "c"])).start()
    assert sched.result("b", WAIT).booted == "booted b"
    with pytest.raises(TimeoutError):
        sched.result("c", timeout=0.3)  # c waits: the remaining 8 GB are a's
    first_restored.set()
    assert sched.result("a", WAIT).booted == "booted a"
    for name in ("a", "b"):
        sched.done(name)
    assert sched.result("c", WAIT).booted == "booted c"
    sched.done("c")
    assert sched.join(WAIT)


def _exclusive_peak(events: list[str], names: set[str]) -> int:
    """The most restores of ``names`` that ran at once, from the recorded events."""
    running = peak = 0
    for e in events:
        kind, name = e.split(":", 1)
        if name in names and kind == "restore":
            running += 1
            peak = max(peak, running)
        elif name in names and kind == "restore-end":
            running -= 1
    return peak


def test_restores_that_need_the_same_host_resource_never_overlap_on_a_host() -> None:
    """Windows Server Backup runs one job per machine: two WSB restores on one host never run at
    once, whatever the limit; an import beside them does, and another host's WSB job does too."""
    work = Recorder(hold_restores=True)
    caps = {"HV1": HostCapacity("HV1", 4, 256 * GB), "HV2": HostCapacity("HV2", 4, 256 * GB)}
    plan = [PlannedScenario(n, "HV1", n, 8 * GB, exclusive="wbengine") for n in ("w1", "w2", "w3")]
    plan += [PlannedScenario("imp", "HV1", "imp", 8 * GB), PlannedScenario("w9", "HV2", "w9", 8 * GB,
                                                                           exclusive="wbengine")]
    sched = DrillScheduler(work, caps, plan, release_when_booted=True).start()
    _until(lambda: work.running["restore"] == 3)  # w1 and imp on HV1, w9 on HV2
    assert sorted(e for e in work.events if e.startswith("restore:")) == ["restore:imp", "restore:w1", "restore:w9"]
    work.gate.set()
    assert all(o.ok for o in sched.as_completed(timeout=WAIT))
    assert _exclusive_peak(work.events, {"w1", "w2", "w3"}) == 1
    assert sched.join(WAIT)


def test_a_free_exclusive_resource_goes_to_the_first_scenario_that_needs_it() -> None:
    """The host's chain of WSB jobs cannot overlap, so it must never idle: when a slot frees and the
    WSB engine is free, a WSB restore starts before imports planned ahead of it."""
    work = Recorder(hold_restores=True)
    plan = _plan(["i1", "i2", "i3"]) + [PlannedScenario("w1", "HV1", "w1", 8 * GB, exclusive="wbengine")]
    sched = DrillScheduler(work, _caps(2), plan, release_when_booted=True).start()
    _until(lambda: work.running["restore"] == 2)
    assert sorted(e for e in work.events if e.startswith("restore:")) == ["restore:i1", "restore:w1"]
    work.gate.set()
    assert all(o.ok for o in sched.as_completed(timeout=WAIT))
    assert sched.join(WAIT)


def test_a_scenario_started_ahead_of_the_plan_leaves_a_shell_for_the_first_waiting_one() -> None:
    """With one shell left, only the plan's first waiting scenario may take it (a VM's memory is
    reserved in plan order, so a consumer that takes scenarios in plan order never waits forever):
    with one shell in all, the WSB restore that would otherwise go first waits its turn."""
    work = Recorder()
    caps = {"HV1": HostCapacity("HV1", 4, 256 * GB, max_in_flight=1)}
    plan = _plan(["i1", "i2"]) + [PlannedScenario("w1", "HV1", "w1", 8 * GB, exclusive="wbengine")]
    sched = DrillScheduler(work, caps, plan, release_when_booted=True).start()
    assert all(o.ok for o in sched.as_completed(timeout=WAIT))
    assert [e for e in work.events if e.startswith("restore:")] == ["restore:i1", "restore:i2", "restore:w1"]
    assert sched.join(WAIT)


def test_a_restore_whose_bytes_are_in_place_gives_its_slot_to_the_next_one() -> None:
    """A BMR says when WinPE has written the disk (harness.restore.phases.bytes_in_place); the rest of
    its restore (logs, the recovered system's boot) moves no bytes, so the next restore starts then."""
    from harness.restore import phases

    work = Recorder()
    second_started = threading.Event()
    orig = work.restore_one

    def restore(scenario: Any) -> Any:
        if scenario == "bmr":
            phases.bytes_in_place()
            assert second_started.wait(WAIT), "the next restore waited for the whole BMR"
        else:
            second_started.set()
        return orig(scenario)

    work.restore_one = restore  # type: ignore[method-assign]
    sched = DrillScheduler(work, _caps(1), _plan(["bmr", "imp"]), release_when_booted=True).start()
    assert all(o.ok for o in sched.as_completed(timeout=WAIT))
    assert sched.join(WAIT)



class Gated(Recorder):
    """A Recorder whose restores each wait for their own gate (``let(name)``)."""

    def __init__(self) -> None:
        super().__init__()
        self.gates: dict[str, threading.Event] = {}

    def let(self, name: str) -> None:
        self.gates.setdefault(name, threading.Event()).set()

    def restore_one(self, scenario: Any) -> Any:
        self._enter("restore", scenario)
        try:
            assert self.gates.setdefault(scenario, threading.Event()).wait(WAIT)
            return f"restored {scenario}"
        finally:
            self._leave("restore", scenario)


MB = 2**20


def _started(work: Recorder) -> list[str]:
    with work.lock:
        return [e.split(":", 1)[1] for e in work.events if e.startswith("restore:")]


def test_with_the_storage_rate_known_a_restore_waits_while_the_running_ones_fill_the_volume() -> None:
    """Scratch volume 400 MB/s, limit 3: beside a copy that writes 400 MB/s alone no second copy
    starts (it would only take half of the first one's rate), but three restores that each write
    150 MB/s alone (wbengine's rate) do run together."""
    work = Gated()
    caps = {"HV1": HostCapacity("HV1", 3, 256 * GB, storage_rate=400 * MB)}
    plan = [PlannedScenario(n, "HV1", n, 8 * GB, rate=400 * MB) for n in ("i1", "i2")]
    plan += [PlannedScenario(n, "HV1", n, 8 * GB, rate=150 * MB) for n in ("b1", "b2", "b3")]
    sched = DrillScheduler(work, caps, plan, release_when_booted=True).start()
    _until(lambda: _started(work) == ["i1"])
    work.let("i1")
    _until(lambda: _started(work) == ["i1", "i2"])
    # the volume was full: i2 waited for i1's end though a slot was free
    assert work.events.index("restore:i2") > work.events.index("restore-end:i1")
    work.let("i2")
    _until(lambda: len(_started(work)) == 5)
    assert work.running["restore"] == 3  # b1..b3 at once: 450 MB/s asked of a 400 MB/s volume only by the third
    for name in ("b1", "b2", "b3"):
        work.let(name)
    assert all(o.ok for o in sched.as_completed(timeout=WAIT))
    assert sched.join(WAIT)


def test_the_next_job_of_a_hosts_chain_starts_even_when_the_volume_is_full() -> None:
    """One WSB job per host: the chain of them cannot be parallelised, so when one ends the next
    starts at once, even while a copy fills the volume (that copy then shares it)."""
    work = Gated()
    caps = {"HV1": HostCapacity("HV1", 3, 256 * GB, storage_rate=400 * MB)}
    plan = [PlannedScenario(n, "HV1", n, 8 * GB, exclusive="wbengine", rate=150 * MB) for n in ("w1", "w2")]
    plan += [PlannedScenario(n, "HV1", n, 8 * GB, rate=400 * MB) for n in ("i1", "i2")]
    sched = DrillScheduler(work, caps, plan, release_when_booted=True).start()
    _until(lambda: sorted(_started(work)) == ["i1", "w1"])  # 550 MB/s asked: i2 waits
    work.let("w1")
    _until(lambda: sorted(_started(work)) == ["i1", "w1", "w2"])  # i1 alone fills the volume; w2 starts anyway
    for name in ("w2", "i1", "i2"):
        work.let(name)
    assert all(o.ok for o in sched.as_completed(timeout=WAIT))
    # i2 started only once i1 ended: beside i1 (400 MB/s alone) the volume stayed full
    assert work.events.index("restore:i2") > work.events.index("restore-end:i1")
    assert sched.join(WAIT)


def test_without_rates_the_limit_alone_decides() -> None:
    """No storage rate for the host (a run under pytest has no estimates): restores of unknown rate
    start up to max_concurrent_restores, as before."""
    work = Gated()
    sched = DrillScheduler(work, _caps(3), _plan(["a", "b", "c", "d"]), release_when_booted=True).start()
    _until(lambda: len(_started(work)) == 3)
    for name in "abcd":
        work.let(name)
    assert all(o.ok for o in sched.as_completed(timeout=WAIT))
    assert sched.join(WAIT)


def test_a_negative_storage_rate_is_refused() -> None:
    with pytest.raises(ValueError, match="storage_rate must not be negative"):
        HostCapacity("HV1", 2, 8 * GB, storage_rate=-1)
