# One poll of the WSB job: the current job (Get-WBJob) and the last finished one (Get-WBJob -Previous 1).
# Params: {}   Result: {"Now":"<host UTC>","Current":{..}|null,"Previous":{..}|null}
# Job fields: JobType, JobState (enum names), StartTime, EndTime (UTC ISO), HResult, DetailedHResult (Int32),
#             ErrorDescription, CurrentOperation, JobItems, VersionId
param([string]$ParamsJson)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
{% include '_common.ps1' %}
{% include '_wsb.ps1' %}

function ConvertTo-RhWbJob {
    param($Job)
    if ($null -eq $Job) { return $null }
    $start = $null
    if ($null -ne $Job.StartTime) { $start = ([datetime]$Job.StartTime).ToUniversalTime().ToString('o') }
    $end = $null
    if ($null -ne $Job.EndTime) { $end = ([datetime]$Job.EndTime).ToUniversalTime().ToString('o') }
    $items = @()
    foreach ($i in @($Job.JobItems)) { if ($null -ne $i) { $items += [string]$i } }
    [pscustomobject][ordered]@{ JobType = "$($Job.JobType)"; JobState = "$($Job.JobState)"; StartTime = $start;
        EndTime = $end; HResult = [int]$Job.HResult; DetailedHResult = [int]$Job.DetailedHResult;
        ErrorDescription = [string]$Job.ErrorDescription; CurrentOperation = [string]$Job.CurrentOperation;
        JobItems = $items; VersionId = [string]$Job.VersionId }
}

try {
    $P = ConvertFrom-Json $ParamsJson
    $now = Get-RhHostNow
    $current = ConvertTo-RhWbJob (Get-WBJob)
    $previous = $null
    $last = @(Get-WBJob -Previous 1)
    if ($last.Count -gt 0) { $previous = ConvertTo-RhWbJob $last[0] }
    Write-RhResult ([pscustomobject][ordered]@{ Now = $now; Current = $current; Previous = $previous })
} catch {
    Write-RhWsbError $_
}
