# Import one VM: Compare-VM -> fix missing switches from the switch map -> Compare-VM again ->
# Import-VM -CompatibilityReport (reference hyperv-powershell.md §1, §8.4). Never touches the backup:
# "register" imports a copy of the export folder that this script makes under the run folder first.
# Params: {"mode":"register|restore|copy-new-id","vmcx":"<.vmcx in the backup>","folder":"<export folder>",
#          "copy_to":"<run folder for the copy (register)>","vm_path":"..","vhd_path":"..","snapshot_path":"..",
#          "name":"<run-prefixed VM name>","switch_map":{"Corp-LAN":"Lab-Isolated"}}
# Result: {"outcome":"imported|refused","source":{..},"vm":{..}|null,"adapters":[..],
#          "incompatibilities":[{MessageId,Message,Adapter,Switch,Fix}],"switches":[..]}
param([string]$ParamsJson)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
{% include '_common.ps1' %}
try {
    $P = ConvertFrom-Json $ParamsJson
    $map = ConvertTo-RhLowerMap $P.switch_map
    $mode = [string]$P.mode
    $vmcx = [string]$P.vmcx
    if ($mode -eq 'register') {
        Copy-Item -LiteralPath ([string]$P.folder) -Destination ([string]$P.copy_to) -Recurse
        $vmcx = Join-Path (Join-Path ([string]$P.copy_to) 'Virtual Machines') (Split-Path -Leaf $vmcx)
        $report = Compare-VM -Path $vmcx -Register
    } elseif ($mode -eq 'restore') {
        $report = Compare-VM -Path $vmcx -Copy -VirtualMachinePath ([string]$P.vm_path) -SmartPagingFilePath ([string]$P.vm_path) `
            -SnapshotFilePath ([string]$P.snapshot_path) -VhdDestinationPath ([string]$P.vhd_path)
    } elseif ($mode -eq 'copy-new-id') {
        $report = Compare-VM -Path $vmcx -Copy -GenerateNewId -VirtualMachinePath ([string]$P.vm_path) `
            -SmartPagingFilePath ([string]$P.vm_path) -SnapshotFilePath ([string]$P.snapshot_path) -VhdDestinationPath ([string]$P.vhd_path)
    } else {
        throw "Unknown import mode '$mode'."
    }
    $planned = $report.VM
    $source = [pscustomobject][ordered]@{ Id = "$($planned.Id)"; Name = [string]$planned.Name;
        Generation = [int]$planned.Generation; Version = [string]$planned.Version }
    $incompatibilities = @()
    $blocking = 0
    $fixedAdapters = @{}
    foreach ($inc in @($report.Incompatibilities)) {
        $id = [long]$inc.MessageId
        $src = $inc.Source
        $entry = [ordered]@{ MessageId = $id; Message = [string]$inc.Message; Adapter = ''; Switch = ''; Fix = '' }
        if ($id -eq 33012) {
            $entry.Adapter = [string]$src.Name
            $switch = [string]$src.SwitchName
            if (-not $switch -and ([string]$inc.Message -match "'([^']+)'")) { $switch = $Matches[1] }
            $entry.Switch = $switch
            $target = $null
            if ($switch) { $target = $map[$switch.ToLower()] }
            if ($target) {
                Connect-VMNetworkAdapter -VMNetworkAdapter $src -SwitchName $target
                $entry.Fix = "connected to $target"
                $fixedAdapters[[string]$src.Name] = $switch
            } else {
                $entry.Fix = 'unmapped'
                $blocking += 1
            }
        } else {
            $entry.Fix = 'fatal'
            $blocking += 1
        }
        $incompatibilities += [pscustomobject]$entry
    }
    $adapters = @()
    foreach ($nic in @($planned.NetworkAdapters)) {
        $name = [string]$nic.Name
        $original = [string]$nic.SwitchName
        if ($fixedAdapters.ContainsKey($name)) { $original = $fixedAdapters[$name] }
        elseif ($original -and $map.ContainsKey($original.ToLower())) {
            Connect-VMNetworkAdapter -VMNetworkAdapter $nic -SwitchName $map[$original.ToLower()]
        }
        $adapters += [pscustomobject][ordered]@{ Name = $name; OriginalSwitch = $original }
    }
    $switches = @()
    foreach ($sw in @(Get-VMSwitch)) {
        $switches += [pscustomobject][ordered]@{ Name = [string]$sw.Name; Id = "$($sw.Id)"; SwitchType = [int]$sw.SwitchType }
    }
    if ($blocking -gt 0) {
        Write-RhResult ([pscustomobject][ordered]@{ outcome = 'refused'; source = $source; vm = $null; adapters = $adapters;
            incompatibilities = $incompatibilities; switches = $switches })
        return
    }
    Rename-VM -VM $planned -NewName ([string]$P.name)
    $again = Compare-VM -CompatibilityReport $report
    $left = @($again.Incompatibilities)
    if ($left.Count -gt 0) {
        foreach ($inc in $left) {
            $incompatibilities += [pscustomobject][ordered]@{ MessageId = [long]$inc.MessageId; Message = [string]$inc.Message;
                Adapter = ''; Switch = ''; Fix = 'left after fixes' }
        }
        Write-RhResult ([pscustomobject][ordered]@{ outcome = 'refused'; source = $source; vm = $null; adapters = $adapters;
            incompatibilities = $incompatibilities; switches = $switches })
        return
    }
    $vm = Import-VM -CompatibilityReport $report
    $vm = Get-VM -Id $vm.Id
    $after = @()
    foreach ($nic in @(Get-VMNetworkAdapter -VM $vm)) {
        $orig = ''
        foreach ($a in $adapters) { if ($a.Name -eq [string]$nic.Name) { $orig = $a.OriginalSwitch } }
        $after += [pscustomobject][ordered]@{ Name = [string]$nic.Name; OriginalSwitch = $orig; SwitchName = [string]$nic.SwitchName;
            Connected = [bool]$nic.Connected }
    }
    $imported = [pscustomobject][ordered]@{ Id = "$($vm.Id)"; Name = [string]$vm.Name; State = [int]$vm.State;
        Generation = [int]$vm.Generation; Version = [string]$vm.Version; Path = [string]$vm.Path }
    Write-RhResult ([pscustomobject][ordered]@{ outcome = 'imported'; source = $source; vm = $imported; adapters = $after;
        incompatibilities = $incompatibilities; switches = $switches })
} catch {
    Write-RhError $_
}
