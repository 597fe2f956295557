"""WinRS shell operations, faults, code pages and long-poll Receive with unmodified pywinrm."""

from __future__ import annotations

import pytest
import testinfra
import winrm
from winrm.exceptions import WinRMTransportError, WSManFaultError
from winrm.protocol import Protocol

from tests.simlab.server.conftest import PASSWORD, USER


def _protocol(endpoint: str, **kw: object) -> Protocol:
    return Protocol(endpoint, transport="ntlm", username=USER, password=PASSWORD,
                    server_cert_validation="ignore", **kw)


def _run(p: Protocol, shell: str, command: str, args: tuple[str, ...] = ()) -> tuple[bytes, bytes, int]:
    cid = p.run_command(shell, command, args)
    out = p.get_command_output(shell, cid)
    p.cleanup_command(shell, cid)
    return out


def test_protocol_stdin_round_trip_in_utf8_shell(wsman_server):
    p = _protocol(wsman_server.endpoint)
    shell = p.open_shell(codepage=65001, noprofile=True)
    cid = p.run_command(shell, "more")
    p.send_command_input(shell, cid, b"first line\r\n")
    p.send_command_input(shell, cid, b"second line", end=True)
    out, err, rc = p.get_command_output(shell, cid)
    p.cleanup_command(shell, cid)
    p.close_shell(shell)
    assert (out, err, rc) == (b"first line\r\nsecond line\r\n", b"", 0)
    assert wsman_server.counters["operations"]["Send"] == 2


def test_session_run_cmd_counts_every_operation(wsman_server):
    r = winrm.Session(wsman_server.endpoint, auth=(USER, PASSWORD), transport="ntlm").run_cmd("echo", ["hi"])
    assert r.std_out == b"hi\r\n"
    c = wsman_server.counters
    assert c["operations"] == {"Create": 1, "Command": 1, "Send": 0, "Receive": 1, "Signal": 1, "Delete": 1}
    assert (c["shells_opened"], c["commands"], c["open_shells"]) == (1, 1, 0)
    assert c["bytes_in"] > 0 and c["bytes_out"] > 0 and c["http_requests"] >= 5


def test_shell_environment_variables_reach_the_command(wsman_server):
    p = _protocol(wsman_server.endpoint)
    shell = p.open_shell(env_vars={"RH_RUN": "run-42"})
    assert _run(p, shell, "echo %RH_RUN% %COMPUTERNAME% %NOPE%") == (b"run-42 HV-LAB01 %NOPE%\r\n", b"", 0)
    p.close_shell(shell)


@pytest.mark.parametrize(
    ("codepage", "text", "expected"),
    [
        (65001, "人事 Übersicht", "人事 Übersicht".encode("utf-8")),
        (932, "人事 ｶﾅ", "人事 ｶﾅ".encode("cp932")),
        (437, "人事 Übersicht", b"?? \x9abersicht"),  # not representable in 437 -> '?'
    ],
)
def test_output_is_encoded_in_the_shell_code_page(wsman_server, codepage, text, expected):
    p = _protocol(wsman_server.endpoint)
    shell = p.open_shell(codepage=codepage)
    out, _, rc = _run(p, shell, "echo", (text,))
    p.close_shell(shell)
    assert (out, rc) == (expected + b"\r\n", 0)


def test_command_line_limit_and_unknown_program(wsman_server):
    s = winrm.Session(wsman_server.endpoint, auth=(USER, PASSWORD), transport="ntlm")
    r = s.run_cmd("echo", ["x" * 8200])
    assert (r.status_code, r.std_out, r.std_err) == (1, b"", b"The command line is too long.\r\n")
    r = s.run_cmd("wbadminx", ["get", "versions"])
    assert r.status_code == 1
    assert r.std_err == (b"'wbadminx' is not recognized as an internal or external command,\r\n"
                         b"operable program or batch file.\r\n")


