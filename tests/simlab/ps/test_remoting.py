"""remoting.py and Invoke-Command -VMName (PowerShell Direct) on tiny machines with a stand-in resolver."""

from __future__ import annotations

import json

import pytest

from simlab.ps import api

CRED = "$c = [pscredential]::new('Administrator', (ConvertTo-SecureString 'pw' -AsPlainText -Force)); "


@pytest.fixture
def guest(monkeypatch):
    """A second tiny machine reachable as VM 'CM01' (the resolver contract of api.POWERSHELL_DIRECT)."""
    from tests.simlab.ps.conftest import tiny_machine

    g = tiny_machine("CM01")
    seen = []

    def resolve(host, vm_name, credential):
        seen.append((vm_name, credential.props["UserName"]))
        if vm_name.lower() != "cm01":
            raise api.CmdletError(f"The input VMName {vm_name} does not resolve to a single virtual machine.",
                                  "InvalidVMNameNotSingle", "InvalidArgument", "System.ArgumentException", vm_name)
        return g

    monkeypatch.setattr(api, "POWERSHELL_DIRECT", [resolve])
    g.seen = seen
    return g


def test_runs_on_the_guest_with_arguments(ps, guest):
    r = ps(CRED + "Invoke-Command -VMName CM01 -Credential $c -ScriptBlock { param($a) $env:COMPUTERNAME; $a * 2; "
                  "Test-Path C:\\only-on-guest.txt } -ArgumentList 21")
    assert r.exit_code == 0, r.stderr
    assert r.output == ["CM01", 42, False] and guest.seen == [("CM01", "Administrator")]


def test_output_objects_are_deserialized_with_computer_name(ps, guest):
    r = ps(CRED + "$r = Invoke-Command -VMName CM01 -Credential $c { [pscustomobject]@{ N = 1; In = [pscustomobject]@{ x = 1 } } }; "
                  "$r.PSComputerName; $r.pstypenames[0]; $r.In; $r.PSShowComputerName; $r | ConvertTo-Json -Compress")
    assert r.exit_code == 0, r.stderr
    name, tname, inner, show, text = r.output
    assert (name, tname, inner, show) == ("CM01", "Deserialized.System.Management.Automation.PSCustomObject", "@{x=1}", True)
    data = json.loads(text)
    assert data["N"] == 1 and data["PSComputerName"] == "CM01" and data["PSShowComputerName"] is True
    assert list(data) == ["N", "In", "PSComputerName", "RunspaceId", "PSShowComputerName"]


def test_caller_state_does_not_travel(ps, guest):
    r = ps(CRED + "$x = 'caller'; Invoke-Command -VMName CM01 -Credential $c { \"[$x]\" }")
    assert r.output == ["[]"]


def test_guest_errors_surface_as_non_terminating_records(ps, guest):
    r = ps(CRED + "Invoke-Command -VMName CM01 -Credential $c { Get-Item C:\\nope; 'after'; throw 'boom'; 'never' }; 'caller goes on'")
    assert r.output == ["after", "caller goes on"]
    assert [e.message for e in r.errors] == ["Cannot find path 'C:\\nope' because it does not exist.", "boom"]
    assert r.errors[0].fully_qualified_error_id == "PathNotFound,Microsoft.PowerShell.Commands.GetItemCommand"
    assert "+ PSComputerName        : CM01" in r.stderr and "Invoke-Command : boom" not in r.stderr


def test_guest_error_with_stop_is_catchable_with_remote_exception(ps, guest):
    r = ps(CRED + "$ErrorActionPreference = 'Stop'; try { Invoke-Command -VMName CM01 -Credential $c { throw 'boom' }; 'no' } "
                  "catch { $_.Exception.Message; $_.Exception.GetType().FullName; $_.FullyQualifiedErrorId; "
                  "\"$($_.CategoryInfo)\" }")
    assert r.output == ["boom", "System.Management.Automation.RemoteException", "boom",
                        "OperationStopped: (boom:String) [], RuntimeException"]


def test_resolver_errors_skip_that_vm(ps, guest):
    r = ps(CRED + "Invoke-Command -VMName 'NOPE', 'CM01' -Credential $c { 1 }; 'next'")
    assert r.output == [1, "next"]
    assert r.errors[0].message == "The input VMName NOPE does not resolve to a single virtual machine."
    assert r.errors[0].fully_qualified_error_id == "InvalidVMNameNotSingle,Microsoft.PowerShell.Commands.InvokeCommandCommand"


def test_credential_is_mandatory_for_vmname(ps, guest):
    r = ps("Invoke-Command -VMName CM01 { 1 }")
    assert r.exit_code == 1 and r.errors[0].error_id == "MissingMandatoryParameter" and "Credential" in r.errors[0].message


def test_computer_name_is_loudly_unsupported(ps, guest):
    r = ps("try { Invoke-Command -ComputerName SRV1 { 1 } } catch { 'swallowed' }")
    assert r.exit_code == 1 and r.output == [] and "does not support Invoke-Command -ComputerName" in r.errors[0].message


def test_no_resolver_is_loud(ps, monkeypatch):
    monkeypatch.setattr(api, "POWERSHELL_DIRECT", [])
    r = ps(CRED + "Invoke-Command -VMName CM01 -Credential $c { 1 }")
    assert r.exit_code == 1 and "does not support" in r.errors[0].message


def test_local_invoke_command_unchanged(ps):
    r = ps("Invoke-Command { param($x) $x + 1 } -ArgumentList 2; $z = 1; Invoke-Command -NoNewScope { $z = 2 }; $z; "
           "& { $z = 3 }; $z")
    assert r.output == [3, 2, 2]
