"""Each Hyper-V fault puts the lab into the Windows state it documents, seen through PowerShell."""

from __future__ import annotations

import pytest

from simlab.lab.faults import REGISTRY, FaultContext, FaultError, apply_fault, documentation
from simlab.lab.host import HyperVHost
from tests.simlab.lab.labsupport import CM01_ID, CM01_VMCX, cast_host, ps, ps_error, ps_json

DEST = "-VirtualMachinePath E:\\RestoreTests\\CM01 -VhdDestinationPath 'E:\\RestoreTests\\CM01\\Virtual Hard Disks'"
FIX = "$r.Incompatibilities | ForEach-Object { $_.Source | Connect-VMNetworkAdapter -SwitchName Lab-Isolated }\n"


@pytest.fixture
def host() -> HyperVHost:
    return cast_host()


def inject(host: HyperVHost, name: str, **kw: object) -> None:
    apply_fault(FaultContext(host), name, **kw)


def _import_cm01(host: HyperVHost, extra: str = "-GenerateNewId") -> str:
    return ps(host, f"$r = Compare-VM -Path '{CM01_VMCX}' -Copy {extra} {DEST}\n{FIX}"
                    "$vm = Import-VM -CompatibilityReport $r\n$vm.Name").strip()


def test_every_fault_is_documented_with_behaviour_and_source() -> None:
    docs = {d["name"]: d for d in documentation()}
    for name in ("leftover_backup_checkpoint", "stuck_backup_checkpoint", "missing_switch", "duplicate_vm_id",
                 "destination_files_exist", "not_enough_space", "wsb_not_installed", "winrm_http_500", "winrm_slow"):
        assert docs[name]["windows_behaviour"] and docs[name]["source"]


def test_unknown_fault_and_unknown_parameter_are_clear_errors(host: HyperVHost) -> None:
    with pytest.raises(FaultError, match="unknown fault 'nope'"):
        inject(host, "nope")
    with pytest.raises(FaultError, match="has no parameter colour"):
        inject(host, "missing_switch", vm="CM01", colour="red")
    with pytest.raises(FaultError, match="needs the WS-Man server"):
        inject(host, "winrm_http_500")


def test_leftover_backup_checkpoint_comes_with_the_import_and_vmms_restart_clears_it(host: HyperVHost) -> None:
    inject(host, "leftover_backup_checkpoint", vm="CM01", created="2026-11-21T02:00:13+09:00")
    _import_cm01(host)
    snap = ps_json(host, "Get-VMSnapshot -VMName CM01 -SnapshotType Recovery | ConvertTo-Json -Depth 1 -Compress")
    assert snap["Name"] == "CM01 - Backup - (11/21/2026 - 02:00:13)" and snap["SnapshotType"] == 1
    disks = ps_json(host, "@((Get-VMHardDiskDrive -VMName CM01).Path) | ConvertTo-Json -Compress")
    assert all(p.endswith(".avhdx") and p.startswith("E:\\RestoreTests\\CM01\\Virtual Hard Disks\\") for p in disks)
    ps(host, "Restart-Service -Name vmms")
    assert ps(host, "@(Get-VMSnapshot -VMName CM01).Count").strip() == "0"
    host.clock.advance(3600)
    disks = ps_json(host, "@((Get-VMHardDiskDrive -VMName CM01).Path) | ConvertTo-Json -Compress")
    assert [p.rsplit("\\", 1)[1] for p in disks] == ["CM01.vhdx", "CM01-Data.vhdx"]


def test_leftover_backup_checkpoint_removed_by_remove_vmsnapshot_merges_async(host: HyperVHost) -> None:
    inject(host, "leftover_backup_checkpoint", vm="LAB-DC01")
    ps(host, "Get-VMSnapshot -VMName LAB-DC01 -SnapshotType Recovery | Remove-VMSnapshot")
    assert ps(host, "(Get-VMHardDiskDrive -VMName LAB-DC01).Path").strip().endswith(".avhdx")
    assert ps(host, "(Get-VM -Name LAB-DC01).Status").startswith("Merging disks")
    host.clock.advance(3600)
    assert ps(host, "(Get-VMHardDiskDrive -VMName LAB-DC01).Path").strip().endswith("LAB-DC01.vhdx")


def test_stuck_backup_checkpoint_survives_vmms_restart_and_refuses_removal(host: HyperVHost) -> None:
    inject(host, "stuck_backup_checkpoint", vm="LAB-DC01")
    ps(host, "Restart-Service -Name vmms")
    assert ps(host, "@(Get-VMSnapshot -VMName LAB-DC01 -SnapshotType Recovery).Count").strip() == "1"
    err = ps_error(host, "Get-VMSnapshot -VMName LAB-DC01 | Remove-VMSnapshot")
    assert err["message"] == "The operation cannot be performed while the object is in use."
    assert err["fqid"] == "OperationFailed,Microsoft.HyperV.PowerShell.Commands.RemoveVMSnapshot"


def test_missing_switch_is_the_normal_state_and_can_be_pointed_elsewhere(host: HyperVHost) -> None:
    inject(host, "missing_switch", vm="CM01", switch="Lab-Internal")  # the lab loses its Lab-Internal switch
    out = ps(host, f"$r = Compare-VM -Path '{CM01_VMCX}' -Register\n$r.Incompatibilities[0].Message")
    assert out.strip() == "Could not find Ethernet switch 'Lab-Internal'."
    assert "Lab-Internal" not in {s.name for s in host.switches}


