# What the drill scheduler needs to size a host (harness/engine/scheduler.py): the host's memory, the
# memory the VMs running now hold, and the scratch volume's free space.
# Params: {"scratch_root":"E:\\RestoreTests"}
param([string]$ParamsJson)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
{% include '_common.ps1' %}
try {
    $P = ConvertFrom-Json $ParamsJson
    $vmhost = Get-VMHost
    $running = 0
    foreach ($vm in @(Get-VM)) { if ([int]$vm.State -eq 2) { $running += [int64]$vm.MemoryAssigned } }
    $letter = ([string]$P.scratch_root).Substring(0, 1)
    $vol = Get-Volume -DriveLetter $letter
    Write-RhResult ([pscustomobject][ordered]@{
        MemoryCapacity = [int64]$vmhost.MemoryCapacity
        RunningVmMemory = [int64]$running
        ScratchFree = [int64]$vol.SizeRemaining
    })
} catch {
    Write-RhError $_
}
