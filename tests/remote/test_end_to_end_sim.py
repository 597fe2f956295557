"""RemoteHost over real WinRM (pywinrm, NTLM with message encryption) against the simulated machine.

The simulator is started by the fixture; the harness side (RemoteHost, WinRMTransport) is used
exactly as against a real host.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from harness import errors
from harness.inventory.models import Host
from harness.remote import events, scripts
from harness.remote.session import RemoteHost
from harness.secrets import MASK, Credential

sim_machine = pytest.importorskip("simlab.machine")
sim_server = pytest.importorskip("simlab.server")

USER = "rh-operator"
PASSWORD = "E2e-Sim-Passw0rd!"  # test-only credential of the simulated machine


@pytest.fixture
def server() -> Iterator[object]:
    machine = sim_machine.BareMachine("HV-LAB01", {USER: PASSWORD})
    with sim_server.WSManServer(machine) as srv:
        yield srv


@pytest.fixture
def host(server: object) -> Iterator[RemoteHost]:
    cfg = Host(name="HV-LAB01", address="127.0.0.1", port=server.port, scheme="http", auth="ntlm",  # type: ignore[attr-defined]
               lab_only=True, scratch_root="E:\\RestoreTests", operation_timeout_sec=1, read_timeout_sec=5,
               credentials={"username": USER, "password_env": "RH_E2E_UNUSED"})
    with RemoteHost(cfg, Credential(USER, PASSWORD)) as remote:
        yield remote


def test_echo_round_trips_japanese_and_hostile_params(host: RemoteHost) -> None:
    params = {"name": "人事 'quoted' $notavar `tick", "path": "D:\\Shares\\HR\\人事", "n": 42, "list": ["a", "b"]}
    data = host.run("echo", params)
    assert data["ComputerName"] == "HV-LAB01"
    assert data["Params"] == params


def test_script_longer_than_the_cmd_exe_limit(host: RemoteHost) -> None:
    body = scripts.render("echo")
    # Real statements, not a comment: 9,000+ characters of script that must all be executed.
    extra = "".join(f"$v{i} = {i}\r\n" for i in range(900))
    script = body.replace("try {", extra + "try {", 1).replace(
        "ParamsLength = $ParamsJson.Length", "ParamsLength = $ParamsJson.Length\r\n        Last = $v899", 1)
    assert len(script) > 8191
    data = host.run_script(script, {"x": "人"}, label="long_echo")
    assert data["Last"] == 899 and data["Params"] == {"x": "人"}


def test_operation_timeouts_are_polled_through(host: RemoteHost, server: object,
                                               caplog: pytest.LogCaptureFixture) -> None:
    server.faults.slow_receive(3.5)  # type: ignore[attr-defined]  # output held back past several 1 s OperationTimeouts
    host.transport.progress_every = 1  # type: ignore[attr-defined]
    with caplog.at_level(logging.INFO, logger="harness.remote.winrm_transport"):
        data = host.run("echo", {"slow": True}, timeout=60)
    assert data["Params"] == {"slow": True}
    assert any("still waiting for echo on HV-LAB01" in r.getMessage() for r in caplog.records)
    assert server.counters["timeouts"] >= 1  # type: ignore[attr-defined]


def test_transient_http_errors_before_start_are_retried(host: RemoteHost, server: object) -> None:
    host.run("echo", {})  # shell open
    host.transport.backoff_base = 0.05  # type: ignore[attr-defined]
    server.faults.fail_next(2, status=503)  # type: ignore[attr-defined]
    assert host.run("echo", {"after": "503"})["Params"] == {"after": "503"}


def test_shell_is_reused(host: RemoteHost) -> None:
    for i in range(3):
        host.run("echo", {"i": i})
    assert host.transport.shells_opened == 1  # type: ignore[attr-defined]


def test_script_error_comes_back_typed(host: RemoteHost) -> None:
    script = scripts.render("echo").replace("Write-RhResult (", "Get-Item -LiteralPath 'Z:\\no\\such\\人事'\r\n    Write-RhResult (", 1)
    with pytest.raises(errors.RemoteScriptError) as info:
        host.run_script(script, {}, label="missing_item")
    assert isinstance(info.value, errors.RemoteNotFound), (info.value.type, info.value.fqid, info.value.category)
    assert "人事" in info.value.message


def test_events_carry_redacted_script_and_params(host: RemoteHost) -> None:
    seen: list[events.OperationEvent] = []
    with events.listening(seen.append):
        host.run("echo", {"token": PASSWORD})
    ev = seen[-1]
    assert ev.outcome == "ok" and ev.params == {"token": MASK}
    assert PASSWORD not in ev.stdout and "param([string]$ParamsJson)" in ev.script


def test_wrong_password_is_a_transport_error(server: object) -> None:
    cfg = Host(name="HV-LAB01", address="127.0.0.1", port=server.port, scheme="http", auth="ntlm",  # type: ignore[attr-defined]
               lab_only=True, scratch_root="E:\\RestoreTests", credentials={"username": USER, "password_env": "X"})
    with RemoteHost(cfg, Credential(USER, "wrong-password-e2e")) as remote:
        with pytest.raises(errors.TransportError, match="authentication to HV-LAB01 failed") as info:
            remote.run("echo", {})
    assert "wrong-password-e2e" not in str(info.value)


def test_requests_do_not_read_the_environment_again_while_other_threads_change_it(
        host: RemoteHost, monkeypatch: pytest.MonkeyPatch) -> None:
    """pytest sets and removes PYTEST_CURRENT_TEST around every test while drill workers send requests;
    requests read the proxy environment per request by iterating os.environ, and failed with KeyError
    when a variable went away meanwhile. The session reads it once, when it is built."""
    import os

    host.run("echo", {})  # the session is built (and read the environment) here
    reads: list[str] = []

    class Watched(os._Environ):  # type: ignore[misc, name-defined]  # os.environ, counting iterations
        def __iter__(self):  # type: ignore[no-untyped-def]
            reads.append("iter")
            return super().__iter__()

    watched = Watched(os.environ._data, os.environ.encodekey, os.environ.decodekey,  # type: ignore[attr-defined]
                      os.environ.encodevalue, os.environ.decodevalue)  # type: ignore[attr-defined]
    monkeypatch.setattr(os, "environ", watched)
    assert host.run("echo", {"after": "built"})["Params"] == {"after": "built"}
    assert reads == []
