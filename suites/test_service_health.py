"""Service health inside restored guests (issue 7): the services that prove the restore worked.

Runs after the restore: ``restored_vm`` below is built from the plugin's ``restored`` and
``restore_run`` fixtures (one per scenario). ``restore_run.boot`` starts the VM once per scenario:
the isolation guard runs first (a VM with an adapter on a non-isolated switch never starts: lab
problem), then Start-VM and the wait for the heartbeat. A passing service check records the end of
the RTO interval.

For your own checks inside the guest, the plugin's ``guest`` fixture is a pytest-testinfra Host
(``guest.run("Get-Service W3SVC")``, ``check_output``, ``run_expect``): docs/writing-checks.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import allure
import pytest

from harness.checks.result import compared
from harness.checks.switches import isolation_violations
from harness.checks.services import wait_until_settled
from harness.console import attach_screenshot, capture_png
from harness.guest.select import guest_channel as open_guest_channel
from harness.profiles import scenario_profile

# Every test here needs a restored VM: scenarios whose method restores none (wsb-files) are skipped by
# the plugin with the reason, before any restore is asked for (harness.restore.registry decides).
pytestmark = [pytest.mark.needs_vm, pytest.mark.boots]


@dataclass(frozen=True)
class RestoredVM:
    """What the guest checks need about one restored VM."""

    scenario: Any
    vm_name: str
    vm_id: str
    host: Any  # RemoteHost of the lab host
    host_config: Any  # inventory host
    guest: Any  # inventory guests: entry, or None
    isolation_problems: tuple[str, ...]
    recorder: Any = None
    profile_dirs: tuple[str, ...] = ()


@pytest.fixture
def restored_vm(restored, restore_run, inventory) -> RestoredVM:
    """The scenario's restored VM, started by the plugin (isolation guard, Start-VM, heartbeat)."""
    result = restored.require_vm()
    host_cfg = inventory.scenario_host(restored.scenario)
    restore_run.boot(restored.scenario)
    facts = restore_run.facts(host_cfg.name)
    vm = facts.vm(result.vm_id)
    if vm is None:
        pytest.fail(f"restored VM {result.vm_name} ({result.vm_id}) is not registered on {host_cfg.name}")
    listed = [s.name for s in host_cfg.isolated_switches]
    return RestoredVM(restored.scenario, result.vm_name, result.vm_id, restore_run.hosts[host_cfg.name], host_cfg,
                      inventory.guest(restored.scenario.vm), tuple(isolation_violations(vm, facts, listed)),
                      restore_run.recorder, tuple(str(d) for d in inventory.profile_search_path()))


@pytest.fixture
def guest_channel(restored_vm, inventory):
    """A working path into the restored guest (WinRM or PowerShell Direct, per scenario)."""
    if restored_vm.guest is None:
        pytest.skip(f"no guests: entry for {restored_vm.scenario.vm} in the inventory (needed to log on)")
    return open_guest_channel(inventory, restored_vm.host_config, restored_vm.host, restored_vm.scenario,
                              restored_vm.vm_name, restored_vm.isolation_problems)


@pytest.mark.check("console screenshot", severity="minor")
def test_console_screenshot(scenario, restore_run, restored, inventory):
    """The console as the VM shows it after boot. Taken even when the boot failed (a guest stuck at a stop
    screen such as 0x7B is exactly what the picture should show); the boot failure is raised after."""
    result = restored.require_vm()
    boot_error: BaseException | None = None
    try:
        restore_run.boot(scenario)
    except Exception as exc:  # noqa: BLE001 - re-raised below, after the evidence is taken
        boot_error = exc
    host_cfg = inventory.scenario_host(scenario)
    png = capture_png(restore_run.hosts[host_cfg.name], result.vm_name, vm_id=result.vm_id or "")
    attach_screenshot(png, f"console {result.vm_name}", recorder=restore_run.recorder, scenario=scenario.name)
    if boot_error is not None:
        raise boot_error
    found = {"format": "PNG" if png.startswith(b"\x89PNG") else "not a PNG", "bytes": len(png)}
    restore_run.measured(scenario, compared("console screenshot", scenario.name, {"format": "PNG"}, found,
                                            [] if found["format"] == "PNG" else ["the capture is not a PNG"])
                         ).assert_ok()


@pytest.mark.check("services healthy")
def test_services_healthy(scenario, restore_run, restored_vm, guest_channel):
    """Every service of the scenario's profiles runs as the profile says, after the settle time."""
    sc = restored_vm.scenario
    profile = scenario_profile(list(sc.service_profiles), list(sc.services), _profile_dirs(restored_vm))
    if profile is None:
        pytest.skip(f"scenario {sc.name} lists no service_profiles and no services: nothing to check in the guest")
    with allure.step(f"settle and check {profile.name} via {guest_channel.describe()}"):
        # waits between polls pass on the lab host (host_wait.ps1), the clock that times the restore
        wait = restore_run.poll_wait(restored_vm.host_config.name)
        outcome = wait_until_settled(guest_channel, profile, sleep=wait)
    check = restore_run.measured(scenario, outcome.result)  # expected vs found, passed or failed
    allure.attach(check.message, name="service health", attachment_type=allure.attachment_type.TEXT)
    check.assert_ok("; ".join(check.problems))
    restore_run.services_healthy(scenario)  # end of the RTO interval (restore start → services healthy)


def _profile_dirs(restored_vm) -> list[str]:
    return list(getattr(restored_vm, "profile_dirs", []) or [])

