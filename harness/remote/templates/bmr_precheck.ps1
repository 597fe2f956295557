param([string]$ParamsJson)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
{% include '_common.ps1' %}
{% include '_wsb.ps1' %}
# BMR precheck (changes nothing): the ISO and driver folders exist on the host, the INF files in
# them, the switch and its type, no VM with the run's name yet, and the backup sets of the machine
# with their RecoverableItems (BareMetalRecovery must be among them).
# Params: {iso, drivers:[folder], nic_drivers:[folder], switch, vm_name, target:{kind,path,user,password}, machine}
try {
    $P = ConvertFrom-Json $ParamsJson
    $missing = @()
    if (-not (Test-Path -LiteralPath ([string]$P.iso))) { $missing += [string]$P.iso }
    $folders = @()
    foreach ($kind in @('drivers', 'nic_drivers')) {
        foreach ($f in @($P.$kind)) {
            if ($null -eq $f) { continue }
            $path = [string]$f
            $infs = @()
            if (Test-Path -LiteralPath $path) {
                foreach ($i in @(Get-ChildItem -LiteralPath $path -Recurse -File)) {
                    if ($null -eq $i) { continue }
                    if ($i.Name.ToLower().EndsWith('.inf')) {
                        $rel = $i.FullName.Substring($path.TrimEnd('\').Length).TrimStart('\')
                        $infs += $rel
                    }
                }
            } else {
                $missing += $path
            }
            $folders += [pscustomobject][ordered]@{ Kind = $kind; Path = $path; Infs = $infs }
        }
    }
    $switch = $null
    $sw = @(Get-VMSwitch -Name ([string]$P.switch) -ErrorAction SilentlyContinue)
    if ($sw.Count -gt 0 -and $null -ne $sw[0]) {
        $switch = [pscustomobject][ordered]@{ Name = [string]$sw[0].Name; SwitchType = [int]$sw[0].SwitchType }
    }
    $existing = @(Get-VM -Name ([string]$P.vm_name) -ErrorAction SilentlyContinue)
    $sets = @()
    foreach ($s in (Get-RhWsbSets $P.target ([string]$P.machine))) {
        $vols = @()
        foreach ($v in @($s.Volume)) { if ($null -ne $v) { $vols += [string]$v.MountPath } }
        $sets += [pscustomobject][ordered]@{
            VersionId = [string]$s.VersionId
            BackupTime = ([datetime]$s.BackupTime).ToUniversalTime().ToString('o')
            MachineName = [string]$s.MachineName
            RecoverableItems = "$($s.RecoverableItems)"
            Volumes = $vols
        }
    }
    Write-RhResult ([pscustomobject][ordered]@{
        Missing = $missing
        Folders = $folders
        Switch = $switch
        VmExists = ($existing.Count -gt 0 -and $null -ne $existing[0])
        Sets = $sets
    })
} catch {
    Write-RhWsbError $_
}
