"""Generic pipeline cmdlets."""

from __future__ import annotations

import pytest


def outp(ps, text):
    r = ps(text)
    assert r.exit_code == 0, r.stderr
    return r.output


ITEMS = "$l = @([pscustomobject]@{N='b'; V=2}, [pscustomobject]@{N='a'; V=3}, [pscustomobject]@{N='c'; V=1}); "


def test_where_script_block_and_simple_form(ps):
    assert outp(ps, ITEMS + "($l | Where-Object { $_.V -gt 1 }).N") == ["b", "a"]
    assert outp(ps, ITEMS + "($l | Where-Object N -eq 'c').V") == [1]


def test_select_calculated_first_last_skip_expand(ps):
    assert outp(ps, ITEMS + "($l | Select-Object -Property 'N', @{n='Double'; e={ $_.V * 2 }} -First 1).Double") == [4]
    assert outp(ps, ITEMS + "$l | Select-Object -ExpandProperty N -Last 1") == ["c"]
    assert outp(ps, ITEMS + "$l | Select-Object -Skip 2 -ExpandProperty N") == ["c"]
    assert outp(ps, "1,1,2 | Select-Object -Unique") == [1, 2]


def test_sort_and_measure_and_group(ps):
    assert outp(ps, ITEMS + "($l | Sort-Object V -Descending).N") == ["a", "b", "c"]
    assert outp(ps, ITEMS + "($l | Sort-Object -Property N).N") == ["a", "b", "c"]
    assert outp(ps, ITEMS + "($l | Measure-Object -Property V -Sum).Sum") == [6.0]
    assert outp(ps, "(1,2,3 | Measure-Object).Count") == [3]
    assert outp(ps, "(1,2,3,4 | Group-Object { $_ % 2 }).Count") == [2]
    assert outp(ps, "1,2,3,4 | Group-Object { $_ % 2 } | ForEach-Object { $_.Count }") == [2, 2]


def test_foreach_member_name(ps):
    assert outp(ps, "'a','b' | ForEach-Object ToUpper") == ["A", "B"]


def test_start_sleep_uses_simulated_clock(ps, machine):
    before = machine.clock.now()
    ps("Start-Sleep -Seconds 3600")
    assert (machine.clock.now() - before).total_seconds() >= 3600


def test_get_date_format(ps):
    assert outp(ps, "Get-Date -Date '2024-05-01T09:00:00Z' -Format 'yyyyMMdd'") == ["20240501"]


def test_get_command_reports_missing_module_cmdlet(ps):
    r = ps("Get-Command Get-Date | ForEach-Object Name; Get-Command Get-VM -ErrorAction SilentlyContinue; 'x'")
    assert r.output == ["Get-Date", "x"]


def test_credential(ps):
    assert outp(ps, "$s = ConvertTo-SecureString 'p@ss' -AsPlainText -Force; "
                    "$c = New-Object System.Management.Automation.PSCredential ('u', $s); "
                    "$c.UserName; $c.GetNetworkCredential().Password") == ["u", "p@ss"]


def test_write_error_non_terminating(ps):
    r = ps("Write-Error 'oops'; 'after'")
    assert r.output == ["after"] and r.errors[0].message == "oops" and "Write-Error : oops" in r.stderr


def test_out_string(ps):
    assert outp(ps, "'a','b' | Out-String") == ["a\r\nb\r\n"]


def test_splatting_to_cmdlet(ps):
    assert outp(ps, "$p = @{ Date = '2024-05-01T00:00:00Z'; Format = 'yyyy' }; Get-Date @p") == ["2024"]


def test_credential_forms(ps):
    text = ("$s = ConvertTo-SecureString -String 'p@ss' -AsPlainText -Force; "
            "$a = New-Object PSCredential -ArgumentList 'CORP\\u', $s; "
            "$b = [pscredential]::new('u2', $s); "
            "$c = [System.Management.Automation.PSCredential]::new('u3', $s); "
            "$s.GetType().FullName; $s.Length; $a.GetType().FullName; "
            "$a.GetNetworkCredential().UserName; $a.GetNetworkCredential().Domain; $a.GetNetworkCredential().Password; "
            "$b.UserName; $b.GetNetworkCredential().Password; $c.GetNetworkCredential().UserName")
    assert outp(ps, text) == ["System.Security.SecureString", 4, "System.Management.Automation.PSCredential",
                              "u", "CORP", "p@ss", "u2", "p@ss", "u3"]


def test_credential_needs_a_secure_string(ps):
    r = ps("try { [pscredential]::new('u', 'plain') } catch { $_.Exception.Message }; "
           "New-Object PSCredential -ArgumentList 'u', 'plain'; 'next'")
    assert r.output[0].startswith('Cannot convert argument "password", with value: "plain", for "PSCredential" to type '
                                  '"System.Security.SecureString"')
    assert r.output[1] == "next" and r.errors[0].error_id == "ConstructorInvokedThrowException"


def test_convertto_securestring_requires_force(ps):
    r = ps("ConvertTo-SecureString 'x' -AsPlainText")
    assert r.exit_code == 1 and "specifying the Force parameter" in r.errors[0].message


@pytest.mark.parametrize("text,stdout", [
    ("Write-Host 'a' 'b'", "a b\n"),
    ("Write-Host -Separator '-' a b c", "a-b-c\n"),
    ("Write-Host 'x' -ForegroundColor Red 'y'", "x y\n"),
])
def test_write_host_takes_remaining_arguments(ps, text, stdout):
    r = ps(text)
    assert r.exit_code == 0 and r.stdout == stdout


def test_write_output_takes_remaining_arguments(ps):
    assert outp(ps, "Write-Output 1 2") == [1, 2]
    assert outp(ps, "Write-Output (1,2) 3 | ForEach-Object { \"[$_]\" }") == ["[1 2]", "[3]"]
    assert outp(ps, "Write-Output -NoEnumerate 1 2 | ForEach-Object { $_.Count }") == [2]


def test_extra_positional_still_rejected_without_remaining_parameter(ps):
    r = ps("Get-Date -Date '2020-01-01T00:00:00Z' 'extra'")
    assert r.exit_code == 1 and r.errors[0].error_id == "PositionalParameterNotFound"
