param([string]$ParamsJson)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$P = ConvertFrom-Json $ParamsJson
{% include '_common.ps1' %}
# The lab host's clock, for the run record's one clock (harness.evidence.clock.measure_offset):
# UtcNow as round-trip ISO 8601 ("o" format, e.g. 2025-03-10T08:00:00.1234567Z; Kind Utc, so the
# text ends in Z and carries its zone), and the host's own zone as its current UTC offset ("zzz" of
# a local DateTime, e.g. UTC+01:00), which the evidence names beside every UTC time it shows.
# Params: none.
try {
    $zone = 'UTC' + [DateTime]::Now.ToString('zzz')
    Write-RhResult ([pscustomobject][ordered]@{ Utc = [DateTime]::UtcNow.ToString('o'); TimeZone = $zone })
} catch {
    Write-RhError $_
}
