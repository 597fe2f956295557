# What `restore-harness doctor` needs to know about a WSB backup target (changes nothing): per backup
# set its version, time, recoverable items, the backed-up volumes with their size and free space
# (WBVolume.TotalSpace / FreeSpace, to bound the room a recovery can take) and the Hyper-V VMs in it.
# Params: {"target":{kind,path,user,password},"machine":"FS01|"}
# Result: {"Sets":[{VersionId,BackupTime,RecoverableItems,Volumes:[{MountPath,TotalSpace,FreeSpace}],Vms:[name]}]}
param([string]$ParamsJson)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
{% include '_common.ps1' %}
{% include '_wsb.ps1' %}
try {
    $P = ConvertFrom-Json $ParamsJson
    $sets = @()
    foreach ($s in (Get-RhWsbSets $P.target ([string]$P.machine))) {
        $volumes = @()
        foreach ($v in @($s.Volume)) {
            if ($null -eq $v) { continue }
            $volumes += [pscustomobject][ordered]@{ MountPath = [string]$v.MountPath;
                TotalSpace = [long]$v.TotalSpace; FreeSpace = [long]$v.FreeSpace }
        }
        $vms = @()
        foreach ($a in @($s.Application)) {
            if ($null -eq $a) { continue }
            foreach ($c in @($a.Component)) {
                if ($null -eq $c) { continue }
                $name = [string]$c.VMName
                if (-not $name) { $name = [string]$c.Caption }
                if ($name) { $vms += $name }
            }
        }
        $sets += [pscustomobject][ordered]@{
            VersionId = [string]$s.VersionId
            BackupTime = ([datetime]$s.BackupTime).ToUniversalTime().ToString('o')
            RecoverableItems = "$($s.RecoverableItems)"
            Volumes = $volumes
            Vms = $vms
        }
    }
    Write-RhResult ([pscustomobject][ordered]@{ Sets = $sets })
} catch {
    Write-RhWsbError $_
}
