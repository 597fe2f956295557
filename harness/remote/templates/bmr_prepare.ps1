param([string]$ParamsJson)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
{% include '_common.ps1' %}
# BMR preparation: the run folder, an empty system disk, the small automation disk (partitioned,
# formatted, with \restore-harness\run.cmd, params.cmd and the driver folders copied onto it), the
# recovery VM (run prefix, isolated switch, CPU, memory) with both disks and the WinPE ISO, booting
# from the DVD. Every path lies in the run folder (recorded in the ledger before this runs).
# Params: {run_dir, vm_name, generation, cpu, memory_bytes, system_disk, system_bytes, automation_disk,
#          automation_bytes, switch, iso, files:{name:text}, drivers:[folder], nic_drivers:[folder]}
try {
    $P = ConvertFrom-Json $ParamsJson
    if (-not (Test-Path -LiteralPath ([string]$P.run_dir))) {
        New-Item -ItemType Directory -Path ([string]$P.run_dir) | Out-Null
    }
    New-VHD -Path ([string]$P.system_disk) -SizeBytes ([int64]$P.system_bytes) -Dynamic | Out-Null
    New-VHD -Path ([string]$P.automation_disk) -SizeBytes ([int64]$P.automation_bytes) -Dynamic | Out-Null
    $letter = $null
    $mounted = $false
    try {
        $vhd = Mount-VHD -Path ([string]$P.automation_disk) -Passthru
        $mounted = $true
        $number = [int]$vhd.DiskNumber
        Initialize-Disk -Number $number -PartitionStyle MBR | Out-Null
        $part = New-Partition -DiskNumber $number -UseMaximumSize -AssignDriveLetter
        Format-Volume -Partition $part -FileSystem NTFS -NewFileSystemLabel 'RH-AUTOMATION' -Confirm:$false -Force | Out-Null
        $part = Get-Partition -DiskNumber $number | Where-Object { $_.DriveLetter -and ([string]$_.DriveLetter).Trim([char]0) }
        $letter = ([string]@($part)[0].DriveLetter).Trim([char]0)
        if (-not $letter) { throw 'the automation disk got no drive letter after New-Partition -AssignDriveLetter' }
        $root = $letter + ':\restore-harness'
        New-Item -ItemType Directory -Path $root | Out-Null
        New-Item -ItemType Directory -Path ($root + '\logs') | Out-Null
        $i = 0
        foreach ($f in @($P.drivers)) {
            if ($null -eq $f) { continue }
            $i += 1
            $dest = $root + '\drivers\' + $i
            New-Item -ItemType Directory -Path $dest -Force | Out-Null
            foreach ($c in @(Get-ChildItem -LiteralPath ([string]$f))) {
                if ($null -ne $c) { Copy-Item -LiteralPath $c.FullName -Destination $dest -Recurse -Force }
            }
        }
        $i = 0
        foreach ($f in @($P.nic_drivers)) {
            if ($null -eq $f) { continue }
            $i += 1
            $dest = $root + '\nic\' + $i
            New-Item -ItemType Directory -Path $dest -Force | Out-Null
            foreach ($c in @(Get-ChildItem -LiteralPath ([string]$f))) {
                if ($null -ne $c) { Copy-Item -LiteralPath $c.FullName -Destination $dest -Recurse -Force }
            }
        }
        foreach ($name in @('params.cmd', 'run.cmd')) {
            Set-Content -LiteralPath ($root + '\' + $name) -Value ([string]$P.files.$name) -Encoding ASCII -NoNewline
        }
    } finally {
        if ($mounted) { Dismount-VHD -Path ([string]$P.automation_disk) }
    }
    $vm = New-VM -Name ([string]$P.vm_name) -Generation ([int]$P.generation) -MemoryStartupBytes ([int64]$P.memory_bytes) -NoVHD -Path ([string]$P.run_dir) -SwitchName ([string]$P.switch)
    if (Get-Command Set-VMProcessor -ErrorAction SilentlyContinue) {
        Set-VMProcessor -VMName ([string]$P.vm_name) -Count ([int]$P.cpu)
    }
    Add-VMHardDiskDrive -VMName ([string]$P.vm_name) -Path ([string]$P.system_disk)
    Add-VMHardDiskDrive -VMName ([string]$P.vm_name) -Path ([string]$P.automation_disk)
    $dvd = Add-VMDvdDrive -VMName ([string]$P.vm_name) -Path ([string]$P.iso) -Passthru
    if ([int]$P.generation -eq 2) {
        Set-VMFirmware -VMName ([string]$P.vm_name) -FirstBootDevice $dvd
    } elseif (Get-Command Set-VMBios -ErrorAction SilentlyContinue) {
        Set-VMBios -VMName ([string]$P.vm_name) -StartupOrder @('CD', 'IDE', 'LegacyNetworkAdapter', 'Floppy')
    }
    $adapters = @()
    foreach ($a in @(Get-VMNetworkAdapter -VMName ([string]$P.vm_name))) {
        if ($null -ne $a) { $adapters += [pscustomobject][ordered]@{ Name = [string]$a.Name; SwitchName = [string]$a.SwitchName } }
    }
    Write-RhResult ([pscustomobject][ordered]@{
        VmId = "$($vm.Id)"; VmName = [string]$vm.Name; Generation = [int]$vm.Generation
        AutomationLetter = $letter; Adapters = $adapters
    })
} catch {
    Write-RhError $_
}
