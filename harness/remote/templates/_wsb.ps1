# WSB helpers shared by the wsb_*.ps1 templates (included after _common.ps1). Windows PowerShell 5.1.
# The target parameter: {"kind":"volume|share","path":"B: | \\NAS01\wsb","user":"..","password":".."}.
# The password arrives only inside the parameters JSON and becomes a PSCredential here.

function New-RhWsbCredential {
    param($Target)
    $secure = ConvertTo-SecureString -String ([string]$Target.password) -AsPlainText -Force
    New-Object System.Management.Automation.PSCredential -ArgumentList ([string]$Target.user), $secure
}

function New-RhWsbTarget {
    param($Target)
    if ([string]$Target.kind -eq 'share') {
        New-WBBackupTarget -NetworkPath ([string]$Target.path) -Credential (New-RhWsbCredential $Target)
    } else {
        New-WBBackupTarget -VolumePath ([string]$Target.path)
    }
}

function Get-RhWsbSets {
    param($Target, [string]$Machine)
    $wbTarget = New-RhWsbTarget $Target
    if ($Machine) {
        @(Get-WBBackupSet -BackupTarget $wbTarget -MachineName $Machine)
    } else {
        @(Get-WBBackupSet -BackupTarget $wbTarget)
    }
}

function Get-RhWsbSet {
    param($Target, [string]$Machine, [string]$VersionId)
    $found = $null
    foreach ($s in (Get-RhWsbSets $Target $Machine)) {
        if ([string]$s.VersionId -eq $VersionId) { $found = $s }
    }
    if ($null -eq $found) {
        throw (New-Object System.Management.Automation.ItemNotFoundException ("Backup version '" + $VersionId + "' was not found on " + [string]$Target.path + '.'))
    }
    $found
}

function Get-RhHostNow {
    (Get-Date).ToUniversalTime().ToString('o')
}

function Write-RhWsbError {
    param($Record)
    $e = ConvertTo-RhError $Record
    $hr = 0
    try { $hr = [int]$Record.Exception.HResult } catch { $hr = 0 }
    $err = [pscustomobject][ordered]@{ type = $e.type; message = $e.message; fqid = $e.fqid; category = $e.category;
        target = $e.target; line = $e.line; hresult = $hr }
    $envelope = [pscustomobject][ordered]@{ ok = $false; error = $err }
    $json = ConvertTo-Json -InputObject $envelope -Depth 4 -Compress
    Write-Output '<<<RH-RESULT>>>'
    Write-Output $json
    Write-Output '<<<RH-END>>>'
}
