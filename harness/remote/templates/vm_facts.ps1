# Facts for ALL VMs of a run on one host, plus the host's switches, in ONE command per check phase.
# Params: {"vms":[{"id":"<guid>","scan":"<run scenario folder to list .avhd(x) files in>"}]}
# Result: {"vms":[{Id,Name,State,Generation,Version,Path,OperationalStatus,ProcessorCount,Memory,Checkpoints,Disks,
#                 Adapters,AvhdFiles}],
#          "switches":[{Name,Id,SwitchType}], "missing":["<guid>"]}
param([string]$ParamsJson)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
{% include '_common.ps1' %}
try {
    $P = ConvertFrom-Json $ParamsJson
    $vms = @()
    $missing = @()
    foreach ($want in @($P.vms)) {
        $vm = $null
        try { $vm = Get-VM -Id ([string]$want.id) -ErrorAction SilentlyContinue } catch { $vm = $null }
        if ($null -eq $vm) { $missing += [string]$want.id; continue }
        $checkpoints = @()
        foreach ($cp in @(Get-VMSnapshot -VM $vm -ErrorAction SilentlyContinue)) {
            $parent = ''
            if ($null -ne $cp.ParentSnapshotId) { $parent = "$($cp.ParentSnapshotId)" }
            $checkpoints += [pscustomobject][ordered]@{ Id = "$($cp.Id)"; Name = [string]$cp.Name;
                SnapshotType = [int]$cp.SnapshotType; ParentSnapshotId = $parent;
                CreationTime = $cp.CreationTime.ToUniversalTime().ToString('o') }
        }
        $disks = @()
        foreach ($drive in @(Get-VMHardDiskDrive -VM $vm)) {
            $vhdType = 0; $parentPath = ''; $size = 0; $fileSize = 0
            if ($drive.Path) {
                $vhd = $null
                try { $vhd = Get-VHD -Path $drive.Path -ErrorAction SilentlyContinue } catch { $vhd = $null }
                if ($null -ne $vhd) {
                    $vhdType = [int]$vhd.VhdType; $parentPath = [string]$vhd.ParentPath
                    $size = [long]$vhd.Size; $fileSize = [long]$vhd.FileSize
                }
            }
            $disks += [pscustomobject][ordered]@{ Path = [string]$drive.Path; VhdType = $vhdType; ParentPath = $parentPath;
                Size = $size; FileSize = $fileSize;
                Controller = "$($drive.ControllerType) $($drive.ControllerNumber):$($drive.ControllerLocation)" }
        }
        $adapters = @()
        foreach ($nic in @(Get-VMNetworkAdapter -VM $vm)) {
            $adapters += [pscustomobject][ordered]@{ Name = [string]$nic.Name; SwitchName = [string]$nic.SwitchName;
                Connected = [bool]$nic.Connected; MacAddress = [string]$nic.MacAddress }
        }
        $avhd = @()
        if ($want.scan -and (Test-Path -LiteralPath ([string]$want.scan))) {
            foreach ($f in @(Get-ChildItem -LiteralPath ([string]$want.scan) -Recurse -File)) {
                if ($f.Extension -eq '.avhdx' -or $f.Extension -eq '.avhd') { $avhd += [string]$f.FullName }
            }
        }
        # Memory and processors from the VirtualMachine object's own properties (the values Get-VMMemory
        # reports as Startup/Minimum/Maximum/DynamicMemoryEnabled and Get-VMProcessor as Count); a property
        # the host does not report stays null.
        $memMin = $null; $memMax = $null
        if ($null -ne $vm.MemoryMinimum) { $memMin = [long]$vm.MemoryMinimum }
        if ($null -ne $vm.MemoryMaximum) { $memMax = [long]$vm.MemoryMaximum }
        $memory = [pscustomobject][ordered]@{ Startup = [long]$vm.MemoryStartup;
            DynamicMemoryEnabled = [bool]$vm.DynamicMemoryEnabled; Minimum = $memMin; Maximum = $memMax }
        $status = @()
        foreach ($s in @($vm.OperationalStatus)) { if ($null -ne $s) { $status += [int]$s } }
        $vms += [pscustomobject][ordered]@{ Id = "$($vm.Id)"; Name = [string]$vm.Name; State = [int]$vm.State;
            Generation = [int]$vm.Generation; Version = [string]$vm.Version; Path = [string]$vm.Path;
            OperationalStatus = $status; ProcessorCount = [int]$vm.ProcessorCount; Memory = $memory; Checkpoints = $checkpoints; Disks = $disks; Adapters = $adapters; AvhdFiles = $avhd }
    }
    $switches = @()
    foreach ($sw in @(Get-VMSwitch)) {
        $switches += [pscustomobject][ordered]@{ Name = [string]$sw.Name; Id = "$($sw.Id)"; SwitchType = [int]$sw.SwitchType }
    }
    Write-RhResult ([pscustomobject][ordered]@{ vms = $vms; switches = $switches; missing = $missing })
} catch {
    Write-RhError $_
}
