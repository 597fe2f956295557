"""A bare machine for interpreter tests: simlab.machine.BareMachine with a fixed clock, C: and B:."""

from __future__ import annotations

import datetime as _dt

import pytest

from simlab.clock import SimClock
from simlab.machine import BareMachine
from simlab.winfs import WinFS


def tiny_machine(name: str = "HV-LAB01") -> BareMachine:
    """A machine with a fast clock fixed at 2024-05-01 09:00 UTC, C: and B:, core modules only."""
    clock = SimClock(_dt.datetime(2024, 5, 1, 9, 0, 0, tzinfo=_dt.timezone.utc), scale=1_000_000)
    fs = WinFS(clock.now)
    fs.add_volume("C:", 100 * 2**30, 40 * 2**30)
    fs.add_volume("B:", 100 * 2**30, 90 * 2**30, label="Backups")
    return BareMachine(name, clock=clock, fs=fs, env={"USERNAME": "rh-operator", "TEMP": "C:\\Windows\\Temp"})


@pytest.fixture
def machine() -> BareMachine:
    return tiny_machine()


@pytest.fixture
def ps(machine: BareMachine):
    """Run a script on the tiny machine and return its ScriptResult."""
    from simlab.ps import run_script

    def run(text: str, **kw):
        return run_script(machine, text, **kw)

    return run
