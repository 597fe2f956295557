"""New-PSDrive / Remove-PSDrive (simlab/ps/cmdlets/psdrive.py) on a bare machine with a share volume."""

from __future__ import annotations

import json

import pytest

from simlab.machine import BareMachine
from simlab.ps import api, run_script


@pytest.fixture
def machine():
    m = BareMachine()
    m.fs.add_volume("\\\\FILES\\docs", 2**30, 2**29)
    m.fs.write("\\\\FILES\\docs\\a\\readme.txt", "ré".encode("utf-8"))
    return m


def test_drive_maps_paths_until_removed(machine):
    r = run_script(machine, "$d = New-PSDrive -Name 'DOCS' -PSProvider FileSystem -Root '\\\\FILES\\docs'\n"
                            "$t = Get-Content -LiteralPath 'DOCS:\\a\\readme.txt' -Encoding UTF8\n"
                            "Set-Content -Path 'DOCS:\\a\\new.txt' -Value 'x'\n"
                            "$i = Get-Item 'DOCS:\\a\\new.txt'\n"
                            "Remove-PSDrive -Name 'DOCS'\n"
                            "[pscustomobject]@{ Name = $d.Name; Root = $d.Root; Text = $t; Full = $i.FullName; "
                            "After = (Test-Path 'DOCS:\\a\\new.txt') } | ConvertTo-Json -Compress")
    assert not r.errors, r.stderr
    out = json.loads(r.stdout)
    assert out.pop("Full").lower() == "\\\\files\\docs\\a\\new.txt"  # WinFS spells share roots in lower case
    assert out == {"Name": "DOCS", "Root": "\\\\FILES\\docs", "Text": "ré", "After": False}
    assert machine.fs.exists("\\\\FILES\\docs\\a\\new.txt")


def test_errors_root_missing_name_in_use_and_unknown_drive(machine):
    r = run_script(machine, "New-PSDrive -Name 'X' -PSProvider FileSystem -Root '\\\\FILES\\nope'")
    assert r.errors[0].fully_qualified_error_id == "DriveRootError,Microsoft.PowerShell.Commands.NewPSDriveCommand"
    r = run_script(machine, "New-PSDrive -Name 'C' -PSProvider FileSystem -Root '\\\\FILES\\docs'")
    assert r.errors[0].message == "A drive with the name 'C' already exists."
    r = run_script(machine, "Remove-PSDrive -Name 'Q'")
    assert r.errors[0].fully_qualified_error_id == "DriveNotFound,Microsoft.PowerShell.Commands.RemovePSDriveCommand"


def test_share_logon_hook_refusal_is_could_not_map_network_drive(machine, monkeypatch):
    def hook(m, share, user, password):
        return None if share.lower() != "\\\\files\\docs" else ("" if password == "ok" else "Access is denied")

    monkeypatch.setattr(api, "SHARE_LOGON", [hook])
    monkeypatch.setattr("simlab.ps.cmdlets.psdrive.SHARE_LOGON", [hook])
    cred = "$c = New-Object System.Management.Automation.PSCredential 'u', (ConvertTo-SecureString '{}' -AsPlainText -Force)\n"
    r = run_script(machine, cred.format("bad") + "New-PSDrive -Name 'D1' -PSProvider FileSystem -Root '\\\\FILES\\docs' "
                                                  "-Credential $c")
    e = r.errors[0]
    assert (e.message, e.category, e.exception_type) == ("Access is denied", "InvalidOperation",
                                                        "System.ComponentModel.Win32Exception")
    assert e.fully_qualified_error_id == "CouldNotMapNetworkDrive,Microsoft.PowerShell.Commands.NewPSDriveCommand"
    r = run_script(machine, cred.format("ok") + "(New-PSDrive -Name 'D1' -PSProvider FileSystem -Root "
                                                "'\\\\FILES\\docs' -Credential $c).Name")
    assert r.stdout.strip() == "D1" and not r.errors
