# After a WSB Hyper-V recovery: find the recovered VM by id, refuse unless it lives in the run folder,
# give it the run-prefixed name, and put every adapter on the isolated switch the scenario's switch_map
# names (an adapter whose switch is neither mapped nor isolated is disconnected, never left on it).
# An adapter whose backed-up switch does not exist on this host has SwitchName $null (Get-VMNetworkAdapter
# resolves the name from the connected switch; reference §6), so its original switch cannot be read: it is
# connected to the switch_map's target when all entries name the same switch, else left not connected.
# Params: {"vm_id":"<guid>","name":"<run-prefixed name>","run_dir":"E:\\RestoreTests\\<run>\\<scenario>",
#          "switch_map":{"Corp-LAN":"Lab-Isolated"},"isolated":["Lab-Isolated","Lab-Internal"]}
# Result: {"outcome":"ready|missing|outside","vm":{Id,Name,State,Generation,Version,Path}|null,
#          "adapters":[{Name,OriginalSwitch,Target,SwitchName,Connected,Fix}],"switches":[{Name,Id,SwitchType}]}
param([string]$ParamsJson)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
{% include '_common.ps1' %}
try {
    $P = ConvertFrom-Json $ParamsJson
    $map = ConvertTo-RhLowerMap $P.switch_map
    $isolated = @{}
    foreach ($s in @($P.isolated)) { if ($s) { $isolated[([string]$s).ToLower()] = $true } }
    $switches = @()
    $present = @{}
    foreach ($sw in @(Get-VMSwitch)) {
        $switches += [pscustomobject][ordered]@{ Name = [string]$sw.Name; Id = "$($sw.Id)"; SwitchType = [int]$sw.SwitchType }
        $present[([string]$sw.Name).ToLower()] = [int]$sw.SwitchType
    }
    $vm = $null
    try { $vm = Get-VM -Id ([string]$P.vm_id) -ErrorAction SilentlyContinue } catch { $vm = $null }
    if ($null -eq $vm) {
        Write-RhResult ([pscustomobject][ordered]@{ outcome = 'missing'; vm = $null; adapters = @(); switches = $switches })
        return
    }
    $root = ([string]$P.run_dir).TrimEnd('\').ToLower() + '\'
    $info = [pscustomobject][ordered]@{ Id = "$($vm.Id)"; Name = [string]$vm.Name; State = [int]$vm.State;
        Generation = [int]$vm.Generation; Version = [string]$vm.Version; Path = [string]$vm.Path }
    if (-not (([string]$vm.Path).TrimEnd('\').ToLower() + '\').StartsWith($root)) {
        Write-RhResult ([pscustomobject][ordered]@{ outcome = 'outside'; vm = $info; adapters = @(); switches = $switches })
        return
    }
    Rename-VM -VM $vm -NewName ([string]$P.name)
    $vm = Get-VM -Id ([string]$P.vm_id)
    $targets = @{}
    foreach ($t in @($map.Values)) { $targets[([string]$t).ToLower()] = [string]$t }
    $onlyTarget = ''
    if ($targets.Count -eq 1) { foreach ($t in @($targets.Values)) { $onlyTarget = [string]$t } }
    $adapters = @()
    foreach ($nic in @(Get-VMNetworkAdapter -VM $vm)) {
        $original = [string]$nic.SwitchName
        $fix = 'kept'
        $target = ''
        if ($original) {
            $key = $original.ToLower()
            if ($map.ContainsKey($key)) {
                $target = $map[$key]
                Connect-VMNetworkAdapter -VMNetworkAdapter $nic -SwitchName $target
                $fix = 'connected to ' + $target
            } elseif ($isolated.ContainsKey($key) -and $present.ContainsKey($key) -and $present[$key] -ne 2) {
                $fix = 'kept (isolated)'
            } else {
                Disconnect-VMNetworkAdapter -VMNetworkAdapter $nic
                $fix = 'disconnected (switch not in switch_map and not isolated)'
            }
        } elseif ($onlyTarget) {
            $target = $onlyTarget
            Connect-VMNetworkAdapter -VMNetworkAdapter $nic -SwitchName $target
            $fix = 'connected to ' + $target + ' (its backed-up switch is not on this host; the switch_map names only this switch)'
        } else {
            $fix = 'not connected (its backed-up switch is not on this host and the switch_map names several switches)'
        }
        $adapters += [pscustomobject][ordered]@{ Name = [string]$nic.Name; OriginalSwitch = $original; Target = $target; Fix = $fix }
    }
    $after = @()
    foreach ($nic in @(Get-VMNetworkAdapter -VM $vm)) {
        $orig = ''
        $fix = ''
        $target = ''
        foreach ($a in $adapters) { if ($a.Name -eq [string]$nic.Name) { $orig = $a.OriginalSwitch; $target = $a.Target; $fix = $a.Fix } }
        $after += [pscustomobject][ordered]@{ Name = [string]$nic.Name; OriginalSwitch = $orig; Target = $target; SwitchName = [string]$nic.SwitchName;
            Connected = [bool]$nic.Connected; Fix = $fix }
    }
    $info = [pscustomobject][ordered]@{ Id = "$($vm.Id)"; Name = [string]$vm.Name; State = [int]$vm.State;
        Generation = [int]$vm.Generation; Version = [string]$vm.Version; Path = [string]$vm.Path }
    Write-RhResult ([pscustomobject][ordered]@{ outcome = 'ready'; vm = $info; adapters = $after; switches = $switches })
} catch {
    Write-RhError $_
}
