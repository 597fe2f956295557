"""Hyper-V cmdlets on the simulated host, asserted on the JSON Windows PowerShell 5.1 prints."""

from __future__ import annotations

import pytest

from simlab.lab.host import HyperVHost
from tests.simlab.lab.labsupport import CM01_ID, CM01_VMCX, SQL01_VMCX, cast_host, ps, ps_error, ps_json

COPY = (f"-Path '{CM01_VMCX}' -Copy -VirtualMachinePath 'E:\\RestoreTests\\CM01' "
        "-VhdDestinationPath 'E:\\RestoreTests\\CM01\\Virtual Hard Disks' -SnapshotFilePath 'E:\\RestoreTests\\CM01'")


@pytest.fixture
def host() -> HyperVHost:
    return cast_host()


def test_get_vm_json_has_module_property_names_and_enum_integers(host: HyperVHost) -> None:
    vm = ps_json(host, "Get-VM -Name LAB-DC01 | ConvertTo-Json -Depth 1 -Compress")
    assert vm["Name"] == "LAB-DC01" and vm["State"] == 2 and vm["Generation"] == 2
    assert vm["Id"] == vm["VMId"] == "0b1d3c2a-1a2b-4c3d-8e4f-000000000001"
    assert vm["Status"] == "Operating normally" and vm["IsClustered"] is False
    assert vm["CheckpointType"] == 3 and vm["Version"] == "10.0" and vm["ComputerName"] == "HV-LAB01"
    assert vm["Path"] == vm["ConfigurationLocation"] == "C:\\Hyper-V\\LAB-DC01"
    assert vm["CreationTime"].startswith("/Date(") and vm["Uptime"]["TotalSeconds"] > 0
    assert vm["NetworkAdapters"] == ["Microsoft.HyperV.PowerShell.VMNetworkAdapter"]  # depth cut, as 5.1
    off = ps_json(host, "Get-VM -Name 'LAB-J*' | ConvertTo-Json -Depth 1 -Compress")
    assert off["State"] == 3 and off["Heartbeat"] is None and off["MemoryAssigned"] == 0


def test_get_vm_unknown_name_is_the_windows_error(host: HyperVHost) -> None:
    err = ps_error(host, "Get-VM -Name NOPE")
    assert err["message"] == 'Hyper-V was unable to find a virtual machine with name "NOPE".'
    assert err["fqid"] == "InvalidParameter,Microsoft.HyperV.PowerShell.Commands.GetVM"
    assert err["category"] == "InvalidArgument"
    assert ps(host, "Get-VM -Name 'NO*' | ConvertTo-Json") == ""  # a wildcard that matches nothing is silent


def test_get_vm_by_id_and_get_vmhost(host: HyperVHost) -> None:
    assert ps(host, "(Get-VM -Id 0b1d3c2a-1a2b-4c3d-8e4f-000000000002).Name").strip() == "LAB-JUMP01"
    h = ps_json(host, "Get-VMHost | ConvertTo-Json -Depth 1 -Compress")
    assert h["Name"] == "HV-LAB01" and h["VirtualMachinePath"] == "E:\\Hyper-V"


def test_compare_vm_reports_missing_switch_and_the_fix_on_source_persists(host: HyperVHost) -> None:
    out = ps_json(host, f"""
$r = Compare-VM {COPY} -GenerateNewId
$before = @($r.Incompatibilities).Count
$first = $r.Incompatibilities[0]
$first.Source | Connect-VMNetworkAdapter -SwitchName Lab-Isolated
$r2 = Compare-VM -CompatibilityReport $r
$vm = Import-VM -CompatibilityReport $r
[pscustomobject][ordered]@{{ before = $before; message = $first.Message; id = $first.MessageId;
  srcType = $first.Source.GetType().FullName; op = [int]$r.OperationType; after = @($r2.Incompatibilities).Count;
  vmId = "$($vm.Id)"; path = $vm.Path; switch = (Get-VMNetworkAdapter -VM $vm).SwitchName;
  disks = @((Get-VMHardDiskDrive -VM $vm).Path) }} | ConvertTo-Json -Compress
""")
    assert out["before"] == 1 and out["id"] == 33012 and out["message"] == "Could not find Ethernet switch 'Corp-LAN'."
    assert out["srcType"] == "Microsoft.HyperV.PowerShell.VMNetworkAdapter" and out["op"] == 1
    assert out["after"] == 0 and out["vmId"] != CM01_ID and out["switch"] == "Lab-Isolated"
    assert out["path"] == "E:\\RestoreTests\\CM01"
    assert out["disks"] == ["E:\\RestoreTests\\CM01\\Virtual Hard Disks\\CM01.vhdx",
                            "E:\\RestoreTests\\CM01\\Virtual Hard Disks\\CM01-Data.vhdx"]
    assert host.fs.exists("B:\\Exports\\CM01\\Virtual Hard Disks\\CM01.vhdx")  # source untouched


