# Mirror the run ledger to the host: <scratch root>\<run id>\ledger.json (creates the run folder).
# Params: {"path":"E:\\RestoreTests\\<run id>\\ledger.json","content":"<ledger JSON>"}
param([string]$ParamsJson)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
{% include '_common.ps1' %}
try {
    $P = ConvertFrom-Json $ParamsJson
    $path = [string]$P.path
    $dir = Split-Path -Parent $path
    if (-not (Test-Path -LiteralPath $dir)) { New-Item -ItemType Directory -Path $dir -Force | Out-Null }
    Set-Content -LiteralPath $path -Value ([string]$P.content) -Encoding UTF8
    Write-RhResult ([pscustomobject][ordered]@{ path = $path; length = ([string]$P.content).Length })
} catch {
    Write-RhError $_
}
