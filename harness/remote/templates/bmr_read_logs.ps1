param([string]$ParamsJson)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
{% include '_common.ps1' %}
# Read what the WinPE automation left on the automation disk (logs\run.log, exitcode.txt,
# steps.txt, drivers.txt) and delete params.cmd (it held the share password). The VM is Off.
# Dismounts in finally. Params: {automation_disk}
try {
    $P = ConvertFrom-Json $ParamsJson
    $out = [ordered]@{ RunLog = $null; ExitCode = $null; Steps = $null; Drivers = $null; ParamsRemoved = $false }
    $vhd = Mount-VHD -Path ([string]$P.automation_disk) -Passthru
    try {
        $part = Get-Partition -DiskNumber ([int]$vhd.DiskNumber) | Where-Object { $_.DriveLetter -and ([string]$_.DriveLetter).Trim([char]0) }
        $letter = ([string]@($part)[0].DriveLetter).Trim([char]0)
        if (-not $letter) { throw 'the automation disk has no drive letter when mounted' }
        $root = $letter + ':\restore-harness'
        $files = @{ RunLog = 'logs\run.log'; ExitCode = 'logs\exitcode.txt'; Steps = 'logs\steps.txt'; Drivers = 'logs\drivers.txt' }
        foreach ($k in @($files.Keys)) {
            $path = $root + '\' + $files[$k]
            if (Test-Path -LiteralPath $path) { $out[$k] = Get-Content -LiteralPath $path -Raw }
        }
        if (Test-Path -LiteralPath ($root + '\params.cmd')) {
            Remove-Item -LiteralPath ($root + '\params.cmd') -Force
        }
        $out.ParamsRemoved = -not (Test-Path -LiteralPath ($root + '\params.cmd'))
    } finally {
        Dismount-VHD -Path ([string]$P.automation_disk)
    }
    Write-RhResult ([pscustomobject]$out)
} catch {
    Write-RhError $_
}
