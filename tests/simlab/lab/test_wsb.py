"""WindowsServerBackup module: targets, sets, file and Hyper-V recovery, jobs, access errors."""

from __future__ import annotations

import hashlib
import json

import pytest

from simlab.lab import wsb, wsb_cmdlets
from simlab.lab.guest import parse_guests
from simlab.ps.api import CmdletError
from tests.simlab.lab.simcall import Ctx, Host, call, cred

FINANCE = "D:\\Shares\\Finance\\予算2025.xlsx"
JINJI = "D:\\Shares\\HR\\人事\\評価シート.docx"

TARGETS = [
    {"path": "B:", "label": "Backups", "sets": [{
        "machine": "HV-PROD01", "time": "2026-11-20T01:00:00Z", "volumes": ["C:", "D:"],
        "hyperv_vms": [{"name": "CM01", "running_at_backup": True}, {"name": "VMM01", "running_at_backup": True}]}]},
    {"path": "\\\\NAS01\\wsb", "credential": {"user_env": "RH_NAS_USER", "password_env": "RH_NAS_PASSWORD"},
     "sets": [{"machine": "FS01", "time": "2026-11-19T22:00:00Z", "volumes": ["C:", "D:"],
               "bare_metal_recovery": True,
               "files": [{"path": FINANCE, "content": "budget"}, {"path": JINJI, "content": "評価"},
                         {"path": "D:\\Shares\\Finance\\Q1\\report.txt", "content": "q1"}]}]},
]


@pytest.fixture
def host(monkeypatch: pytest.MonkeyPatch) -> Host:
    monkeypatch.setenv("RH_NAS_USER", "NAS01\\wsbreader")
    monkeypatch.setenv("RH_NAS_PASSWORD", "s3cret-nas")
    h = Host()
    images = parse_guests([{"name": "FS01", "computer_name": "FS01"}])
    cat = wsb.WsbCatalog(h.clock.now)
    wsb.load_targets(TARGETS, cat, h.fs, images)
    wsb_cmdlets.attach(h, cat, images)
    h.catalog = cat  # type: ignore[attr-defined]
    return h


def _nas_set(host: Host, user: str = "NAS01\\wsbreader", password: str = "s3cret-nas"):
    t = call(host, "New-WBBackupTarget", NetworkPath="\\\\NAS01\\wsb", Credential=cred(user, password))[0]
    return call(host, "Get-WBBackupSet", BackupTarget=t, MachineName="FS01")[0]


def test_local_catalog_lists_host_backup_with_running_vms(host: Host) -> None:
    sets = call(host, "Get-WBBackupSet")
    assert len(sets) == 1
    s = sets[0]
    assert s["VersionId"] == "11/20/2026-01:00"
    assert s["BackupTarget"]["Path"] == "B:" and s["BackupTarget"]["Label"] == "Backups"
    assert [c["Caption"] for c in s["Application"][0]["Component"]] == ["Online\\CM01", "Online\\VMM01"]
    assert s["Application"][0]["Identifier"] == "HyperV"
    assert "Applications" in s["RecoverableItems"] and "BareMetalRecovery" not in s["RecoverableItems"]


def test_share_needs_its_credential(host: Host) -> None:
    t = call(host, "New-WBBackupTarget", NetworkPath="\\\\NAS01\\wsb")[0]
    with pytest.raises(CmdletError) as e:
        call(host, "Get-WBBackupSet", BackupTarget=t)
    assert e.value.record.hresult == 0x807800C5 and "0x807800C5" in str(e.value)
    with pytest.raises(CmdletError):
        _nas_set(host, password="wrong")
    s = _nas_set(host)
    assert s["RecoverableItems"] == "Volumes, SystemState, Files, BareMetalRecovery"
    assert [v["MountPath"] for v in s["Volume"]] == ["C:", "D:"]


def test_manifest_beside_backup_has_sha256_of_each_file(host: Host) -> None:
    data = json.loads(host.fs.read("\\\\NAS01\\wsb\\WindowsImageBackup\\FS01\\manifest.sha256.json"))
    entry = next(f for f in data["files"] if f["path"] == JINJI)
    assert entry["sha256"] == hashlib.sha256("評価".encode()).hexdigest()


