param([string]$ParamsJson)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$P = ConvertFrom-Json $ParamsJson
{% include '_common.ps1' %}
# Connectivity and encoding check (doctor, tests): returns the parameters as received plus the
# computer name, so the caller can compare what went out with what came back.
# Params: any JSON object.
try {
    Write-RhResult ([pscustomobject][ordered]@{
        ComputerName = "$env:COMPUTERNAME"
        Params       = $P
        ParamsLength = $ParamsJson.Length
    })
} catch {
    Write-RhError $_
}
