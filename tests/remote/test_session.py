"""RemoteHost over a fake transport: data back, typed errors, events with redacted content."""

from __future__ import annotations

import json
from typing import Any

import pytest

from harness import errors
from harness.inventory.models import Host
from harness.remote import events, scripts
from harness.remote.session import RemoteHost, connect
from harness.remote.transport import RawResult, Transport
from harness.secrets import MASK, Credential

HOST = Host(name="HV-LAB01", address="hv", lab_only=True, scratch_root="E:\\RestoreTests",
            credentials={"username": "LAB\\op", "password_env": "RH_SESSION_PW"})


class FakeTransport:
    """Decodes the bootstrap like PowerShell would and answers with a canned envelope."""

    def __init__(self, reply: Any) -> None:
        self.reply = reply
        self.seen: list[tuple[str, dict, float, bool]] = []
        self.closed = False

    def run(self, command_line: str, stdin: bytes | None, deadline: float, *, label: str = "",
            idempotent: bool = False) -> RawResult:
        assert command_line == scripts.POWERSHELL_COMMAND and stdin is not None
        script, params = scripts.decode_bootstrap(stdin.decode("ascii").strip())
        self.seen.append((script, params, deadline, idempotent))
        if isinstance(self.reply, BaseException):
            raise self.reply
        body = json.dumps(self.reply(params) if callable(self.reply) else self.reply, ensure_ascii=False)
        return RawResult(f"<<<RH-RESULT>>>\r\n{body}\r\n<<<RH-END>>>\r\n".encode(), b"", 0)

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def seen_events() -> Any:
    got: list[events.OperationEvent] = []
    with events.listening(got.append):
        yield got


def test_run_returns_normalised_data_and_emits_an_event(seen_events: list) -> None:
    t = FakeTransport(lambda p: {"ok": True, "data": {"Echo": p["name"], "When": "/Date(0)/"}})
    assert isinstance(t, Transport)
    host = RemoteHost(HOST, Credential("LAB\\op", "session-secret-88"), t)
    data = host.run("echo", {"name": "人事", "pw": "session-secret-88"}, timeout=30, idempotent=True)
    assert data["Echo"] == "人事" and data["When"].year == 1970
    script, params, _, idem = t.seen[0]
    assert script == scripts.render("echo") and params["name"] == "人事" and idem
    ev = seen_events[-1]
    assert (ev.host, ev.template, ev.outcome, ev.exit_code) == ("HV-LAB01", "echo", "ok", 0)
    assert ev.params == {"name": "人事", "pw": MASK}  # params redacted
    assert "session-secret-88" not in ev.stdout and ev.duration >= 0 and ev.data == data


def test_script_error_is_raised_typed_and_reported(seen_events: list) -> None:
    reply = {"ok": False, "error": {"type": "System.Management.Automation.ItemNotFoundException",
                                    "message": "Cannot find path", "fqid": "PathNotFound", "category": "ObjectNotFound"}}
    host = RemoteHost(HOST, None, FakeTransport(reply))
    with pytest.raises(errors.RemoteNotFound):
        host.run("host_facts")
    assert seen_events[-1].outcome == "script-error" and "Cannot find path" in (seen_events[-1].error or "")


def test_transport_failures_are_reported_with_their_outcome(seen_events: list) -> None:
    host = RemoteHost(HOST, None, FakeTransport(errors.RemoteTimeout("too slow", host="HV-LAB01")))
    with pytest.raises(errors.RemoteTimeout):
        host.run("host_facts")
    assert seen_events[-1].outcome == "timeout" and seen_events[-1].exit_code is None


def test_host_without_lab_only_is_refused() -> None:
    with pytest.raises(errors.LabSafetyError, match="lab_only"):
        RemoteHost(HOST.model_copy(update={"lab_only": False}), None, FakeTransport({}))


def test_local_listener_errors_do_not_break_the_operation() -> None:
    def broken(event: events.OperationEvent) -> None:
        raise RuntimeError("listener bug")

    host = RemoteHost(HOST, None, FakeTransport({"ok": True, "data": 1}), listeners=[broken])
    assert host.run("echo") == 1


def test_default_deadline_comes_from_the_host() -> None:
    import time

    t = FakeTransport({"ok": True, "data": None})
    host = RemoteHost(HOST.model_copy(update={"default_timeout_sec": 600}), None, t)
    before = time.monotonic()
    host.run("echo")
    assert 590 < t.seen[0][2] - before <= 601


def test_connect_resolves_the_credential_and_close(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RH_SESSION_PW", "connect-secret-99")
    t = FakeTransport({"ok": True, "data": None})
    with connect(HOST, transport=t) as host:
        assert host.name == "HV-LAB01"
    assert t.closed
    monkeypatch.delenv("RH_SESSION_PW")
    with pytest.raises(errors.SecretError):
        connect(HOST, transport=t)