def test_file_recovery_recursive_writes_content_under_target(host: Host) -> None:
    s = _nas_set(host)
    host.fs.mkdir("E:\\RestoreTests\\r1")
    ctx = Ctx(host)
    call(host, "Start-WBFileRecovery", ctx, BackupSet=s, SourcePath="D:\\Shares\\Finance",
         TargetPath="E:\\RestoreTests\\r1", Recursive=True, Force=True)
    assert host.fs.read("E:\\RestoreTests\\r1\\Finance\\予算2025.xlsx") == b"budget"
    assert host.fs.read("E:\\RestoreTests\\r1\\Finance\\Q1\\report.txt") == b"q1"
    job = call(host, "Get-WBJob", Previous=1)[0]
    assert (str(job["JobType"]), str(job["JobState"]), job["HResult"]) == ("FileRecovery", "Completed", 0)
    assert ctx.progress, "a synchronous recovery reports progress"


def test_file_recovery_options_skip_and_copy(host: Host) -> None:
    s = _nas_set(host)
    host.fs.write("E:\\R\\予算2025.xlsx", b"local")
    call(host, "Start-WBFileRecovery", BackupSet=s, SourcePath=FINANCE, TargetPath="E:\\R", Option="SkipIfExists")
    assert host.fs.read("E:\\R\\予算2025.xlsx") == b"local"
    call(host, "Start-WBFileRecovery", BackupSet=s, SourcePath=FINANCE, TargetPath="E:\\R")
    assert host.fs.read("E:\\R\\Copy of 予算2025.xlsx") == b"budget"
    call(host, "Start-WBFileRecovery", BackupSet=s, SourcePath=FINANCE, TargetPath="E:\\R",
         Option="OverwriteIfExists")
    assert host.fs.read("E:\\R\\予算2025.xlsx") == b"budget"


def test_async_recovery_runs_in_simulated_time(host: Host) -> None:
    s = _nas_set(host)
    host.fs.mkdir("E:\\A")
    assert call(host, "Start-WBFileRecovery", BackupSet=s, SourcePath=JINJI, TargetPath="E:\\A", Async=True) == []
    job = call(host, "Get-WBJob")[0]
    assert str(job["JobState"]) == "Running" and "%" in job["CurrentOperation"]
    assert not host.fs.exists("E:\\A\\評価シート.docx")
    host.clock.advance(3600)
    assert str(call(host, "Get-WBJob", Previous=1)[0]["JobState"]) == "Completed"
    assert host.fs.read("E:\\A\\評価シート.docx") == "評価".encode()


def test_hyperv_recovery_alternate_location_registers_vm_with_backup_checkpoint(host: Host) -> None:
    s = call(host, "Get-WBBackupSet")[0]
    vm = s["Application"][0]["Component"][0]
    call(host, "Start-WBHyperVRecovery", BackupSet=s, VMInBackup=[vm], TargetPath="E:\\RestoreTests\\wsbvm",
         UseAlternateLocation=True, RecreatePath=True)
    config, checkpoint = host.registered[0]
    assert config["name"] == "CM01" and config["path"] == "E:\\RestoreTests\\wsbvm\\CM01"
    assert checkpoint["type"] == "Recovery" and "Backup" in checkpoint["name"]
    assert host.fs.exists("E:\\RestoreTests\\wsbvm\\CM01\\Virtual Hard Disks\\CM01.vhdx")


def test_alternate_location_without_recreate_path_fails(host: Host) -> None:
    s = call(host, "Get-WBBackupSet")[0]
    vm = s["Application"][0]["Component"][1]
    with pytest.raises(CmdletError, match="RecreatePath"):
        call(host, "Start-WBHyperVRecovery", BackupSet=s, VMInBackup=[vm], TargetPath="E:\\nope",
             UseAlternateLocation=True)


def test_summary_and_policy_targets(host: Host) -> None:
    summ = call(host, "Get-WBSummary")[0]
    assert summ["NumberOfVersions"] == 1 and summ["LastBackupResultHR"] == 0
    pol = call(host, "Get-WBPolicy")[0]
    assert [t["Path"] for t in call(host, "Get-WBBackupTarget", Policy=pol)] == ["B:"]


def test_missing_target_and_not_installed(host: Host) -> None:
    host.catalog.target("B:").missing = True  # type: ignore[attr-defined]
    with pytest.raises(CmdletError) as e:
        call(host, "Get-WBBackupSet")
    assert e.value.record.hresult == 0x80780166
    host.catalog.installed = False  # type: ignore[attr-defined]
    with pytest.raises(CmdletError, match="not installed"):
        call(host, "Get-WBSummary")
