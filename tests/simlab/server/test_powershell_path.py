"""powershell.exe through WinRS: needs the interpreter (simlab.ps.host); skipped until it lands."""

from __future__ import annotations

import pytest
import winrm

from tests.simlab.server.conftest import PASSWORD, USER

pytest.importorskip("simlab.ps.host", exc_type=ModuleNotFoundError)


def test_session_run_ps_encodedcommand(wsman_server):
    r = winrm.Session(wsman_server.endpoint, auth=(USER, PASSWORD), transport="ntlm").run_ps(
        "Write-Output 'hi from ps'; $env:COMPUTERNAME")
    assert (r.status_code, r.std_out) == (0, b"hi from ps\r\nHV-LAB01\r\n")


def test_script_on_stdin_in_utf8_shell(wsman_server):
    p = winrm.Session(wsman_server.endpoint, auth=(USER, PASSWORD), transport="ntlm").protocol
    shell = p.open_shell(codepage=65001, noprofile=True)
    cid = p.run_command(shell, "powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -Command -")
    p.send_command_input(shell, cid, b"Write-Output ([char]0x4EBA + [char]0x4E8B)\r\n", end=True)
    out, _, rc = p.get_command_output(shell, cid)
    p.close_shell(shell)
    assert (out, rc) == ("人事\r\n".encode("utf-8"), 0)
