# Inside a restored guest: read every service of a profile, the TCP ports, registry keys and error
# events in ONE command (issue 7). Runs over WinRM on the guest or through PowerShell Direct.
# Params: {"services":[names], "tcp_ports":[int], "registry_keys":[paths],
#          "error_events":[{"log":"System","sources":[...]}]}
# Win32_Service is used (not Get-Service) because Windows PowerShell 5.1's Get-Service has no
# DelayedAutoStart and no exit code; WMI State/StartMode values are not localized.
param([string]$ParamsJson)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
{% include '_common.ps1' %}
try {
    $P = ConvertFrom-Json $ParamsJson
    $wanted = @($P.services)
    $byName = @{}
    foreach ($svc in @(Get-CimInstance -ClassName Win32_Service)) { $byName[[string]$svc.Name] = $svc }
    $services = @()
    foreach ($name in $wanted) {
        $s = $byName[[string]$name]
        if ($null -eq $s) {
            $services += [pscustomobject][ordered]@{ Name = [string]$name; Found = $false; State = ''; StartMode = '';
                DelayedAutoStart = $false; ExitCode = 0; ServiceSpecificExitCode = 0; DisplayName = '' }
        } else {
            $services += [pscustomobject][ordered]@{ Name = [string]$s.Name; Found = $true; State = [string]$s.State;
                StartMode = [string]$s.StartMode; DelayedAutoStart = [bool]$s.DelayedAutoStart;
                ExitCode = [int]$s.ExitCode; ServiceSpecificExitCode = [int]$s.ServiceSpecificExitCode;
                DisplayName = [string]$s.DisplayName }
        }
    }
    $ports = @()
    foreach ($port in @($P.tcp_ports)) {
        $listen = @()
        try {
            $listen = @(Get-NetTCPConnection -State Listen -LocalPort ([int]$port))
        } catch {
            if ("$($_.CategoryInfo.Category)" -ne 'ObjectNotFound') { throw }
        }
        $ports += [pscustomobject][ordered]@{ Port = [int]$port; Listening = ($listen.Count -gt 0) }
    }
    $keys = @()
    foreach ($key in @($P.registry_keys)) {
        $keys += [pscustomobject][ordered]@{ Path = [string]$key; Present = [bool](Test-Path -LiteralPath $key) }
    }
    $os = Get-CimInstance -ClassName Win32_OperatingSystem
    $boot = $os.LastBootUpTime
    $events = @()
    foreach ($check in @($P.error_events)) {
        $found = @()
        try {
            $filter = @{ LogName = [string]$check.log; ProviderName = @($check.sources); Level = @(1, 2); StartTime = $boot }
            $found = @(Get-WinEvent -FilterHashtable $filter -MaxEvents 20)
        } catch {
            if ("$($_.FullyQualifiedErrorId)" -notlike 'NoMatchingEventsFound*') { throw }
        }
        foreach ($e in $found) {
            $msg = [string]$e.Message
            if ($msg.Length -gt 300) { $msg = $msg.Substring(0, 300) }
            $events += [pscustomobject][ordered]@{ Log = [string]$check.log; Provider = [string]$e.ProviderName;
                Id = [int]$e.Id; Level = [int]$e.Level; Time = $e.TimeCreated.ToUniversalTime().ToString('o'); Message = $msg }
        }
    }
    $data = [pscustomobject][ordered]@{
        ComputerName = [string]$env:COMPUTERNAME
        BootTime = $boot.ToUniversalTime().ToString('o')
        Now = (Get-Date).ToUniversalTime().ToString('o')
        Services = @($services)
        Ports = @($ports)
        RegistryKeys = @($keys)
        ErrorEvents = @($events)
    }
    Write-RhResult -Data $data
} catch {
    Write-RhError -Record $_
}
