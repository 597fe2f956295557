# Turn off one VM this run restored (by id) once its checks are done, so that its memory goes back
# to the host while the run goes on (the drill scheduler, harness/engine/scheduler.py). The VM stays
# registered; teardown removes it from the ledger as usual.
# Params: {"vm_id":"<guid>"}
param([string]$ParamsJson)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
{% include '_common.ps1' %}
try {
    $P = ConvertFrom-Json $ParamsJson
    $vm = Get-VM -Id ([string]$P.vm_id)
    if ([int]$vm.State -ne 3) { $vm | Stop-VM -TurnOff -Force }
    $vm = Get-VM -Id ([string]$P.vm_id)
    Write-RhResult ([pscustomobject][ordered]@{ Name = [string]$vm.Name; Id = "$($vm.Id)"; State = [int]$vm.State })
} catch {
    Write-RhError $_
}
