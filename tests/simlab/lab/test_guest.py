"""Guests on the Hyper-V model built from inventories/sim-lab.yml: boot, services, PowerShell Direct,
0x7B and offline driver injection, WinPE bare metal recovery, console thumbnail, faults."""

from __future__ import annotations

from pathlib import Path

import pytest

import simlab.lab  # noqa: F401 - registers cmdlets, builders and faults
from simlab.lab import guest_console
from simlab.lab.build import build_host
from simlab.lab.description import load_description
from simlab.lab.faults import FaultContext, apply_fault
from simlab.lab.guest import runtime_of
from simlab.lab.guest_cmdlets import powershell_direct_target
from simlab.lab.model import DvdDrive, HardDiskDrive
from simlab.ps.api import CmdletError
from simlab.winfs import Directory, Volume
from tests.simlab.lab.simcall import Ctx, call, cred

INVENTORY = Path(__file__).resolve().parents[3] / "inventories" / "sim-lab.yml"
GB = 2**30


@pytest.fixture
def host(monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    for k, v in {"RH_SIM_PASSWORD": "op-pw", "RH_NAS_USER": "NAS01\\wsbreader", "RH_NAS_PASSWORD": "nas-pw",
                 "RH_GUEST_PASSWORD": "guest-pw"}.items():
        monkeypatch.setenv(k, v)
    h = build_host(load_description(INVENTORY))
    h.guest_runtime.start_endpoints = False  # endpoint tests live with the WS-Man server
    return h


def _vm_from_export(host, name: str):  # noqa: ANN001, ANN202
    src = next(p for p in host.disks if p.endswith(f"\\{name.lower()}.vhdx") and "exports" in p)
    dst = f"E:\\RestoreTests\\{name}\\{name}.vhdx"
    host.copy_file(src, dst)
    vm = host.new_vm(name, generation=2, path="E:\\RestoreTests", switch_name="Lab-Isolated", vhd_path=dst)
    return vm


def test_guest_boots_and_services_follow_start_types(host) -> None:  # noqa: ANN001
    vm = _vm_from_export(host, "CM01")
    host.start_vm(vm)
    rt = runtime_of(host)
    assert host.heartbeat(vm) == "No Contact" and rt.guest("CM01") is None
    boot = rt.images["CM01"].boot_seconds  # the heartbeat follows the guest image's boot time
    host.clock.advance(boot - 5)
    assert host.heartbeat(vm) == "No Contact"
    host.clock.advance(5)
    assert host.heartbeat(vm) == "OK"
    g = rt.guest("CM01")
    assert g.computer_name == "CM01"
    assert int(call(g, "Get-Service", Name=["MSSQLSERVER"])[0]["Status"]) == 2  # StartPending: still settling
    host.clock.advance(60)
    by = {s["Name"]: s for s in call(g, "Get-Service")}
    assert int(by["MSSQLSERVER"]["Status"]) == 4 and str(by["MSSQLSERVER"]["StartType"]) == "Automatic"
    assert int(by["SMS_EXECUTIVE"]["Status"]) == 1  # Automatic (Delayed Start): not yet
    host.clock.advance(300)
    assert int(call(g, "Get-Service", Name=["SMS_EXECUTIVE"])[0]["Status"]) == 4
    wmi = {s["Name"]: s for s in call(g, "Get-CimInstance", ClassName="Win32_Service")}
    assert wmi["SMS_EXECUTIVE"]["DelayedAutoStart"] is True and wmi["SMS_EXECUTIVE"]["StartMode"] == "Auto"
    ports = [c["LocalPort"] for c in call(g, "Get-NetTCPConnection", State=["Listen"])]
    assert 1433 in ports and 443 in ports
    assert g.registry.exists("HKLM:\\SOFTWARE\\Microsoft\\SMS\\Setup")
    assert call(g, "Get-CimInstance", ClassName="Win32_OperatingSystem")[0]["CSName"] == "CM01"
    ctx = Ctx(g)
    r = call(g, "Test-NetConnection", ctx, ComputerName="8.8.8.8", Port=443)[0]
    assert r["TcpTestSucceeded"] is False and ctx.warnings


def test_powershell_direct_errors_like_windows(host) -> None:  # noqa: ANN001
    vm = _vm_from_export(host, "VMM01")
    with pytest.raises(CmdletError, match="not in running state"):
        powershell_direct_target(host, "VMM01", cred("Administrator", "guest-pw"))
    with pytest.raises(CmdletError, match="does not resolve to a single"):
        powershell_direct_target(host, "NOPE", cred("Administrator", "guest-pw"))
    host.start_vm(vm)
    host.clock.advance(90)  # past the image boot time (75 s)
    with pytest.raises(CmdletError, match="The credential is invalid"):
        powershell_direct_target(host, "VMM01", cred("Administrator", "wrong"))
    assert powershell_direct_target(host, "VMM01", cred(".\\Administrator", "guest-pw")).computer_name == "VMM01"


def test_service_faults(host) -> None:  # noqa: ANN001
    fc = FaultContext(host)
    apply_fault(fc, "service_fails_to_start", guest="SQL01", service="MSSQLSERVER")
    apply_fault(fc, "service_disabled", guest="CM01", service="W3SVC")
    vm = _vm_from_export(host, "CM01")
    host.start_vm(vm)
    host.clock.advance(400)
    g = runtime_of(host).guest("CM01")
    w3 = call(g, "Get-Service", Name=["W3SVC"])[0]
    assert int(w3["Status"]) == 1 and str(w3["StartType"]) == "Disabled"
    ctx = Ctx(g)
    call(g, "Start-Service", ctx, Name=["W3SVC"])
    assert "cannot be started" in ctx.errors[0].message and ctx.errors[0].error_id == "CouldNotStartService"


def _automation_disk(host, script: str):  # noqa: ANN001, ANN202
    disk = host.new_vhd("E:\\RestoreTests\\auto.vhdx", 4 * GB)
    vol = Volume("", 4 * GB, 0, "RH-AUTO")
    vol.root = Directory("", host.now(), host.now())
    disk.volumes = [vol]
    fs = host.disk_fs(disk)
    fs.write("V:\\restore-harness\\run.cmd", script.encode())
    for sub in ("Storage", "NIC"):
        for path, node in host.fs.listdir(f"B:\\Drivers\\{sub}"):
            fs.write(f"V:\\restore-harness\\drivers\\{sub}\\{node.name}", node.content, node.declared_size)
    return disk


SCRIPT = r"""@echo off
drvload C:\restore-harness\drivers\NIC\e1r68x64.inf
net use \\NAS01\wsb /user:NAS01\wsbreader nas-pw
if errorlevel 1 exit /b 11
wbadmin start sysrecovery -version:11/19/2026-13:00 -backupTarget:\\NAS01\wsb -machine:FS01 -restoreAllVolumes -recreateDisks -quiet > C:\restore-harness\logs\wbadmin.log
if errorlevel 1 exit /b 12
for %%d in (D E F) do if exist %%d:\Windows\System32\config\SYSTEM set WIN=%%d:
{DISM}
dism /Image:%WIN%\ /Get-Drivers > C:\restore-harness\logs\drivers.log
echo done
exit /b 0
"""


def _bmr_vm(host, inject: bool, generation: int = 2):  # noqa: ANN001, ANN202
    dism_line = r"dism /Image:%WIN%\ /Add-Driver /Driver:C:\restore-harness\drivers\Storage /Recurse" if inject else ""
    auto = _automation_disk(host, SCRIPT.replace("{DISM}", dism_line))
    host.new_vhd("E:\\RestoreTests\\FS01.vhdx", 80 * GB)
    vm = host.new_vm("rh-FS01", generation=generation, path="E:\\RestoreTests", switch_name="Lab-Internal",
                     vhd_path="E:\\RestoreTests\\FS01.vhdx")
    vm.hard_drives.append(HardDiskDrive(auto.path, "SCSI", 0, 1))
    vm.dvd_drives = [DvdDrive("B:\\ISO\\WinPE_amd64.iso")]
    return vm, auto


def test_winpe_bmr_without_driver_stops_with_7b_then_dism_fixes_it(host) -> None:  # noqa: ANN001
    vm, auto = _bmr_vm(host, inject=False)
    host.start_vm(vm)
    assert vm.state == "Off"  # wpeutil shutdown
    fs = host.disk_fs(auto)
    assert fs.read("V:\\restore-harness\\logs\\exitcode.txt").strip() == b"0"
    assert b"successfully completed" in fs.read("V:\\restore-harness\\logs\\wbadmin.log")
    host.start_vm(vm)  # the restored disk now has FS01's Windows: boots it, without lsisas3
    host.clock.advance(120)
    assert host.heartbeat(vm) == "No Contact" and vm.boot_failure == "0x0000007B"
    events = call(host, "Get-WinEvent", FilterHashtable={"LogName": "Microsoft-Windows-Hyper-V-Worker-Admin"})
    assert events[0]["Id"] == 18590 and "0x7B" in events[0]["Message"]
    svc = call(host, "Get-CimInstance", Namespace="root\\virtualization\\v2",
               ClassName="Msvm_VirtualSystemManagementService")[0]
    vssd = call(host, "Get-CimInstance", Namespace="root\\virtualization\\v2",
                ClassName="Msvm_VirtualSystemSettingData", Filter="ElementName='rh-FS01'")[0]
    res = call(host, "Invoke-CimMethod", InputObject=svc, MethodName="GetVirtualSystemThumbnailImage",
               Arguments={"TargetSystem": vssd, "WidthPixels": 320, "HeightPixels": 240})[0]
    assert res["ReturnValue"] == 0 and len(res["ImageData"]) == 320 * 240 * 2
    blue = guest_console.rgb565(0x00, 0x78, 0xD7).to_bytes(2, "little")
    assert bytes(res["ImageData"][:2]) == blue
    host.stop_vm(vm, turn_off=True)
    # offline injection on the mounted system disk, as the harness does with Mount-VHD + Add-WindowsDriver
    disk = host.mount_vhd("E:\\RestoreTests\\FS01.vhdx")
    letter = disk.mounted_letters[0] + ":\\"
    call(host, "Add-WindowsDriver", Path=letter, Driver="B:\\Drivers\\Storage", Recurse=True)
    host.dismount_vhd("E:\\RestoreTests\\FS01.vhdx")
    vm.dvd_drives = []
    host.start_vm(vm)
    host.clock.advance(120)
    assert host.heartbeat(vm) == "OK"
    g = runtime_of(host).guest("rh-FS01")
    assert g.computer_name == "FS01" and int(call(g, "Get-Service", Name=["LanmanServer"])[0]["Status"]) == 4


def test_winpe_with_dism_boots_and_logs_drivers(host) -> None:  # noqa: ANN001
    vm, auto = _bmr_vm(host, inject=True)
    host.start_vm(vm)
    drivers = host.disk_fs(auto).read("V:\\restore-harness\\logs\\drivers.log").decode()
    assert "Published Name : oem0.inf" in drivers and "lsisas3.inf" in drivers
    host.start_vm(vm)
    host.clock.advance(120)
    assert host.heartbeat(vm) == "OK"


def test_winpe_refuses_generation_mismatch(host) -> None:  # noqa: ANN001
    vm, auto = _bmr_vm(host, inject=False, generation=1)
    host.start_vm(vm)
    fs = host.disk_fs(auto)
    assert fs.read("V:\\restore-harness\\logs\\exitcode.txt").strip() == b"12"
    assert b"created on a computer using EFI and this computer is using BIOS" in fs.read(
        "V:\\restore-harness\\logs\\wbadmin.log")


def test_winpe_script_failure_fault_and_share_denied(host) -> None:  # noqa: ANN001
    apply_fault(FaultContext(host), "share_access_denied")
    vm, auto = _bmr_vm(host, inject=False)
    host.start_vm(vm)
    fs = host.disk_fs(auto)
    assert fs.read("V:\\restore-harness\\logs\\exitcode.txt").strip() == b"11"
    assert "Access is denied." in fs.read("V:\\restore-harness\\logs\\run.log").decode()