def test_duplicate_vm_id_blocks_imports_with_the_existing_id_only(host: HyperVHost) -> None:
    inject(host, "duplicate_vm_id", vm="CM01")
    assert ps(host, f"(Get-VM -Id {CM01_ID}).Name").strip() == "CM01"
    for args in (f"-Path '{CM01_VMCX}' -Register", f"-Path '{CM01_VMCX}' -Copy {DEST}"):
        err = ps_error(host, f"Import-VM {args}")
        assert err["message"] == "The operation cannot be performed while the object is in use."
        assert err["fqid"] == "OperationFailed,Microsoft.HyperV.PowerShell.Commands.ImportVM"
    assert _import_cm01(host) == "CM01"  # a copy with a new ID still works
    assert len([v for v in host.vms.values() if v.name == "CM01"]) == 2


def test_destination_files_exist_fails_at_compare_staging(host: HyperVHost) -> None:
    inject(host, "destination_files_exist", vm="CM01")
    err = ps_error(host, f"Compare-VM -Path '{CM01_VMCX}' -Copy -GenerateNewId {DEST}")
    assert err["message"] == "The file 'E:\\RestoreTests\\CM01\\Virtual Hard Disks\\CM01.vhdx' already exists."
    assert err["fqid"] == "OperationFailed,Microsoft.HyperV.PowerShell.Commands.CompareVM"
    assert host.fs.exists("E:\\RestoreTests\\CM01\\Virtual Hard Disks\\CM01-Data.vhdx")  # left as found


def test_destination_files_exist_at_an_explicit_path(host: HyperVHost) -> None:
    inject(host, "destination_files_exist", vm="CM01", path="E:\\Old")
    err = ps_error(host, f"Compare-VM -Path '{CM01_VMCX}' -Copy -GenerateNewId -VhdDestinationPath E:\\Old")
    assert err["message"] == "The file 'E:\\Old\\CM01.vhdx' already exists."


def test_not_enough_space_on_the_destination_volume(host: HyperVHost) -> None:
    inject(host, "not_enough_space", volume="E", free="20GB")
    err = ps_error(host, f"$r = Compare-VM -Path '{CM01_VMCX}' -Copy -GenerateNewId {DEST}\n{FIX}"
                         "Import-VM -CompatibilityReport $r")
    assert err["message"] == "There is not enough space on the disk."
    assert not host.fs.exists("E:\\RestoreTests\\CM01\\Virtual Hard Disks\\CM01.vhdx")  # nothing half-copied
    assert ps_json(host, "Get-Volume -DriveLetter E | ConvertTo-Json -Compress")["SizeRemaining"] == 20 * 2**30


def test_wsb_not_installed_removes_the_module(host: HyperVHost) -> None:
    before = ps_json(host, "Get-WindowsFeature -Name Windows-Server-Backup | ConvertTo-Json -Compress")
    assert before["Installed"] is True and before["InstallState"] == 1
    inject(host, "wsb_not_installed")
    after = ps_json(host, "Get-WindowsFeature -Name Windows-Server-Backup | ConvertTo-Json -Compress")
    assert after["Installed"] is False and after["InstallState"] == 3
    assert "WindowsServerBackup" not in host.modules()


class _Faults:
    def __init__(self) -> None:
        self.calls: list[tuple[str, float]] = []

    def fail_next(self, n: int = 1) -> None:
        self.calls.append(("fail_next", n))

    def slow_receive(self, s: float) -> None:
        self.calls.append(("slow_receive", s))


def test_winrm_faults_use_the_server_hooks(host: HyperVHost) -> None:
    server = type("S", (), {"faults": _Faults()})()
    apply_fault(FaultContext(host, server), "winrm_http_500", count=2)
    apply_fault(FaultContext(host, server), "winrm_slow", seconds=90)
    assert server.faults.calls == [("fail_next", 2), ("slow_receive", 90.0)]


def test_connection_faults_arm_the_real_server_switches(host: HyperVHost) -> None:
    from simlab.server.server import Faults

    server = type("S", (), {"faults": Faults()})()
    apply_fault(FaultContext(host, server), "winrm_html_503", count=1)
    apply_fault(FaultContext(host, server), "winrm_connection_dropped", count=2, action="Receive")
    apply_fault(FaultContext(host, server), "winrm_truncated_answer")
    apply_fault(FaultContext(host, server), "winrm_no_answer", seconds=5, action="Command")
    f = server.faults
    assert f.take_wire(None, before_auth=True)["status"] == 503  # HTTP.sys's page, before authentication
    assert f.take_wire(None, before_auth=True) is None
    assert f.take_wire("Receive", before_auth=False)["kind"] == "drop"
    assert f.take_wire("Receive", before_auth=False)["kind"] == "drop"
    assert f.take_wire("Command", before_auth=False)["kind"] == "truncate"  # no action filter: any request
    hang = f.take_wire("Command", before_auth=False)
    assert hang["kind"] == "hang" and hang["seconds"] == 5.0
    assert f.take_wire("Receive", before_auth=False) is None


def test_registry_is_open_to_other_modules() -> None:
    from simlab.lab.faults import fault

    @fault("test_only_fault", windows_behaviour="x", source="y")
    def _f(ctx: FaultContext, vm: str) -> None:
        ctx.host.flags["test_only"] = vm

    try:
        h = cast_host()
        apply_fault(FaultContext(h), "test_only_fault", vm="CM01")
        assert h.flags["test_only"] == "CM01"
    finally:
        REGISTRY.pop("test_only_fault", None)
