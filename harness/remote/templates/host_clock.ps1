param([string]$ParamsJson)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$P = ConvertFrom-Json $ParamsJson
{% include '_common.ps1' %}
# The lab host's clock, for the run record's one clock (harness.evidence.clock.measure_offset):
# UtcNow as round-trip ISO 8601 ("o" format, e.g. 2025-03-10T08:00:00.1234567Z; Kind Utc, so the
# text ends in Z and carries its zone).
# Params: none.
try {
    Write-RhResult ([pscustomobject][ordered]@{ Utc = [DateTime]::UtcNow.ToString('o') })
} catch {
    Write-RhError $_
}
