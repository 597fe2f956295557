"""Transport choice per scenario (winrm | powershell-direct | auto) and the error when none works."""

from __future__ import annotations

import pytest

from harness.guest.backend import WinRMChannel
from harness.guest.direct import DirectChannel
from harness.guest.select import GuestTarget, GuestUnreachable, guest_host_config, select_channel
from tests.guest.transports import GUEST_CRED, ScriptedTransport, envelope, session


def _direct_ok(script, params):
    return envelope({"output": envelope({"rc": 0, "stdout": "CM01", "stderr": ""})})


def _opener(transport):
    return lambda address, cred: session(f"guest {address}", transport)


def test_auto_prefers_winrm_when_guest_answers() -> None:
    guest = ScriptedTransport(lambda s, p: envelope({"rc": 0, "stdout": "CM01", "stderr": ""}))
    ch = select_channel(GuestTarget("CM01", GUEST_CRED, "auto", "10.10.0.11", []),
                        host_session=session("HV-LAB01", ScriptedTransport(_direct_ok)), open_winrm=_opener(guest))
    assert isinstance(ch, WinRMChannel) and guest.seen[0][1] == {"command": "$env:COMPUTERNAME"}


def test_auto_falls_back_to_direct_on_isolated_switch() -> None:
    host = ScriptedTransport(_direct_ok)
    ch = select_channel(GuestTarget("CM01", GUEST_CRED, "auto", "10.10.0.11", []),
                        host_session=session("HV-LAB01", host), host_name="HV-LAB01",
                        open_winrm=_opener(ScriptedTransport(fail="HTTPConnectionPool: connection refused")))
    assert isinstance(ch, DirectChannel) and len(host.seen) == 1


def test_auto_without_address_uses_direct() -> None:
    ch = select_channel(GuestTarget("CM01", GUEST_CRED), host_session=session("HV-LAB01", ScriptedTransport(_direct_ok)))
    assert isinstance(ch, DirectChannel)


def test_neither_path_works_says_why_for_each() -> None:
    host = ScriptedTransport(lambda s, p: envelope(error={
        "type": "System.Management.Automation.Remoting.PSDirectException",
        "message": "The credential is invalid.", "fqid": "InvalidCredential", "category": "InvalidArgument"}))
    with pytest.raises(GuestUnreachable) as info:
        select_channel(GuestTarget("CM01", GUEST_CRED, "auto", "10.10.0.11", []),
                       host_session=session("HV-LAB01", host), host_name="HV-LAB01",
                       open_winrm=_opener(ScriptedTransport(fail="connection refused")))
    msg = str(info.value)
    assert msg.startswith("cannot reach guest CM01: WinRM at 10.10.0.11: connection refused; "
                          "PowerShell Direct via HV-LAB01: ")
    assert "The credential is invalid." in msg and "Fix: " in msg
    assert "Gu3st-Pa55!" not in msg


def test_auto_refuses_direct_when_not_isolated() -> None:
    host = ScriptedTransport(_direct_ok)
    with pytest.raises(GuestUnreachable, match="not on a host-only isolated switch .adapter 'Network Adapter': "
                                               "switch 'Corp-External' is External"):
        select_channel(GuestTarget("CM01", GUEST_CRED, "auto", None,
                                   ["adapter 'Network Adapter': switch 'Corp-External' is External (reaches the production network)"]),
                       host_session=session("HV-LAB01", host))
    assert host.seen == []


def test_forced_winrm_does_not_try_direct() -> None:
    host = ScriptedTransport(_direct_ok)
    with pytest.raises(GuestUnreachable, match="no address for the guest.*Fix: give the guest an address"):
        select_channel(GuestTarget("CM01", GUEST_CRED, "winrm"), host_session=session("HV-LAB01", host))
    assert host.seen == []


def test_guest_config_keeps_host_auth_options() -> None:
    from harness.inventory.models import Host
    host = Host(name="HV-LAB01", address="127.0.0.1", port=5985, scheme="http", auth="ntlm", lab_only=True,
                credentials={"username": "HV-LAB01\\rh-operator", "password_env": "RH_SIM_PASSWORD"},
                scratch_root="E:\\RestoreTests")
    cfg = guest_host_config(host, "127.0.0.1:49731", "CM01")
    assert (cfg.name, cfg.address, cfg.port, cfg.scheme, cfg.auth, cfg.lab_only) == ("CM01", "127.0.0.1", 49731, "http", "ntlm", True)
