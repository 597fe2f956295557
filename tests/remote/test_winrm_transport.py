"""The pywinrm transport against a fake ``winrm.protocol.Protocol`` (no network)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
import requests
from winrm.exceptions import InvalidCredentialsError, WinRMOperationTimeoutError, WinRMTransportError, WSManFaultError

from harness.errors import RemoteTimeout, TransportError
from harness.inventory.models import Host, RetryPolicy
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
        self.sessions = 0
        self.transport = self  # pywinrm's Protocol.transport.close_session()
        self.closed_sessions = 0

    def close_session(self) -> None:
        self.closed_sessions += 1

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
            # one fake host: a new session (Protocol) sees the same host state and scripted faults
            if "p" not in holder:
                holder["p"] = FakeProtocol(clock, **options)
            holder["p"].sessions += 1
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


def test_the_retry_policy_comes_from_the_inventory_host(clock: FakeClock) -> None:
    host = HOST.model_copy(update={"retry": RetryPolicy(retries=3, backoff_sec=0.5, max_backoff_sec=1.0)})
    holder: dict[str, FakeProtocol] = {}

    def factory(**options: Any) -> FakeProtocol:
        holder.setdefault("p", FakeProtocol(clock, **options))
        return holder["p"]

    t = WinRMTransport(host, CRED, protocol_factory=factory, clock=clock, sleep=clock.sleep)
    t._proto()
    holder["p"].run_faults = [http_error(503)] * 5
    with pytest.raises(TransportError, match="gave up after 3 retries"):
        t.run("cmd", b"x", clock.now + 600)
    assert clock.sleeps == [0.5, 1.0, 1.0]
    default = WinRMTransport(HOST, CRED, protocol_factory=factory)
    assert (default.max_retries, default.backoff_base, default.backoff_max) == (4, 1.0, 30.0)


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
    with pytest.raises(TransportError, match="not marked idempotent, so it was not re-run"):
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


# ----------------------------------------------------------------------------- broken sessions, TLS, bad answers


def cert_failure() -> requests.exceptions.SSLError:
    import ssl

    inner = ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
                                            "self-signed certificate (_ssl.c:1006)")
    inner.verify_message = "self-signed certificate"
    return requests.exceptions.SSLError(inner)


def test_untrusted_certificate_is_not_retried_and_says_how_to_trust(make: Callable, clock: FakeClock) -> None:
    from harness.errors import CertificateError

    t, p = make(max_retries=4)
    p.run_faults = [cert_failure()] * 5
    with pytest.raises(CertificateError) as info:
        t.run("cmd", b"x", clock.now + 600, label="host_facts")
    msg = str(info.value)
    assert clock.sleeps == [] and len([c for c in p.calls if c[0] == "run_command"]) == 1
    assert "not trusted (self-signed certificate)" in msg and "ca_bundle:" in msg and "REQUESTS_CA_BUNDLE" in msg
    assert "\n" not in msg


def test_an_interrupt_mid_request_discards_session_and_shell(make: Callable, clock: FakeClock) -> None:
    t, p = make()
    p.receive = [KeyboardInterrupt()]
    with pytest.raises(KeyboardInterrupt):
        t.run("cmd", b"x", clock.now + 60, label="import_vm")
    assert p.cleanups == []  # no request over the broken session, not even Signal
    assert p.closed_sessions == 1 and p.sessions == 1
    p.receive = [(b"ok", b"", 0, True)]
    assert t.run("cmd", b"x", clock.now + 60).stdout == b"ok"
    assert p.sessions == 2 and p.shells == 2  # a new HTTP session and a new shell


def test_reconnect_opens_a_new_session_and_terminates_the_abandoned_command(make: Callable, clock: FakeClock) -> None:
    t, p = make()
    p.receive = [KeyboardInterrupt()]
    with pytest.raises(KeyboardInterrupt):
        t.run("cmd", b"x", clock.now + 60, label="import_vm")
    t.reconnect(attempts=3)
    assert p.sessions == 2 and p.shells == 2
    assert p.cleanups == ["cmd-1"]  # the interrupted command, signalled over the new session


def test_reconnect_retries_a_bounded_number_of_times(make: Callable, clock: FakeClock) -> None:
    t, p = make(backoff_base=0.5)
    opens = {"n": 0}
    real_open = p.open_shell

    def failing_open(**kw: Any) -> str:
        opens["n"] += 1
        raise requests.exceptions.ConnectionError("Connection refused")

    p.open_shell = failing_open  # type: ignore[method-assign]
    with pytest.raises(TransportError, match=r"gave up after 3 attempts: connection to https://hv:5986/wsman refused"):
        t.reconnect(attempts=3)
    assert opens["n"] == 3 and clock.sleeps == [0.5, 1.0]
    p.open_shell = real_open  # type: ignore[method-assign]
    t.reconnect(attempts=3)
    assert t.shells_opened == 1


@pytest.mark.parametrize("fault, expected", [
    (StopIteration(), "is not a valid WS-Management response (StopIteration"),
    (AttributeError("'NoneType' object has no attribute 'wrap'"), "is not a valid WS-Management response (AttributeError"),
    (WinRMTransportError("http", 503, "<HTML><HEAD><TITLE>Service Unavailable</TITLE></HEAD><BODY><h2>Service "
                                      "Unavailable</h2><hr><p>HTTP Error 503. The service is unavailable.</p></BODY></HTML>"),
     "HTTP 503 from https://hv:5986/wsman with an HTML page (Service Unavailable"),
])
def test_bad_answers_become_one_line_lab_problems(make: Callable, clock: FakeClock, fault: BaseException,
                                                  expected: str) -> None:
    t, p = make(max_retries=1, backoff_base=0.01)
    p.run_faults = [fault, fault]
    with pytest.raises(TransportError) as info:
        t.run("cmd", b"x", clock.now + 600, label="vm_facts")
    assert expected in str(info.value) and "\n" not in str(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__
