"""A scripted :class:`harness.remote.transport.Transport` for guest tests.

It decodes the real bootstrap line the harness sends on stdin (so the script text and JSON
parameters are checked exactly as they would reach powershell.exe) and answers with UTF-8 bytes
chosen by a responder function.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from harness.errors import TransportError
from harness.remote import scripts
from harness.remote.session import RemoteHost
from harness.remote.transport import RawResult
from harness.secrets import Credential

Responder = Callable[[str, dict[str, Any]], str]


def envelope(data: Any = None, *, error: dict[str, Any] | None = None) -> str:
    doc = {"ok": True, "data": data} if error is None else {"ok": False, "error": error}
    return "<<<RH-RESULT>>>\r\n" + json.dumps(doc, ensure_ascii=False) + "\r\n<<<RH-END>>>\r\n"


class ScriptedTransport:
    def __init__(self, responder: Responder | None = None, *, fail: str | None = None) -> None:
        self.responder = responder
        self.fail = fail
        self.seen: list[tuple[str, dict[str, Any]]] = []

    def run(self, command_line: str, stdin: bytes | None, deadline: float, *, label: str = "",
            idempotent: bool = False) -> RawResult:
        if self.fail:
            raise TransportError(self.fail, host="guest", template=label)
        assert command_line == scripts.POWERSHELL_COMMAND
        script, params = scripts.decode_bootstrap((stdin or b"").decode("ascii"))
        self.seen.append((script, params))
        assert self.responder is not None
        return RawResult(self.responder(script, params).encode("utf-8"), b"", 0)

    def close(self) -> None:
        pass


def session(name: str, transport: ScriptedTransport) -> RemoteHost:
    cfg = SimpleNamespace(name=name, lab_only=True, default_timeout_sec=60)
    return RemoteHost(cfg, None, transport)


GUEST_CRED = Credential("Administrator", "Gu3st-Pa55!", "env RH_GUEST_PASSWORD")
