"""One run per lab host (harness/hostlock.py) against the simulated lab over real WinRM: the lock file
under the scratch root, refusal naming the holder, lease renewal, stale takeover only when asked."""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness import hostlock
from harness.errors import LabBusyError, UsageError, problem_kind
from harness.hostlock import HostLock, LeaseKeeper, LockInfo, acquire_all, check_run_id_unused, lock_path
from harness.inventory import load_inventory
from harness.ledger import Ledger, host_ledger_path
from harness.remote.session import connect

sim = pytest.importorskip("simlab")

INVENTORY = "inventories/sim-lab.yml"
ROOT = "E:\\RestoreTests"
RUN_A = "rh-20261122-0100-lka1"
RUN_B = "rh-20261122-0101-lkb2"


class Clock:
    def __init__(self) -> None:
        self.now = _dt.datetime(2026, 11, 22, 1, 0, tzinfo=_dt.UTC)

    def __call__(self) -> _dt.datetime:
        return self.now


@pytest.fixture(scope="module")
def lab() -> Iterator[Any]:
    mp = pytest.MonkeyPatch()
    mp.setenv("RH_SIM_PASSWORD", "lock-sim-pass-1")
    mp.setenv("RH_GUEST_PASSWORD", "guest-pass-1")
    mp.setenv("RH_NAS_USER", "wsb-reader")
    mp.setenv("RH_NAS_PASSWORD", "nas-pass-456")
    with sim.SimulatedLab.from_inventory(INVENTORY) as lab:
        yield lab
    mp.undo()


@pytest.fixture
def remote(lab: Any) -> Iterator[Any]:
    inv = load_inventory(INVENTORY)
    cfg = inv.hosts[0].model_copy(update={"address": "127.0.0.1", "port": int(lab.port)})
    with connect(cfg) as host:
        yield host
        # leave the lab as it was for the next test
        data = host.run("host_lock", {"action": "read", "path": lock_path(ROOT)})
        if data["exists"]:
            host.run("host_lock", {"action": "remove", "path": lock_path(ROOT), "expected": data["content"]})


def _lock(remote: Any, run_id: str, clock: Clock, **kw: Any) -> HostLock:
    kw.setdefault("controller", "ctl-1")
    kw.setdefault("pid", 4242)
    return HostLock(remote, "HV-LAB01", ROOT, run_id, lease_seconds=300, clock=clock, alive=lambda pid: False, **kw)


def _file(remote: Any) -> str | None:
    data = remote.run("host_lock", {"action": "read", "path": lock_path(ROOT)})
    return data["content"] if data["exists"] else None


def test_the_lock_file_holds_run_controller_process_start_and_lease(remote: Any) -> None:
    clock = Clock()
    lock = _lock(remote, RUN_A, clock)
    assert lock.acquire() is None
    data = json.loads(_file(remote) or "{}")
    assert data["run_id"] == RUN_A and data["controller"] == "ctl-1" and data["pid"] == 4242
    assert data["started"] == "2026-11-22T01:00:00+00:00" and data["lease_expires"] == "2026-11-22T01:05:00+00:00"
    assert lock.path == "E:\\RestoreTests\\restore-harness.lock"
    assert lock.release() is True and _file(remote) is None


def test_a_second_run_is_refused_with_the_holder_named(remote: Any) -> None:
    clock = Clock()
    first = _lock(remote, RUN_A, clock)
    first.acquire()
    with pytest.raises(LabBusyError) as info:
        _lock(remote, RUN_B, clock, controller="ctl-2", pid=99).acquire(take_over_stale=True)
    msg = str(info.value)
    assert problem_kind(info.value) == "lab"
    assert f"held by run {RUN_A} from controller ctl-1 (process 4242)" in msg and "one run per lab host" in msg
    assert json.loads(_file(remote) or "{}")["run_id"] == RUN_A  # untouched
    first.release()


def test_renewal_keeps_a_live_run_from_looking_stale(remote: Any) -> None:
    clock = Clock()
    first = _lock(remote, RUN_A, clock)
    first.acquire()
    keeper = LeaseKeeper([first], interval=3600)
    clock.now += _dt.timedelta(minutes=4)
    keeper.renew_all()
    clock.now += _dt.timedelta(minutes=4)  # 8 min after start; lease renewed at 4 min → until 9 min
    with pytest.raises(LabBusyError, match="Wait for that run to finish"):
        _lock(remote, RUN_B, clock, controller="ctl-2").acquire(take_over_stale=True)
    assert keeper.errors == [] and not keeper.lost.is_set()
    first.release()


