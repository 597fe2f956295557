"""A way into one restored guest: run a guest template (JSON in, JSON out) or a command text.

Two implementations exist: :class:`harness.guest.backend.WinRMChannel` (the guest's own WinRM
endpoint, through the harness transport) and :class:`harness.guest.direct.DirectChannel`
(PowerShell Direct through the Hyper-V host). :mod:`harness.guest.select` picks one per scenario.
Checks and the testinfra backend only see this interface.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from harness.remote import scripts
from harness.remote.transport import RawResult


@dataclass(frozen=True)
class CommandOutput:
    """What a command text produced in the guest (bytes as the guest wrote them, UTF-8)."""

    rc: int
    stdout: bytes
    stderr: bytes


@runtime_checkable
class ScriptRunner(Protocol):
    """The harness remote session contract: ``run(template, params, timeout=)`` → result data."""

    def run(self, template: str, params: Mapping[str, Any], timeout: float | None = None) -> Any: ...


class GuestChannel(Protocol):
    """One path into a guest. ``kind`` is ``"winrm"`` or ``"powershell-direct"``."""

    kind: str
    vm: str

    def run(self, template: str, params: Mapping[str, Any], timeout: float | None = None) -> Any:
        """Run a guest template (``guest_*.ps1``) and return its ``data``."""
        ...

    def run_command(self, command: str, timeout: float | None = None) -> CommandOutput:
        """Run PowerShell command text (users' own checks through testinfra)."""
        ...

    def describe(self) -> str:
        """Human text for logs and errors: how this channel reaches the guest."""
        ...


def result_data(result: Any) -> Any:
    """The ``data`` of a session result (the session may return the data or an object holding it)."""
    return getattr(result, "data", result)


def render_template(name: str) -> str:
    """Template text with includes resolved (the same text the WinRM path sends)."""
    return scripts.render(name)


def parse_envelope(text: str, *, host: str, template: str) -> Any:
    """The data of the one result envelope in guest output text, or the typed script error.

    Uses the core parser (``harness.remote.scripts``) so PS Direct results are normalised and
    classified exactly like WinRM results.
    """
    return scripts.parse_result(RawResult(text.encode("utf-8"), b"", 0), host=host, template=template)
