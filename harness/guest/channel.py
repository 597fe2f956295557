"""A way into one restored guest: run a guest template (JSON in, JSON out) or a command text.

Two implementations exist: :class:`harness.guest.backend.WinRMChannel` (the guest's own WinRM
endpoint, through the harness transport) and :class:`harness.guest.direct.DirectChannel`
(PowerShell Direct through the Hyper-V host). :mod:`harness.guest.select` picks one per scenario.
Checks and the testinfra backend only see this interface.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from harness.errors import RemoteProtocolError, RemoteScriptError

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "remote" / "templates"
RESULT_START = "<<<RH-RESULT>>>"
RESULT_END = "<<<RH-END>>>"


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
    """Template text with its ``{% include %}`` lines resolved (script bodies sent through PS Direct).

    Uses the core renderer when it exists (``harness.remote.scripts.render_template``) so both paths
    send the same text; otherwise renders with Jinja2 from the same template directory.
    """
    try:
        from harness.remote import scripts as _scripts  # the core renderer, when present
    except ImportError:  # pragma: no cover - depends on the core landing
        _scripts = None
    render = getattr(_scripts, "render_template", None) if _scripts else None
    if callable(render):
        return str(render(name))
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)), autoescape=False,
                             keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
    return env.get_template(name).render()


def parse_envelope(text: str, *, host: str, template: str) -> Any:
    """Extract the one ``<<<RH-RESULT>>>`` JSON envelope from guest output and return its data.

    Raises :class:`RemoteScriptError` for ``{"ok": false}`` and :class:`RemoteProtocolError` when
    there is no parseable envelope.
    """
    start = text.rfind(RESULT_START)
    end = text.find(RESULT_END, start + 1) if start >= 0 else -1
    if start < 0 or end < 0:
        raise RemoteProtocolError(
            f"{template} on {host}: no result between {RESULT_START} and {RESULT_END} "
            f"(output began: {text[:200]!r})", host=host, template=template, stdout=text)
    body = text[start + len(RESULT_START):end].strip()
    try:
        envelope = json.loads(body)
    except json.JSONDecodeError as exc:
        raise RemoteProtocolError(f"{template} on {host}: result is not JSON ({exc})", host=host,
                                  template=template, stdout=text) from exc
    if not isinstance(envelope, Mapping) or "ok" not in envelope:
        raise RemoteProtocolError(f"{template} on {host}: result has no 'ok' field", host=host,
                                  template=template, stdout=text)
    if envelope["ok"]:
        return envelope.get("data")
    err = envelope.get("error") or {}
    raise RemoteScriptError(
        str(err.get("message", "unknown error")), type=str(err.get("type", "")),
        fqid=str(err.get("fqid", "")), category=str(err.get("category", "")),
        target=err.get("target"), line=err.get("line"), host=host, template=template,
    )
