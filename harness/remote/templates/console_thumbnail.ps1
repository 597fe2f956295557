# On the Hyper-V HOST: the video thumbnail of a VM's console (issue 7, screenshots).
# Msvm_VirtualSystemManagementService.GetVirtualSystemThumbnailImage returns ImageData as RGB565
# (16 bits per pixel, little-endian); the harness turns it into a PNG (harness/console.py).
# Params: {"vm":"<VM name>","vm_id":"<GUID or empty>","width":800,"height":600}
param([string]$ParamsJson)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
{% include '_common.ps1' %}
try {
    $P = ConvertFrom-Json $ParamsJson
    $ns = 'root\virtualization\v2'
    $systems = @(Get-CimInstance -Namespace $ns -ClassName Msvm_ComputerSystem | Where-Object {
        ($P.vm_id -and $_.Name -eq [string]$P.vm_id) -or ((-not $P.vm_id) -and $_.ElementName -eq [string]$P.vm) })
    if ($systems.Count -eq 0) {
        throw [System.Management.Automation.ItemNotFoundException]"Hyper-V was unable to find a virtual machine with name `"$($P.vm)`"."
    }
    if ($systems.Count -gt 1) {
        throw [System.InvalidOperationException]"More than one virtual machine is called `"$($P.vm)`"; pass its id."
    }
    $cs = $systems[0]
    $vssd = @(Get-CimInstance -Namespace $ns -ClassName Msvm_VirtualSystemSettingData | Where-Object {
        $_.VirtualSystemIdentifier -eq $cs.Name -and $_.VirtualSystemType -eq 'Microsoft:Hyper-V:System:Realized' })
    if ($vssd.Count -eq 0) { throw [System.InvalidOperationException]"No realized settings for virtual machine `"$($P.vm)`"." }
    $svc = Get-CimInstance -Namespace $ns -ClassName Msvm_VirtualSystemManagementService
    $arguments = @{ TargetSystem = $vssd[0]; WidthPixels = [uint16]$P.width; HeightPixels = [uint16]$P.height }
    $r = Invoke-CimMethod -InputObject $svc -MethodName GetVirtualSystemThumbnailImage -Arguments $arguments
    if ([int]$r.ReturnValue -ne 0) {
        throw [System.InvalidOperationException]"GetVirtualSystemThumbnailImage returned $([int]$r.ReturnValue) for `"$($P.vm)`"."
    }
    $bytes = [byte[]]$r.ImageData
    Write-RhResult -Data ([pscustomobject][ordered]@{
        VMName = [string]$cs.ElementName; VMId = [string]$cs.Name; EnabledState = [int]$cs.EnabledState
        Width = [int]$P.width; Height = [int]$P.height; Format = 'RGB565'
        ImageData = [Convert]::ToBase64String($bytes) })
} catch {
    Write-RhError -Record $_
}
