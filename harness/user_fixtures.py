"""Fixtures for checks users write in their own folders, without editing the package
(registered by harness/plugin.py; docs/writing-checks.md):

* ``lab_host``: the scenario's lab host (or the inventory's only host) as a
  :class:`harness.user_templates.LabHost`: ``lab_host.run("my_check", {"name": "x"})`` runs
  ``my_check.ps1`` from the inventory's ``template_dirs`` with JSON parameters and returns its data.
* ``guest``: a pytest-testinfra ``Host`` inside the scenario's restored guest, booted (isolation
  guard, Start-VM, heartbeat) and reached over the harness's own transport (WinRM to the guest, or
  PowerShell Direct through the host; harness/guest/).
"""

from __future__ import annotations

from typing import Any

import pytest

from harness.checks.switches import isolation_violations
from harness.engine.run import Run
from harness.errors import UsageError
from harness.guest.backend import guest_host
from harness.guest.select import guest_channel
from harness.restore.restored import Restored
from harness.user_templates import LabHost


@pytest.fixture
def lab_host(request: pytest.FixtureRequest, restore_run: Run, inventory: Any) -> LabHost:
    """The lab host of the test's scenario (or the only host), running the user's templates."""
    if "scenario" in request.fixturenames:
        host_cfg = inventory.scenario_host(request.getfixturevalue("scenario"))
    elif len(inventory.hosts) == 1:
        host_cfg = inventory.hosts[0]
    else:
        raise UsageError("lab_host: the inventory has several hosts and the test has no scenario. Fix: mark the "
                         "module with restore_method(...) and take the `scenario` fixture")
    return LabHost(host_cfg.name, restore_run.hosts[host_cfg.name], inventory.template_search_path())


@pytest.fixture
def guest(restore_run: Run, restored: Restored, inventory: Any) -> Any:
    """testinfra ``Host`` inside the scenario's restored guest (booted once per scenario)."""
    result = restored.require_vm()
    scenario = restored.scenario
    restore_run.boot(scenario)
    host_cfg = inventory.scenario_host(scenario)
    facts = restore_run.facts(host_cfg.name)
    vm = facts.vm(result.vm_id)
    problems = isolation_violations(vm, facts, [s.name for s in host_cfg.isolated_switches]) if vm else None
    channel = guest_channel(inventory, host_cfg, restore_run.hosts[host_cfg.name], scenario, result.vm_name, problems)
    return guest_host(channel)
