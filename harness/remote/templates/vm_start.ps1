# Start a restored VM (by id) after the isolation guard passed; report its state and heartbeat.
# Params: {"vm_id":"<guid>"}
param([string]$ParamsJson)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
{% include '_common.ps1' %}
try {
    $P = ConvertFrom-Json $ParamsJson
    $vm = Get-VM -Id ([string]$P.vm_id)
    $before = [int]$vm.State
    if ($before -ne 2) { Start-VM -VM $vm }
    $vm = Get-VM -Id ([string]$P.vm_id)
    Write-RhResult ([pscustomobject][ordered]@{ Name = [string]$vm.Name; Id = "$($vm.Id)"; Before = $before;
        State = [int]$vm.State; Heartbeat = "$($vm.Heartbeat)" })
} catch {
    Write-RhError $_
}
