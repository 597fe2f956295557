# One run per lab host: the lock file <scratch root>\restore-harness.lock (harness/hostlock.py,
# docs/interruption.md). The harness decides; this script only does the atomic file steps:
#   read    -> exists, content
#   create  -> New-Item without -Force: fails when the file exists, so two runs cannot both create it
#   replace -> write content only if the file still holds `expected` (lease renewal, stale takeover)
#   remove  -> remove the file only if it still holds `expected` (release)
# Params: {"action":"read|create|replace|remove","path":"E:\\RestoreTests\\restore-harness.lock",
#          "content":"<lock JSON, ASCII>","expected":"<lock JSON the caller read>"}
param([string]$ParamsJson)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
{% include '_common.ps1' %}

function Read-RhLockFile {
    param([string]$Path)
    if (-not (Test-Path -LiteralPath $Path -PathType Leaf)) { return $null }
    $text = Get-Content -LiteralPath $Path -Raw
    if ($null -eq $text) { return '' }
    return ([string]$text).Trim()
}

try {
    $P = ConvertFrom-Json $ParamsJson
    $path = [string]$P.path
    $action = [string]$P.action
    $current = Read-RhLockFile -Path $path
    $done = $false
    if ($action -eq 'create') {
        if ($null -eq $current) {
            $dir = Split-Path -Parent $path
            if (-not (Test-Path -LiteralPath $dir)) { New-Item -ItemType Directory -Path $dir | Out-Null }
            try {
                New-Item -ItemType File -Path $path -Value ([string]$P.content) | Out-Null
                $done = $true
            } catch {
                # another run created it between the check and New-Item: report what it holds
                $current = Read-RhLockFile -Path $path
                if ($null -eq $current) { throw }
            }
        }
    } elseif ($action -eq 'replace') {
        if (($null -ne $current) -and ($current -eq ([string]$P.expected).Trim())) {
            Set-Content -LiteralPath $path -Value ([string]$P.content) -Encoding Ascii
            $done = $true
        }
    } elseif ($action -eq 'remove') {
        if (($null -ne $current) -and ($current -eq ([string]$P.expected).Trim())) {
            Remove-Item -LiteralPath $path
            $done = $true
        }
    } elseif ($action -ne 'read') {
        throw "unknown host_lock action '$action' (read, create, replace, remove)"
    }
    $text = ''
    if ($null -ne $current) { $text = $current }
    Write-RhResult ([pscustomobject][ordered]@{
        done    = $done
        exists  = ($null -ne $current) -or $done
        content = $text
    })
} catch {
    Write-RhError $_
}
