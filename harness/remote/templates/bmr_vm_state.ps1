param([string]$ParamsJson)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
{% include '_common.ps1' %}
# State of the recovery VM as the host sees it (changes nothing): power state, uptime, heartbeat
# integration status (PrimaryOperationalStatus: 2 OK, 12 No Contact), and the Hyper-V-Worker event
# 18590 ("the guest operating system reported that it failed with ... ErrorCode0: 0x7B") since a time.
# Params: {vm_id, since (ISO 8601 UTC or empty)}
try {
    $P = ConvertFrom-Json $ParamsJson
    $vm = Get-VM -Id ([string]$P.vm_id)
    $hb = @(Get-VMIntegrationService -VMName $vm.Name -Name 'Heartbeat')
    $hbStatus = $null
    $hbText = $null
    if ($hb.Count -gt 0 -and $null -ne $hb[0] -and $null -ne $hb[0].PrimaryOperationalStatus) {
        $hbStatus = [int]$hb[0].PrimaryOperationalStatus
        $hbText = [string]$hb[0].PrimaryStatusDescription
    }
    $crashes = @()
    $eventError = $null
    if ([string]$P.since) {
        $filter = @{ LogName = 'Microsoft-Windows-Hyper-V-Worker-Admin'; Id = 18590; StartTime = ([datetime]::Parse([string]$P.since)) }
        $events = @()
        try {
            $events = @(Get-WinEvent -FilterHashtable $filter -ErrorAction Stop)
        } catch {
            $events = @()
            if ("$($_.FullyQualifiedErrorId)" -notlike 'NoMatchingEventsFound*') { $eventError = "$($_.Exception.Message)" }
        }
        foreach ($e in $events) {
            if ($null -eq $e) { continue }
            if (([string]$e.Message).IndexOf("$($vm.Id)", [StringComparison]::OrdinalIgnoreCase) -lt 0 -and ([string]$e.Message).IndexOf([string]$vm.Name, [StringComparison]::OrdinalIgnoreCase) -lt 0) { continue }
            $crashes += [pscustomobject][ordered]@{ Id = [int]$e.Id; Time = $e.TimeCreated.ToUniversalTime().ToString('o'); Message = [string]$e.Message }
        }
    }
    Write-RhResult ([pscustomobject][ordered]@{
        Now = (Get-Date).ToUniversalTime().ToString('o')
        State = [int]$vm.State
        Uptime = [int]$vm.Uptime.TotalSeconds
        Heartbeat = $hbStatus
        HeartbeatText = $hbText
        Crashes = $crashes
        EventError = $eventError
    })
} catch {
    Write-RhError $_
}
