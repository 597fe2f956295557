"""Core cmdlets: Get-Module -ListAvailable over machine.modules()."""

from __future__ import annotations


def test_list_available_by_name(ps, machine, monkeypatch):
    monkeypatch.setattr(machine, "modules", lambda: {"Hyper-V", "WindowsServerBackup"})
    r = ps("$m = Get-Module -ListAvailable -Name Hyper-V; $m.Name; $m.Version.ToString(); $m.Path; "
           "@(Get-Module -ListAvailable -Name 'Windows*').Count; @(Get-Module -ListAvailable -Name 'Dism').Count; "
           "[bool](Get-Module -ListAvailable -Name 'Microsoft.PowerShell.Utility')")
    assert r.exit_code == 0, r.stderr
    assert r.output == ["Hyper-V", "2.0.0.0", "C:\\Windows\\system32\\WindowsPowerShell\\v1.0\\Modules\\Hyper-V\\Hyper-V.psd1",
                        1, 0, True]


def test_exported_commands_come_from_the_registry(ps):
    assert ps("(Get-Module -ListAvailable -Name Microsoft.PowerShell.Utility).ExportedCommands.ContainsKey('Write-Host')"
              ).output == [True]


def test_get_module_without_list_available_is_loud(ps):
    r = ps("Get-Module -Name Hyper-V")
    assert r.exit_code == 1 and "does not support Get-Module without -ListAvailable" in r.errors[0].message