def test_import_with_incompatibilities_fails_with_two_spaces_text(host: HyperVHost) -> None:
    err = ps_error(host, f"Import-VM {COPY} -GenerateNewId")
    assert err["message"] == ("Unable to import virtual machine due to configuration errors.  Please use Compare-VM "
                              "to repair the virtual machine.")
    assert err["fqid"] == "OperationFailed,Microsoft.HyperV.PowerShell.Commands.ImportVM"
    assert err["category"] == "InvalidOperation"
    assert not host.planned  # Import-VM -Path removes the planned VM it created


def test_copy_with_new_id_can_repeat_and_copy_with_existing_id_cannot(host: HyperVHost) -> None:
    fix = "$r.Incompatibilities | ForEach-Object { $_.Source | Disconnect-VMNetworkAdapter }\n"
    ids = []
    for n in (1, 2):
        ids.append(ps(host, f"""
$r = Compare-VM -Path '{CM01_VMCX}' -Copy -GenerateNewId -VirtualMachinePath 'E:\\RT{n}' -VhdDestinationPath 'E:\\RT{n}\\VHD'
{fix}(Import-VM -CompatibilityReport $r).Id.ToString()""").strip())
    assert len(set(ids)) == 2 and CM01_ID not in ids
    ps(host, f"$r = Compare-VM -Path '{CM01_VMCX}' -Copy -VirtualMachinePath E:\\R3 -VhdDestinationPath E:\\R3\\VHD\n"
             f"{fix}$null = Import-VM -CompatibilityReport $r")
    assert ps(host, f"(Get-VM -Id {CM01_ID}).Path").strip() == "E:\\R3"
    err = ps_error(host, f"Compare-VM -Path '{CM01_VMCX}' -Copy -VirtualMachinePath E:\\R4 -VhdDestinationPath E:\\R4\\VHD")
    assert err["message"] == "The operation cannot be performed while the object is in use."  # [UNVERIFIED] text
    assert err["fqid"] == "OperationFailed,Microsoft.HyperV.PowerShell.Commands.CompareVM"


def test_register_in_place_keeps_id_and_uses_files_where_they_are(host: HyperVHost) -> None:
    out = ps_json(host, f"""
$r = Compare-VM -Path '{SQL01_VMCX}' -Register
$r.Incompatibilities[0].Source | Connect-VMNetworkAdapter -SwitchName Lab-Isolated
$vm = Import-VM -CompatibilityReport $r
[pscustomobject][ordered]@{{ id = "$($vm.Id)"; path = $vm.Path; gen = $vm.Generation; ver = $vm.Version;
  disk = (Get-VMHardDiskDrive -VM $vm).Path; ctype = [int](Get-VMHardDiskDrive -VM $vm).ControllerType }} | ConvertTo-Json -Compress
""")
    assert out == {"id": "7d0c6f0e-3b0f-4a52-9d7e-2c1a5f0c0003", "path": "B:\\Exports\\SQL01", "gen": 1, "ver": "8.0",
                   "disk": "B:\\Exports\\SQL01\\Virtual Hard Disks\\SQL01.vhdx", "ctype": 0}


def test_copy_consumes_volume_space_and_simulated_time(host: HyperVHost) -> None:
    free0 = host.fs.volume_of("E:\\").free()
    t0 = host.now()
    ps(host, f"$r = Compare-VM {COPY} -GenerateNewId\n$r.Incompatibilities[0].Source | Disconnect-VMNetworkAdapter\n"
             "$null = Import-VM -CompatibilityReport $r")
    copied = (58 + 210) * 2**30
    assert free0 - host.fs.volume_of("E:\\").free() >= copied
    assert (host.now() - t0).total_seconds() >= copied / (400 * 2**20)
    vol = ps_json(host, "Get-Volume -DriveLetter E | ConvertTo-Json -Compress")
    assert vol["SizeRemaining"] == host.fs.volume_of("E:\\").free() and vol["FileSystemLabel"] == "RestoreScratch"


