# Checks an import can go ahead WITHOUT changing anything (no Compare-VM: it creates a planned VM).
# Reads the VM id from the .vmcx file name (a GUID), looks for a registered VM with that id
# (Get-VM -Id) and for destination files that already exist.
# Params: {"folder":"B:\\Exports\\CM01","destinations":["E:\\RestoreTests\\<run>\\<scn>\\Virtual Hard Disks", ...],
#          "copy_to":"<folder the export is copied to (register in place)>" or ""}
param([string]$ParamsJson)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
{% include '_common.ps1' %}
try {
    $P = ConvertFrom-Json $ParamsJson
    $folder = [string]$P.folder
    $vmDir = Join-Path $folder 'Virtual Machines'
    $vmcx = @(Get-ChildItem -LiteralPath $vmDir -Filter '*.vmcx' -File)
    if ($vmcx.Count -ne 1) {
        throw "Expected exactly one .vmcx file in '$vmDir', found $($vmcx.Count)."
    }
    $file = $vmcx[0]
    $guid = ([string]$file.BaseName).ToLower()
    if ($guid -notmatch '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$') {
        throw "The file name at '$($file.FullName)' is not in GUID format."
    }
    $existing = $null
    try { $existing = Get-VM -Id $guid -ErrorAction SilentlyContinue } catch { $existing = $null }
    $registered = $null
    if ($null -ne $existing) {
        $registered = [pscustomobject][ordered]@{ Id = "$($existing.Id)"; Name = [string]$existing.Name; Path = [string]$existing.Path }
    }
    $files = @()
    foreach ($f in @(Get-ChildItem -LiteralPath $folder -Recurse -File)) {
        $files += [pscustomobject][ordered]@{ Path = [string]$f.FullName; Name = [string]$f.Name; Length = [long]$f.Length;
            Written = $f.LastWriteTime.ToUniversalTime().ToString('o') }
    }
    $conflicts = @()
    foreach ($dest in @($P.destinations)) {
        foreach ($f in $files) {
            $candidate = Join-Path ([string]$dest) $f.Name
            if (Test-Path -LiteralPath $candidate) { $conflicts += $candidate }
        }
    }
    if ($P.copy_to -and (Test-Path -LiteralPath ([string]$P.copy_to))) { $conflicts += [string]$P.copy_to }
    Write-RhResult ([pscustomobject][ordered]@{ Vmcx = [string]$file.FullName; VmId = "$guid";
        VmcxWritten = $file.LastWriteTime.ToUniversalTime().ToString('o'); Registered = $registered; Files = $files; Conflicts = $conflicts })
} catch {
    Write-RhError $_
}
