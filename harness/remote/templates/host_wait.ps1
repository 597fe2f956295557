# Let time pass ON THE HOST (Start-Sleep), for polls that wait between reads: a drill's waits then
# run where the work runs, one per shell, and a WinRM operation timeout during a long one is polled
# through like any other. Returns the host's clock before and after.
# Params: {"seconds": <number, 0..3600>}
param([string]$ParamsJson)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
{% include '_common.ps1' %}
try {
    $P = ConvertFrom-Json $ParamsJson
    $seconds = [double]$P.seconds
    if ($seconds -lt 0 -or $seconds -gt 3600) { throw "seconds must be between 0 and 3600, not $seconds" }
    $before = (Get-Date).ToUniversalTime()
    Start-Sleep -Milliseconds ([int]($seconds * 1000))
    $after = (Get-Date).ToUniversalTime()
    Write-RhResult ([pscustomobject][ordered]@{ Before = $before.ToString('o'); After = $after.ToString('o') })
} catch {
    Write-RhError $_
}