def test_vmcx_must_be_a_guid_file_and_must_exist(host: HyperVHost) -> None:
    ps(host, "New-Item -ItemType Directory -Path 'E:\\x' | Out-Null; Set-Content -Path 'E:\\x\\config.vmcx' -Value 'x'")
    assert ps_error(host, "Compare-VM -Path 'E:\\x\\config.vmcx'")["message"] == \
        'The file name at "E:\\x\\config.vmcx" is not in GUID format.'
    assert ps_error(host, "Import-VM -Path 'E:\\nothere\\7D0C6F0E-3B0F-4A52-9D7E-2C1A5F0C0009.vmcx'")["message"] == \
        "The operation failed because the file was not found."


def test_newer_configuration_version_than_host_fails(host: HyperVHost) -> None:
    host.build = 17763  # a Windows Server 2019 host: configuration version 9.0 at most
    ps(host, "$null = 1")
    from simlab.lab.model import VM

    vm = VM.from_config(__import__("json").loads(host.fs.read(CM01_VMCX)))
    vm.version = "10.0"
    host.fs.write(CM01_VMCX, vm.config_bytes())
    err = ps_error(host, f"Compare-VM -Path '{CM01_VMCX}' -Register")
    assert "configuration version '10.0' is not supported" in err["message"]


def test_new_vm_start_stop_remove(host: HyperVHost) -> None:
    out = ps_json(host, """
$vm = New-VM -Name 'rh-t1' -Generation 2 -MemoryStartupBytes 2GB -Path 'E:\\RestoreTests' -NoVHD -SwitchName Lab-Isolated
Start-VM -VM $vm
[pscustomobject][ordered]@{ state = [int](Get-VM -Name 'rh-t1').State; path = $vm.Path;
  sw = (Get-VMNetworkAdapter -VMName 'rh-t1').SwitchName } | ConvertTo-Json -Compress
""")
    assert out == {"state": 2, "path": "E:\\RestoreTests\\rh-t1", "sw": "Lab-Isolated"}
    assert host.fs.exists("E:\\RestoreTests\\rh-t1\\Virtual Machines")
    ps(host, "Stop-VM -Name 'rh-t1' -TurnOff -Force\nRemove-VM -Name 'rh-t1' -Force")
    assert "rh-t1" not in {v.name for v in host.vms.values()}
    assert list(host.fs.walk("E:\\RestoreTests\\rh-t1\\Virtual Machines")) == []  # config files removed


def test_heartbeat_no_contact_until_the_guest_has_booted(host: HyperVHost) -> None:
    host.boot_hooks.clear()  # the host's own rule, without the guest model's boot outcome
    ps(host, "Start-VM -Name LAB-JUMP01")
    hb = ps_json(host, "Get-VMIntegrationService -VMName LAB-JUMP01 -Name Heartbeat | ConvertTo-Json -Compress")
    assert hb["PrimaryStatusDescription"] == "No Contact" and hb["PrimaryOperationalStatus"] == 12
    host.clock.advance(120)
    hb = ps_json(host, "Get-VMIntegrationService -VMName LAB-JUMP01 -Name Heartbeat | ConvertTo-Json -Compress")
    assert hb["PrimaryStatusDescription"] == "OK" and hb["PrimaryOperationalStatus"] == 2
    assert ps_json(host, "Get-VM -Name LAB-JUMP01 | ConvertTo-Json -Depth 1 -Compress")["Heartbeat"] == 6


def test_a_boot_hook_failure_keeps_the_heartbeat_off(host: HyperVHost) -> None:
    host.boot_hooks[:] = [lambda h, vm: "0x0000007B"]
    ps(host, "Start-VM -Name LAB-JUMP01")
    host.clock.advance(600)
    hb = ps_json(host, "Get-VMIntegrationService -VMName LAB-JUMP01 -Name Heartbeat | ConvertTo-Json -Compress")
    assert hb["PrimaryStatusDescription"] == "No Contact" and host.vm_by_name("LAB-JUMP01").boot_failure == "0x0000007B"


