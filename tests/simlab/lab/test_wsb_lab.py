"""WSB, DISM and guests through the PowerShell interpreter on the lab built from sim-lab.yml
(asserting on what Windows PowerShell 5.1 prints / returns)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from simlab.lab.faults import FaultContext, apply_fault
from simlab.ps.host import run_script
from tests.simlab.lab.test_guest import host  # noqa: F401 - fixture

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
    r = _ps(host, RECOVER_CM01 + "(Get-WBJob -Previous 1).HResult")
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
    from simlab.ps.api import REGISTRY
    from tests.simlab.lab.test_guest import _vm_from_export

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


RECOVER_CM01 = ("$s = Get-WBBackupSet | Select-Object -First 1\n"
                "$vm = $s.Application[0].Component | Where-Object { $_.VMName -eq 'CM01' }\n"
                "Start-WBHyperVRecovery -BackupSet $s -VMInBackup $vm -TargetPath 'E:\\RestoreTests\\wsb' "
                "-UseAlternateLocation -RecreatePath -Force\n")


def test_recovered_vm_whose_switch_is_missing_keeps_an_unconnected_adapter(host) -> None:  # noqa: ANN001, F811
    r = _ps(host, RECOVER_CM01 + "$a = Get-VMNetworkAdapter -VMName CM01\n"
            "$start = 'started'\ntry { Start-VM -Name CM01 } catch { $start = $_.Exception.Message }\n"
            "[pscustomobject][ordered]@{ switch = $a.SwitchName; connected = $a.Connected; "
            "status = @($a.StatusDescription); start = $start } | ConvertTo-Json -Compress")
    assert r.exit_code == 0, r
    out = json.loads(r.stdout)
    assert out["switch"] is None and out["connected"] is False and out["status"] == ["Configuration Error"]
    assert out["start"] == "'CM01' failed to start. Could not find Ethernet switch 'Corp-LAN'."
    r = _ps(host, "Connect-VMNetworkAdapter -VMName CM01 -SwitchName Lab-Isolated\n"
            "$a = Get-VMNetworkAdapter -VMName CM01\n"
            "[pscustomobject][ordered]@{ switch = $a.SwitchName; connected = $a.Connected; "
            "status = @($a.StatusDescription).Count } | ConvertTo-Json -Compress")
    assert json.loads(r.stdout) == {"switch": "Lab-Isolated", "connected": True, "status": 0}


def test_wsb_not_installed_hides_the_module_and_shows_the_feature_available(host) -> None:  # noqa: ANN001, F811
    from simlab.lab.wsb_cmdlets import find_catalog

    apply_fault(FaultContext(host), "wsb_not_installed")
    r = _ps(host, "Get-WBBackupSet")
    assert r.exit_code != 0 and r.errors[0].error_id == "CommandNotFoundException"
    assert r.errors[0].message.startswith("The term 'Get-WBBackupSet' is not recognized as the name of a cmdlet")
    r = _ps(host, "Get-WindowsFeature Windows-Server-Backup | Select-Object 'InstallState','Installed' | "
            "ConvertTo-Json -Compress")
    assert json.loads(r.stdout) == {"InstallState": 3, "Installed": False}
    assert find_catalog(host).installed is False and "wbengine" not in host.services


def test_backup_item_missing_file_and_vm(host) -> None:  # noqa: ANN001, F811
    from simlab.lab.faults import FaultError

    fc = FaultContext(host)
    path = "D:\\Shares\\Finance\\予算2026.xlsx"
    apply_fault(fc, "backup_item_missing", path=path)
    r = _ps(host, NAS + "$s = Get-WBBackupSet -BackupTarget $t -MachineName FS01\n"
            "New-Item -ItemType Directory -Path 'E:\\RestoreTests\\f' | Out-Null\n"
            "Start-WBFileRecovery -BackupSet $s -SourcePath 'D:\\Shares\\Finance' -TargetPath 'E:\\RestoreTests\\f' "
            "-Recursive -Force\n"
            "@(Get-ChildItem -Path 'E:\\RestoreTests\\f\\Finance' | ForEach-Object { $_.Name }) | ConvertTo-Json -Compress")
    assert r.exit_code == 0, r
    names = json.loads(r.stdout) if r.stdout.strip() else []
    assert "予算2026.xlsx" not in (names if isinstance(names, list) else [names])
    manifest = _ps(host, NAS + "New-PSDrive -Name N -PSProvider FileSystem -Root '\\\\NAS01\\wsb' -Credential $c | Out-Null\n"
                   "Get-Content -Path '\\\\NAS01\\wsb\\WindowsImageBackup\\FS01\\manifest.sha256.json' -Raw -Encoding UTF8")
    assert path in [f["path"] for f in json.loads(manifest.stdout)["files"]]  # the manifest still lists it: the comparison finds it missing
    apply_fault(fc, "backup_item_missing", vm="VMM01", target="B:")
    r = _ps(host, "@((Get-WBBackupSet | Select-Object -First 1).Application[0].Component | "
            "ForEach-Object { $_.VMName }) -join ','")
    assert r.stdout.strip() == "CM01"
    with pytest.raises(FaultError, match="no file"):
        apply_fault(fc, "backup_item_missing", path="D:\\nothing.txt")
    with pytest.raises(FaultError, match="exactly one"):
        apply_fault(fc, "backup_item_missing")


def test_share_needs_its_own_logon_from_a_remote_session(host) -> None:  # noqa: ANN001, F811
    """The second hop: a WinRM session cannot pass its logon on to \\\\NAS01, so a bare UNC path is
    refused until the session logs on with the share's credential; the WSB cmdlets use the target's."""
    manifest = "'\\\\NAS01\\wsb\\WindowsImageBackup\\FS01\\manifest.sha256.json'"
    r = _ps(host, f"Test-Path -LiteralPath {manifest}")
    assert r.stdout.strip() == "False"
    r = run_script(host, f"try {{ Get-Content -LiteralPath {manifest} -ErrorAction Stop }} catch {{ $_.Exception.GetType().FullName }}")
    assert r.output == ["System.UnauthorizedAccessException"]
    r = _ps(host, NAS + "New-PSDrive -Name N -PSProvider FileSystem -Root '\\\\NAS01\\wsb' -Credential $c | Out-Null\n"
            f"Test-Path -LiteralPath {manifest}")
    assert r.stdout.strip() == "True"
    r = _ps(host, NAS + "@(Get-WBBackupSet -BackupTarget $t -MachineName FS01).Count")
    assert int(r.stdout.strip()) >= 1


def test_hyperv_recovery_restores_the_system_disk_so_the_renamed_vm_boots(host) -> None:  # noqa: ANN001, F811
    # the recovered VHDX holds the backed-up Windows: a renamed recovered VM still boots it
    r = _ps(host, "$s = Get-WBBackupSet | Select-Object -First 1\n"
            "$vm = $s.Application[0].Component | Where-Object { $_.VMName -eq 'CM01' }\n"
            "Start-WBHyperVRecovery -BackupSet $s -VMInBackup $vm -TargetPath 'E:\\RestoreTests\\wsb' "
            "-UseAlternateLocation -RecreatePath -Force\n"
            "$v = Get-VM -Name CM01\n"
            "Rename-VM -VM $v -NewName 'rh-run-wsb-cm01'\n"
            "Connect-VMNetworkAdapter -VMName 'rh-run-wsb-cm01' -SwitchName Lab-Isolated\n"
            "Start-VM -Name 'rh-run-wsb-cm01'\n"
            "Start-Sleep -Seconds 600\n"
            "(Get-VMIntegrationService -VMName 'rh-run-wsb-cm01' -Name Heartbeat).PrimaryStatusDescription")
    assert r.exit_code == 0, r
    assert r.stdout.strip().splitlines()[-1] == "OK", r


def test_lab_state_saves_after_hyperv_recovery(host) -> None:  # noqa: ANN001, F811
    """`sim serve --state-dir` pickles the host; the recovery job's effect is an object, not a closure."""
    from simlab.lab import persist

    r = _ps(host, RECOVER_CM01 + "(Get-WBJob -Previous 1).HResult")
    assert r.stdout.strip().endswith("0"), r
    again = persist.loads(persist.dumps(host))
    assert any(v.name == "CM01" for v in again.vms.values())


