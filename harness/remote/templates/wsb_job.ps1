# One poll of the WSB job: the current job (Get-WBJob) and the last finished one (Get-WBJob -Previous 1).
# With wait_seconds, it first waits ON THE HOST while a job runs, up to that long, looking every
# check_seconds: a job's end is then seen within seconds, in one command instead of a wait and a poll.
# Params: {} or {"wait_seconds": 0..3600, "check_seconds": 0.5..60, "running_states": ["Running", ...]}
# Result: {"Now":"<host UTC>","Current":{..}|null,"Previous":{..}|null}
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
    $wait = 0.0
    if ($null -ne $P.wait_seconds) { $wait = [double]$P.wait_seconds }
    $check = 2.0
    if ($null -ne $P.check_seconds) { $check = [double]$P.check_seconds }
    if ($wait -lt 0 -or $wait -gt 3600) { throw "wait_seconds must be between 0 and 3600, not $wait" }
    if ($check -lt 0.5 -or $check -gt 60) { throw "check_seconds must be between 0.5 and 60, not $check" }
    $runningStates = @()
    foreach ($state in @($P.running_states)) { if ($null -ne $state) { $runningStates += [string]$state } }
    if ($wait -gt 0) {
        $deadline = (Get-Date).ToUniversalTime().AddSeconds($wait)
        while ($true) {
            $job = Get-WBJob
            if ($null -eq $job -or $runningStates -notcontains "$($job.JobState)") { break }
            $left = ($deadline - (Get-Date).ToUniversalTime()).TotalSeconds
            if ($left -le 0) { break }
            Start-Sleep -Milliseconds ([int]([Math]::Min($check, $left) * 1000))
        }
    }
    $now = Get-RhHostNow
    $current = ConvertTo-RhWbJob (Get-WBJob)
    $previous = $null
    $last = @(Get-WBJob -Previous 1)
    if ($last.Count -gt 0) { $previous = ConvertTo-RhWbJob $last[0] }
    Write-RhResult ([pscustomobject][ordered]@{ Now = $now; Current = $current; Previous = $previous })
} catch {
    Write-RhWsbError $_
}
