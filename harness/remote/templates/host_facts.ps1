param([string]$ParamsJson)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$P = ConvertFrom-Json $ParamsJson
{% include '_common.ps1' %}
# Facts about a lab host for preflight and the evidence report: name, OS, Hyper-V version, roles,
# volumes, switches. The Hyper-V version is the product version of the Virtual Machine Management
# service binary (vmms.exe, e.g. 10.0.20348.1): Get-VMHost has no version property. '' when the
# host has no vmms.exe (Hyper-V not installed) or the file carries no version resource.
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
    $hyperv = ''
    $vmms = Join-Path $env:SystemRoot 'System32\vmms.exe'
    if (Test-Path -LiteralPath $vmms -PathType Leaf) {
        $info = (Get-Item -LiteralPath $vmms).VersionInfo
        if ($null -ne $info) { $hyperv = [string]$info.ProductVersion }
    }
    $switches = @(Get-VMSwitch | ForEach-Object {
        [pscustomobject][ordered]@{ Name = "$($_.Name)"; SwitchType = [int]$_.SwitchType }
    })
    Write-RhResult ([pscustomobject][ordered]@{
        ComputerName = "$env:COMPUTERNAME"
        OsCaption    = "$($os.Caption)"
        OsVersion    = "$($os.Version)"
        OsBuild      = "$($os.BuildNumber)"
        HyperVVersion = $hyperv
        PsVersion    = "$($PSVersionTable.PSVersion)"
        Features     = $features
        Volumes      = $volumes
        Switches     = $switches
    })
} catch {
    Write-RhError $_
}
