# Remediation "restart-vmms": restart the Virtual Machine Management service, which clears a backup
# checkpoint that Hyper-V Manager cannot delete (seed 004 §3.1.2 (9)). Running VMs keep running
# (they live in vmwp.exe); management operations in flight are interrupted.
# Params: {"timeout_sec":300,"poll_sec":2}
param([string]$ParamsJson)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
{% include '_common.ps1' %}
try {
    $P = ConvertFrom-Json $ParamsJson
    $before = [int](Get-Service -Name vmms).Status
    Restart-Service -Name vmms -Force
    $deadline = (Get-Date).AddSeconds([int]$P.timeout_sec)
    $status = [int](Get-Service -Name vmms).Status
    while ($status -ne 4 -and (Get-Date) -lt $deadline) {
        Start-Sleep -Seconds ([int]$P.poll_sec)
        $status = [int](Get-Service -Name vmms).Status
    }
    Write-RhResult ([pscustomobject][ordered]@{ before = $before; after = $status; running = ($status -eq 4) })
} catch {
    Write-RhError $_
}
