"""A bare simulated Windows machine: name, accounts, file system, clock, network interfaces.

``BareMachine`` is the smallest thing the WS-Management server (:mod:`simlab.server`), the
cmd.exe front (:mod:`simlab.cmd`) and the PowerShell interpreter (:mod:`simlab.ps`) can
run on. It implements the ``Machine`` protocol of :mod:`simlab.ps.api`. The Hyper-V host model
subclasses it and overrides :meth:`modules` (and adds its own state); everything else is plain data.

Accounts are local accounts (``user -> password``). A user may log on as ``NAME``, ``HOST\\NAME``
or ``.\\NAME``; names compare case-insensitively as on Windows. Passwords are never logged.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

from simlab.clock import SimClock
from simlab.winfs import WinFS

GB = 1024**3


@dataclass(frozen=True)
class Interface:
    """One IPv4 interface as ``ipconfig`` shows it."""

    name: str  # e.g. "Ethernet"
    ipv4: str
    mask: str = "255.255.255.0"
    gateway: str = ""
    dns_suffix: str = ""
    ipv6_link_local: str = ""


class BareMachine:
    """A Windows Server with nothing installed but the core PowerShell modules.

    Attributes the server reads: ``computer_name``, ``accounts``, ``allow_unencrypted``
    (WinRM ``Service/AllowUnencrypted``, default false as on Windows), ``allow_basic``
    (``Service/Auth/Basic``), ``remote_users`` (accounts allowed to use WinRM; ``None`` = every
    account, i.e. all are local administrators).
    """

    def __init__(
        self,
        computer_name: str = "WIN-SIM01",
        accounts: dict[str, str] | None = None,
        *,
        clock: SimClock | None = None,
        fs: WinFS | None = None,
        interfaces: list[Interface] | None = None,
        allow_unencrypted: bool = False,
        allow_basic: bool = True,
        remote_users: set[str] | None = None,
        env: dict[str, str] | None = None,
        os_version: str = "10.0.20348",
    ) -> None:
        self.computer_name = computer_name.upper()
        self.accounts: dict[str, str] = dict(accounts or {})
        self._clock = clock or SimClock(_dt.datetime(2025, 1, 6, 9, 0, tzinfo=_dt.timezone.utc))
        self._fs = fs if fs is not None else self._default_fs()
        self.interfaces: list[Interface] = list(
            interfaces if interfaces is not None else [Interface("Ethernet", "192.168.50.10", gateway="192.168.50.1")]
        )
        self.allow_unencrypted = allow_unencrypted
        self.allow_basic = allow_basic
        self.remote_users = {u.lower() for u in remote_users} if remote_users is not None else None
        self.os_version = os_version
        self._env_extra = dict(env or {})

    # ---------------------------------------------------------------- Machine protocol
    @property
    def fs(self) -> WinFS:
        return self._fs

    @property
    def clock(self) -> SimClock:
        return self._clock

    def modules(self) -> set[str]:
        """PowerShell modules beyond the core ones; a bare machine has none. Subclasses add theirs."""
        return set()

    def environment(self) -> dict[str, str]:
        """The system environment block a new process gets (before per-user and per-shell values)."""
        env = {
            "ALLUSERSPROFILE": "C:\\ProgramData",
            "CommonProgramFiles": "C:\\Program Files\\Common Files",
            "COMPUTERNAME": self.computer_name,
            "ComSpec": "C:\\Windows\\system32\\cmd.exe",
            "NUMBER_OF_PROCESSORS": "2",
            "OS": "Windows_NT",
            "Path": "C:\\Windows\\system32;C:\\Windows;C:\\Windows\\System32\\Wbem;"
            "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\",
            "PATHEXT": ".COM;.EXE;.BAT;.CMD;.VBS;.VBE;.JS;.JSE;.WSF;.WSH;.MSC",
            "PROCESSOR_ARCHITECTURE": "AMD64",
            "ProgramData": "C:\\ProgramData",
            "ProgramFiles": "C:\\Program Files",
            "PSModulePath": "C:\\Windows\\system32\\WindowsPowerShell\\v1.0\\Modules",
            "SystemDrive": "C:",
            "SystemRoot": "C:\\Windows",
            "TEMP": "C:\\Windows\\TEMP",
            "TMP": "C:\\Windows\\TEMP",
            "windir": "C:\\Windows",
        }
        env.update(self._env_extra)
        return env

    # ---------------------------------------------------------------- accounts
    def find_account(self, user: str) -> str | None:
        """The stored spelling of a local account named ``NAME``, ``HOST\\NAME`` or ``.\\NAME``; else None."""
        domain, sep, name = user.rpartition("\\")
        if sep and domain.upper() not in ("", ".", self.computer_name, "LOCALHOST"):
            return None
        for stored in self.accounts:
            if stored.lower() == name.lower():
                return stored
        return None

    def check_password(self, user: str, password: str) -> str | None:
        """The account name if ``password`` is right for ``user``, else None."""
        stored = self.find_account(user)
        if stored is None or self.accounts[stored] != password:
            return None
        return stored

    def may_use_winrm(self, account: str) -> bool:
        """Whether an authenticated account may use WinRM (Administrators / Remote Management Users)."""
        return self.remote_users is None or account.lower() in self.remote_users

    # ---------------------------------------------------------------- helpers
    def _default_fs(self) -> WinFS:
        fs = WinFS(self._clock.now)
        fs.add_volume("C:", 127 * GB, free=40 * GB)
        for d in ("C:\\Windows\\System32", "C:\\Windows\\TEMP", "C:\\Users\\Public", "C:\\ProgramData",
                  "C:\\Program Files"):
            fs.mkdir(d)
        return fs
