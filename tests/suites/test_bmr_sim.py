"""Integration: bare-metal recovery against the simulated lab over real WinRM (issue 6).

The refusals and the flows: the automation disk is made with the Storage cmdlets (Initialize-Disk,
New-Partition, Format-Volume) and the 0x7B stop is read from the host's Hyper-V-Worker event 18590
(Get-WinEvent), both modelled by the simulator.
"""

from __future__ import annotations

from pathlib import Path

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

pytest_plugins = ["pytester"]

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


def test_without_injection_the_suite_records_every_check_expected_and_found_and_0x7b(pytester, monkeypatch):
    """suites/test_bmr.py as a user runs it, with no storage driver injected: the recovery passes, the
    restored disk stops with 0x7B. Every check, passed or failed, records what it expected and found
    (linked as check-<name>.json), and the messages carry no pytest introspection."""
    import json

    import yaml

    for name, value in (("RH_SIM_PASSWORD", "sim-pass-123"), ("RH_NAS_USER", "wsb-reader"),
                        ("RH_NAS_PASSWORD", "nas-pass-456"), ("RH_GUEST_PASSWORD", "guest-pass-789")):
        monkeypatch.setenv(name, value)
    repo = Path(__file__).resolve().parents[2]
    data = yaml.safe_load((repo / INVENTORY).read_text(encoding="utf-8"))
    data["scenarios"] = [s for s in data["scenarios"] if s["name"] == "bmr-fs01"]
    data["scenarios"][0]["bmr"].update(drivers=[], expected_drivers=[])  # no storage driver: stop 0x7B
    (pytester.path / "lab.yml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    suite = (repo / "suites" / "test_bmr.py").read_text(encoding="utf-8")
    pytester.path.joinpath("test_bmr.py").write_text(suite, encoding="utf-8")
    result = pytester.runpytest_subprocess("test_bmr.py", "--inventory", "lab.yml", "--reports", "out",
                                           "-p", "no:cacheprovider", "-rA")
    assert result.ret == 1, result.stdout.str()  # restore defects
    result.assert_outcomes(passed=2, failed=2)
    (sc,) = json.loads(next((pytester.path / "out" / "evidence").glob("*/run.json")).read_text(encoding="utf-8"))[
        "scenarios"]
    checks = {c["name"]: c for c in sc["checks"]}
    assert {n: c["outcome"] for n, c in checks.items()} == {
        "restore": "passed", "drivers injected": "passed", "boots": "failed", "guest answers": "failed"}
    for check in checks.values():
        assert check["expected"] is not None and check["found"] is not None, check
        linked = f"check-{check['name'].replace(' ', '_')}.json"
        assert any(e.endswith(linked) for e in check["evidence"]), check["evidence"]
        assert "assert " not in check["message"] and "where" not in check["message"], check["message"]
    assert checks["restore"]["found"]["winpe_exit_code"] == 0
    drivers = checks["drivers injected"]
    assert drivers["expected"] == {"drivers": []} and drivers["found"]["missing"] == []
    boots = checks["boots"]
    assert boots["expected"] == {"heartbeat_ok": True, "stop_code": None}
    assert boots["found"]["stop_code"] == 0x7B and "0x0000007B (INACCESSIBLE_BOOT_DEVICE)" in boots["found"]["reason"]
    assert boots["message"].count("0x0000007B") == 1  # said once
    assert checks["guest answers"]["found"]["booted"] is False


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
