# Remediation "remove": Remove-VMSnapshot for the named leftover checkpoints of ONE run VM, then wait
# (polling, with progress samples) until the merge finished and no disk points at an .avhd(x).
# Params: {"vm_id":"<guid>","checkpoint_ids":["<guid>"],"timeout_sec":600,"poll_sec":5}
param([string]$ParamsJson)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
{% include '_common.ps1' %}
try {
    $P = ConvertFrom-Json $ParamsJson
    $vm = Get-VM -Id ([string]$P.vm_id)
    $wanted = @{}
    foreach ($cid in @($P.checkpoint_ids)) { $wanted[([string]$cid).ToLower()] = $true }
    $actions = @()
    foreach ($cp in @(Get-VMSnapshot -VM $vm -ErrorAction SilentlyContinue)) {
        if (-not $wanted.ContainsKey(("$($cp.Id)").ToLower())) { continue }
        try {
            Remove-VMSnapshot -VMSnapshot $cp -Confirm:$false
            $actions += [pscustomobject][ordered]@{ Id = "$($cp.Id)"; Name = [string]$cp.Name; Removed = $true; Error = '' }
        } catch {
            $actions += [pscustomobject][ordered]@{ Id = "$($cp.Id)"; Name = [string]$cp.Name; Removed = $false;
                Error = [string]$_.Exception.Message }
        }
    }
    $deadline = (Get-Date).AddSeconds([int]$P.timeout_sec)
    $samples = @()
    $finished = $false
    while ($true) {
        $vm = Get-VM -Id ([string]$P.vm_id)
        $merging = $false
        foreach ($s in @($vm.OperationalStatus)) { if ($null -ne $s -and [int]$s -eq 32772) { $merging = $true } }
        $avhd = 0
        foreach ($d in @(Get-VMHardDiskDrive -VM $vm)) {
            if ([string]$d.Path -match '\.avhdx?$') { $avhd += 1 }
        }
        $left = @(Get-VMSnapshot -VM $vm -ErrorAction SilentlyContinue).Count
        $samples += [pscustomobject][ordered]@{ At = (Get-Date).ToUniversalTime().ToString('o'); Merging = $merging;
            AvhdDisks = $avhd; Checkpoints = $left }
        if (-not $merging -and $avhd -eq 0) { $finished = $true; break }
        if ((Get-Date) -ge $deadline) { break }
        Start-Sleep -Seconds ([int]$P.poll_sec)
    }
    Write-RhResult ([pscustomobject][ordered]@{ actions = $actions; samples = $samples; finished = $finished })
} catch {
    Write-RhError $_
}