def test_snapshots_filter_sort_and_not_found_behaviour(host: HyperVHost) -> None:
    vm = host.vm_by_name("LAB-JUMP01")
    host.create_checkpoint(vm, "before patch")
    host.clock.advance(60)
    host.create_checkpoint(vm, "LAB-JUMP01 - Backup - (11/21/2026 - 02:00:13)", "Recovery")
    snaps = ps_json(host, "Get-VMSnapshot -VMName LAB-JUMP01 | ConvertTo-Json -Depth 1 -Compress")
    assert [s["Name"] for s in snaps] == ["before patch", "LAB-JUMP01 - Backup - (11/21/2026 - 02:00:13)"]
    assert [s["SnapshotType"] for s in snaps] == [0, 1] and snaps[1]["ParentSnapshotName"] == "before patch"
    rec = ps_json(host, "Get-VMCheckpoint -VMName LAB-JUMP01 -SnapshotType Recovery | ConvertTo-Json -Depth 1 -Compress")
    assert rec["SnapshotType"] == 1 and rec["CreationTime"].startswith("/Date(")
    err = ps_error(host, "Get-VMSnapshot -VMName LAB-DC01 -Name 'nothing*'")
    assert err["message"] == "Unable to find a snapshot matching the given criteria." and err["category"] == "ObjectNotFound"
    assert ps(host, "Get-VMSnapshot -VMName LAB-DC01 | ConvertTo-Json") == ""
    assert ps(host, "$x = @(Get-VMSnapshot -VMName LAB-DC01 -SnapshotType Recovery -ErrorAction SilentlyContinue)\n"
                    "$x.Count").strip() == "0"


def test_remove_snapshot_merges_asynchronously(host: HyperVHost) -> None:
    vm = host.vm_by_name("LAB-JUMP01")
    base = vm.hard_drives[0].path
    host.create_checkpoint(vm, "cp1", avhdx_size=2 * 2**30)
    avhdx = vm.hard_drives[0].path
    assert avhdx.endswith(".avhdx")
    during = ps_json(host, """
Get-VMSnapshot -VMName LAB-JUMP01 | Remove-VMSnapshot
$vm = Get-VM -Name LAB-JUMP01
[pscustomobject][ordered]@{ status = $vm.Status; disk = (Get-VMHardDiskDrive -VMName LAB-JUMP01).Path;
  snaps = @(Get-VMSnapshot -VMName LAB-JUMP01).Count; op = @($vm.OperationalStatus | ForEach-Object { [int]$_ }) } | ConvertTo-Json -Compress
""")
    assert during["status"].startswith("Merging disks") and during["disk"] == avhdx and during["snaps"] == 0
    assert 32772 in during["op"]
    host.clock.advance(120)
    after = ps_json(host, "[pscustomobject]@{ disk = (Get-VMHardDiskDrive -VMName LAB-JUMP01).Path; "
                          "status = (Get-VM -Name LAB-JUMP01).Status } | ConvertTo-Json -Compress")
    assert after == {"disk": base, "status": "Operating normally"}
    assert not host.fs.exists(avhdx)


def test_switches_and_adapters(host: HyperVHost) -> None:
    sw = ps_json(host, "@(Get-VMSwitch) | ForEach-Object { [pscustomobject][ordered]@{ n = $_.Name; t = [int]$_.SwitchType } }"
                       " | ConvertTo-Json -Compress")
    assert sw == [{"n": "Lab-Isolated", "t": 0}, {"n": "Lab-Internal", "t": 1}, {"n": "Corp-External", "t": 2}]
    err = ps_error(host, "Get-VMSwitch -Name Corp-LAN")
    assert err["message"] == 'Hyper-V was unable to find a virtual switch with name "Corp-LAN".'
    new = ps_json(host, "New-VMSwitch -Name 'rh-iso' -SwitchType Private | ConvertTo-Json -Depth 1 -Compress")
    assert new["SwitchType"] == 0 and new["Name"] == "rh-iso"
    nic = ps_json(host, "Get-VMNetworkAdapter -VMName LAB-DC01 | ConvertTo-Json -Depth 1 -Compress")
    assert nic["SwitchName"] == "Lab-Internal" and nic["Connected"] is True and nic["MacAddress"] == "00155D0A0101"
    assert nic["Id"].startswith("Microsoft:0B1D3C2A-1A2B-4C3D-8E4F-000000000001\\")
    ps(host, "Disconnect-VMNetworkAdapter -VMName LAB-JUMP01")
    nic2 = ps_json(host, "Get-VMNetworkAdapter -VMName LAB-JUMP01 | ConvertTo-Json -Depth 1 -Compress")
    assert nic2["SwitchName"] is None and nic2["Connected"] is False
    assert ps_error(host, "Connect-VMNetworkAdapter -VMName LAB-JUMP01 -SwitchName Corp-LAN")["message"] == \
        'Hyper-V was unable to find a virtual switch with name "Corp-LAN".'


