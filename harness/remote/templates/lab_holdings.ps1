# What a lab host holds that a run could have created: registered VMs (name, id) and the entries
# directly under the scratch root (run folders, the host lock). Read-only. Used to prove that a run,
# an interrupted run or `restore-harness cleanup` left the host as it found it (tests/faults/).
# Params: {"scratch_root":"E:\\RestoreTests"}
param([string]$ParamsJson)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
{% include '_common.ps1' %}
try {
    $P = ConvertFrom-Json $ParamsJson
    $root = [string]$P.scratch_root
    $vms = @(Get-VM | ForEach-Object {
        [pscustomobject][ordered]@{ Name = "$($_.Name)"; Id = "$($_.Id)" }
    })
    $items = @()
    if (Test-Path -LiteralPath $root) {
        $items = @(Get-ChildItem -LiteralPath $root | ForEach-Object { "$($_.Name)" })
    }
    Write-RhResult ([pscustomobject][ordered]@{
        vms           = $vms
        scratch_items = $items
    })
} catch {
    Write-RhError $_
}
