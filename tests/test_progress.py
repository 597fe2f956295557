"""Progress of long waits: the listener API, console rendering (terminal and CI logs), remote polls."""

from __future__ import annotations

import datetime as _dt
import io
import threading
from typing import Any

import pytest

from harness import naming, progress
from harness.progress import ConsoleProgress, ProgressEvent, RemoteProgress
from harness.remote.events import OperationEvent

RUN = "rh-20261121-2305-ab12"


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_publish_reaches_listeners_and_a_broken_one_is_ignored() -> None:
    got: list[ProgressEvent] = []

    def broken(event: ProgressEvent) -> None:
        raise RuntimeError("boom")

    with progress.listening(broken), progress.listening(got.append):
        progress.publish("import-cm01", "copy", 12.5, 140)
    progress.publish("import-cm01", "copy", 13)  # nobody listens any more
    assert got == [ProgressEvent("import-cm01", "copy", 12.5, 100.0)]


def test_plain_lines_have_timestamps_and_a_bounded_rate() -> None:
    out, clock = io.StringIO(), Clock()
    console = ConsoleProgress(out, tty=False, interval=30, clock=clock,
                              now=lambda: _dt.datetime(2026, 11, 21, 9, 0, 5, tzinfo=_dt.UTC))
    for t in range(0, 95, 5):  # a poll every 5 s for 90 s
        clock.t = t
        console(ProgressEvent("wsb-cm01-vm", "recovery (WSB job)", t, t / 2))
    clock.t = 96
    console(ProgressEvent("wsb-cm01-vm", "boot (heartbeat)", 1))  # a new step is shown at once
    lines = out.getvalue().splitlines()
    assert lines == [
        "09:00:05 wsb-cm01-vm: recovery (WSB job): 0s, 0 %",
        "09:00:05 wsb-cm01-vm: recovery (WSB job): 30s, 15 %",
        "09:00:05 wsb-cm01-vm: recovery (WSB job): 1m00s, 30 %",
        "09:00:05 wsb-cm01-vm: recovery (WSB job): 1m30s, 45 %",
        "09:00:05 wsb-cm01-vm: boot (heartbeat): 1s",
    ]


def test_a_terminal_gets_one_updating_line() -> None:
    out = io.StringIO()
    console = ConsoleProgress(out, tty=True)
    console(ProgressEvent("bmr-fs01", "WinPE recovery / boot", 3725))
    console(ProgressEvent("bmr-fs01", "boot (heartbeat)", 4))
    console.close()
    text = out.getvalue()
    assert text.count("\n") == 1 and text.endswith("\n")
    assert text.startswith("\rbmr-fs01: WinPE recovery / boot: 1h02m05s")
    assert "\rbmr-fs01: boot (heartbeat): 4s" in text


def _event(template: str, params: Any, data: Any, at: int, host: str = "HV-LAB01") -> OperationEvent:
    start = _dt.datetime(2026, 11, 21, 0, 0, tzinfo=_dt.UTC) + _dt.timedelta(seconds=at)
    return OperationEvent(host=host, template=template, script="", params=params, started_at=start, duration=1.0,
                          outcome="ok", data=data)


def test_remote_polls_become_progress_of_the_scenario_they_belong_to() -> None:
    got: list[tuple[Any, ...]] = []
    remote = RemoteProgress(RUN, ["wsb-cm01-vm", "import-cm01"], emit=lambda *a: got.append(a))
    remote(_event("wsb_job", {}, {}, 0))  # no scenario known yet on this host: nothing to say
    remote(_event("wsb_start_vm_recovery", {"target_path": f"E:\\RestoreTests\\{RUN}\\wsb-cm01-vm"}, {}, 10))
    remote(_event("wsb_job", {}, {"Current": {"CurrentOperation": "VM recovery in progress: 35% done."}}, 20))
    remote(_event("wsb_job", {}, {"Current": {"CurrentOperation": "Restoring"}}, 80))
    vm = naming.resource_name(RUN, "import-cm01")
    remote(_event("vm_heartbeat", {"vm_id": "x"}, {"Name": vm}, 100))
    remote(_event("vm_heartbeat", {"vm_id": "x"}, {"Name": vm}, 160))
    assert got == [
        ("wsb-cm01-vm", "recovery (WSB job)", 1.0, 35.0),
        ("wsb-cm01-vm", "recovery (WSB job)", 61.0, None),
        ("import-cm01", "boot (heartbeat)", 1.0, None),
        ("import-cm01", "boot (heartbeat)", 61.0, None),
    ]