def test_vhd_new_get_mount_and_find_the_drive_letter(host: HyperVHost) -> None:
    v = ps_json(host, "New-VHD -Path 'E:\\RestoreTests\\d.vhdx' -SizeBytes 10GB -Dynamic | ConvertTo-Json -Compress")
    assert v["VhdType"] == 3 and v["VhdFormat"] == 3 and v["Size"] == 10 * 2**30 and v["ParentPath"] is None
    diff = ps_json(host, "New-VHD -Path 'E:\\RestoreTests\\c.avhdx' -ParentPath 'E:\\RestoreTests\\d.vhdx' -Differencing"
                         " | ConvertTo-Json -Compress")
    assert diff["VhdType"] == 4 and diff["ParentPath"] == "E:\\RestoreTests\\d.vhdx"
    assert ps_error(host, "New-VHD -Path 'E:\\RestoreTests\\d.vhdx' -SizeBytes 1GB")["message"] == \
        "The file 'E:\\RestoreTests\\d.vhdx' already exists."
    jump = "C:\\Hyper-V\\LAB-JUMP01\\Virtual Hard Disks\\LAB-JUMP01.vhdx"
    out = ps_json(host, f"""
$vols = Mount-VHD -Path '{jump}' -Passthru | Get-Disk | Get-Partition | Get-Volume
$letter = @($vols | Where-Object {{ $_.DriveLetter }})[0].DriveLetter
[pscustomobject][ordered]@{{ letter = "$letter"; win = (Test-Path "$($letter):\\Windows\\System32\\config\\SYSTEM");
  attached = (Get-VHD -Path '{jump}').Attached; parts = @(Get-Partition -DiskNumber (Get-VHD -Path '{jump}').DiskNumber).Count }} | ConvertTo-Json -Compress
""")
    assert out["letter"] == "D" and out["win"] is True and out["attached"] is True and out["parts"] == 4
    ps(host, f"Set-Content -Path 'D:\\Windows\\INF\\added.inf' -Value 'x'\nDismount-VHD -Path '{jump}'")
    assert ps(host, "Test-Path 'D:\\'").strip() == "False"
    fs = host.disk_fs(host.disk(jump))
    assert fs.exists("V:\\Windows\\INF\\added.inf")  # writes through the mount landed in the VHD


def test_drives_firmware_and_boot_order(host: HyperVHost) -> None:
    ps(host, "New-VHD -Path 'E:\\RestoreTests\\b.vhdx' -SizeBytes 20GB | Out-Null\n"
             "$vm = New-VM -Name rh-bmr -Generation 2 -Path E:\\RestoreTests -NoVHD\n"
             "Add-VMHardDiskDrive -VM $vm -Path 'E:\\RestoreTests\\b.vhdx'\n"
             "Set-Content -Path 'B:\\ISO\\WinPE_amd64.iso' -Value 'iso'\n"
             "Add-VMDvdDrive -VMName rh-bmr -Path 'B:\\ISO\\WinPE_amd64.iso'\n"
             "Set-VMFirmware -VMName rh-bmr -FirstBootDevice (Get-VMDvdDrive -VMName rh-bmr)\n"
             if False else
             "New-VHD -Path 'E:\\RestoreTests\\b.vhdx' -SizeBytes 20GB | Out-Null\n"
             "$vm = New-VM -Name rh-bmr -Generation 2 -Path E:\\RestoreTests -NoVHD\n"
             "Add-VMHardDiskDrive -VM $vm -Path 'E:\\RestoreTests\\b.vhdx'\n"
             "Set-Content -Path 'B:\\ISO\\WinPE_amd64.iso' -Value 'iso'\n"
             "$dvd = Add-VMDvdDrive -VMName rh-bmr -Path 'B:\\ISO\\WinPE_amd64.iso' -Passthru\n"
             "Set-VMFirmware -VMName rh-bmr -FirstBootDevice $dvd\n")
    fw = ps_json(host, "$f = Get-VMFirmware -VMName rh-bmr\n@($f.BootOrder | ForEach-Object { $_.Device.Path }) | "
                       "ConvertTo-Json -Compress")
    assert fw == ["B:\\ISO\\WinPE_amd64.iso", "E:\\RestoreTests\\b.vhdx"]
    hdd = ps_json(host, "Get-VMHardDiskDrive -VMName rh-bmr | ConvertTo-Json -Compress")
    assert hdd["ControllerType"] == 1 and hdd["ControllerLocation"] == 0 and hdd["Path"] == "E:\\RestoreTests\\b.vhdx"
    assert "generation 1" in ps_error(host, "$null = New-VM -Name g1 -Generation 1 -NoVHD\nGet-VMFirmware -VMName g1")["message"]


