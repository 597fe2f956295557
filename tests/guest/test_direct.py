"""PowerShell Direct: the guest template travels through the host's Invoke-Command -VMName."""

from __future__ import annotations

import json
from typing import Any

import pytest

from harness.errors import RemoteNotFound, RemoteScriptError
from harness.guest.backend import guest_host
from harness.guest.direct import DirectChannel
from harness.remote import scripts
from harness.secrets import REDACTOR
from tests.guest.transports import GUEST_CRED, ScriptedTransport, envelope, session


def _host(script: str, params: dict[str, Any]) -> str:
    assert "Invoke-Command -VMName" in script  # the host side of PowerShell Direct
    assert params["vm"] == "CM01" and params["username"] == "Administrator"
    inner = params["script"]
    guest_params = json.loads(params["params"])
    if "Win32_Service" in inner:
        assert guest_params["services"] == ["LanmanServer"]
        inner_out = "WARNING: 警告テキスト\n" + envelope({"ComputerName": "FS01", "Services": [
            {"Name": "LanmanServer", "Found": True, "State": "Running", "StartMode": "Auto"}]})
        return envelope({"output": inner_out})
    if "guest_command" in inner or "[string]$P.command" in inner:
        return envelope({"output": envelope({"rc": 0, "stdout": f"ran: {guest_params['command']} 日本語", "stderr": ""})})
    return envelope({"output": envelope(error={"type": "System.Management.Automation.ItemNotFoundException",
                                                "message": "Cannot find path 'HKLM:\\SOFTWARE\\X'",
                                                "fqid": "PathNotFound", "category": "ObjectNotFound"})})


def _channel() -> tuple[DirectChannel, ScriptedTransport]:
    transport = ScriptedTransport(_host)
    return DirectChannel(session("HV-LAB01", transport), "CM01", GUEST_CRED, host_name="HV-LAB01"), transport


def test_guest_template_runs_through_host_and_unwraps() -> None:
    channel, transport = _channel()
    data = channel.run("guest_services.ps1", {"services": ["LanmanServer"], "tcp_ports": [],
                                              "registry_keys": [], "error_events": []})
    assert data["ComputerName"] == "FS01"
    sent_script = transport.seen[0][1]["script"]
    assert sent_script == scripts.render("guest_services.ps1")  # the same text the WinRM path sends


def test_testinfra_host_over_powershell_direct() -> None:
    channel, _ = _channel()
    host = guest_host(channel)
    assert host.check_output("hostname") == "ran: hostname 日本語"
    assert host.backend.get_pytest_id() == "powershell-direct://CM01"


def test_guest_error_is_typed_and_password_is_redacted() -> None:
    channel, _ = _channel()
    with pytest.raises(RemoteNotFound) as info:
        channel.run("guest_probe.ps1", {"targets": []})
    assert isinstance(info.value, RemoteScriptError) and "PowerShell Direct via HV-LAB01" in str(info.value)
    assert REDACTOR.redact("pw Gu3st-Pa55! end") == "pw ******** end"
