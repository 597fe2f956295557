# Start a Hyper-V VM recovery from a host-level WSB backup to an alternate location inside the run
# folder (Start-WBHyperVRecovery -UseAlternateLocation -TargetPath -RecreatePath -Async, reference §4.1).
# Refuses (outcome "refused") when a VM with the backup's VM id is already registered: the recovery
# would register the same id, and the harness never touches VMs it did not create.
# Params: {"target":{..},"machine":"HV-PROD01|","version_id":"..","vm":"CM01","target_path":"E:\\RestoreTests\\<run>\\<scenario>"}
# Result: {"outcome":"started|refused","Now":"..","Component":{Caption,Name,VMName,VMId},"Registered":{Name,Id,Path}|null}
param([string]$ParamsJson)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
{% include '_common.ps1' %}
{% include '_wsb.ps1' %}
try {
    $P = ConvertFrom-Json $ParamsJson
    $set = Get-RhWsbSet $P.target ([string]$P.machine) ([string]$P.version_id)
    $wanted = ([string]$P.vm).ToLower()
    $component = $null
    foreach ($a in @($set.Application)) {
        foreach ($c in @($a.Component)) {
            if ($null -eq $c) { continue }
            $name = [string]$c.VMName
            if (-not $name) {
                $name = [string]$c.Caption
                if ($name.Contains('\')) { $name = $name.Substring($name.IndexOf('\') + 1) }
            }
            if ($name.ToLower() -eq $wanted) { $component = $c }
        }
    }
    if ($null -eq $component) {
        throw (New-Object System.Management.Automation.ItemNotFoundException ("The virtual machine '" + [string]$P.vm + "' is not in backup version " + [string]$P.version_id + '.'))
    }
    $info = [pscustomobject][ordered]@{ Caption = [string]$component.Caption; Name = [string]$component.Name;
        VMName = [string]$component.VMName; VMId = [string]$component.VMId }
    $vmId = [string]$component.VMId
    if (-not $vmId) { $vmId = [string]$component.Name }
    $registered = $null
    $existing = $null
    try { $existing = Get-VM -Id $vmId -ErrorAction SilentlyContinue } catch { $existing = $null }
    if ($null -ne $existing) {
        $registered = [pscustomobject][ordered]@{ Name = [string]$existing.Name; Id = "$($existing.Id)"; Path = [string]$existing.Path }
        Write-RhResult ([pscustomobject][ordered]@{ outcome = 'refused'; Now = (Get-RhHostNow); Component = $info; Registered = $registered })
        return
    }
    $now = Get-RhHostNow
    Start-WBHyperVRecovery -BackupSet $set -VMInBackup @($component) -TargetPath ([string]$P.target_path) `
        -UseAlternateLocation -RecreatePath -Async -Force | Out-Null
    Write-RhResult ([pscustomobject][ordered]@{ outcome = 'started'; Now = $now; Component = $info; Registered = $null })
} catch {
    Write-RhWsbError $_
}
