"""Bare-metal recovery suite: every `method: bmr` scenario (issue 6, docs/bmr.md).

Each scenario is recovered once (WinPE automation: drvload, net use, wbadmin start sysrecovery,
dism /Add-Driver), then checked: the WinPE run, the injected drivers, the boot, the guest.
"""

from __future__ import annotations

import json

import allure
import pytest

from harness.checks.bmr import boot_check, drivers_check, guest_answer_check, recovery_check
from harness.guest.select import guest_channel

pytestmark = [pytest.mark.restore_method("bmr")]


def _result(restored):
    """The ``harness.restore.bmr.BmrResult`` of the scenario's recovery (restored once per run; a lab
    error is remembered and re-raised for every later test; the ledger tears the VM down)."""
    return restored.require_result("recovered VM")


@pytest.mark.check("restore")
def test_bmr_recovery(scenario, restored, restore_run):
    """WinPE ran every step and exited 0 (its logs are attached)."""
    check = restore_run.measured(scenario, recovery_check(scenario.name, restored.result, restored.defect))
    if restored.result is not None:
        allure.attach(json.dumps(restored.result.evidence(), indent=2, default=str), "bmr result",
                      allure.attachment_type.JSON)
    check.assert_ok()


@pytest.mark.check("drivers injected")
def test_drivers_injected(scenario, restored, restore_run):
    """Every expected driver is in the restored image, by its original INF name."""
    restore_run.measured(scenario, drivers_check(scenario.name, _result(restored))).assert_ok()


@pytest.mark.check("boots")
def test_boots_with_heartbeat(scenario, restored, restore_run):
    """The restored disk boots: heartbeat OK; a stop code (0x7B) or no heartbeat in time fails."""
    r = _result(restored)
    if not r.plan.settings.expect_heartbeat:
        pytest.skip("bmr.expect_heartbeat is false")
    check = restore_run.measured(scenario, boot_check(scenario.name, r))
    if not check.ok:
        try:
            from harness.console import attach_screenshot, capture_png

            png = capture_png(restore_run.hosts[r.plan.host], r.vm_name, vm_id=r.vm_id)
            attach_screenshot(png, f"{r.vm_name} console", recorder=restore_run.recorder, scenario=scenario.name)
        except Exception as exc:  # noqa: BLE001 - the screenshot is evidence, not the verdict
            allure.attach(str(exc), "console screenshot unavailable", allure.attachment_type.TEXT)
    check.assert_ok()


@pytest.mark.check("guest answers")
def test_guest_answers(scenario, restored, restore_run, inventory):
    """The booted guest answers (PowerShell Direct or WinRM, harness.guest) and is the backed-up machine.

    A guest that did not boot (stop 0x7B, no heartbeat) is a restore defect; a booted guest that no
    transport reaches is a lab problem (``GuestUnreachable``, a LabError: credentials, network, WinRM)."""
    r = _result(restored)
    if not r.plan.settings.expect_guest_answer:
        pytest.skip("bmr.expect_guest_answer is false")
    if not r.boot.ok:
        restore_run.measured(scenario, guest_answer_check(scenario.name, r.plan.machine, booted=False,
                                                          reason=r.boot.reason)).assert_ok()
    channel = guest_channel(inventory, restore_run.host_of(scenario), restore_run.hosts[r.plan.host], scenario,
                            r.vm_name)
    out = channel.run_command("$env:COMPUTERNAME")
    name = out.stdout.decode("utf-8", "replace").strip()
    allure.attach(f"{channel.describe()}: computer name {name}", "guest answer", allure.attachment_type.TEXT)
    restore_run.measured(scenario, guest_answer_check(scenario.name, r.plan.machine, booted=True, rc=out.rc,
                                                      computer_name=name, channel=channel.describe())).assert_ok()
