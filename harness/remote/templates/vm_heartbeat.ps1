# State and heartbeat of one VM (by id), read while waiting for a restored guest to boot.
# Heartbeat is the VMHeartbeatStatus name (OkApplicationsHealthy, OkApplicationsUnknown, NoContact, ...).
# Params: {"vm_id":"<guid>"}
param([string]$ParamsJson)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
{% include '_common.ps1' %}
try {
    $P = ConvertFrom-Json $ParamsJson
    $vm = Get-VM -Id ([string]$P.vm_id)
    Write-RhResult ([pscustomobject][ordered]@{ Name = [string]$vm.Name; Id = "$($vm.Id)"; State = [int]$vm.State;
        Heartbeat = "$($vm.Heartbeat)"; UptimeSeconds = [int64]$vm.Uptime.TotalSeconds })
} catch {
    Write-RhError $_
}