def test_polls_that_name_nothing_belong_to_the_scenario_of_their_own_thread() -> None:
    """A drill restores two scenarios on one host at once, each in its own worker thread: a WSB job
    poll (which names no scenario) is the one its thread started, not the one the host saw last."""
    got: list[tuple[Any, ...]] = []
    remote = RemoteProgress(RUN, ["wsb-cm01-vm", "bmr-fs01"], emit=lambda *a: got.append(a))

    def worker(scenario: str, at: int, go: threading.Event, done: threading.Event) -> None:
        remote(_event("wsb_start_vm_recovery", {"target_path": f"E:\\RestoreTests\\{RUN}\\{scenario}"}, {}, at))
        done.set()
        go.wait(5)
        remote(_event("wsb_job", {}, {}, at + 30))

    go, first, second = threading.Event(), threading.Event(), threading.Event()
    threads = [threading.Thread(target=worker, args=("wsb-cm01-vm", 0, go, first)),
               threading.Thread(target=worker, args=("bmr-fs01", 10, go, second))]
    threads[0].start()
    first.wait(5)
    threads[1].start()  # bmr-fs01 is now the scenario the host worked on last
    second.wait(5)
    go.set()
    for t in threads:
        t.join(5)
    assert sorted(got) == [("bmr-fs01", "recovery (WSB job)", 1.0, None),
                           ("wsb-cm01-vm", "recovery (WSB job)", 1.0, None)]


def test_a_terminal_line_shows_every_scenario_in_progress_newest_first() -> None:
    out, clock = io.StringIO(), Clock()
    console = ConsoleProgress(out, tty=True, clock=clock, interval=30, width=200)
    console(ProgressEvent("import-cm01", "boot (heartbeat)", 4))
    console(ProgressEvent("bmr-fs01", "WinPE recovery / boot", 65))
    clock.t = 10
    console(ProgressEvent("import-cm01", "boot (heartbeat)", 14))
    last = out.getvalue().split("\r")[-1].rstrip()
    assert last == "import-cm01: boot (heartbeat): 14s | bmr-fs01: WinPE recovery / boot: 1m05s"
    clock.t = 45  # bmr-fs01 said nothing for longer than the interval: it leaves the line
    console(ProgressEvent("import-cm01", "services", 2))
    assert out.getvalue().split("\r")[-1].rstrip() == "import-cm01: services: 2s"
    narrow = ConsoleProgress(io.StringIO(), tty=True, width=40)
    narrow(ProgressEvent("a" * 30, "copy", 1))
    narrow(ProgressEvent("b" * 30, "copy", 1))
    assert len(narrow.stream.getvalue().split("\r")[-1].rstrip()) == 40


def test_names_of_other_runs_are_not_taken_for_ours() -> None:
    remote = RemoteProgress(RUN, ["import-cm01"])
    assert remote.scenario_of(naming.resource_name("rh-20261121-2305-ffff", "import-cm01")) is None
    assert remote.scenario_of(f"E:\\RestoreTests\\{RUN}\\bmr\\import-cm01") == "import-cm01"
    assert remote.scenario_of("E:\\RestoreTests\\other\\import-cm01") is None


@pytest.mark.parametrize("seconds,text", [(0, "0s"), (59, "59s"), (75, "1m15s"), (3725, "1h02m05s")])
def test_format_elapsed(seconds: float, text: str) -> None:
    assert progress.format_elapsed(seconds) == text


def test_tracking_reports_a_long_operation_until_it_ends() -> None:
    import threading

    got: list[ProgressEvent] = []
    ticked = threading.Event()

    def listen(event: ProgressEvent) -> None:
        got.append(event)
        if len(got) >= 3:
            ticked.set()

    clock = Clock()
    with progress.listening(listen):
        with progress.tracking("import-cm01", "copy", every=0.001, clock=clock) as report:
            assert ticked.wait(60)  # the ticker publishes on its own while the operation runs
            clock.t = 42
            report(50)
        count = len(got)
    assert got[0] == ProgressEvent("import-cm01", "copy", 0.0, None)
    assert got[-1] == ProgressEvent("import-cm01", "copy", 42.0, 50.0)  # the last word when the block ends
    assert all(e.step == "copy" for e in got) and len(got) == count
