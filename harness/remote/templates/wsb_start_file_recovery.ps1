# Start ONE item-level recovery (Start-WBFileRecovery -Async, reference §4.1) to an alternate location
# inside the run folder; never to the original location (-TargetPath is always given). The Python side
# recorded target_path in the run ledger before this runs, and polls the job with wsb_job.ps1.
# Params: {"target":{..},"machine":"FS01","version_id":"MM/dd/yyyy-HH:mm","source_path":"D:\\Shares\\Finance",
#          "target_path":"E:\\RestoreTests\\<run>\\<scenario>\\files\\D\\Shares","recursive":true}
# Result: {"Now":"<host UTC before the start>","VersionId":"..","SourcePath":"..","TargetPath":".."}
param([string]$ParamsJson)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
{% include '_common.ps1' %}
{% include '_wsb.ps1' %}
try {
    $P = ConvertFrom-Json $ParamsJson
    $set = Get-RhWsbSet $P.target ([string]$P.machine) ([string]$P.version_id)
    $targetPath = [string]$P.target_path
    if (-not (Test-Path -LiteralPath $targetPath)) {
        New-Item -ItemType Directory -Path $targetPath -Force | Out-Null
    }
    $now = Get-RhHostNow
    if ([bool]$P.recursive) {
        Start-WBFileRecovery -BackupSet $set -SourcePath ([string]$P.source_path) -TargetPath $targetPath `
            -Option CreateCopyIfExists -Recursive -Async -Force | Out-Null
    } else {
        Start-WBFileRecovery -BackupSet $set -SourcePath ([string]$P.source_path) -TargetPath $targetPath `
            -Option CreateCopyIfExists -Async -Force | Out-Null
    }
    Write-RhResult ([pscustomobject][ordered]@{ Now = $now; VersionId = [string]$set.VersionId;
        SourcePath = [string]$P.source_path; TargetPath = $targetPath })
} catch {
    Write-RhWsbError $_
}
