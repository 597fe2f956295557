# Read the WSB catalog on a backup target (local volume or share, reference §4.1) and, when named,
# the content manifest stored beside the backup. Changes nothing.
# Params: {"target":{kind,path,user,password},"machine":"FS01|","manifest":"<path of the manifest file>|"}
# Result: {"Now":"<host UTC>","Sets":[{VersionId,BackupTime,TargetPath,TargetLabel,MachineName,Volumes,
#          Applications:[{Identifier,Components:[{Caption,Name,VMName,VMId}]}],SnapshotId}],
#          "Manifest":{Path,Found,Text}}
param([string]$ParamsJson)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
{% include '_common.ps1' %}
{% include '_wsb.ps1' %}
try {
    $P = ConvertFrom-Json $ParamsJson
    $now = Get-RhHostNow
    $sets = @()
    foreach ($s in (Get-RhWsbSets $P.target ([string]$P.machine))) {
        $volumes = @()
        foreach ($v in @($s.Volume)) { if ($null -ne $v) { $volumes += [string]$v.MountPath } }
        $apps = @()
        foreach ($a in @($s.Application)) {
            if ($null -eq $a) { continue }
            $components = @()
            foreach ($c in @($a.Component)) {
                if ($null -eq $c) { continue }
                $components += [pscustomobject][ordered]@{ Caption = [string]$c.Caption; Name = [string]$c.Name;
                    VMName = [string]$c.VMName; VMId = [string]$c.VMId }
            }
            $apps += [pscustomobject][ordered]@{ Identifier = [string]$a.Identifier; Components = $components }
        }
        $target = $s.BackupTarget
        $sets += [pscustomobject][ordered]@{
            VersionId = [string]$s.VersionId
            BackupTime = ([datetime]$s.BackupTime).ToUniversalTime().ToString('o')
            TargetPath = [string]$target.Path
            TargetLabel = [string]$target.Label
            MachineName = [string]$s.MachineName
            Volumes = $volumes
            Applications = $apps
            SnapshotId = [string]$s.SnapshotId
        }
    }
    $manifest = [pscustomobject][ordered]@{ Path = [string]$P.manifest; Found = $false; Text = $null }
    if ([string]$P.manifest) {
        $path = [string]$P.manifest
        $drive = $null
        if ([string]$P.target.kind -eq 'share') {
            # The share is a second hop: map it with the backup credential to read the manifest.
            $drive = New-PSDrive -Name 'RHWSB' -PSProvider FileSystem -Root ([string]$P.target.path) -Credential (New-RhWsbCredential $P.target)
            $root = ([string]$P.target.path).TrimEnd('\')
            if ($path.ToLower().StartsWith($root.ToLower())) { $path = 'RHWSB:' + $path.Substring($root.Length) }
        }
        try {
            if (Test-Path -LiteralPath $path) {
                $manifest.Found = $true
                $manifest.Text = Get-Content -LiteralPath $path -Raw -Encoding UTF8
            }
        } finally {
            if ($null -ne $drive) { Remove-PSDrive -Name 'RHWSB' }
        }
    }
    Write-RhResult ([pscustomobject][ordered]@{ Now = $now; Sets = $sets; Manifest = $manifest })
} catch {
    Write-RhWsbError $_
}
