"""System.Data.SqlClient.SqlConnection as checks use it against a restored SQL Server:

``$c = New-Object System.Data.SqlClient.SqlConnection 'Server=localhost;Database=master;Integrated Security=True'``,
``$c.Open()``, ``$cmd = $c.CreateCommand(); $cmd.CommandText = 'SELECT 1'; $cmd.ExecuteScalar()``,
``ExecuteReader()`` (``Read()``, ``$r['name']``, ``GetValue(i)``, ``FieldCount``), ``$c.Close()``.

The server comes from the resolvers in :data:`SQL_SERVERS` (``fn(machine, data_source)`` → a server object
with ``query(text, database) -> (columns, rows)``, or raises :class:`SqlConnectFailure` with Windows' text,
or returns None when it does not know the name); the lab registers one for guests that run SQL Server.
Errors surface as on Windows: ``Exception calling "Open" with "0" argument(s): "<SqlException text>"``
(MethodInvocationException wrapping System.Data.SqlClient.SqlException).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from simlab.ps.api import ErrorRecord, PSError, PSObject
from simlab.ps.values import to_string

NETWORK_ERROR = ("A network-related or instance-specific error occurred while establishing a connection to SQL "
                 "Server. The server was not found or was not accessible. Verify that the instance name is correct "
                 "and that SQL Server is configured to allow remote connections. (provider: Named Pipes Provider, "
                 "error: 40 - Could not open a connection to SQL Server)")


class SqlConnectFailure(Exception):
    """The server cannot be reached; the message is the SqlException text Windows shows."""


#: resolvers ``fn(machine, data_source)`` → server (``.query(sql, database)``), None (unknown name) or raise.
SQL_SERVERS: list[Callable[[Any, str], Any]] = []


def _method_error(method: str, argc: int, message: str, exc_type: str = "System.Data.SqlClient.SqlException"
                  ) -> PSError:
    rec = ErrorRecord(f'Exception calling "{method}" with "{argc}" argument(s): "{message}"',
                      exc_type.rsplit(".", 1)[-1], "NotSpecified",
                      "System.Management.Automation.MethodInvocationException")
    return PSError(rec)


def _add(obj: PSObject, methods: dict[str, Any]) -> None:
    for k, v in methods.items():  # one by one: the case-insensitive table indexes each name
        obj.methods[k] = v


def _parse(cs: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in cs.split(";"):
        if "=" in part:
            k, v = part.split("=", 1)
            out[k.strip().lower()] = v.strip()
    return out


def new_connection(machine: Any, connection_string: str = "") -> PSObject:
    state: dict[str, Any] = {"server": None}
    obj = PSObject([("ConnectionString", connection_string), ("State", "Closed"), ("Database", ""),
                    ("DataSource", ""), ("ServerVersion", None), ("ConnectionTimeout", 15)],
                   ["System.Data.SqlClient.SqlConnection", "System.Data.Common.DbConnection", "System.Object"],
                   to_string=lambda: "System.Data.SqlClient.SqlConnection")

    def settings() -> dict[str, str]:
        return _parse(to_string(obj.props["ConnectionString"]))

    def open_() -> None:
        cs = settings()
        source = cs.get("server") or cs.get("data source") or cs.get("address") or "(local)"
        database = cs.get("database") or cs.get("initial catalog") or "master"
        server = None
        try:
            for resolve in SQL_SERVERS:
                server = resolve(machine, source)
                if server is not None:
                    break
        except SqlConnectFailure as exc:
            raise _method_error("Open", 0, str(exc)) from None
        if server is None:
            raise _method_error("Open", 0, NETWORK_ERROR)
        if not server.has_database(database):
            raise _method_error("Open", 0, f'Cannot open database "{database}" requested by the login. The login '
                                f"failed.\r\nLogin failed for user '{server.login}'.")
        state["server"] = server
        obj.props["State"] = "Open"
        obj.props["Database"] = database
        obj.props["DataSource"] = source
        obj.props["ServerVersion"] = server.version

    def close() -> None:
        state["server"] = None
        obj.props["State"] = "Closed"

    def create_command() -> PSObject:
        return _command(obj, state)

    _add(obj, {"Open": open_, "Close": close, "Dispose": close, "CreateCommand": create_command})
    return obj


def _command(conn: PSObject, state: dict[str, Any], text: str = "") -> PSObject:
    cmd = PSObject([("CommandText", text), ("CommandTimeout", 30), ("Connection", conn), ("CommandType", "Text")],
                   ["System.Data.SqlClient.SqlCommand", "System.Data.Common.DbCommand", "System.Object"],
                   to_string=lambda: "System.Data.SqlClient.SqlCommand")

    def run(method: str) -> tuple[list[str], list[list[Any]]]:
        server = state.get("server")
        if server is None:
            raise _method_error(method, 0, f"{method} requires an open and available Connection. The connection's "
                                "current state is closed.", "System.InvalidOperationException")
        return server.query(to_string(cmd.props["CommandText"]), to_string(conn.props["Database"]))

    def scalar() -> Any:
        cols, rows = run("ExecuteScalar")
        return rows[0][0] if rows and rows[0] else None

    def non_query() -> int:
        run("ExecuteNonQuery")
        return -1

    def reader() -> PSObject:
        cols, rows = run("ExecuteReader")
        return _reader(cols, rows)

    _add(cmd, {"ExecuteScalar": scalar, "ExecuteNonQuery": non_query, "ExecuteReader": reader,
                        "Dispose": lambda: None})
    return cmd


def _reader(cols: list[str], rows: list[list[Any]]) -> PSObject:
    pos = {"i": -1}
    r = PSObject([("FieldCount", len(cols)), ("HasRows", bool(rows)), ("IsClosed", False)],
                 ["System.Data.SqlClient.SqlDataReader", "System.Object"],
                 to_string=lambda: "System.Data.SqlClient.SqlDataReader")

    def read() -> bool:
        pos["i"] += 1
        return pos["i"] < len(rows)

    def value(i: Any) -> Any:
        row = rows[pos["i"]]
        if isinstance(i, str):
            idx = next(k for k, c in enumerate(cols) if c.lower() == i.lower())
            return row[idx]
        return row[int(i)]

    _add(r, {"Read": read, "GetValue": value, "GetString": lambda i: to_string(value(i)),
                      "GetInt32": lambda i: int(value(i)), "GetName": lambda i: cols[int(i)],
                      "get_Item": value, "Item": value, "Close": lambda: r.props.__setitem__("IsClosed", True),
                      "Dispose": lambda: None})
    return r

