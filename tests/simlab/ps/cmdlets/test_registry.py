"""The Registry provider (HKLM:) over machine.registry; machines without one find nothing."""

from __future__ import annotations

import pytest

from simlab.lab.guest import RegistryModel

KEY = "HKLM:\\SYSTEM\\CurrentControlSet\\Services\\SMS_EXECUTIVE"


@pytest.fixture
def reg_machine(machine):
    machine.registry = RegistryModel()
    machine.registry.set(KEY, {"Start": 2, "DisplayName": "SMS Executive"})
    machine.registry.set(KEY + "\\Parameters")
    return machine


def test_test_path(ps, reg_machine):
    r = ps(f"Test-Path '{KEY}'; Test-Path 'HKLM:\\SOFTWARE\\Nope'; Test-Path -Path '{KEY}' -PathType Container; "
           f"Test-Path '{KEY}' -PathType Leaf; Test-Path 'Registry::HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet'; "
           "Test-Path 'HKCU:\\Software'")
    assert r.output == [True, False, True, False, True, False]


def test_get_item_property_and_value(ps, reg_machine):
    r = ps(f"$p = Get-ItemProperty -Path '{KEY}'; $p.Start; $p.DisplayName; $p.PSChildName; $p.PSPath; "
           f"(Get-ItemProperty '{KEY}' -Name Start).Start; Get-ItemPropertyValue -Path '{KEY}' -Name DisplayName")
    assert r.exit_code == 0, r.stderr
    assert r.output == [2, "SMS Executive", "SMS_EXECUTIVE",
                        "Microsoft.PowerShell.Core\\Registry::HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services"
                        "\\SMS_EXECUTIVE", 2, "SMS Executive"]


def test_get_item_key(ps, reg_machine):
    r = ps(f"$k = Get-Item '{KEY}'; $k.Name; $k.SubKeyCount; $k.GetValue('Start'); ($k.Property | Sort-Object) -join ','")
    assert r.output == ["HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\SMS_EXECUTIVE", 1, 2,
                        "DisplayName,Start"]


def test_missing_key_and_value_errors(ps, reg_machine):
    r = ps("Get-ItemProperty 'HKLM:\\SOFTWARE\\Nope'; Get-Item 'HKLM:\\SOFTWARE\\Nope'; "
           f"Get-ItemProperty '{KEY}' -Name Missing; 'next'")
    assert r.output == ["next"]
    assert [e.message for e in r.errors] == [
        "Cannot find path 'HKLM:\\SOFTWARE\\Nope' because it does not exist.",
        "Cannot find path 'HKLM:\\SOFTWARE\\Nope' because it does not exist.",
        "Property Missing does not exist at path HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\SMS_EXECUTIVE."]
    assert r.errors[0].fully_qualified_error_id == "PathNotFound,Microsoft.PowerShell.Commands.GetItemPropertyCommand"
    assert r.errors[2].fully_qualified_error_id == (
        "System.Management.Automation.PSArgumentException,Microsoft.PowerShell.Commands.GetItemPropertyCommand")


def test_stop_makes_missing_key_catchable(ps, reg_machine):
    r = ps("try { Get-ItemProperty 'HKLM:\\SOFTWARE\\Nope' -ErrorAction Stop } "
           "catch [System.Management.Automation.ItemNotFoundException] { 'nf' }")
    assert r.output == ["nf"]


def test_machine_without_registry_finds_nothing(ps, machine):
    r = ps(f"Test-Path '{KEY}'; Get-ItemProperty '{KEY}' -ErrorAction SilentlyContinue; $Error[0].FullyQualifiedErrorId")
    assert r.output == [False, "PathNotFound,Microsoft.PowerShell.Commands.GetItemPropertyCommand"]


def test_registry_children_are_the_subkeys(ps, reg_machine):
    r = ps(f"Get-ChildItem '{KEY}' | ForEach-Object {{ $_.PSChildName }}")
    assert r.output == ["Parameters"] and r.errors == []
