"""The simulated clock (simlab/clock.py): scaled mode as before; events mode overlaps concurrent
operations, shares throughput and moves only when every running command waits."""

from __future__ import annotations

import datetime as _dt
import threading
import time

import pytest

from simlab.clock import SimClock, clock_args, restore_clock

START = _dt.datetime(2026, 11, 21, 9, 0, tzinfo=_dt.timezone.utc)
MB = 2**20


def _events(quiet: float = 0.01) -> SimClock:
    return SimClock(START, mode="events", quiet=quiet)


def _in_threads(*fns) -> None:  # type: ignore[no-untyped-def]
    threads = [threading.Thread(target=f) for f in fns]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
        assert not t.is_alive(), "a simulated wait never ended"


def _until(pred, limit: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + limit
    while not pred():
        assert time.monotonic() < end, "the condition never came true"
        time.sleep(0.005)


def test_scaled_mode_advance_jumps_at_once() -> None:
    clock = SimClock(START, scale=1e-9)
    clock.advance(120)
    assert clock.seconds() == pytest.approx(120, abs=1e-3)


def test_events_mode_does_not_move_with_real_time() -> None:
    clock = _events()
    time.sleep(0.05)
    assert clock.now() == START


def test_concurrent_operations_overlap_instead_of_adding_up() -> None:
    # "concurrent": every thread must enter its activity within the quiet time of the first; half a
    # second leaves room for a thread start on a busy machine (0.01 s did not, under make test's load)
    clock = _events(quiet=0.5)
    ends: dict[str, float] = {}

    def op(name: str, seconds: float):  # type: ignore[no-untyped-def]
        def run() -> None:
            with clock.activity():
                clock.advance(seconds)
                ends[name] = clock.seconds()
        return run

    _in_threads(op("boot", 75), op("copy", 300), op("start", 3))
    assert ends == {"boot": pytest.approx(75), "copy": pytest.approx(300), "start": pytest.approx(3)}
    assert clock.seconds() == pytest.approx(300)


def test_transfers_running_at_once_share_the_volume_and_their_durations_are_exact() -> None:
    # "at once": the second thread must start its command within the clock's quiet time of the first
    # (else the first transfer runs alone, 10 s); half a second leaves room on a busy machine
    clock = _events(quiet=0.5)
    took: list[float] = []
    res = {"read B:": 400 * MB, "write E:": 400 * MB}

    def copy() -> None:
        with clock.activity():
            took.append(clock.transfer(4000 * MB, res))

    _in_threads(copy, copy)
    assert took == [pytest.approx(20.0), pytest.approx(20.0)]  # alone each would take 10 s
    assert clock.seconds() == pytest.approx(20.0)


def test_a_busy_command_holds_the_clock_until_it_waits_or_ends() -> None:
    clock = _events()
    release = threading.Event()
    seen: list[float] = []

    def busy() -> None:
        with clock.activity():
            release.wait(10)  # working (not waiting for simulated time)
            seen.append(clock.seconds())

    def waiter() -> None:
        with clock.activity():
            clock.advance(60)

    t1 = threading.Thread(target=busy)
    t2 = threading.Thread(target=waiter)
    t1.start()
    t2.start()
    time.sleep(0.1)
    assert clock.seconds() == 0.0  # the busy command has not waited yet
    release.set()
    t1.join(10)
    t2.join(10)
    assert seen == [0.0] and clock.seconds() == pytest.approx(60)


def test_an_idle_clock_moves_to_scheduled_instants_one_after_the_other() -> None:
    clock = _events()
    clock.at(START + _dt.timedelta(seconds=45))
    clock.at(START + _dt.timedelta(seconds=75))
    _until(lambda: clock.seconds() >= 75)
    assert clock.seconds() == pytest.approx(75)  # never beyond the last instant


def test_an_asynchronous_transfer_ends_exactly_while_nobody_waits_for_it() -> None:
    clock = _events()
    flow = clock.start_flow(200 * MB, {"write E:": 100 * MB})
    _until(lambda: flow.done)
    assert flow.end == pytest.approx(2.0) and clock.seconds() == pytest.approx(2.0)
    assert clock.flow_end(flow) == START + _dt.timedelta(seconds=2)


def test_a_saved_clock_keeps_instant_scale_and_mode() -> None:
    clock = _events()
    clock.advance(30)
    again = restore_clock(*clock_args(clock))
    assert (again.now(), again.scale, again.mode, again.quiet) == (clock.now(), 600.0, "events", 0.01)


def test_an_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="use one of scaled, events"):
        SimClock(START, mode="realtime")


def test_commands_work_on_the_model_one_at_a_time_and_interleave_only_where_they_wait() -> None:
    clock = _events()
    order: list[str] = []
    go = threading.Event()

    def a() -> None:
        with clock.activity():
            order.append("A1")
            go.wait(10)  # working: keeps the model
            order.append("A2")
            clock.advance(10)  # waiting: lets the others run
            order.append("A3")

    def b() -> None:
        with clock.activity():
            order.append("B")

    ta = threading.Thread(target=a)
    ta.start()
    _until(lambda: "A1" in order)
    tb = threading.Thread(target=b)
    tb.start()
    time.sleep(0.05)
    assert order == ["A1"]
    go.set()
    ta.join(10)
    tb.join(10)
    assert order == ["A1", "A2", "B", "A3"]


def test_a_held_shell_keeps_the_clock_until_its_next_command_or_the_think_time() -> None:
    clock = SimClock(START, mode="events", quiet=0.0, think=30.0)
    clock.hold("shell-1")  # a client just got a command's end on shell-1 and is thinking
    t = threading.Thread(target=lambda: clock.advance(60))
    t.start()
    time.sleep(0.1)
    assert clock.seconds() == 0.0
    clock.unhold("shell-1")  # its next command arrived
    t.join(10)
    assert clock.seconds() == pytest.approx(60)
    brief = SimClock(START, mode="events", quiet=0.0, think=0.05)
    brief.hold("shell-2")  # a client that never comes back holds the clock for `think` only
    brief.advance(5)
    assert brief.seconds() == pytest.approx(5)
