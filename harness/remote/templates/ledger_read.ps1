# Read the ledger mirrored on a host (used by `restore-harness cleanup` when the local copy is gone).
# Params: {"path":"E:\\RestoreTests\\<run id>\\ledger.json"}
param([string]$ParamsJson)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
{% include '_common.ps1' %}
try {
    $P = ConvertFrom-Json $ParamsJson
    $path = [string]$P.path
    $content = ''
    $exists = [bool](Test-Path -LiteralPath $path)
    if ($exists) { $content = [string](Get-Content -LiteralPath $path -Raw -Encoding UTF8) }
    Write-RhResult ([pscustomobject][ordered]@{ exists = $exists; content = $content })
} catch {
    Write-RhError $_
}
