param([string]$ParamsJson)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
{% include '_common.ps1' %}
# The third-party drivers of the restored (offline) Windows image: mount the system disk, find the
# volume that holds \Windows\System32\config\SYSTEM (GPT disks also have EFI/MSR/Recovery
# partitions without letters), Get-WindowsDriver -Path <letter>:\, dismount in finally.
# Params: {system_disk}
try {
    $P = ConvertFrom-Json $ParamsJson
    $drivers = @()
    $root = $null
    $vhd = Mount-VHD -Path ([string]$P.system_disk) -Passthru
    try {
        foreach ($part in @(Get-Partition -DiskNumber ([int]$vhd.DiskNumber))) {
            if ($null -eq $part) { continue }
            $l = ([string]$part.DriveLetter).Trim([char]0)
            if (-not $l) { continue }
            if (Test-Path -LiteralPath ($l + ':\Windows\System32\config\SYSTEM')) { $root = $l + ':\' }
        }
        if ($null -eq $root) { throw 'no volume of the restored system disk holds \Windows\System32\config\SYSTEM' }
        foreach ($d in @(Get-WindowsDriver -Path $root)) {
            if ($null -eq $d) { continue }
            $drivers += [pscustomobject][ordered]@{
                Driver = [string]$d.Driver; OriginalFileName = [string]$d.OriginalFileName
                ClassName = [string]$d.ClassName; ProviderName = [string]$d.ProviderName
                Version = [string]$d.Version; BootCritical = [bool]$d.BootCritical
            }
        }
    } finally {
        Dismount-VHD -Path ([string]$P.system_disk)
    }
    Write-RhResult ([pscustomobject][ordered]@{ Root = $root; Drivers = $drivers })
} catch {
    Write-RhError $_
}
