# Every file under the restore folder with its size and SHA-256 (Get-FileHash), in ONE command.
# Params: {"root":"E:\\RestoreTests\\<run>\\<scenario>\\files"}
# Result: {"Root":"..","Exists":true,"Files":[{Path:"<relative to root>",Length:N,Sha256:"<lower hex>"}]}
param([string]$ParamsJson)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
{% include '_common.ps1' %}
try {
    $P = ConvertFrom-Json $ParamsJson
    $root = ([string]$P.root).TrimEnd('\')
    $files = @()
    $exists = [bool](Test-Path -LiteralPath $root)
    if ($exists) {
        foreach ($f in @(Get-ChildItem -LiteralPath $root -Recurse -File -Force)) {
            $full = [string]$f.FullName
            $rel = $full.Substring($root.Length).TrimStart('\')
            $hash = Get-FileHash -LiteralPath $full -Algorithm SHA256
            $files += [pscustomobject][ordered]@{ Path = $rel; Length = [long]$f.Length;
                Sha256 = ([string]$hash.Hash).ToLower() }
        }
    }
    Write-RhResult ([pscustomobject][ordered]@{ Root = $root; Exists = $exists; Files = $files })
} catch {
    Write-RhError $_
}
