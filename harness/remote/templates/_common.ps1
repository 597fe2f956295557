# Shared helpers, included into every template by a Jinja2 include of this file (see docs/remote.md).
# Windows PowerShell 5.1 syntax only. Prints exactly one result between the sentinel lines.

function ConvertTo-RhError {
    param($Record)
    $ex = $Record.Exception
    $target = $null
    if ($null -ne $Record.TargetObject) { $target = "$($Record.TargetObject)" }
    $line = $null
    if ($null -ne $Record.InvocationInfo) { $line = [int]$Record.InvocationInfo.ScriptLineNumber }
    $category = $null
    if ($null -ne $Record.CategoryInfo) { $category = "$($Record.CategoryInfo.Category)" }
    [pscustomobject][ordered]@{
        type     = $ex.GetType().FullName
        message  = $ex.Message
        fqid     = "$($Record.FullyQualifiedErrorId)"
        category = $category
        target   = $target
        line     = $line
    }
}

function ConvertTo-RhLowerMap {
    # A JSON object from the params (e.g. switch_map) as a hashtable keyed by lower-cased names.
    param($Object)
    $map = @{}
    if ($null -ne $Object) {
        foreach ($prop in $Object.PSObject.Properties) { $map[([string]$prop.Name).ToLower()] = [string]$prop.Value }
    }
    $map
}

function Write-RhResult {
    param($Data)
    $envelope = [pscustomobject][ordered]@{ ok = $true; data = $Data }
    # 5.1 silently turns anything deeper than -Depth into a string, and every array counts as a
    # level; templates emit only objects they built themselves, so a generous depth costs nothing.
    $json = ConvertTo-Json -InputObject $envelope -Depth 12 -Compress
    Write-Output '<<<RH-RESULT>>>'
    Write-Output $json
    Write-Output '<<<RH-END>>>'
}

function Write-RhError {
    param($Record)
    $envelope = [pscustomobject][ordered]@{ ok = $false; error = (ConvertTo-RhError $Record) }
    $json = ConvertTo-Json -InputObject $envelope -Depth 4 -Compress
    Write-Output '<<<RH-RESULT>>>'
    Write-Output $json
    Write-Output '<<<RH-END>>>'
}
