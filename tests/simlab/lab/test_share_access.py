"""New-PSDrive -Credential to the cast's \\\\NAS01\\wsb (simlab/lab/share_access.py) through run_script on the
lab host: the share's account reads the manifest stored beside the FS01 backup; others get Windows' errors."""

from __future__ import annotations

import json

import pytest

from simlab.lab.faults import FaultContext, apply_fault
from simlab.ps import run_script
from tests.simlab.lab.labsupport import ENV, cast_host, ps_error

MANIFEST = "RHWSB:\\WindowsImageBackup\\FS01\\manifest.sha256.json"


def _cred(user: str, password: str) -> str:
    return (f"$c = New-Object System.Management.Automation.PSCredential '{user}', "
            f"(ConvertTo-SecureString '{password}' -AsPlainText -Force)\n")


@pytest.fixture
def host(monkeypatch):
    for k, v in ENV.items():
        monkeypatch.setenv(k, v)
    return cast_host()


def test_share_account_reads_the_manifest_through_the_drive(host):
    r = run_script(host, _cred(ENV["RH_NAS_USER"], ENV["RH_NAS_PASSWORD"])
                   + "New-PSDrive -Name 'RHWSB' -PSProvider FileSystem -Root '\\\\NAS01\\wsb' -Credential $c | Out-Null\n"
                   + f"$m = Get-Content -LiteralPath '{MANIFEST}' -Raw -Encoding UTF8 | ConvertFrom-Json\n"
                   + "Remove-PSDrive -Name 'RHWSB'\n"
                   + "[pscustomobject]@{ Machine = $m.machine; Files = @($m.files).Count } | ConvertTo-Json -Compress")
    assert not r.errors, r.stderr
    out = json.loads(r.stdout)
    assert out["Machine"] == "FS01" and out["Files"] > 0


@pytest.mark.parametrize(("user", "password", "text"), [
    ("NAS01\\wsbreader", "wrong", "The user name or password is incorrect"),
    ("someone", "nas-Pa55!", "The user name or password is incorrect"),
])
def test_wrong_credential_is_refused(host, user, password, text):
    err = ps_error(host, _cred(user, password) + "New-PSDrive -Name 'RHWSB' -PSProvider FileSystem "
                                                 "-Root '\\\\NAS01\\wsb' -Credential $c")
    assert err == {"message": text, "fqid": "CouldNotMapNetworkDrive,Microsoft.PowerShell.Commands.NewPSDriveCommand",
                   "category": "InvalidOperation", "type": "System.ComponentModel.Win32Exception"}


def test_no_credential_or_share_access_denied_fault_is_access_denied(host):
    assert ps_error(host, "New-PSDrive -Name 'RHWSB' -PSProvider FileSystem -Root '\\\\NAS01\\wsb'")["message"] == \
        "Access is denied"
    apply_fault(FaultContext(host), "share_access_denied", target="\\\\NAS01\\wsb")
    err = ps_error(host, _cred(ENV["RH_NAS_USER"], ENV["RH_NAS_PASSWORD"])
                   + "New-PSDrive -Name 'RHWSB' -PSProvider FileSystem -Root '\\\\NAS01\\wsb' -Credential $c")
    assert err["message"] == "Access is denied"
