"""What a BMR result hands the checks every restored VM gets (suites/test_restored_vm.py)."""

from __future__ import annotations

import datetime as _dt

import pytest

from harness.bmr.automation import WinPELogs
from harness.bmr.plan import BmrBackupSet, plan_bmr
from harness.inventory import load_inventory
from harness.restore.bmr import BmrResult, BootOutcome

RUN = "rh-20261121-0900-ab12"
VM_ID = "33333333-0000-0000-0000-000000000000"


@pytest.fixture(scope="module")
def plan():
    inv = load_inventory("inventories/sim-lab.yml")
    return plan_bmr(inv, inv.scenario("bmr-fs01"), RUN)


def _result(plan, adapters):
    now = _dt.datetime(2026, 11, 21, tzinfo=_dt.UTC)
    backup = BmrBackupSet("11/19/2026-22:00", "2026-11-19T22:00:00Z", "FS01", ("BareMetalRecovery",), ("C:",))
    return BmrResult(plan, backup, VM_ID, plan.vm_name, WinPELogs("", 0, (("done", "0"),)), [],
                     BootOutcome(True, "heartbeat OK"), now, now, adapters)


def test_the_recovery_vm_is_expected_by_its_new_id_name_and_planned_generation(plan):
    exp = _result(plan, []).registration()
    assert (exp.vm_id, exp.vm_name, exp.generation) == (VM_ID, plan.vm_name, plan.vm_generation)
    assert exp.source_id == "" and not exp.keeps_id  # no backed-up VM id: New-VM made it


def test_every_adapter_created_is_expected_on_the_planned_isolated_switch(plan):
    created = [{"Name": "Network Adapter", "SwitchName": "whatever the host said"}]
    assert _result(plan, created).expected_switches == {"Network Adapter": plan.switch}
    # no adapter reported at creation: New-VM -SwitchName still made one, under its default name
    assert _result(plan, []).expected_switches == {"Network Adapter": plan.switch}
