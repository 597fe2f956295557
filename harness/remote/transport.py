"""The transport seam: how a command line with stdin reaches a Windows host.

Everything above this module (scripts, sessions) speaks only :class:`Transport`; pywinrm lives in
:mod:`harness.remote.winrm_transport`, and a PSRP transport (pypsrp) can be added beside it later.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class RawResult:
    """What a command produced: raw stdout/stderr bytes and the process exit code."""

    stdout: bytes
    stderr: bytes
    exit_code: int


@runtime_checkable
class Transport(Protocol):
    """Runs one command line on one host and returns its output.

    ``deadline`` is an absolute :func:`time.monotonic` value: at that moment the command is
    terminated and :class:`harness.errors.RemoteTimeout` raised. ``label`` (the template name) is
    used in progress logs and errors; ``idempotent`` allows the transport to re-run the command
    after a transient fault once it has started (otherwise only a command that never started is
    re-run).
    """

    def run(
        self, command_line: str, stdin: bytes | None, deadline: float, *,
        label: str = "", idempotent: bool = False,
    ) -> RawResult: ...

    def close(self) -> None: ...
