"""SQL Server in the lab's guests, for System.Data.SqlClient.SqlConnection (simlab.ps.sqlclient).

A guest whose image has the MSSQLSERVER service answers connections to its default instance (``.``,
``localhost``, ``(local)``, its computer name, ``tcp:`` forms, ``\\MSSQLSERVER``) while that service is
Running; otherwise Open() fails with the network-related error Windows shows. The version follows the
instance key the image declares (``MSSQL15.MSSQLSERVER`` → SQL Server 2019, ``MSSQL16`` → 2022). Queries
answered: ``SELECT 1`` (any constant), ``SELECT @@VERSION``, ``SELECT @@SERVERNAME``, ``SELECT DB_NAME()``,
``SELECT name, state_desc FROM sys.databases [WHERE name = '<db>']`` (the system databases plus the
image's ``databases``, all ONLINE). Anything else fails loudly (UnsupportedConstruct) naming the query.
"""

from __future__ import annotations

import re
from typing import Any

from simlab.lab.guest import GuestMachine
from simlab.ps.api import UnsupportedConstruct
from simlab.ps.sqlclient import NETWORK_ERROR, SQL_SERVERS, SqlConnectFailure

_VERSIONS = {
    "MSSQL16": ("16.0.1000.6", "Microsoft SQL Server 2022 (RTM) - 16.0.1000.6 (X64) \n\tOct  8 2022 05:58:25 \n\t"
                "Copyright (C) 2022 Microsoft Corporation\n\tStandard Edition (64-bit) on Windows Server 2022 "
                "Datacenter 10.0 <X64> (Build 20348: ) (Hypervisor)\n"),
    "MSSQL15": ("15.0.2000.5", "Microsoft SQL Server 2019 (RTM) - 15.0.2000.5 (X64) \n\tSep 24 2019 13:48:23 \n\t"
                "Copyright (C) 2019 Microsoft Corporation\n\tStandard Edition (64-bit) on Windows Server 2022 "
                "Datacenter 10.0 <X64> (Build 20348: ) (Hypervisor)\n"),
}
SYSTEM_DATABASES = ["master", "tempdb", "model", "msdb"]


class GuestSqlServer:
    def __init__(self, guest: GuestMachine) -> None:
        self.guest = guest
        keys = " ".join(guest.image.registry_keys)
        major = next((k for k in _VERSIONS if k in keys), "MSSQL15")
        self.version, self.version_text = _VERSIONS[major]
        self.login = f"{guest.computer_name}\\Administrator"
        extra = list(getattr(guest.image, "databases", []) or [])
        self.databases = SYSTEM_DATABASES + [d for d in extra if d not in SYSTEM_DATABASES]

    def has_database(self, name: str) -> bool:
        return any(d.lower() == name.lower() for d in self.databases)

    def query(self, sql: str, database: str) -> tuple[list[str], list[list[Any]]]:
        q = " ".join(sql.strip().rstrip(";").split())
        low = q.lower()
        m = re.fullmatch(r"select (-?\d+)(?: as \[?(\w+)\]?)?", low)
        if m:
            return [m.group(2) or ""], [[int(m.group(1))]]
        if low in ("select @@version", "select @@version as version"):
            return [""], [[self.version_text]]
        if low == "select @@servername":
            return [""], [[self.guest.computer_name]]
        if low == "select db_name()":
            return [""], [[database]]
        m = re.fullmatch(r"select (name|state_desc|name, state_desc|state_desc, name|name,state_desc) from "
                         r"(?:master\.)?sys\.databases(?: where name ?= ?'([^']*)')?(?: order by name)?", low)
        if m:
            cols = [c.strip() for c in m.group(1).split(",")]
            rows = []
            dbs = sorted(self.databases, key=str.lower) if "order by" in low else self.databases
            for d in dbs:
                if m.group(2) is not None and d.lower() != m.group(2).lower():
                    continue
                rows.append([d if c == "name" else "ONLINE" for c in cols])
            return cols, rows
        raise UnsupportedConstruct(f"the SQL query '{q}'", None)


def _is_local(guest: GuestMachine, source: str) -> bool:
    s = source.lower()
    s = re.sub(r"^(tcp:|np:|lpc:)", "", s)
    s = re.sub(r",\d+$", "", s)
    host, _, instance = s.partition("\\")
    if instance and instance != "mssqlserver":
        return False
    return host in (".", "localhost", "(local)", "127.0.0.1", guest.computer_name.lower(),
                    (guest.ip_address or "").lower())


def resolve(machine: Any, source: str) -> GuestSqlServer | None:
    if not isinstance(machine, GuestMachine):
        return None
    if not _is_local(machine, source) or machine.image.service("MSSQLSERVER") is None:
        raise SqlConnectFailure(NETWORK_ERROR)
    if machine.status("MSSQLSERVER") != 4:
        raise SqlConnectFailure(NETWORK_ERROR)
    return GuestSqlServer(machine)


if resolve not in SQL_SERVERS:
    SQL_SERVERS.append(resolve)