# ------------------------------------------------------------------ one WSB operation at a time per machine


@pytest.fixture
def events_host(tmp_path, monkeypatch: pytest.MonkeyPatch) -> Any:  # noqa: ANN001
    """The cast's lab on the events clock: simulated time moves only while every command waits."""
    from tests.simlab.lab.test_io import _events_host

    monkeypatch.setenv("RH_NAS_USER", "NAS01\\wsbreader")
    monkeypatch.setenv("RH_NAS_PASSWORD", "nas-pw")
    h = _events_host(tmp_path)
    h.guest_runtime.start_endpoints = False
    return h


def _one_command(host: Any, steps: Callable[[], None]) -> None:
    """Run ``steps`` as one WinRS command runs (a big-stack thread holding its place on the clock): time
    passes only while a script waits (Start-Sleep, a synchronous recovery, WinPE), so a job started
    -Async is still running on the next line however slow this machine is."""
    from simlab.stacks import on_big_stack

    def run() -> None:
        with host.clock.activity():
            steps()

    on_big_stack(run)


RECOVER_CM01_ASYNC = RECOVER_CM01.replace("-Force\n", "-Force -Async\n")
REFUSED = ("catch {{ [pscustomobject][ordered]@{{ message = $_.Exception.Message; fqid = $_.FullyQualifiedErrorId; "
           "category = \"$($_.CategoryInfo.Category)\"; type = $_.Exception.GetType().FullName; "
           "hresult = $_.Exception.HResult; job = \"$((Get-WBJob).JobType)/$((Get-WBJob).JobState)\" }} | "
           "ConvertTo-Json -Compress }}")
