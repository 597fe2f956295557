# Teardown: remove exactly the ledger entries given, in the order given, and nothing else.
# Guards (also enforced in Python): a VM is removed only if its name starts with the run prefix AND
# its folder lies inside the run folder; a file/folder only if its path lies inside the run folder.
# Params: {"run_dir":"E:\\RestoreTests\\<run id>","run_prefix":"<run id>-",
#          "items":[{"seq":1,"kind":"vm|vhd|file|folder","vm_id":"..","vm_name":"..","path":".."}]}
# Result: [{"seq":1,"outcome":"removed|gone|refused|failed","message":".."}]
param([string]$ParamsJson)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
{% include '_common.ps1' %}
function Test-InsideRunDir {
    param([string]$Path, [string]$Root)
    if (-not $Path -or $Path.Contains('..')) { return $false }
    $p = $Path.TrimEnd('\').ToLower()
    $r = $Root.TrimEnd('\').ToLower()
    $under = $r + '\'
    return ($p -eq $r) -or $p.StartsWith($under)
}
try {
    $P = ConvertFrom-Json $ParamsJson
    $root = [string]$P.run_dir
    $prefix = ([string]$P.run_prefix).ToLower()
    if ($prefix.Length -lt 8) { throw "Refusing teardown: run prefix '$prefix' is too short." }
    $results = @()
    foreach ($item in @($P.items)) {
        $outcome = 'removed'; $message = ''
        try {
            if ([string]$item.kind -eq 'vm') {
                $vm = $null
                if ($item.vm_id) {
                    try { $vm = Get-VM -Id ([string]$item.vm_id) -ErrorAction SilentlyContinue } catch { $vm = $null }
                }
                if ($null -eq $vm -and $item.vm_name) {
                    foreach ($candidate in @(Get-VM)) {
                        if ([string]$candidate.Name -eq [string]$item.vm_name) { $vm = $candidate }
                    }
                }
                if ($null -eq $vm) {
                    $outcome = 'gone'; $message = 'no such VM registered'
                } elseif (-not ([string]$vm.Name).ToLower().StartsWith($prefix)) {
                    $outcome = 'refused'; $message = "VM '$($vm.Name)' does not carry the run prefix"
                } elseif (-not (Test-InsideRunDir ([string]$vm.Path) $root)) {
                    $outcome = 'refused'; $message = "VM '$($vm.Name)' lives in '$($vm.Path)', outside the run folder"
                } else {
                    if ([int]$vm.State -ne 3) { Stop-VM -VM $vm -TurnOff -Force }
                    Remove-VM -VM $vm -Force
                    $message = "stopped and removed VM '$($vm.Name)' ($($vm.Id))"
                }
            } else {
                $path = [string]$item.path
                if (-not (Test-InsideRunDir $path $root)) {
                    $outcome = 'refused'; $message = "'$path' is outside the run folder"
                } elseif (-not (Test-Path -LiteralPath $path)) {
                    $outcome = 'gone'; $message = 'not present'
                } else {
                    Remove-Item -LiteralPath $path -Recurse -Force
                    $message = "removed $path"
                }
            }
        } catch {
            $outcome = 'failed'; $message = [string]$_.Exception.Message
        }
        $results += [pscustomobject][ordered]@{ seq = [int]$item.seq; outcome = $outcome; message = $message }
    }
    Write-RhResult $results
} catch {
    Write-RhError $_
}