def test_hyperv_cmdlets_fail_while_vmms_is_stopped(host: HyperVHost) -> None:
    ps(host, "Stop-Service -Name vmms")
    err = ps_error(host, "Get-VM")
    assert "Virtual Machine Management service" in err["message"]
    ps(host, "Start-Service -Name vmms")
    assert ps(host, "@(Get-VM).Count").strip() == "2"


def test_rename_vm_on_the_planned_vm_before_import_then_by_object_and_name(host: HyperVHost) -> None:
    out = ps_json(host, f"""
$r = Compare-VM {COPY} -GenerateNewId
Rename-VM -VM $r.VM -NewName 'rh-CM01'
$r.Incompatibilities | ForEach-Object {{ $_.Source | Disconnect-VMNetworkAdapter }}
$vm = Import-VM -CompatibilityReport $r
$imported = $vm.Name
$p = Rename-VM -VM $vm -NewName 'rh-CM01-b' -PassThru
$none = @(Rename-VM -Name 'rh-CM01-b' -NewName 'rh-CM01-c').Count
[pscustomobject][ordered]@{{ imported = $imported; passthru = $p.Name; passthruId = "$($p.Id)"; none = $none;
  now = @(Get-VM -Id $vm.Id).Name; config = [IO.File]::ReadAllText($vm.Path + '\\Virtual Machines\\' + "$($vm.Id)".ToUpper() + '.vmcx') -match 'rh-CM01-c' }} | ConvertTo-Json -Compress
""")
    assert out["imported"] == "rh-CM01" and out["passthru"] == "rh-CM01-b" and out["none"] == 0
    assert out["now"] == "rh-CM01-c" and out["passthruId"] != CM01_ID and out["config"] is True
    err = ps_error(host, "Rename-VM -Name NOPE -NewName X")
    assert err["message"] == 'Hyper-V was unable to find a virtual machine with name "NOPE".'


def test_set_vm_processor_memory_notes_and_running_state_rule(host: HyperVHost) -> None:
    out = ps_json(host, "Set-VM -Name LAB-JUMP01 -ProcessorCount 4 -MemoryStartupBytes 6GB -Notes 'restore test' "
                        "-Passthru | Select-Object 'ProcessorCount','MemoryStartup','Notes' | ConvertTo-Json -Compress")
    assert out == {"ProcessorCount": 4, "MemoryStartup": 6 * 1024**3, "Notes": "restore test"}
    err = ps_error(host, "Set-VM -Name LAB-DC01 -ProcessorCount 8")  # running
    assert err["message"] == "The operation cannot be performed while the virtual machine is in its current state."
    assert err["fqid"] == "InvalidState,Microsoft.HyperV.PowerShell.Commands.SetVM"
    assert ps(host, "Set-VM -Name LAB-DC01 -Notes 'ok while running'; (Get-VM LAB-DC01).Notes").strip() == \
        "ok while running"


def test_register_in_place_with_a_missing_vhd_fails_at_import_with_file_not_found(host: HyperVHost) -> None:
    """Documented choice (simlab/docs/simulator.md): Compare-VM lists no incompatibility for it; Import-VM fails."""
    host.fs.remove("B:\\Exports\\SQL01\\Virtual Hard Disks\\SQL01.vhdx")
    n = ps(host, f"@((Compare-VM -Path '{SQL01_VMCX}').Incompatibilities | Where-Object {{ $_.MessageId -ne 33012 }}).Count")
    assert n.strip() == "0"
    err = ps_error(host, f"$r = Compare-VM -Path '{SQL01_VMCX}'\n"
                         "$r.Incompatibilities | ForEach-Object { $_.Source | Disconnect-VMNetworkAdapter }\n"
                         "Import-VM -CompatibilityReport $r")
    assert err["message"] == "The operation failed because the file was not found."
    assert err["fqid"] == "ObjectNotFound,Microsoft.HyperV.PowerShell.Commands.ImportVM"
