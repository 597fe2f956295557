# Inside a guest: run one PowerShell command text (a user's own check through testinfra's
# host.run / check_output / run_expect) and return its exit status, output and errors.
# Params: {"command":"<PowerShell text>"}
param([string]$ParamsJson)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
{% include '_common.ps1' %}
try {
    $P = ConvertFrom-Json $ParamsJson
    $out = ''
    $err = ''
    $rc = 0
    $ErrorActionPreference = 'Continue'
    try {
        $global:LASTEXITCODE = 0
        $all = @(& ([ScriptBlock]::Create([string]$P.command)) 2>&1)
        $plain = @($all | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] })
        $errs = @($all | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
        $out = (@($plain | ForEach-Object { [string]$_ }) -join "`n")
        $err = (@($errs | ForEach-Object { [string]$_ }) -join "`n")
        if ($global:LASTEXITCODE) { $rc = [int]$global:LASTEXITCODE } elseif ($errs.Count -gt 0) { $rc = 1 }
    } catch {
        $err = [string]$_.Exception.Message
        $rc = 1
    }
    $ErrorActionPreference = 'Stop'
    Write-RhResult -Data ([pscustomobject][ordered]@{ rc = $rc; stdout = $out; stderr = $err })
} catch {
    Write-RhError -Record $_
}
