# On the Hyper-V HOST: run a guest template inside a VM through PowerShell Direct (VMBus, no
# network needed: works for a guest on a Private switch). The guest script's own result envelope
# comes back as text in data.output; the harness unwraps it.
# Params: {"vm":"<VM name>","username":"...","password":"<secret>","script":"<guest template>",
#          "params":"<guest params JSON>"}
param([string]$ParamsJson)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
{% include '_common.ps1' %}
try {
    $P = ConvertFrom-Json $ParamsJson
    $secure = ConvertTo-SecureString -String ([string]$P.password) -AsPlainText -Force
    $cred = New-Object -TypeName System.Management.Automation.PSCredential -ArgumentList ([string]$P.username), $secure
    $lines = Invoke-Command -VMName ([string]$P.vm) -Credential $cred -ScriptBlock {
        param([string]$Script, [string]$Json)
        & ([ScriptBlock]::Create($Script)) $Json
    } -ArgumentList ([string]$P.script), ([string]$P.params)
    $text = (@($lines) | ForEach-Object { [string]$_ }) -join "`n"
    Write-RhResult -Data ([pscustomobject][ordered]@{ output = $text })
} catch {
    Write-RhError -Record $_
}
