param([string]$ParamsJson)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$P = ConvertFrom-Json $ParamsJson
{% include '_common.ps1' %}
# Facts about a lab host for preflight and the evidence report: name, OS, roles, volumes, switches.
# Params: none.
try {
    $os = Get-CimInstance -ClassName Win32_OperatingSystem
    $features = @(Get-WindowsFeature -Name 'Hyper-V', 'Windows-Server-Backup' | ForEach-Object {
        [pscustomobject][ordered]@{ Name = "$($_.Name)"; Installed = [bool]$_.Installed }
    })
    $volumes = @(Get-Volume | ForEach-Object {
        [pscustomobject][ordered]@{
            DriveLetter = "$($_.DriveLetter)"
            Label       = "$($_.FileSystemLabel)"
            SizeBytes   = [int64]$_.Size
            FreeBytes   = [int64]$_.SizeRemaining
        }
    })
    $switches = @(Get-VMSwitch | ForEach-Object {
        [pscustomobject][ordered]@{ Name = "$($_.Name)"; SwitchType = [int]$_.SwitchType }
    })
    Write-RhResult ([pscustomobject][ordered]@{
        ComputerName = "$env:COMPUTERNAME"
        OsCaption    = "$($os.Caption)"
        OsVersion    = "$($os.Version)"
        OsBuild      = "$($os.BuildNumber)"
        PsVersion    = "$($PSVersionTable.PSVersion)"
        Features     = $features
        Volumes      = $volumes
        Switches     = $switches
    })
} catch {
    Write-RhError $_
}
