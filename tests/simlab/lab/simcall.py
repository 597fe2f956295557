"""Test support for the WSB/DISM/guest cmdlets: a small host machine and a direct cmdlet caller.

The PowerShell interpreter is built in parallel; these helpers call a registered cmdlet's function
with already-bound parameters (as the interpreter would after binding), so the models and cmdlets
are tested on their own. Tests that go through ``simlab.ps.run_script`` live beside them.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from simlab.clock import SimClock
from simlab.ps.api import REGISTRY, Bound, PSObject
from simlab.winfs import WinFS

START = _dt.datetime(2025, 3, 10, 9, 0, tzinfo=_dt.timezone.utc)


class Host:
    """A stand-in for the lab host: file system, clock, modules and a VM registration hook."""

    def __init__(self) -> None:
        self.computer_name = "HV-LAB01"
        self._clock = SimClock(START, scale=1.0)
        self._fs = WinFS(self._clock.now)
        self._fs.add_volume("C:", 127 * 2**30, 40 * 2**30)
        self._fs.add_volume("E:", 2048 * 2**30, 1536 * 2**30, label="RestoreScratch")
        self._fs.add_volume("B:", 4096 * 2**30, 3000 * 2**30, label="Backups")
        self.registered: list[tuple[dict[str, Any], Any]] = []
        self.mods = {"Hyper-V", "WindowsServerBackup", "Dism"}

    @property
    def fs(self) -> WinFS:
        return self._fs

    @property
    def clock(self) -> SimClock:
        return self._clock

    def modules(self) -> set[str]:
        return set(self.mods)

    def environment(self) -> dict[str, str]:
        return {"COMPUTERNAME": self.computer_name}

    def register_recovered_vm(self, config: dict[str, Any], checkpoint: Any) -> None:
        self.registered.append((config, checkpoint))


class Ctx:
    """The parts of the interpreter's Context that cmdlets use, recording streams."""

    def __init__(self, machine: Any, command_name: str = "") -> None:
        self.machine = machine
        self.command_name = command_name
        self.warnings: list[str] = []
        self.errors: list[Any] = []
        self.progress: list[tuple[str, str, int]] = []

    def write_warning(self, text: str) -> None:
        self.warnings.append(text)

    def write_error(self, record: Any) -> None:
        self.errors.append(record)

    def write_verbose(self, text: str) -> None:
        pass

    def write_host(self, text: str) -> None:
        pass

    def write_progress(self, activity: str, status: str, percent: int) -> None:
        self.progress.append((activity, status, percent))

    def run_on(self, machine: Any, block: Any, args: list[Any] | None = None) -> list[Any]:
        return list(block(machine, *(args or [])))


def call(machine: Any, name: str, ctx: Ctx | None = None, **values: Any) -> list[Any]:
    """Run cmdlet ``name`` with bound parameter ``values``; returns its output as a list."""
    spec = REGISTRY[name.lower()]
    c = ctx or Ctx(machine, spec.name)
    out = spec.fn(c, Bound(values=values, parameter_set=spec.default_set or "__AllParameterSets"))
    return list(out or [])


def cred(user: str, password: str) -> PSObject:
    return PSObject([("UserName", user), ("Password", password)],
                    type_names=("System.Management.Automation.PSCredential", "System.Object"))
