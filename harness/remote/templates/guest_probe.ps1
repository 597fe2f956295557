# Inside a restored guest: try to reach addresses OUTSIDE the isolated network (issue 7, isolation).
# Every probe is expected to FAIL; the harness asserts that. Params: {"targets":[{"address":"...","port":443}]}
param([string]$ParamsJson)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
{% include '_common.ps1' %}
try {
    $P = ConvertFrom-Json $ParamsJson
    $results = @()
    foreach ($t in @($P.targets)) {
        $ok = $false
        $port = [int]$t.port
        if ($port -gt 0) {
            $ok = [bool](Test-NetConnection -ComputerName ([string]$t.address) -Port $port -InformationLevel Quiet -WarningAction SilentlyContinue)
        } else {
            $ok = [bool](Test-NetConnection -ComputerName ([string]$t.address) -InformationLevel Quiet -WarningAction SilentlyContinue)
        }
        $results += [pscustomobject][ordered]@{ Address = [string]$t.address; Port = $port; Reached = $ok }
    }
    Write-RhResult -Data ([pscustomobject][ordered]@{ ComputerName = [string]$env:COMPUTERNAME; Probes = @($results) })
} catch {
    Write-RhError -Record $_
}
