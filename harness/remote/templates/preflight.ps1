# Preflight of one lab host (first stage of every run and `restore-harness doctor`): facts only,
# the Python side (harness/preflight.py) judges them. Changes nothing on the host.
# Params: {"scratch_root":"E:\\RestoreTests","run_dir":"E:\\RestoreTests\\<run id>","run_prefix":"<run id>-",
#          "exports":[{"scenario":"..","folder":"B:\\Exports\\CM01"}], "sources":[{"name":"..","path":"..","user":"(shares)","password":"(shares)"}]}
param([string]$ParamsJson)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
{% include '_common.ps1' %}
try {
    $P = ConvertFrom-Json $ParamsJson
    $hyperv = $null -ne (Get-Command -Name Get-VM -ErrorAction SilentlyContinue)
    $wsb = $false
    try {
        $feature = Get-WindowsFeature -Name Windows-Server-Backup
        if ($null -ne $feature) { $wsb = [bool]$feature.Installed }
    } catch { $wsb = $false }
    $switches = @()
    if ($hyperv) {
        foreach ($sw in @(Get-VMSwitch)) {
            $switches += [pscustomobject][ordered]@{ Name = [string]$sw.Name; Id = "$($sw.Id)"; SwitchType = [int]$sw.SwitchType }
        }
    }
    $root = [string]$P.scratch_root
    $letter = $root.Substring(0, 1)
    $volume = Get-Volume -DriveLetter $letter
    $scratch = [pscustomobject][ordered]@{ Root = $root; RootExists = [bool](Test-Path -LiteralPath $root);
        DriveLetter = $letter; SizeRemaining = [long]$volume.SizeRemaining; Size = [long]$volume.Size }
    $prefixed = @()
    if ($hyperv) {
        foreach ($vm in @(Get-VM)) {
            if ([string]$vm.Name -like ([string]$P.run_prefix + '*')) { $prefixed += 'VM ' + [string]$vm.Name }
        }
    }
    if (Test-Path -LiteralPath ([string]$P.run_dir)) { $prefixed += 'folder ' + [string]$P.run_dir }
    $sources = @()
    $n = 0
    foreach ($src in @($P.sources)) {
        $readable = $false
        $why = $null
        if ($src.user) {
            # a share with its own credential: the session cannot pass its logon on (second hop)
            $n += 1
            $drive = 'RHPF' + $n
            try {
                $secure = ConvertTo-SecureString -String ([string]$src.password) -AsPlainText -Force
                $cred = New-Object System.Management.Automation.PSCredential -ArgumentList ([string]$src.user), $secure
                New-PSDrive -Name $drive -PSProvider FileSystem -Root ([string]$src.path) -Credential $cred | Out-Null
                $readable = [bool](Test-Path -LiteralPath ([string]$src.path))
                Remove-PSDrive -Name $drive
            } catch {
                $why = $_.Exception.Message
            }
        } else {
            $readable = [bool](Test-Path -LiteralPath ([string]$src.path))
        }
        $sources += [pscustomobject][ordered]@{ Name = [string]$src.name; Path = [string]$src.path;
            Readable = $readable; Error = $why }
    }
    $exports = @()
    foreach ($ex in @($P.exports)) {
        $folder = [string]$ex.folder
        $vmcx = @(); $vhds = @(); $otherBytes = [long]0; $readable = [bool](Test-Path -LiteralPath $folder)
        if ($readable) {
            foreach ($f in @(Get-ChildItem -LiteralPath $folder -Recurse -File)) {
                $ext = ([string]$f.Extension).ToLower()
                if ($ext -eq '.vmcx') { $vmcx += [string]$f.FullName }
                if ($ext -eq '.vhdx' -or $ext -eq '.vhd') {
                    $max = [long]$f.Length
                    try { $max = [long](Get-VHD -Path $f.FullName).Size } catch { $max = [long]$f.Length }
                    $vhds += [pscustomobject][ordered]@{ Path = [string]$f.FullName; MaxSize = $max; FileSize = [long]$f.Length }
                } else {
                    $otherBytes += [long]$f.Length
                }
            }
        }
        $exports += [pscustomobject][ordered]@{ Scenario = [string]$ex.scenario; Folder = $folder; Readable = $readable;
            Vmcx = $vmcx; Vhds = $vhds; OtherBytes = $otherBytes }
    }
    $os = [Environment]::OSVersion.Version.ToString()
    Write-RhResult ([pscustomobject][ordered]@{ ComputerName = [string]$env:COMPUTERNAME; OsVersion = $os;
        HyperVModule = $hyperv; WsbFeature = $wsb; Switches = $switches; Scratch = $scratch;
        Prefixed = $prefixed; Sources = $sources; Exports = $exports })
} catch {
    Write-RhError $_
}
