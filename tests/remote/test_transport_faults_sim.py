"""Transport failures over real WinRM (pywinrm) against the simulated machine with connection faults:
each becomes a one-line lab problem, a broken session is never reused, certificates are not retried."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from harness import errors
from harness.errors import problem_kind
from harness.inventory.models import Host
from harness.remote.session import RemoteHost
from harness.secrets import Credential

sim_machine = pytest.importorskip("simlab.machine")
sim_server = pytest.importorskip("simlab.server")

USER = "rh-operator"
PASSWORD = "Fault-Sim-Passw0rd!"  # test-only credential of the simulated machine


def _cfg(server: Any, **kw: Any) -> Host:
    base: dict[str, Any] = dict(name="HV-LAB01", address="127.0.0.1", port=server.port, scheme="http", auth="ntlm",
                                lab_only=True, scratch_root="E:\\RestoreTests", operation_timeout_sec=1,
                                read_timeout_sec=3, credentials={"username": USER, "password_env": "RH_UNUSED"},
                                retry={"retries": 2, "backoff_sec": 0.05})  # the inventory's retry policy
    base.update(kw)
    return Host(**base)


@pytest.fixture
def server() -> Iterator[Any]:
    machine = sim_machine.BareMachine("HV-LAB01", {USER: PASSWORD})
    with sim_server.WSManServer(machine) as srv:
        yield srv


@pytest.fixture
def host(server: Any) -> Iterator[RemoteHost]:
    with RemoteHost(_cfg(server), Credential(USER, PASSWORD)) as remote:
        yield remote


def _lab_problem(info: pytest.ExceptionInfo[BaseException]) -> str:
    msg = str(info.value)
    assert problem_kind(info.value) == "lab", msg
    assert "\n" not in msg, msg
    assert PASSWORD not in msg
    return msg


def test_html_503_from_http_sys_is_one_line_after_bounded_retries(host: RemoteHost, server: Any) -> None:
    host.run("echo", {})
    server.faults.wire("html", 10, status=503)
    with pytest.raises(errors.TransportError) as info:
        host.run("echo", {"x": 1})
    msg = _lab_problem(info)
    assert "gave up after 2 retries" in msg and "HTTP 503" in msg and "Service Unavailable" in msg


def test_an_html_page_with_status_200_is_not_a_ws_management_answer(host: RemoteHost, server: Any) -> None:
    server.faults.wire("html", 10, status=200)  # a proxy or another web service answering on the port
    with pytest.raises(errors.TransportError) as info:
        host.run("echo", {})
    msg = _lab_problem(info)
    assert "is not a valid WS-Management response" in msg
    assert "NoneType" not in msg or "AttributeError" in msg


def test_truncated_receive_breaks_the_session_and_the_next_command_uses_a_new_one(host: RemoteHost,
                                                                                   server: Any) -> None:
    host.run("echo", {})
    sessions = host.transport.sessions_opened  # type: ignore[attr-defined]
    server.faults.wire("truncate", 10, action="Receive")
    with pytest.raises(errors.TransportError) as info:
        host.run("echo", {"n": 2})  # not idempotent: not re-run
    msg = _lab_problem(info)
    assert "cut off" in msg or "closed the connection" in msg
    server.faults.clear()
    assert host.run("echo", {"n": 3})["Params"] == {"n": 3}  # no 'Bad HTTP response ... 400'
    assert host.transport.sessions_opened > sessions  # type: ignore[attr-defined]


def test_a_dropped_receive_is_asked_again_and_an_idempotent_command_completes(host: RemoteHost, server: Any) -> None:
    host.run("echo", {})
    server.faults.wire("drop", 1, action="Receive")
    assert host.run("echo", {"again": True}, idempotent=True)["Params"] == {"again": True}
    assert server.counters["injected_failures"] == 1


def test_no_answer_within_the_read_timeout_is_a_lab_problem(server: Any) -> None:
    with RemoteHost(_cfg(server, read_timeout_sec=2, retry={"retries": 0}), Credential(USER, PASSWORD)) as remote:
        remote.run("echo", {})
        server.faults.wire("hang", 10, action="Command", seconds=3.0)  # longer than read_timeout_sec=2
        with pytest.raises(errors.TransportError) as info:
            remote.run("echo", {}, timeout=30)
    msg = _lab_problem(info)
    assert "no answer from http://127.0.0.1" in msg and "within 2 s (read_timeout_sec)" in msg


def test_connection_refused_when_the_lab_is_gone(server: Any) -> None:
    cfg = _cfg(server, retry={"retries": 1, "backoff_sec": 0.01})
    server.stop()
    with RemoteHost(cfg, Credential(USER, PASSWORD)) as remote:
        with pytest.raises(errors.TransportError) as info:
            remote.run("echo", {})
        msg = _lab_problem(info)
        assert "refused" in msg
        with pytest.raises(errors.TransportError, match="reconnect to HV-LAB01: gave up after 2 attempts"):
            remote.reconnect(attempts=2)


def test_reconnect_gives_a_working_fresh_shell(host: RemoteHost, server: Any) -> None:
    host.run("echo", {})
    before = server.counters["shells_opened"]
    host.reconnect()
    assert server.counters["shells_opened"] == before + 1
    assert host.run("echo", {"after": "reconnect"})["Params"] == {"after": "reconnect"}


# ----------------------------------------------------------------------------- TLS


@pytest.fixture
def https_server() -> Iterator[Any]:
    machine = sim_machine.BareMachine("HV-LAB01", {USER: PASSWORD})
    with sim_server.WSManServer(machine, https=True) as srv:
        yield srv


def test_untrusted_certificate_fails_at_once_with_how_to_trust(https_server: Any,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(var, raising=False)
    cfg = _cfg(https_server, scheme="https")
    with RemoteHost(cfg, Credential(USER, PASSWORD)) as remote:
        with pytest.raises(errors.CertificateError) as info:
            remote.run("echo", {})
    msg = _lab_problem(info)
    assert "is not trusted" in msg and "ca_bundle:" in msg and "REQUESTS_CA_BUNDLE" in msg
    assert https_server.counters["http_requests"] == 0  # the handshake failed; nothing retried


def test_the_lab_ca_in_ca_bundle_is_trusted(https_server: Any) -> None:
    cfg = _cfg(https_server, scheme="https", ca_bundle=str(https_server.cert_path))
    with RemoteHost(cfg, Credential(USER, PASSWORD)) as remote:
        assert remote.run("echo", {"tls": True})["Params"] == {"tls": True}


def test_reconnect_all_reports_unreachable_hosts(host: RemoteHost, server: Any) -> None:
    from harness.remote.session import reconnect_all

    assert reconnect_all({"HV-LAB01": host}) == {}
    server.stop()
    host.transport.backoff_base = 0.01  # type: ignore[attr-defined]
    failed = reconnect_all({"HV-LAB01": host}, attempts=2)
    assert list(failed) == ["HV-LAB01"] and "refused" in failed["HV-LAB01"]
