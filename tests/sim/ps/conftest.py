"""A tiny bare machine for interpreter tests (harness/sim/machine.py is owned by another part)."""

from __future__ import annotations

import datetime as _dt

import pytest

from harness.sim.clock import SimClock
from harness.sim.winfs import WinFS


class TinyMachine:
    """Implements api.Machine: a name, a clock, a WinFS with C: and B:, core modules only."""

    def __init__(self) -> None:
        self.computer_name = "HV-LAB01"
        self._clock = SimClock(_dt.datetime(2024, 5, 1, 9, 0, 0, tzinfo=_dt.timezone.utc), scale=1_000_000)
        self._fs = WinFS(self._clock.now)
        self._fs.add_volume("C:", 100 * 2**30, 40 * 2**30)
        self._fs.add_volume("B:", 100 * 2**30, 90 * 2**30, label="Backups")
        self._env = {"USERNAME": "rh-operator", "COMPUTERNAME": "HV-LAB01", "TEMP": "C:\\Windows\\Temp"}

    @property
    def fs(self) -> WinFS:
        return self._fs

    @property
    def clock(self) -> SimClock:
        return self._clock

    def modules(self) -> set[str]:
        return set()

    def environment(self) -> dict[str, str]:
        return dict(self._env)


@pytest.fixture
def machine() -> TinyMachine:
    return TinyMachine()


@pytest.fixture
def ps(machine: TinyMachine):
    """Run a script on the tiny machine and return its ScriptResult."""
    from harness.sim.ps import run_script

    def run(text: str, **kw):
        return run_script(machine, text, **kw)

    return run
