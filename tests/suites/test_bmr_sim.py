"""Integration: bare-metal recovery against the simulated lab over real WinRM (issue 6).

The refusals and the flows: the automation disk is made with the Storage cmdlets (Initialize-Disk,
New-Partition, Format-Volume) and the 0x7B stop is read from the host's Hyper-V-Worker event 18590
(Get-WinEvent), both modelled by the simulator.
"""

from __future__ import annotations

import pytest

from harness.bmr.plan import BackupLacksBareMetal, BmrRefused, plan_bmr
from harness.inventory import load_inventory
from harness.inventory.models import BmrSettings as InvBmr
from harness.ledger import Ledger
from harness.remote.session import connect
from harness.restore.bmr import WinPEScriptFailed, restore_bmr
from harness.secrets import resolve_credential
from harness.wsb.target import target_params

sim = pytest.importorskip("simlab")
SimulatedLab = getattr(sim, "SimulatedLab", None)
if SimulatedLab is None:
    pytest.skip("simlab.SimulatedLab is not available yet", allow_module_level=True)

INVENTORY = "inventories/sim-lab.yml"
RUN = "rh-20261121-0900-ab12"


@pytest.fixture
def lab(monkeypatch):
    monkeypatch.setenv("RH_SIM_PASSWORD", "sim-pass-123")
    monkeypatch.setenv("RH_NAS_USER", "wsb-reader")
    monkeypatch.setenv("RH_NAS_PASSWORD", "nas-pass-456")
    monkeypatch.setenv("RH_GUEST_PASSWORD", "guest-pass-789")
    with SimulatedLab.from_inventory(INVENTORY, port=0) as lab:
        yield lab


def _run(lab, tmp_path, scenario_update=None):
    inv = load_inventory(INVENTORY)
    host_cfg = inv.hosts[0].model_copy(update={"address": "127.0.0.1", "port": int(lab.port)})
    sc = inv.scenario("bmr-fs01")
    if scenario_update:
        sc = sc.model_copy(update=scenario_update)
    plan = plan_bmr(inv, sc, RUN)
    src = inv.source(sc.source)
    cred = resolve_credential(src.credentials, purpose="test") if src.kind == "wsb-share" else None
    ledger = Ledger.create(RUN, tmp_path, {"HV-LAB01": "E:\\RestoreTests"})
    with connect(host_cfg) as host:
        return restore_bmr(host, plan, ledger, share_credential=cred, target_params=target_params(src, cred),
                           sleep=lambda s: None), ledger


def _bmr(**changes):
    sc = load_inventory(INVENTORY).scenario("bmr-fs01")
    return {"bmr": InvBmr(**{**sc.bmr.model_dump(), **changes})}


def test_success_injects_driver_and_boots(lab, tmp_path):
    result, ledger = _run(lab, tmp_path)
    assert result.logs.ok, result.logs.run_log
    assert result.missing_drivers() == [] and "lsisas3.inf" in result.driver_names()
    assert result.boot.ok, result.boot.reason
    assert {e.kind for e in ledger.open_entries()} == {"folder", "vhd", "vm"}
    assert "nas-pass-456" not in result.logs.run_log


def test_without_injection_the_boot_stops_with_0x7b(lab, tmp_path):
    result, _ = _run(lab, tmp_path, _bmr(drivers=[], expected_drivers=[]))
    assert result.logs.ok
    assert not result.boot.ok
    assert result.boot.stop_code == 0x7B
    assert "0x0000007B (INACCESSIBLE_BOOT_DEVICE)" in result.boot.reason


def test_winpe_script_failure_puts_its_log_in_the_message(lab, tmp_path):
    lab.inject("winpe_script_failure", step="wbadmin")
    with pytest.raises(WinPEScriptFailed) as e:
        _run(lab, tmp_path)
    msg = str(e.value)
    assert "step wbadmin (exit code 1)" in msg and "run.log" in msg and "ERROR - " in msg


def test_wrong_generation_is_refused_before_anything_is_created(lab, tmp_path):
    with pytest.raises(BmrRefused, match="nor the reverse"):
        _run(lab, tmp_path, _bmr(vm_generation=1))
    assert lab.host.vms and not any("FS01-BMR" in vm.name for vm in lab.host.vms.values())


def test_backup_without_bare_metal_recovery_is_refused(lab, tmp_path):
    # HV-PROD01's host backup on B: holds system state and the Hyper-V VMs, not bare metal recovery.
    with pytest.raises(BackupLacksBareMetal, match="does not contain bare metal recovery"):
        _run(lab, tmp_path, {"source": "prod-wsb", "vm": "HV-PROD01"})
    assert not any("BMR" in vm.name for vm in lab.host.vms.values())
