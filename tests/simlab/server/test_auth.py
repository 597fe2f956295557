"""Authentication as a Windows listener does it, driven by unmodified pywinrm."""

from __future__ import annotations

import pytest
import winrm
from winrm.exceptions import InvalidCredentialsError, WSManFaultError

from simlab.machine import BareMachine
from tests.simlab.server.conftest import PASSWORD, USER


def _session(endpoint: str, user: str = USER, password: str = PASSWORD, **kw: object) -> winrm.Session:
    return winrm.Session(endpoint, auth=(user, password), **kw)


@pytest.mark.parametrize("user", [USER, f"HV-LAB01\\{USER}", f".\\{USER}", USER.upper()])
def test_ntlm_over_http_is_encrypted(wsman_server, user):
    r = _session(wsman_server.endpoint, user=user, transport="ntlm").run_cmd("hostname")
    assert (r.status_code, r.std_out) == (0, b"HV-LAB01\r\n")
    counters = wsman_server.counters
    # every SOAP message travelled sealed: Create, Command, Receive, Signal, Delete
    assert counters["encrypted_messages"] == sum(counters["operations"].values()) == 5


def test_ntlm_over_https_with_certificate_validation(wsman_https):
    assert wsman_https.endpoint.startswith("https://")
    s = _session(wsman_https.endpoint, transport="ntlm", ca_trust_path=str(wsman_https.cert_path))
    r = s.run_cmd("echo", ["over tls"])
    assert r.std_out == b"over tls\r\n"
    assert wsman_https.counters["encrypted_messages"] == 0  # TLS protects it; pywinrm does not seal


def test_basic_over_https(wsman_https):
    s = _session(wsman_https.endpoint, transport="basic", server_cert_validation="ignore")
    assert s.run_cmd("whoami").std_out == b"hv-lab01\\rh-operator\r\n"


def test_basic_over_http_refused_when_unencrypted_not_allowed(wsman_server):
    with pytest.raises(InvalidCredentialsError):
        _session(wsman_server.endpoint, transport="basic").run_cmd("hostname")
    assert wsman_server.counters["commands"] == 0
    assert wsman_server.counters["operations"]["Create"] == 0


def test_basic_over_http_allowed_with_allow_unencrypted(wsman_factory):
    srv = wsman_factory(BareMachine("HV-LAB01", {USER: PASSWORD}, allow_unencrypted=True))
    assert _session(srv.endpoint, transport="basic").run_cmd("hostname").std_out == b"HV-LAB01\r\n"


def test_unencrypted_ntlm_over_http_refused(wsman_server):
    with pytest.raises(InvalidCredentialsError):
        _session(wsman_server.endpoint, transport="ntlm", message_encryption="never").run_cmd("hostname")
    assert wsman_server.counters["commands"] == 0


def test_unencrypted_ntlm_over_http_allowed_with_allow_unencrypted(wsman_factory):
    srv = wsman_factory(BareMachine("HV-LAB01", {USER: PASSWORD}, allow_unencrypted=True))
    r = _session(srv.endpoint, transport="ntlm", message_encryption="never").run_cmd("hostname")
    assert r.std_out == b"HV-LAB01\r\n"
    assert srv.counters["encrypted_messages"] == 0


@pytest.mark.parametrize("transport", ["ntlm", "basic"])
def test_wrong_password_is_401_and_nothing_runs(wsman_https, transport):
    s = _session(wsman_https.endpoint, password="wrong", transport=transport, server_cert_validation="ignore")
    with pytest.raises(InvalidCredentialsError):
        s.run_cmd("echo", ["should not run"])
    c = wsman_https.counters
    assert c["auth_failures"] >= 1
    assert c["commands"] == 0 and c["shells_opened"] == 0 and sum(c["operations"].values()) == 0


def test_unknown_user_and_foreign_domain_are_rejected(wsman_server):
    for user in ("nobody", f"OTHERHOST\\{USER}"):
        with pytest.raises(InvalidCredentialsError):
            _session(wsman_server.endpoint, user=user, transport="ntlm").run_cmd("hostname")
    assert wsman_server.counters["commands"] == 0


def test_account_without_winrm_rights_gets_access_denied(wsman_factory):
    machine = BareMachine("HV-LAB01", {USER: PASSWORD, "guest1": "pw"}, remote_users={USER})
    srv = wsman_factory(machine)
    with pytest.raises(WSManFaultError) as info:
        _session(srv.endpoint, user="guest1", password="pw", transport="ntlm").run_cmd("hostname")
    assert info.value.wsman_fault_code == 5
    assert srv.counters["commands"] == 0
