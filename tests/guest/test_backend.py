"""testinfra Host over the harness transport: commands, quoting, UTF-8 (Japanese) output."""

from __future__ import annotations

from typing import Any

import pytest

from harness.guest.backend import HarnessBackend, WinRMChannel, guest_host, ps_quote
from tests.guest.transports import ScriptedTransport, envelope, session


def _guest_command(script: str, params: dict[str, Any]) -> str:
    assert "guest_command" in script or "ScriptBlock]::Create([string]$P.command)" in script
    command = params["command"]
    if command == "Get-Content -LiteralPath 'D:\\Shares\\HR\\人事\\memo.txt'":
        return envelope({"rc": 0, "stdout": "人事部のメモ: 復元テスト OK", "stderr": ""})
    if command.startswith("exit"):
        return envelope({"rc": int(command.split()[1]), "stdout": "", "stderr": "失敗しました"})
    return envelope({"rc": 0, "stdout": command, "stderr": ""})


@pytest.fixture
def host_and_transport():
    transport = ScriptedTransport(_guest_command)
    channel = WinRMChannel(session("CM01", transport), "CM01", address="10.10.0.11")
    return guest_host(channel), transport


def test_run_check_output_and_japanese(host_and_transport) -> None:
    host, transport = host_and_transport
    out = host.check_output("Get-Content -LiteralPath %s", "D:\\Shares\\HR\\人事\\memo.txt")
    assert out == "人事部のメモ: 復元テスト OK"
    assert transport.seen[0][1] == {"command": "Get-Content -LiteralPath 'D:\\Shares\\HR\\人事\\memo.txt'"}


def test_run_expect_and_failure_text(host_and_transport) -> None:
    host, _ = host_and_transport
    result = host.run_expect([3], "exit 3")
    assert result.rc == 3 and result.stderr == "失敗しました"
    with pytest.raises(AssertionError):
        host.run_expect([0], "exit 2")


def test_arguments_are_powershell_single_quoted(host_and_transport) -> None:
    host, transport = host_and_transport
    host.run("Write-Output %s", "it's $env:USERNAME `n; rm -r C:\\")
    assert transport.seen[-1][1]["command"] == "Write-Output 'it''s $env:USERNAME `n; rm -r C:\\'"
    assert ps_quote("a\u2019b") == "'a\u2019\u2019b'"


def test_backend_identity_and_no_remote_encoding_probe(host_and_transport) -> None:
    host, transport = host_and_transport
    backend = host.backend
    assert isinstance(backend, HarnessBackend)
    assert backend.get_pytest_id() == "winrm://CM01"
    assert backend.encoding == "utf-8" and transport.seen == []  # no python/locale probe ran remotely
    with pytest.raises(NotImplementedError, match="sudo"):
        backend.get_sudo_command("x", None)
