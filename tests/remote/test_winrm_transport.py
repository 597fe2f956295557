"""The pywinrm transport against a fake ``winrm.protocol.Protocol`` (no network)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
import requests
from winrm.exceptions import InvalidCredentialsError, WinRMOperationTimeoutError, WinRMTransportError, WSManFaultError

from harness.errors import RemoteTimeout, TransportError
from harness.inventory.models import Host
from harness.remote.winrm_transport import WinRMTransport, protocol_options
from harness.secrets import Credential

HOST = Host(name="HV-LAB01", address="hv", scheme="https", auth="ntlm", lab_only=True, scratch_root="E:\\RestoreTests",
            credentials={"username": "LAB\\op", "password_env": "RH_X"})
CRED = Credential("LAB\\op", "transport-secret-77")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def http_error(code: int) -> WinRMTransportError:
    return WinRMTransportError("http", code, "<html>busy</html>")


def shell_gone() -> WSManFaultError:
    return WSManFaultError(500, "m", "<r/>", "The request for the Windows Remote Shell failed because the shell was not found",
                           wsman_fault_code=2150858843)


class FakeProtocol:
    """Records calls; ``script`` decides what each call does."""

    def __init__(self, clock: FakeClock, **options: Any) -> None:
        self.options = options
        self.clock = clock
        self.calls: list[tuple] = []
        self.shells = 0
        self.commands = 0
        self.run_faults: list[BaseException] = []
        self.receive: list[Any] = []  # items: exception, or (out, err, rc, done), or callable
        self.cleanups: list[str] = []

    def open_shell(self, **kwargs: Any) -> str:
        self.calls.append(("open_shell", kwargs))
        self.shells += 1
        return f"shell-{self.shells}"

    def run_command(self, shell_id: str, command: str) -> str:
        self.calls.append(("run_command", shell_id, command))
        if self.run_faults:
            raise self.run_faults.pop(0)
        self.commands += 1
        return f"cmd-{self.commands}"

    def send_command_input(self, shell_id: str, command_id: str, data: bytes, end: bool = False) -> None:
        self.calls.append(("send", shell_id, command_id, data, end))

    def get_command_output_raw(self, shell_id: str, command_id: str) -> tuple[bytes, bytes, int, bool]:
        self.calls.append(("receive", shell_id, command_id))
        item = self.receive.pop(0) if self.receive else (b"", b"", 0, True)
        if callable(item):
            item = item()
        if isinstance(item, BaseException):
            raise item
        return item

    def cleanup_command(self, shell_id: str, command_id: str) -> None:
        self.cleanups.append(command_id)

    def close_shell(self, shell_id: str) -> None:
        self.calls.append(("close_shell", shell_id))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make(clock: FakeClock) -> Callable[..., tuple[WinRMTransport, FakeProtocol]]:
    def build(**kw: Any) -> tuple[WinRMTransport, FakeProtocol]:
        holder: dict[str, FakeProtocol] = {}

        def factory(**options: Any) -> FakeProtocol:
            holder["p"] = FakeProtocol(clock, **options)
            return holder["p"]

        t = WinRMTransport(HOST, CRED, protocol_factory=factory, clock=clock, sleep=clock.sleep, **kw)
        t._proto()
        return t, holder["p"]

    return build


def timeout_after(clock: FakeClock, seconds: float) -> Callable[[], BaseException]:
    def step() -> BaseException:
        clock.now += seconds
        return WinRMOperationTimeoutError()

    return step


def test_protocol_options_validate_certs_and_carry_auth() -> None:
    opts = protocol_options(HOST, CRED)
    assert opts["endpoint"] == "https://hv:5986/wsman" and opts["transport"] == "ntlm"
    assert opts["server_cert_validation"] == "validate" and "ca_trust_path" not in opts
    bundle = HOST.model_copy(update={"ca_bundle": "/ca.pem", "auth": "kerberos"})
    assert protocol_options(bundle, CRED)["ca_trust_path"] == "/ca.pem"
    cert = HOST.model_copy(update={"auth": "certificate", "client_cert": "c.pem", "client_key": "k.pem"})
    copts = protocol_options(cert, None)
    assert copts["cert_pem"] == "c.pem" and "password" not in copts


def test_one_shell_reused_utf8_stdin_and_output(make: Callable, clock: FakeClock) -> None:
    t, p = make()
    p.receive = [(b"a", b"", 0, False), (b"b", b"e", 0, True), (b"c", b"", 3, True)]
    r1 = t.run("powershell.exe -Command -", b"line\r\n", clock.now + 60, label="t1")
    r2 = t.run("powershell.exe -Command -", b"line2\r\n", clock.now + 60, label="t2")
    assert (r1.stdout, r1.stderr, r1.exit_code) == (b"ab", b"e", 0)
    assert (r2.stdout, r2.exit_code) == (b"c", 3)
    opens = [c for c in p.calls if c[0] == "open_shell"]
    assert opens == [("open_shell", {"codepage": 65001, "noprofile": True})]
    sends = [c for c in p.calls if c[0] == "send"]
    assert [s[3] for s in sends] == [b"line\r\n", b"line2\r\n"] and all(s[4] is True for s in sends)
    assert p.cleanups == ["cmd-1", "cmd-2"]


def test_operation_timeouts_are_polled_through_with_progress(make: Callable, clock: FakeClock,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    t, p = make(progress_every=3)
    p.receive = [timeout_after(clock, 20) for _ in range(12)] + [(b"done", b"", 0, True)]
    with caplog.at_level(logging.INFO, logger="harness.remote.winrm_transport"):
        r = t.run("cmd", b"x", clock.now + 3600, label="import_vm")
    assert r.stdout == b"done"
    progress = [rec.getMessage() for rec in caplog.records if "still waiting" in rec.getMessage()]
    assert progress == [
        "still waiting for import_vm on HV-LAB01: 1 min elapsed",
        "still waiting for import_vm on HV-LAB01: 2 min elapsed",
        "still waiting for import_vm on HV-LAB01: 3 min elapsed",
        "still waiting for import_vm on HV-LAB01: 4 min elapsed",
    ]


def test_deadline_terminates_and_raises(make: Callable, clock: FakeClock) -> None:
    t, p = make()
    p.receive = [timeout_after(clock, 20) for _ in range(100)]
    with pytest.raises(RemoteTimeout) as info:
        t.run("cmd", b"x", clock.now + 90, label="restart_vmms")
    assert "restart_vmms on HV-LAB01 did not finish" in str(info.value)
    assert p.cleanups == ["cmd-1"]  # Signal terminate
    assert info.value.elapsed is not None and info.value.elapsed >= 90
    # the shell is still usable afterwards
    p.receive = [(b"ok", b"", 0, True)]
    assert t.run("cmd", b"x", clock.now + 60).stdout == b"ok"
    assert p.shells == 1


def test_transient_fault_before_start_is_retried_with_bounded_backoff(make: Callable, clock: FakeClock) -> None:
    t, p = make(max_retries=4, backoff_base=1.0, backoff_max=3.0)
    p.run_faults = [http_error(503), requests.exceptions.ConnectionError("reset"), http_error(500)]
    r = t.run("cmd", b"x", clock.now + 600)
    assert r.exit_code == 0 and clock.sleeps == [1.0, 2.0, 3.0]


def test_retries_give_up_after_the_limit(make: Callable, clock: FakeClock) -> None:
    t, p = make(max_retries=2)
    p.run_faults = [http_error(502)] * 5
    with pytest.raises(TransportError, match="gave up after 2 retries"):
        t.run("cmd", b"x", clock.now + 600)
    assert len(clock.sleeps) == 2


def test_retry_stops_at_the_deadline(make: Callable, clock: FakeClock) -> None:
    t, p = make(max_retries=10, backoff_base=8)
    p.run_faults = [http_error(503)] * 10
    with pytest.raises(RemoteTimeout, match="deadline reached while retrying"):
        t.run("cmd", b"x", clock.now + 20)
    assert sum(clock.sleeps) < 20


def test_non_transient_faults_are_not_retried(make: Callable, clock: FakeClock) -> None:
    t, p = make()
    p.run_faults = [http_error(400)]
    with pytest.raises(TransportError):
        t.run("cmd", b"x", clock.now + 60)
    assert clock.sleeps == []


def test_bad_credentials_message_names_user_not_password(make: Callable, clock: FakeClock) -> None:
    t, p = make()
    p.run_faults = [InvalidCredentialsError("the specified credentials were rejected by the server")]
    with pytest.raises(TransportError) as info:
        t.run("cmd", b"x", clock.now + 60)
    assert "LAB\\\\op" in str(info.value) or "LAB\\op" in str(info.value)
    assert "transport-secret-77" not in str(info.value)


def test_fault_after_start_is_not_rerun_unless_idempotent(make: Callable, clock: FakeClock) -> None:
    t, p = make()
    p.receive = [requests.exceptions.ConnectionError("reset")] * 10
    with pytest.raises(TransportError, match="not re-run because the operation is not"):
        t.run("cmd", b"x", clock.now + 600, label="import_vm")
    assert p.commands == 1

    t2, p2 = make()
    p2.receive = [requests.exceptions.ConnectionError("reset")] * 5 + [(b"again", b"", 0, True)]
    r = t2.run("cmd", b"x", clock.now + 600, label="vm_facts", idempotent=True)
    assert r.stdout == b"again" and p2.commands == 2  # re-run once after the receive retries ran out
    assert "cmd-1" in p2.cleanups  # the first one was terminated


def test_lost_receive_is_asked_again(make: Callable, clock: FakeClock) -> None:
    t, p = make()
    p.receive = [(b"a", b"", 0, False), http_error(503), (b"b", b"", 0, True)]
    assert t.run("cmd", b"x", clock.now + 600).stdout == b"ab"
    assert p.commands == 1


def test_dead_shell_is_reopened(make: Callable, clock: FakeClock) -> None:
    t, p = make()
    assert t.run("cmd", b"x", clock.now + 60).exit_code == 0
    p.run_faults = [shell_gone()]
    assert t.run("cmd", b"x", clock.now + 60).exit_code == 0
    assert p.shells == 2 and t.shells_opened == 2


def test_close_closes_the_shell(make: Callable, clock: FakeClock) -> None:
    t, p = make()
    t.run("cmd", b"x", clock.now + 60)
    t.close()
    assert ("close_shell", "shell-1") in p.calls
