"""pytest-testinfra on the harness's own transport: ``host.run`` inside a restored guest.

testinfra's built-in WinRM backend opens a new shell (and NTLM handshake) per command, uses code
page 437, guesses the encoding by running ``python`` on Windows and forces NTLM
(reference/ecosystem.md §2). Here testinfra keeps its API (``Host``, ``CommandResult``,
``run_expect``, ``check_output``) while commands go through a :class:`GuestChannel`: the guest's
WinRM endpoint via the harness session (same auth options as hosts, one reused shell, code page
65001) or PowerShell Direct. Commands are PowerShell text; ``%s`` arguments are quoted as
PowerShell single-quoted strings, output is decoded as UTF-8 (Japanese text survives).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import testinfra.host
from testinfra.backend.base import BaseBackend, CommandResult

from harness.guest.channel import CommandOutput, GuestChannel, ScriptRunner, result_data

COMMAND_TEMPLATE = "guest_command.ps1"


def ps_quote(value: Any) -> str:
    """A PowerShell single-quoted literal: nothing inside is expanded (``'`` doubles, as do the
    typographic single quotes PowerShell also treats as quotes)."""
    text = str(value)
    for q in ("'", "\u2018", "\u2019", "\u201a", "\u201b"):
        text = text.replace(q, q + q)
    return f"'{text}'"


class WinRMChannel:
    """A guest reached on its own WinRM endpoint through a harness session (``session.run``)."""

    kind = "winrm"

    def __init__(self, session: ScriptRunner, vm: str, *, address: str = "",
                 default_timeout: float | None = 600.0) -> None:
        self.session = session
        self.vm = vm
        self.address = address or getattr(session, "name", "") or vm
        self.default_timeout = default_timeout

    def describe(self) -> str:
        return f"WinRM to guest {self.vm!r} at {self.address}"

    def run(self, template: str, params: Mapping[str, Any], timeout: float | None = None) -> Any:
        return result_data(self.session.run(template, dict(params), timeout=timeout or self.default_timeout))

    def run_command(self, command: str, timeout: float | None = None) -> CommandOutput:
        data = self.run(COMMAND_TEMPLATE, {"command": command}, timeout=timeout) or {}
        return CommandOutput(rc=int(data.get("rc", 1)),
                             stdout=str(data.get("stdout", "")).encode("utf-8"),
                             stderr=str(data.get("stderr", "")).encode("utf-8"))


class HarnessBackend(BaseBackend):
    """A testinfra backend whose commands run through a :class:`GuestChannel`."""

    NAME = "restore-harness"

    def __init__(self, channel: GuestChannel, hostname: str | None = None, **kwargs: Any) -> None:
        super().__init__(hostname or channel.vm, **kwargs)
        self.channel = channel
        self._encoding = "utf-8"  # we control the remote encoding: never probe it remotely

    def get_pytest_id(self) -> str:
        return f"{self.channel.kind}://{self.get_hostname()}"

    @staticmethod
    def quote(command: str, *args: str) -> str:
        if args:
            return command % tuple(ps_quote(a) for a in args)
        return command

    def get_sudo_command(self, command: str, sudo_user: str | None) -> str:
        raise NotImplementedError("sudo has no meaning on Windows; connect as an administrator instead")

    def get_encoding(self) -> str:
        return "utf-8"

    def decode(self, data: bytes) -> str:
        return data.decode("utf-8", errors="replace")

    def encode(self, data: str) -> bytes:
        return data.encode("utf-8")

    def run(self, command: str, *args: str, **kwargs: Any) -> CommandResult:
        text = self.get_command(command, *args)
        out = self.channel.run_command(text, timeout=kwargs.get("timeout"))
        return self.result(out.rc, self.encode(text), out.stdout, out.stderr)


def guest_host(channel: GuestChannel, hostname: str | None = None) -> testinfra.host.Host:
    """A testinfra ``Host`` for the guest behind ``channel`` (``host.run`` etc. work as usual)."""
    backend = HarnessBackend(channel, hostname)
    host = testinfra.host.Host(backend)
    backend.set_host(host)
    return host
