"""SQL Server in guests through System.Data.SqlClient.SqlConnection (simlab.lab.sql, simlab.ps.sqlclient)."""

from __future__ import annotations

from simlab.lab.guest import runtime_of
from simlab.ps import run_script
from tests.simlab.lab.test_guest import _vm_from_export, host  # noqa: F401 - fixture

QUERY = ("$c = New-Object System.Data.SqlClient.SqlConnection 'Server=localhost;Database=master;"
         "Integrated Security=True'\n$c.Open()\n$cmd = $c.CreateCommand()\n$cmd.CommandText = '{q}'\n{tail}\n"
         "$c.Close()")


def _booted(host, name: str):  # noqa: ANN001, ANN202
    vm = _vm_from_export(host, name)
    host.start_vm(vm)
    rt = runtime_of(host)
    host.clock.advance(rt.images[name].boot_seconds + 120)
    assert host.heartbeat(vm) == "OK"
    return rt.guest(name)


def test_select_1_version_and_database_state(host) -> None:  # noqa: ANN001, F811
    g = _booted(host, "CM01")  # CM01's image runs its site database on a local SQL Server 2019
    r = run_script(g, QUERY.format(q="SELECT 1", tail="$cmd.ExecuteScalar()"))
    assert (r.stdout, r.errors) == ("1\r\n", [])
    r = run_script(g, QUERY.format(q="SELECT @@VERSION", tail="$cmd.ExecuteScalar()"))
    assert r.stdout.startswith("Microsoft SQL Server 2019")
    r = run_script(g, QUERY.format(q="SELECT name, state_desc FROM sys.databases WHERE name = ''msdb''",
                                   tail="$r = $cmd.ExecuteReader()\n$null = $r.Read()\n$r.GetValue(0)\n"
                                        "$r.GetValue(1)\n$r.Read()"))
    assert r.stdout == "msdb\r\nONLINE\r\nFalse\r\n"


def test_connection_fails_as_windows_where_sql_does_not_run(host) -> None:  # noqa: ANN001, F811
    g = _booted(host, "CM01")
    r = run_script(g, "Stop-Service -Name MSSQLSERVER -Force\n"
                      "try { $c = New-Object System.Data.SqlClient.SqlConnection 'Server=localhost;Database=master;"
                      "Integrated Security=True'; $c.Open() } catch { $_.Exception.Message }")
    assert r.stdout.startswith('Exception calling "Open" with "0" argument(s): "A network-related or '
                               'instance-specific error occurred while establishing a connection to SQL Server.')
