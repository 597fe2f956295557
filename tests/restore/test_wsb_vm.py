"""WSB Hyper-V recovery flow against scripted template answers."""

from __future__ import annotations

import pytest

from harness.errors import (LabError, LabSafetyError, RemoteAccessDenied, RemoteNotFound, RemoteScriptError,
                            RestoreDefect, problem_kind)
from harness.inventory import load_inventory
from harness.ledger import Ledger
from harness.restore.wsb_vm import RecoveryRefused, plan_vm_restore, restore_vm
from harness.wsb.errors import ItemNotInBackup, WsbJobFailed
from tests.restore.fake_host import FakeHost
from tests.restore.wsb_fakes import catalog, job_poll

RUN = "rh-20261121-0900-ab12"
VM_ID = "7d0c6f0e-3b0f-4a52-9d7e-2c1a5f0c0001"
APPS = [{"Identifier": "HyperV", "Components": [
    {"Caption": "Online\\CM01", "Name": VM_ID.upper(), "VMName": "CM01", "VMId": VM_ID}]}]
SWITCHES = [{"Name": "Lab-Isolated", "SwitchType": 0}, {"Name": "Corp-External", "SwitchType": 2}]


@pytest.fixture
def inv(monkeypatch):
    monkeypatch.setenv("RH_SIM_PASSWORD", "x")
    return load_inventory("inventories/sim-lab.yml")


@pytest.fixture
def ledger(tmp_path):
    return Ledger.create(RUN, tmp_path, {"HV-LAB01": "E:\\RestoreTests"})


def finish(adapter_switch="Lab-Isolated", outcome="ready", path=None, original="Corp-LAN", target="Lab-Isolated"):
    name = "rh-20261121-0900-ab12-wsb-cm01-vm"
    return {"outcome": outcome, "switches": SWITCHES, "vm": {
        "Id": VM_ID, "Name": name, "State": 3, "Generation": 2, "Version": "9.0",
        "Path": path or "E:\\RestoreTests\\rh-20261121-0900-ab12\\wsb-cm01-vm\\CM01"},
        "adapters": [{"Name": "Network Adapter", "OriginalSwitch": original, "Target": target,
                      "SwitchName": adapter_switch, "Connected": True}]}


def answers(**over):
    a = {"wsb_backup_sets": catalog(apps=APPS, machine="HV-PROD01", manifest=False),
         "wsb_start_vm_recovery": {"outcome": "started", "Now": "2026-11-21T00:00:00Z",
                                   "Component": APPS[0]["Components"][0]},
         "wsb_job": job_poll(), "wsb_vm_finish": finish()}
    a.update(over)
    return a


def run(inv, ledger, a):
    sc = inv.scenario("wsb-cm01-vm")
    plan = plan_vm_restore(inv, sc, RUN)
    host = FakeHost(a)
    return host, plan, restore_vm(host, inv, sc, plan, ledger, sleep=lambda s: None)


def test_recovers_to_the_run_folder_renames_and_maps_switches(inv, ledger):
    host, plan, r = run(inv, ledger, answers())
    start = dict(host.calls)["wsb_start_vm_recovery"]
    assert start["target"] == {"kind": "volume", "path": "B:"} and start["target_path"] == plan.run_dir
    fin = dict(host.calls)["wsb_vm_finish"]
    assert fin["name"] == plan.vm_name and fin["switch_map"]["Corp-LAN"] == "Lab-Isolated"
    kinds = [(e.kind, e.state) for e in ledger.entries]
    assert kinds == [("folder", "created"), ("vm", "created")]
    assert ledger.entries[1].vm_id == VM_ID and ledger.entries[1].vm_name == plan.vm_name
    assert r.source_id == VM_ID and r.expected_switches == {"Network Adapter": "Lab-Isolated"}
    assert r.caption == "Online\\CM01"


def test_vm_not_in_backup(inv, ledger):
    a = answers(wsb_backup_sets=catalog(apps=[], machine="HV-PROD01", manifest=False))
    with pytest.raises(ItemNotInBackup, match="VM CM01 is not in backup 11/20/2026-21:00 on B:"):
        run(inv, ledger, a)
    assert len(ledger) == 0


