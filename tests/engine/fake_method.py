"""A restore method for engine tests: one module with a ``METHOD`` object, as a real one is."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from harness.errors import RestoreDefect
from harness.restore.protocol import BackupUsed, MethodOutcome, Needs, RestoreContext, utc_now


@dataclass
class FakePlan:
    scenario: str
    host: str
    run_dir: str


@dataclass
class FakeResult:
    plan: FakePlan
    vm_id: str = ""
    vm_name: str = ""


@dataclass
class FakeMethod:
    """``outcome`` is ``"ok"``, ``"defect"``, or an exception to raise; every run is counted."""

    name: str = "fake"
    restores_vm: bool = True
    source_kinds: tuple[str, ...] = ("hyperv-export",)
    outcome: Any = "ok"
    runs: list[str] = field(default_factory=list)
    gate: threading.Event | None = None  # when set, run() waits for it (to let threads pile up)

    def plan(self, inventory: Any, scenario: Any, run_id: str) -> FakePlan:
        if scenario.vm == "":
            raise ValueError(f"scenario {scenario.name}: vm is empty")
        return FakePlan(scenario.name, "HV-LAB01", f"E:\\RestoreTests\\{run_id}\\{scenario.name}")

    def needs(self, inventory: Any, scenario: Any) -> Needs:
        return Needs(sources=(scenario.source,), exports=({"scenario": scenario.name, "folder": "B:\\x"},))

    def run(self, ctx: RestoreContext, scenario: Any, plan: FakePlan) -> MethodOutcome:
        self.runs.append(scenario.name)
        if self.gate is not None:
            self.gate.wait(timeout=30)
        if isinstance(self.outcome, BaseException):
            raise self.outcome
        if self.outcome == "defect":
            raise RestoreDefect(f"{scenario.name}: the restored VM does not start")
        with ctx.step(f"restore {scenario.name}"):
            ctx.evidence(scenario.name, "fake.json", "{}", "json")
        start = utc_now()
        return MethodOutcome(FakeResult(plan), BackupUsed("v-42", start, "B:"), "restored", start, utc_now())


METHOD = FakeMethod()
