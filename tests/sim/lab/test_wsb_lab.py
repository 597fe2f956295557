"""WSB, DISM and guests through the PowerShell interpreter on the lab built from sim-lab.yml
(asserting on what Windows PowerShell 5.1 prints / returns)."""

from __future__ import annotations

import json

import pytest

from harness.sim.lab.faults import FaultContext, apply_fault
from harness.sim.ps.host import run_script
from tests.sim.lab.test_guest import host  # noqa: F401 - fixture

NAS = ("$pw = ConvertTo-SecureString 'nas-pw' -AsPlainText -Force\n"
       "$c = New-Object -TypeName System.Management.Automation.PSCredential -ArgumentList 'NAS01\\wsbreader', $pw\n"
       "$t = New-WBBackupTarget -NetworkPath '\\\\NAS01\\wsb' -Credential $c\n")


def _ps(machine, text: str):  # noqa: ANN001, ANN202
    r = run_script(machine, text)
    return r


def test_get_wbbackupset_json_over_interpreter(host) -> None:  # noqa: ANN001, F811
    r = _ps(host, NAS + "$s = Get-WBBackupSet -BackupTarget $t -MachineName FS01\n"
            "[pscustomobject][ordered]@{v=$s.VersionId; items=$s.RecoverableItems; n=@($s.Volume).Count} | "
            "ConvertTo-Json -Compress")
    assert r.exit_code == 0, r
    assert json.loads(r.stdout) == {"v": "11/19/2026-13:00", "items": "Volumes, SystemState, Files, BareMetalRecovery",
                                    "n": 2}


def test_share_without_credential_is_0x807800C5(host) -> None:  # noqa: ANN001, F811
    r = _ps(host, "try { Get-WBBackupSet -BackupTarget (New-WBBackupTarget -NetworkPath '\\\\NAS01\\wsb') } "
            "catch { $_.Exception.Message }")
    assert "0x807800C5" in r.stdout


def test_file_recovery_and_hash_mismatch_fault(host) -> None:  # noqa: ANN001, F811
    apply_fault(FaultContext(host), "backup_file_hash_mismatch", path="D:\\Shares\\HR\\人事\\名簿.csv")
    r = _ps(host, NAS + "$s = Get-WBBackupSet -BackupTarget $t\n"
            "New-Item -ItemType Directory -Path 'E:\\RestoreTests\\items' | Out-Null\n"
            "Start-WBFileRecovery -BackupSet $s -SourcePath 'D:\\Shares\\HR\\人事' -TargetPath "
            "'E:\\RestoreTests\\items' -Recursive -Force\n"
            "(Get-WBJob -Previous 1).JobState.ToString()")
    assert r.stdout.strip().endswith("Completed"), r
    manifest = json.loads(host.fs.read("\\\\NAS01\\wsb\\WindowsImageBackup\\FS01\\manifest.sha256.json"))
    import hashlib

    recorded = {f["path"]: f["sha256"] for f in manifest["files"]}
    good = host.fs.read("E:\\RestoreTests\\items\\人事\\評価シート.docx")
    bad = host.fs.read("E:\\RestoreTests\\items\\人事\\名簿.csv")
    assert hashlib.sha256(good).hexdigest() == recorded["D:\\Shares\\HR\\人事\\評価シート.docx"]
    assert hashlib.sha256(bad).hexdigest() != recorded["D:\\Shares\\HR\\人事\\名簿.csv"]


def test_hyperv_recovery_registers_vm_with_recovery_checkpoint(host) -> None:  # noqa: ANN001, F811
    r = _ps(host, "$s = Get-WBBackupSet | Select-Object -First 1\n"
            "$vm = $s.Application[0].Component | Where-Object { $_.VMName -eq 'CM01' }\n"
            "Start-WBHyperVRecovery -BackupSet $s -VMInBackup $vm -TargetPath 'E:\\RestoreTests\\wsb' "
            "-UseAlternateLocation -RecreatePath -Force\n"
            "(Get-WBJob -Previous 1).HResult")
    assert r.stdout.strip().endswith("0"), r
    vm = next(v for v in host.vms.values() if v.name == "CM01")
    assert [c.snapshot_type for c in vm.checkpoints] == ["Recovery"]
    assert all(d.path.lower().endswith(".avhdx") for d in vm.hard_drives)


def test_vss_failure_stale_and_not_installed(host) -> None:  # noqa: ANN001, F811
    fc = FaultContext(host)
    apply_fault(fc, "vss_writer_failure")
    r = _ps(host, "(Get-WBSummary).LastBackupResultHR")
    assert int(r.stdout.strip()) == 0x800423F4 - 2**32
    apply_fault(fc, "stale_backup_set", target="B:", days=200)
    r = _ps(host, "((Get-Date) - @(Get-WBBackupSet)[0].BackupTime).Days")
    assert int(r.stdout.strip()) >= 200
    apply_fault(fc, "wsb_not_installed")
    r = _ps(host, "Get-WBSummary")
    assert r.exit_code != 0 and "Get-WBSummary" in r.stderr


def test_powershell_direct_runs_inside_guest(host, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001, F811
    from harness.sim.ps.api import REGISTRY
    from tests.sim.lab.test_guest import _vm_from_export

    if not any(p.name == "VMName" for p in REGISTRY["invoke-command"].params):
        pytest.skip("the interpreter's Invoke-Command has no -VMName yet (it should call api.POWERSHELL_DIRECT)")

    vm = _vm_from_export(host, "SQL01")
    vm.generation = 1
    host.start_vm(vm)
    host.clock.advance(600)
    r = _ps(host, "$pw = ConvertTo-SecureString 'guest-pw' -AsPlainText -Force\n"
            "$c = New-Object -TypeName System.Management.Automation.PSCredential -ArgumentList 'Administrator', $pw\n"
            "Invoke-Command -VMName SQL01 -Credential $c -ScriptBlock { (Get-Service MSSQLSERVER).Status.ToString() + "
            "' ' + $env:COMPUTERNAME }")
    assert r.stdout.strip() == "Running SQL01", r