def test_refused_when_the_id_is_already_registered(inv, ledger):
    a = answers(wsb_start_vm_recovery={"outcome": "refused", "Component": APPS[0]["Components"][0],
                                       "Registered": {"Name": "CM01", "Path": "D:\\Hyper-V\\CM01"}})
    with pytest.raises(RecoveryRefused, match="already registered on HV-LAB01 as 'CM01'"):
        run(inv, ledger, a)
    assert "wsb_job" not in FakeHost(a).templates()


def test_failed_job_carries_the_wsb_code(inv, ledger):
    with pytest.raises(WsbJobFailed, match="0x800423F4.*non-retryable"):
        run(inv, ledger, answers(wsb_job=job_poll(hr=-2147212300)))


def test_isolation_guard_refuses_an_external_switch(inv, ledger):
    with pytest.raises(LabSafetyError, match="Corp-External.*External"):
        run(inv, ledger, answers(wsb_vm_finish=finish(adapter_switch="Corp-External")))


def test_job_completed_but_no_vm_registered_is_a_defect(inv, ledger):
    with pytest.raises(RestoreDefect, match="no VM with id"):
        run(inv, ledger, answers(wsb_vm_finish={"outcome": "missing", "vm": None, "adapters": [], "switches": []}))


def test_adapter_whose_switch_is_missing_expects_the_switch_it_was_connected_to(inv, ledger):
    # SwitchName is $null for a switch the lab host lacks; the template connects it to the map's only target
    _, _, r = run(inv, ledger, answers(wsb_vm_finish=finish(original="", target="Lab-Isolated")))
    assert r.expected_switches == {"Network Adapter": "Lab-Isolated"}


def test_adapter_left_unconnected_expects_nothing_so_the_switch_check_reports_it(inv, ledger):
    _, _, r = run(inv, ledger, answers(wsb_vm_finish=finish(original="", target="", adapter_switch=None)))
    assert r.expected_switches == {}


@pytest.mark.parametrize("exc", [
    RemoteNotFound('Hyper-V was unable to find a virtual switch with name "Lab-Isolated".', type="Microsoft.HyperV."
                   "PowerShell.VirtualizationException", fqid="ObjectNotFound,Microsoft.HyperV.PowerShell.Commands."
                   "ConnectVMNetworkAdapter"),
    RemoteAccessDenied("You do not have the required permission to complete this task.", type="Microsoft.HyperV."
                       "PowerShell.VirtualizationException"),
    RemoteScriptError("The operation cannot be performed while the virtual machine is in its current state.",
                      type="Microsoft.HyperV.PowerShell.VirtualizationException", fqid="InvalidState"),
])
def test_finish_refused_by_hyperv_is_a_lab_problem(inv, ledger, exc):
    with pytest.raises(LabError, match="wsb-cm01-vm: naming the recovered VM") as info:
        run(inv, ledger, answers(wsb_vm_finish=exc))
    assert problem_kind(info.value) == "lab"


def test_finish_script_bug_stays_a_harness_error(inv, ledger):
    bug = RemoteScriptError("You cannot call a method on a null-valued expression.",
                            type="System.Management.Automation.RuntimeException", fqid="InvokeMethodOnNull")
    with pytest.raises(RemoteScriptError) as info:
        run(inv, ledger, answers(wsb_vm_finish=bug))
    assert problem_kind(info.value) == "harness"


def test_a_host_whose_wsb_is_running_another_job_is_a_lab_problem_that_says_so(inv, ledger):
    """Windows Server Backup runs one job per machine: a recovery started while a scheduled backup or
    another run's job runs is refused (ERROR_BUSY); the message names the cause and the way out."""
    from harness.wsb.errors import WsbEngineBusy

    busy = RemoteScriptError("The recovery operation cannot start because another backup or recovery operation is "
                             "in progress. (0x800700AA)", type="System.Runtime.InteropServices.COMException",
                             details={"hresult": -2147024726}, host="HV-LAB01")
    with pytest.raises(WsbEngineBusy, match="Windows Server Backup on HV-LAB01 is running another job") as info:
        run(inv, ledger, answers(wsb_start_vm_recovery=busy))
    assert problem_kind(info.value) == "lab" and "wbadmin stop job" in str(info.value)