SECOND_FILE_RECOVERY = (NAS + "$f = Get-WBBackupSet -BackupTarget $t -MachineName FS01\n"
                        "try {{ Start-WBFileRecovery -BackupSet $f -SourcePath 'D:\\Shares\\HR\\人事' -TargetPath "
                        "'E:\\RestoreTests\\items' -Recursive -Force {switch} }} " + REFUSED)
JOBS = "@(Get-WBJob -Previous {n} | ForEach-Object {{ \"$($_.JobType)/$($_.JobState)/$($_.HResult)\" }})"


def test_second_wsb_job_on_the_host_is_refused_while_one_runs(events_host) -> None:  # noqa: ANN001
    from simlab.lab.wsb_cmdlets import find_catalog

    host = events_host

    def steps() -> None:
        r = _ps(host, RECOVER_CM01_ASYNC + "New-Item -ItemType Directory -Path 'E:\\RestoreTests\\items' | Out-Null\n"
                "\"$((Get-WBJob).JobType)/$((Get-WBJob).JobState)\"")
        assert r.exit_code == 0 and r.stdout.strip() == "HyperVRecovery/Running", r
        for switch in ("-Async", ""):  # with and without -Async: refused before any job exists
            r = _ps(host, SECOND_FILE_RECOVERY.format(switch=switch))
            assert r.exit_code == 0, r
            assert json.loads(r.stdout) == {
                "message": "The recovery operation has failed because another backup or recovery operation is in "
                           "progress. Please stop the conflicting operation, and then rerun the recovery operation "
                           "(0x800700AA).",
                "fqid": "System.Runtime.InteropServices.COMException,"
                        "Microsoft.Windows.ServerBackup.Commands.StartWBFileRecovery",
                "category": "InvalidOperation", "type": "System.Runtime.InteropServices.COMException",
                "hresult": 0x800700AA - 2**32, "job": "HyperVRecovery/Running"}
        r = _ps(host, RECOVER_CM01.replace("Start-WBHyperVRecovery", "try { Start-WBHyperVRecovery")
                .replace("-Force\n", "-Force } " + REFUSED.format() + "\n"))
        assert json.loads(r.stdout)["fqid"].endswith(",Microsoft.Windows.ServerBackup.Commands.StartWBHyperVRecovery"), r
        assert [j.job_type for j in find_catalog(host).jobs] == ["HyperVRecovery"]  # no job for the refusals
        # the running job is not disturbed: it completes; the refused recovery wrote nothing
        r = _ps(host, "Start-Sleep -Seconds 7200\n"
                "[pscustomobject][ordered]@{ jobs = " + JOBS.format(n=5) + "; "
                "items = @(Get-ChildItem -Path 'E:\\RestoreTests\\items').Count; vm = (Get-VM -Name CM01).Name } | "
                "ConvertTo-Json -Compress")
        assert json.loads(r.stdout) == {"jobs": ["HyperVRecovery/Completed/0"], "items": 0, "vm": "CM01"}, r

    _one_command(host, steps)