def test_a_stale_lock_is_taken_over_only_when_asked_and_the_takeover_is_reported(remote: Any) -> None:
    clock = Clock()
    dead = _lock(remote, RUN_A, clock)
    dead.acquire()  # then the run is killed: no renewal, no release
    clock.now += _dt.timedelta(minutes=6)
    second = _lock(remote, RUN_B, clock, controller="ctl-2", pid=7)
    with pytest.raises(LabBusyError) as info:
        second.acquire()
    assert "lease has expired" in str(info.value) and "--take-over-stale-lock" in str(info.value)
    assert f"restore-harness cleanup --run-id {RUN_A}" in str(info.value)
    takeover = second.acquire(take_over_stale=True)
    assert takeover is not None and takeover.previous is not None and takeover.previous.run_id == RUN_A
    assert takeover.text().startswith(f"HV-LAB01: took over the stale lock {lock_path(ROOT)} (run {RUN_A} ")
    assert json.loads(_file(remote) or "{}")["run_id"] == RUN_B
    # the old run, if it wakes up, finds it lost the lock and never removes the new holder's file
    with pytest.raises(LabBusyError, match=f"lost its lock .* held by run {RUN_B}"):
        dead.renew()
    assert dead.release() is False and json.loads(_file(remote) or "{}")["run_id"] == RUN_B
    second.release()


def test_a_stale_lock_of_a_process_still_running_here_is_not_taken_over(remote: Any) -> None:
    clock = Clock()
    hung = _lock(remote, RUN_A, clock, controller="ctl-1", pid=555)
    hung.acquire()
    clock.now += _dt.timedelta(hours=1)
    other = HostLock(remote, "HV-LAB01", ROOT, RUN_B, clock=clock, controller="ctl-1", pid=556,
                     alive=lambda pid: pid == 555)
    with pytest.raises(LabBusyError, match="Wait for that run"):
        other.acquire(take_over_stale=True)
    hung.release()


def test_cleanup_of_the_same_run_reclaims_its_own_stale_lock(remote: Any) -> None:
    clock = Clock()
    _lock(remote, RUN_A, clock, pid=1).acquire()  # the run, SIGKILLed
    clock.now += _dt.timedelta(minutes=10)
    cleanup = _lock(remote, RUN_A, clock, pid=2)
    assert cleanup.acquire() is not None  # no option needed: it finishes exactly that run
    assert cleanup.release()


def test_cleanup_right_after_a_sigkill_on_this_controller_reclaims_the_run_lock_at_once(remote: Any) -> None:
    clock = Clock()
    _lock(remote, RUN_A, clock, pid=1).acquire()  # SIGKILLed a moment ago: its lease runs for minutes yet
    cleanup = _lock(remote, RUN_A, clock, pid=2)  # same controller; process 1 is gone (alive() is False)
    assert cleanup.acquire() is not None
    assert cleanup.release()
    other = _lock(remote, RUN_B, clock, pid=3)  # another run may not do the same without an expired lease
    _lock(remote, RUN_A, clock, pid=1).acquire()
    with pytest.raises(LabBusyError, match="Wait for that run"):
        other.acquire(take_over_stale=True)


def test_a_corrupt_lock_file_counts_as_stale(remote: Any) -> None:
    remote.run("host_lock", {"action": "create", "path": lock_path(ROOT), "content": "not json"})
    lock = _lock(remote, RUN_B, Clock())
    with pytest.raises(LabBusyError, match="unreadable content"):
        lock.acquire()
    takeover = lock.acquire(take_over_stale=True)
    assert takeover is not None and takeover.previous is None and takeover.previous_text == "not json"
    lock.release()


def test_acquire_all_takes_every_lock_or_none(remote: Any) -> None:
    clock = Clock()
    mine = _lock(remote, RUN_A, clock)

    class Busy:
        host = "HV-LAB02"
        held = None

        def acquire(self, take_over_stale: bool = False) -> None:
            raise LabBusyError("lab host HV-LAB02 is in use")

    with pytest.raises(LabBusyError):
        acquire_all([mine, Busy()])  # type: ignore[list-item]
    assert _file(remote) is None  # the first lock was given back


def test_a_run_id_with_a_ledger_locally_or_on_a_host_is_refused(remote: Any, tmp_path: Path) -> None:
    roots = {"HV-LAB01": ROOT}
    check_run_id_unused(RUN_A, tmp_path, roots, {"HV-LAB01": remote})  # fresh: accepted
    Ledger.create(RUN_A, tmp_path, roots)
    with pytest.raises(UsageError, match=f"run id {RUN_A} was used before: its ledger"):
        check_run_id_unused(RUN_A, tmp_path, roots, {"HV-LAB01": remote})
    remote.run("ledger_write", {"path": host_ledger_path(ROOT, RUN_B), "content": "{}"})
    with pytest.raises(UsageError, match=f"host HV-LAB01 holds its ledger {host_ledger_path(ROOT, RUN_B).replace(chr(92), chr(92) * 2)}"):
        check_run_id_unused(RUN_B, tmp_path, roots, {"HV-LAB01": remote})


def test_lock_info_round_trip_and_expiry() -> None:
    info = LockInfo(RUN_A, "ctl", 1, "2026-11-22T01:00:00+00:00", "2026-11-22T01:05:00+00:00", 300.0)
    parsed = LockInfo.parse(info.to_json())
    assert parsed is not None and parsed.run_id == RUN_A and parsed.raw == info.to_json()
    t = _dt.datetime(2026, 11, 22, 1, 4, tzinfo=_dt.UTC)
    assert not parsed.expired(t) and parsed.expired(t + _dt.timedelta(minutes=1))
    assert LockInfo.parse("{}") is None and hostlock.LOCK_FILE == "restore-harness.lock"
