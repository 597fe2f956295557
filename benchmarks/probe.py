"""pytest plugin loaded into the benchmarked suite run (``-p benchmarks.probe``): measures, writes JSON.

It only observes: a listener on :mod:`harness.remote.events` (every remote operation the harness
ran, with its duration as the transport saw it), the session's wall time, the test outcomes, and
the simulated lab's WS-Man counters. To read those counters (and to time the simulator's own start
and stop, which are not harness overhead) it wraps the class ``harness.engine.lab`` starts the lab
with; the lab behaves exactly as without the wrapper. Output: the file named by ``RH_BENCH_OUT``.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import Counter
from typing import Any

import pytest

from harness.remote import events

_DATA: dict[str, Any] = {}
_LOCK = threading.Lock()


def _on_event(event: events.OperationEvent) -> None:
    with _LOCK:
        _DATA["operations"].append({"template": event.template, "duration": event.duration,
                                    "outcome": event.outcome, "cpu": event.cpu,
                                    "main_thread": threading.current_thread() is threading.main_thread()})


def _timed_lab_class(base: type) -> type:
    """A subclass of the simulated lab class that times its setup/stop and keeps its counters."""

    class TimedLab(base):  # type: ignore[misc, valid-type]
        @classmethod
        def from_inventory(cls, *args: Any, **kwargs: Any) -> Any:
            t0, c0 = time.perf_counter(), time.thread_time()
            lab = super().from_inventory(*args, **kwargs)
            _DATA["sim_seconds"] += time.perf_counter() - t0
            _DATA["sim_cpu_seconds"] += time.thread_time() - c0
            return lab

        def start(self) -> Any:
            t0, c0 = time.perf_counter(), time.thread_time()
            try:
                return super().start()
            finally:
                _DATA["sim_seconds"] += time.perf_counter() - t0
                _DATA["sim_cpu_seconds"] += time.thread_time() - c0

        def stop(self) -> None:
            if self.server is not None:  # teardown and shell closes have run by now
                _DATA["wsman"] = self.server.counters
                _DATA["model"] = dict(self.host.counters)
            t0, c0 = time.perf_counter(), time.thread_time()
            try:
                super().stop()
            finally:
                _DATA["sim_seconds"] += time.perf_counter() - t0
                _DATA["sim_cpu_seconds"] += time.thread_time() - c0

    return TimedLab


def pytest_configure(config: pytest.Config) -> None:
    import harness.labs as wiring

    _DATA.update(operations=[], sim_seconds=0.0, sim_cpu_seconds=0.0, wsman=None, model=None, outcomes=Counter(), session_seconds=None)
    base = wiring.lab_provider("simulated")
    wiring.lab_provider = lambda name="simulated": _timed_lab_class(base)  # type: ignore[assignment]
    events.add_listener(_on_event)


def pytest_sessionstart(session: pytest.Session) -> None:
    _DATA["t0"], _DATA["cpu0"] = time.perf_counter(), time.thread_time()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" or report.outcome != "passed":
        _DATA["outcomes"][f"{report.when}:{report.outcome}"] += 1
    if report.failed and not _DATA.get("first_failure"):
        crash = getattr(report.longrepr, "reprcrash", None)
        _DATA["first_failure"] = f"{report.nodeid}: {getattr(crash, 'message', '') or report.outcome}"[:1000]


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _DATA["session_seconds"] = time.perf_counter() - _DATA.pop("t0", time.perf_counter())
    _DATA["session_cpu_seconds"] = time.thread_time() - _DATA.pop("cpu0", time.thread_time())  # the main thread's
    _DATA["exit_status"] = int(session.exitstatus)


def pytest_unconfigure(config: pytest.Config) -> None:
    events.remove_listener(_on_event)
    out = os.environ.get("RH_BENCH_OUT")
    if out:
        data = dict(_DATA, outcomes=dict(_DATA["outcomes"]))
        with open(out, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1)