def test_a_new_wsb_job_starts_once_the_running_one_completed(events_host) -> None:  # noqa: ANN001
    host = events_host

    def steps() -> None:
        r = _ps(host, RECOVER_CM01_ASYNC + "New-Item -ItemType Directory -Path 'E:\\RestoreTests\\items' | Out-Null\n"
                "Start-Sleep -Seconds 7200\n" + SECOND_FILE_RECOVERY.format(switch="") + "\n"
                + JOBS.format(n=2) + " -join ','")
        assert r.exit_code == 0 and not r.errors, r
        assert r.stdout.strip() == "FileRecovery/Completed/0,HyperVRecovery/Completed/0", r
        assert host.fs.exists("E:\\RestoreTests\\items\\人事\\評価シート.docx")

    _one_command(host, steps)


def test_winpe_wbadmin_in_a_recovery_vm_is_not_blocked_by_a_host_job(events_host, monkeypatch) -> None:  # noqa: ANN001
    """One operation at a time is per machine (per wbengine): the BMR VM's WinPE runs its own."""
    from simlab.lab import winpe
    from simlab.lab.wsb_cmdlets import find_catalog
    from tests.simlab.lab.test_guest import _bmr_vm

    host = events_host
    seen: list[object] = []
    real = winpe.wsb.spend_recovery

    def spend(*args: Any, **kwargs: Any) -> None:
        seen.append(find_catalog(host).current())  # the host's running job when WinPE's wbadmin copies
        real(*args, **kwargs)

    monkeypatch.setattr(winpe.wsb, "spend_recovery", spend)

    def steps() -> None:
        r = _ps(host, RECOVER_CM01_ASYNC)
        assert r.exit_code == 0, r
        host_job = find_catalog(host).current()
        assert host_job is not None
        vm, auto = _bmr_vm(host, inject=True)
        host.start_vm(vm)
        fs = host.disk_fs(auto)
        assert fs.read("V:\\restore-harness\\logs\\exitcode.txt").strip() == b"0"
        assert b"The system recovery operation completed successfully." in fs.read(
            "V:\\restore-harness\\logs\\wbadmin.log")
        assert seen == [host_job]
        r = _ps(host, "Start-Sleep -Seconds 7200\n" + JOBS.format(n=5) + " -join ','")
        assert r.stdout.strip() == "HyperVRecovery/Completed/0", r

    _one_command(host, steps)


def _wsb_job(host: Any, params: dict[str, Any]) -> dict[str, Any]:
    """harness/remote/templates/wsb_job.ps1 as the harness sends it, on the lab; its result's data."""
    from harness.remote import scripts
    from harness.wsb.facts import RUNNING_STATE_NAMES

    r = run_script(host, scripts.render("wsb_job"),
                   args=[json.dumps({**params, "running_states": list(RUNNING_STATE_NAMES)} if params else {})])
    lines = r.stdout.splitlines()
    assert r.exit_code == 0 and "<<<RH-RESULT>>>" in lines, r
    doc = json.loads(lines[lines.index("<<<RH-RESULT>>>") + 1])
    assert doc["ok"], doc
    return doc["data"]


def test_the_wsb_job_poll_waits_on_the_host_until_the_job_ends_and_no_longer(events_host) -> None:  # noqa: ANN001
    """wsb_job.ps1 with wait_seconds waits on the host while the job runs and returns within
    check_seconds of its end (simulated time), not after the whole wait; with no job running it returns
    at once; without wait_seconds it is the plain poll."""
    import datetime as dt

    host = events_host

    def at(text: str) -> dt.datetime:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))

    def steps() -> None:
        r = _ps(host, RECOVER_CM01_ASYNC + "\"$((Get-WBJob).JobState)\"")
        assert r.exit_code == 0 and r.stdout.strip() == "Running", r
        plain = _wsb_job(host, {})
        assert plain["Current"]["JobState"] == "Running"
        short = _wsb_job(host, {"wait_seconds": 30, "check_seconds": 2})  # the job takes longer: the whole wait
        assert short["Current"]["JobState"] == "Running"
        assert 30 <= (at(short["Now"]) - at(plain["Now"])).total_seconds() < 32
        done = _wsb_job(host, {"wait_seconds": 3600, "check_seconds": 2})
        assert done["Current"]["JobState"] != "Running" and done["Previous"]["JobState"] == "Completed"
        seen_after = (at(done["Now"]) - at(done["Previous"]["EndTime"])).total_seconds()
        assert 0 <= seen_after <= 2.5, done  # its end seen within one look, long before the hour
        idle = _wsb_job(host, {"wait_seconds": 3600, "check_seconds": 2})
        assert (at(idle["Now"]) - at(done["Now"])).total_seconds() < 1  # nothing runs: no wait

    _one_command(host, steps)
