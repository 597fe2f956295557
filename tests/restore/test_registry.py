"""The restore-method registry: one table; the inventory's method type, the preflight's needs and
the engine's dispatch all come from it, so adding a method is one module plus one table entry."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import get_args

import pytest

from harness.inventory.models import Method, Scenario
from harness.preflight import _host_params
from harness.restore import registry
from harness.restore.protocol import RestoreMethod

REPO = Path(__file__).resolve().parents[2]

NEW_METHOD = '''
from harness.restore.protocol import BackupUsed, MethodOutcome, Needs, utc_now


class TapeMethod:
    name = "tape"
    restores_vm = False
    source_kinds = ("wsb-volume",)

    def plan(self, inventory, scenario, run_id):
        return {"scenario": scenario.name, "host": inventory.scenario_host(scenario).name}

    def needs(self, inventory, scenario):
        return Needs(sources=(scenario.source,))

    def run(self, ctx, scenario, plan):
        now = utc_now()
        return MethodOutcome(plan, BackupUsed("tape-7", now, "T:"), "read the tape", now, now)


METHOD = TapeMethod()
'''


def test_the_table_holds_the_four_methods_and_each_implements_the_protocol() -> None:
    assert list(registry.METHODS) == ["import", "wsb-files", "wsb-vm", "bmr"]
    for name, method in registry.METHODS.items():
        assert method.name == name and isinstance(method.restores_vm, bool) and method.source_kinds
        assert all(callable(getattr(method, op)) for op in ("plan", "needs", "run"))
    assert registry.vm_methods() == ["bmr", "import", "wsb-vm"]


def test_the_inventory_method_type_is_derived_from_the_table() -> None:
    assert get_args(Method) == registry.METHOD_NAMES
    assert Scenario.model_fields["method"].annotation == Method


@pytest.mark.parametrize("method, vm", [("import", True), ("wsb-vm", True), ("bmr", True), ("wsb-files", False)])
def test_restores_vm_is_decided_by_method(method: str, vm: bool) -> None:
    assert registry.restores_vm(method) is vm


def test_adding_a_method_is_one_module_and_one_table_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    module_file = tmp_path / "tape_method.py"
    module_file.write_text(NEW_METHOD, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("tape_method", module_file)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "tape_method", module)
    spec.loader.exec_module(module)
    monkeypatch.setitem(registry.METHODS, "tape", module.METHOD)  # the one table entry

    method: RestoreMethod = registry.method_of("tape")
    assert method is module.METHOD and not registry.restores_vm("tape")
    sc = SimpleNamespace(name="tape-fs01", method="tape", source="wsb", vm="FS01", import_type=None, rto_minutes=None)
    host = SimpleNamespace(name="HV-LAB01", scratch_root="E:\\RestoreTests")
    source = SimpleNamespace(name="wsb", kind="wsb-volume", volume="B:")
    inventory = SimpleNamespace(source=lambda name: source, scenario_host=lambda s: host, scenarios=[sc], hosts=[host])
    params = _host_params(inventory, host, [sc], "rh-20261121-0900-ab12")  # the preflight asks the method
    assert params["sources"] == [{"name": "wsb", "path": "B:\\"}] and params["exports"] == []

    from harness.engine.run import Run
    from harness.evidence.record import RunRecorder

    inv_file = tmp_path / "lab.yml"
    inv_file.write_text("version: 1\n", encoding="utf-8")
    recorder = RunRecorder("rh-20261121-0900-ab12", tmp_path / "reports", inv_file, simulated=True)
    from tests.engine.test_run import LabClockHost

    run = Run(inventory, {"HV-LAB01": LabClockHost()}, "rh-20261121-0900-ab12", tmp_path, None, recorder)
    restored = run.restore(sc)  # the engine dispatches and records it like any other method
    assert restored.result == {"scenario": "tape-fs01", "host": "HV-LAB01"}
    assert recorder.data["scenarios"][0]["backup"]["version_id"] == "tape-7"


def test_every_suite_names_known_methods_and_every_method_has_a_suite(monkeypatch: pytest.MonkeyPatch) -> None:
    covered: set[str] = set()
    for path in sorted((REPO / "suites").glob("test_*.py")):
        spec = importlib.util.spec_from_file_location(f"suite_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        monkeypatch.setitem(sys.modules, spec.name, module)
        spec.loader.exec_module(module)
        marks = getattr(module, "pytestmark", [])
        for mark in marks if isinstance(marks, list) else [marks]:
            if mark.name == "restore_method":
                assert mark.args and set(mark.args) <= set(registry.METHODS), (path.name, mark.args)
                covered |= set(mark.args)
    assert covered == set(registry.METHODS)


def test_what_the_drill_asks_of_each_method() -> None:
    """WSB jobs need the host's backup engine alone (one job per machine); a BMR's wbadmin runs in its
    recovery VM's WinPE, and its restore ends with the recovered system running."""
    from harness.restore.registry import boots_in_restore, host_exclusive

    assert {m: host_exclusive(m) for m in ("import", "wsb-files", "wsb-vm", "bmr")} == {
        "import": "", "wsb-files": "wbengine", "wsb-vm": "wbengine", "bmr": ""}
    assert [m for m in ("import", "wsb-files", "wsb-vm", "bmr") if boots_in_restore(m)] == ["bmr"]
    assert host_exclusive("no-such-method") == "" and not boots_in_restore("no-such-method")
