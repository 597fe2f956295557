"""Generic pipeline cmdlets."""

from __future__ import annotations


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
