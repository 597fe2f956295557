# Result printing for templates that run INSIDE a guest (guest_*.ps1). They write their envelope
# with Write-Output (pipeline output), not [Console]::Out, so that the same template works over
# WinRM (stdout) and through PowerShell Direct (Invoke-Command returns pipeline output only).
function Write-RhGuestResult {
    param($Data)
    $json = ConvertTo-Json -InputObject ([pscustomobject][ordered]@{ ok = $true; data = $Data }) -Depth 6 -Compress
    Write-Output "<<<RH-RESULT>>>"
    Write-Output $json
    Write-Output "<<<RH-END>>>"
}
function Write-RhGuestError {
    param($Record)
    $line = 0
    if ($null -ne $Record.InvocationInfo) { $line = [int]$Record.InvocationInfo.ScriptLineNumber }
    $err = [pscustomobject][ordered]@{
        type = [string]$Record.Exception.GetType().FullName
        message = [string]$Record.Exception.Message
        fqid = [string]$Record.FullyQualifiedErrorId
        category = [string]$Record.CategoryInfo.Category
        target = [string]$Record.TargetObject
        line = $line
    }
    $json = ConvertTo-Json -InputObject ([pscustomobject][ordered]@{ ok = $false; error = $err }) -Depth 4 -Compress
    Write-Output "<<<RH-RESULT>>>"
    Write-Output $json
    Write-Output "<<<RH-END>>>"
}
