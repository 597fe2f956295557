"""Storage cmdlets that change disks (simlab/lab/storage_cmdlets.py), through run_script on the
cast's lab host: Initialize-Disk, New-Partition, Format-Volume, and Get-Disk/Get-Partition/Get-Volume
agreeing with them; what is written on the formatted volume lands in the VHD."""

from __future__ import annotations

import pytest

from tests.simlab.lab.labsupport import cast_host, ps, ps_error, ps_json

VHD = "E:\\RestoreTests\\auto.vhdx"
MOUNT_RAW = f"""
New-VHD -Path '{VHD}' -SizeBytes 1GB -Dynamic | Out-Null
$n = [int](Mount-VHD -Path '{VHD}' -Passthru).DiskNumber
"""


@pytest.fixture
def host():
    return cast_host()


def test_raw_disk_is_initialized_partitioned_formatted_and_keeps_files(host):
    out = ps_json(host, MOUNT_RAW + r"""
$before = Get-Disk -Number $n | Select-Object 'Number', 'PartitionStyle', 'NumberOfPartitions'
Initialize-Disk -Number $n -PartitionStyle MBR
$p = New-Partition -DiskNumber $n -UseMaximumSize -AssignDriveLetter
$v = Format-Volume -Partition $p -FileSystem NTFS -NewFileSystemLabel 'RH-AUTOMATION' -Confirm:$false -Force
$l = [string]$p.DriveLetter
New-Item -ItemType Directory -Path ($l + ':\restore-harness') | Out-Null
Set-Content -LiteralPath ($l + ':\restore-harness\run.cmd') -Value 'echo 100%%' -Encoding ASCII -NoNewline
$after = Get-Disk -Number $n | Select-Object 'PartitionStyle', 'NumberOfPartitions'
Dismount-VHD -Path '""" + VHD + r"""'
$gone = Test-Path -LiteralPath ($l + ':\restore-harness\run.cmd')
$m = [int](Mount-VHD -Path '""" + VHD + r"""' -Passthru).DiskNumber
$q = @(Get-Partition -DiskNumber $m)
$l2 = [string]$q[0].DriveLetter
[pscustomobject][ordered]@{
  Before = $before; After = $after
  Part = $p | Select-Object 'DiskNumber', 'PartitionNumber', 'DriveLetter', 'Type'
  Vol = $v | Select-Object 'DriveLetter', 'FileSystem', 'FileSystemLabel'
  GoneWhileDismounted = $gone
  Partitions = $q.Count
  Content = Get-Content -LiteralPath ($l2 + ':\restore-harness\run.cmd') -Raw
  Volume = Get-Volume -DriveLetter $l2 | Select-Object 'FileSystemLabel', 'FileSystem', 'FileSystemType'
} | ConvertTo-Json -Compress -Depth 3
""")
    assert out["Before"] == {"Number": out["Part"]["DiskNumber"], "PartitionStyle": 0, "NumberOfPartitions": 0}
    assert out["After"] == {"PartitionStyle": 1, "NumberOfPartitions": 1}
    assert out["Part"]["PartitionNumber"] == 1 and out["Part"]["Type"] == "IFS" and out["Part"]["DriveLetter"] == "D"
    assert out["Vol"] == {"DriveLetter": "D", "FileSystem": "NTFS", "FileSystemLabel": "RH-AUTOMATION"}
    assert out["GoneWhileDismounted"] is False
    assert out["Partitions"] == 1 and out["Content"] == "echo 100%%"
    assert out["Volume"] == {"FileSystemLabel": "RH-AUTOMATION", "FileSystem": "NTFS", "FileSystemType": "NTFS"}


def test_gpt_default_has_msr_then_the_data_partition_with_a_chosen_letter(host):
    out = ps_json(host, MOUNT_RAW + r"""
Initialize-Disk -Number $n
$p = New-Partition -DiskNumber $n -Size 512MB -DriveLetter R
@(Get-Partition -DiskNumber $n | Select-Object 'PartitionNumber', 'Type', 'DriveLetter', 'Size') | ConvertTo-Json -Compress
""")
    assert [p["Type"] for p in out] == ["Reserved", "Basic"]
    assert out[0]["DriveLetter"] == "\u0000" and out[1]["DriveLetter"] == "R" and out[1]["Size"] == 512 * 2**20


def test_unformatted_partition_is_not_a_usable_drive_until_formatted(host):
    out = ps_json(host, MOUNT_RAW + r"""
Initialize-Disk -Number $n -PartitionStyle GPT
$p = New-Partition -DiskNumber $n -UseMaximumSize -DriveLetter S
$raw = Get-Volume -DriveLetter S | Select-Object 'FileSystem', 'FileSystemType'
$t1 = Test-Path 'S:\'
Format-Volume -DriveLetter S -FileSystem NTFS -Confirm:$false | Out-Null
[pscustomobject]@{ Raw = $raw; Before = $t1; After = (Test-Path 'S:\') } | ConvertTo-Json -Compress
""")
    assert out == {"Raw": {"FileSystem": "", "FileSystemType": "Unknown"}, "Before": False, "After": True}


def test_initialize_an_initialized_disk_fails_with_storagewmi_41001(host):
    err = ps_error(host, MOUNT_RAW + "Initialize-Disk -Number $n -PartitionStyle MBR\nInitialize-Disk -Number $n")
    assert err == {"message": "The disk has already been initialized.", "fqid": "StorageWMI 41001,Initialize-Disk",
                   "category": "NotSpecified", "type": "Microsoft.Management.Infrastructure.CimException"}
    assert ps_error(host, "Initialize-Disk -Number 0")["fqid"] == "StorageWMI 41001,Initialize-Disk"


def test_partition_errors_raw_disk_no_size_too_big_and_letter_in_use(host):
    assert ps_error(host, MOUNT_RAW + "New-Partition -DiskNumber $n -UseMaximumSize")["message"] == \
        "The disk has not been initialized."
    init = MOUNT_RAW.replace("$n = ", "$n = ") + "Initialize-Disk -Number $n -PartitionStyle MBR\n"
    host2 = cast_host()
    assert ps_error(host2, init + "New-Partition -DiskNumber $n")["fqid"] == "StorageWMI 40005,New-Partition"
    host3 = cast_host()
    err = ps_error(host3, init + "New-Partition -DiskNumber $n -Size 2GB")
    assert (err["message"], err["fqid"]) == ("Not enough available capacity", "StorageWMI 40000,New-Partition")
    host4 = cast_host()
    assert ps_error(host4, init + "New-Partition -DiskNumber $n -UseMaximumSize -DriveLetter E")["fqid"] == \
        "StorageWMI 42002,New-Partition"


def test_get_partition_and_get_volume_not_found_texts(host):
    err = ps_error(host, MOUNT_RAW + "Get-Partition -DiskNumber $n")
    assert err["fqid"] == "CmdletizationQuery_NotFound_DiskNumber,Get-Partition"
    assert err["message"].startswith("No MSFT_Partition objects found with property 'DiskNumber' equal to '")
    assert ps_error(host, "Get-Volume -DriveLetter Q")["fqid"] == "CmdletizationQuery_NotFound_DriveLetter,Get-Volume"
    assert ps_error(host, "Get-Disk -Number 42")["fqid"] == "CmdletizationQuery_NotFound_Number,Get-Disk"