def test_receive_polls_through_operation_timeouts(wsman_server):
    wsman_server.faults.slow_receive(2.5)
    p = _protocol(wsman_server.endpoint, operation_timeout_sec=1, read_timeout_sec=3)
    shell = p.open_shell()
    out, err, rc = _run(p, shell, "echo", ("late but here",))
    p.close_shell(shell)
    assert (out, rc) == (b"late but here\r\n", 0)
    c = wsman_server.counters
    assert c["timeouts"] >= 1  # pywinrm saw w:TimedOut (2150858793) and polled again
    assert c["operations"]["Receive"] == c["timeouts"] + 1


def test_unknown_shell_fault(wsman_server):
    p = _protocol(wsman_server.endpoint)
    with pytest.raises(WSManFaultError) as info:
        p.run_command("0A2B3C4D-0000-0000-0000-000000000000", "hostname")
    assert info.value.wsman_fault_code == 2150858843
    assert info.value.fault_subcode == "w:InvalidSelectors"
    assert "shell was not found on the server" in info.value.reason


def test_closed_shell_is_gone(wsman_server):
    p = _protocol(wsman_server.endpoint)
    shell = p.open_shell()
    p.close_shell(shell, close_session=False)
    with pytest.raises(WSManFaultError) as info:
        p.run_command(shell, "hostname")
    assert info.value.wsman_fault_code == 2150858843


def test_max_shells_per_user(wsman_factory):
    srv = wsman_factory(max_shells_per_user=2)
    p = _protocol(srv.endpoint)
    shells = [p.open_shell(), p.open_shell()]
    with pytest.raises(WSManFaultError) as info:
        p.open_shell()
    assert info.value.wsman_fault_code == 2150859173
    assert "maximum number of 2 concurrent shells" in info.value.reason
    p.close_shell(shells[0], close_session=False)
    p.open_shell()  # a closed shell frees its slot


def test_envelope_larger_than_max_envelope_size(wsman_factory):
    srv = wsman_factory(max_envelope_size=6000)
    p = _protocol(srv.endpoint)
    shell = p.open_shell()
    with pytest.raises(WinRMTransportError) as info:
        p.run_command(shell, "echo", ("y" * 7000,))
    assert info.value.code == 413
    assert srv.counters["commands"] == 0


def test_transient_http_500_then_recovery(wsman_server):
    wsman_server.faults.fail_next(1)
    s = winrm.Session(wsman_server.endpoint, auth=(USER, PASSWORD), transport="ntlm")
    with pytest.raises(WinRMTransportError) as info:
        s.run_cmd("hostname")
    assert info.value.code == 500
    assert s.run_cmd("hostname").std_out == b"HV-LAB01\r\n"
    assert wsman_server.counters["injected_failures"] == 1


def test_ctrl_c_and_terminate_signals(wsman_server):
    p = _protocol(wsman_server.endpoint)
    shell = p.open_shell()
    cid = p.run_command(shell, "more")  # waits for stdin that never ends
    req = {"env:Envelope": p.build_wsman_header(
        resource_uri="http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd",
        action="http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Signal", shell_id=shell)}
    req["env:Envelope"]["env:Body"] = {"rsp:Signal": {
        "@CommandId": cid, "rsp:Code": "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/ctrl_c"}}
    import xmltodict

    p.send_message(xmltodict.unparse(req))
    out, err, rc = p.get_command_output(shell, cid)
    assert rc == 0xC000013A  # STATUS_CONTROL_C_EXIT, as Windows reports it
    p.cleanup_command(shell, cid)  # terminate
    with pytest.raises(WSManFaultError):
        p.get_command_output_raw(shell, cid)
    p.close_shell(shell)


def test_testinfra_winrm_backend_over_http(wsman_server):
    host = testinfra.get_host(f"winrm://{USER}:{PASSWORD.replace('!', '%21')}@127.0.0.1:{wsman_server.port}"
                              "?no_ssl=true")
    result = host.run("echo hi")
    assert (result.rc, result.stdout) == (0, "hi\r\n")


def test_testinfra_winrm_backend_over_https(wsman_https):
    host = testinfra.get_host(f"winrm://{USER}:{PASSWORD.replace('!', '%21')}@127.0.0.1:{wsman_https.port}"
                              "?no_verify_ssl=true")
    assert host.check_output("hostname") == "HV-LAB01"
    assert host.run("nosuchtool").rc == 1
