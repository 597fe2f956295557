param([string]$ParamsJson)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
{% include '_common.ps1' %}
# Start the recovery VM. With boot = 'disk' the first boot device becomes the restored system disk
# (SCSI/IDE 0:0) first; the DVD and the automation disk stay attached but are not booted.
# Params: {vm_id, boot: 'dvd'|'disk'}
try {
    $P = ConvertFrom-Json $ParamsJson
    $vm = Get-VM -Id ([string]$P.vm_id)
    if ([string]$P.boot -eq 'disk') {
        $disk = @(Get-VMHardDiskDrive -VMName $vm.Name)[0]
        if ([int]$vm.Generation -eq 2) {
            Set-VMFirmware -VMName $vm.Name -FirstBootDevice $disk
        } elseif (Get-Command Set-VMBios -ErrorAction SilentlyContinue) {
            Set-VMBios -VMName $vm.Name -StartupOrder @('IDE', 'CD', 'LegacyNetworkAdapter', 'Floppy')
        }
    }
    $now = (Get-Date).ToUniversalTime().ToString('o')
    Start-VM -VMName $vm.Name
    $vm = Get-VM -Id ([string]$P.vm_id)
    Write-RhResult ([pscustomobject][ordered]@{ StartedAt = $now; State = [int]$vm.State })
} catch {
    Write-RhError $_
}
