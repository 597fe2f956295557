"""Integration: the WSB flow API (harness.restore.wsb_items / wsb_vm) against the simulated lab over
real WinRM, without the plugin's preflight in front: what the flows themselves detect and how they
classify it. The real suites under the same faults: tests/suites/test_wsb_suites.py."""

from __future__ import annotations

import pytest

from harness.checks.checkpoints import check_checkpoints
from harness.errors import LabError, RestoreDefect
from harness.hyperv.operations import gather_vm_facts
from harness.inventory import load_inventory
from harness.ledger import Ledger
from harness.remote.session import connect
from harness.restore.wsb_items import plan_file_restore, restore_files
from harness.restore.wsb_vm import plan_vm_restore, restore_vm
from simlab import SimulatedLab
from harness.wsb.errors import BackupTargetUnavailable, ItemNotInBackup, WsbNotInstalled

INVENTORY = "inventories/sim-lab.yml"
RUN = "rh-20261121-0900-ab12"
NAS_PASSWORD = "nas-pass-456"


@pytest.fixture
def lab(monkeypatch):
    monkeypatch.setenv("RH_SIM_PASSWORD", "sim-pass-123")
    monkeypatch.setenv("RH_NAS_USER", "wsb-reader")
    monkeypatch.setenv("RH_NAS_PASSWORD", NAS_PASSWORD)
    with SimulatedLab.from_inventory(INVENTORY, port=0) as lab:
        yield lab


def _connected(lab):
    inv = load_inventory(INVENTORY)
    host_cfg = inv.hosts[0].model_copy(update={"address": "127.0.0.1", "port": int(lab.port)})
    return inv, connect(host_cfg)


def _restore_files(lab, tmp_path):
    inv, session = _connected(lab)
    sc = inv.scenario("wsb-fs01-files")
    ledger = Ledger.create(RUN, tmp_path, {"HV-LAB01": "E:\\RestoreTests"})
    with session as host:
        return restore_files(host, inv, sc, plan_file_restore(inv, sc, RUN), ledger, sleep=lambda s: None)


def _restore_vm(lab, tmp_path):
    """The VM recovery, and the facts of the recovered VM read in the same session."""
    inv, session = _connected(lab)
    sc = inv.scenario("wsb-cm01-vm")
    ledger = Ledger.create(RUN, tmp_path, {"HV-LAB01": "E:\\RestoreTests"})
    with session as host:
        result = restore_vm(host, inv, sc, plan_vm_restore(inv, sc, RUN), ledger, sleep=lambda s: None)
        facts = gather_vm_facts(host, "HV-LAB01", [(result.vm_id, result.plan.run_dir)])
    return result, facts


def test_files_restore_and_verify(lab, tmp_path):
    result = _restore_files(lab, tmp_path)
    check, table = result.content_check()
    assert check.ok, check.message
    assert len(result.found) == 4 and check.evidence["expected_files"] == 4
    assert result.chosen.age_check.ok, result.chosen.age_check.message


def test_corrupted_file_is_detected(lab, tmp_path):
    lab.inject("backup_file_hash_mismatch", path="D:\\Shares\\HR\\人事\\名簿.csv")
    check, _ = _restore_files(lab, tmp_path).content_check()
    assert not check.ok
    assert "1 changed: D:\\Shares\\HR\\人事\\名簿.csv (SHA-256" in check.message
    assert check.evidence["summary"] == "3 as expected, 0 missing, 0 extra, 1 changed"


def test_share_access_denied_is_a_lab_problem_with_the_code_and_its_meaning(lab, tmp_path):
    lab.inject("share_access_denied")
    with pytest.raises(BackupTargetUnavailable) as info:
        _restore_files(lab, tmp_path)
    exc = info.value
    assert isinstance(exc, LabError) and not isinstance(exc, RestoreDefect)
    assert exc.code == 0x807800C5
    msg = str(exc)
    assert "backup target \\\\NAS01\\wsb could not be read" in msg
    assert "0x807800C5 (preparing the backup image failed" in msg and "share access or permissions" in msg
    assert NAS_PASSWORD not in msg


def test_wsb_not_installed_is_a_lab_problem_naming_the_fix(lab, tmp_path):
    lab.inject("wsb_not_installed")
    with pytest.raises(WsbNotInstalled) as info:
        _restore_files(lab, tmp_path)
    assert isinstance(info.value, LabError)
    assert "Install-WindowsFeature Windows-Server-Backup" in str(info.value)


def test_vm_recovery_brings_back_the_backup_checkpoint(lab, tmp_path):
    """CM01 was running at backup time: the recovered VM carries the backup's Recovery checkpoint
    (the finding that the suite's remediation clears; tests/suites/test_wsb_suites.py)."""
    result, facts = _restore_vm(lab, tmp_path)
    assert result.vm_id == "7d0c6f0e-3b0f-4a52-9d7e-2c1a5f0c0001" and result.caption == "Online\\CM01"
    assert result.vm_name.startswith("rh-20261121-0900-ab12-")
    assert result.expected_switches == {"Network Adapter": "Lab-Isolated"}
    check = check_checkpoints(facts.vm(result.vm_id), "HV-LAB01")
    assert not check.ok
    assert "found Recovery checkpoint 'CM01 - Backup - (" in check.message


def test_vm_missing_from_the_backup_is_a_restore_defect(lab, tmp_path):
    lab.inject("backup_item_missing", vm="CM01")
    with pytest.raises(ItemNotInBackup, match=r"VM CM01 is not in backup .* on B: \(it holds Online\\VMM01\)"):
        _restore_vm(lab, tmp_path)
