"""The cmd.exe front, run directly on a bare machine (no server)."""

from __future__ import annotations

import sys
import types

import pytest

from simlab.cmd import run_cmdline, split_argv
from simlab.machine import BareMachine
from simlab.stdin import StdinStream


@pytest.fixture
def machine() -> BareMachine:
    m = BareMachine("HV-LAB01", {"rh-operator": "pw"})
    m.fs.write("C:\\Temp\\note.txt", "Ünïcode ok\r\n".encode("utf-8"))
    return m


def run(machine: BareMachine, line: str, env: dict[str, str] | None = None,
        stdin: StdinStream | None = None) -> tuple[int, str, str]:
    out: list[str] = []
    err: list[str] = []
    env = env if env is not None else {"USERNAME": "rh-operator", "Path": "C:\\Windows"}
    code = run_cmdline(machine, line, env, stdin or StdinStream(), out.append, err.append)
    return code, "".join(out), "".join(err)


def test_echo_expands_variables_case_insensitively(machine):
    assert run(machine, "echo %username% and %UNSET%") == (0, "rh-operator and %UNSET%\r\n", "")
    assert run(machine, "echo.") == (0, "\r\n", "")
    assert run(machine, "echo") == (0, "ECHO is on.\r\n", "")


def test_set_lists_and_sets(machine):
    env = {"Path": "C:\\Windows", "PATHEXT": ".EXE", "=CD": "C:\\"}
    assert run(machine, "set pa", env) == (0, "Path=C:\\Windows\r\nPATHEXT=.EXE\r\n", "")
    assert run(machine, "set RH_X=1 & echo %RH_X%", env)[1] == "%RH_X%\r\n"  # expanded before it ran
    assert env["RH_X"] == "1"
    assert run(machine, "set NOPE", env) == (1, "", "Environment variable NOPE not defined\r\n")


def test_type_reads_the_machine_file_system(machine):
    assert run(machine, 'type "C:\\Temp\\note.txt"') == (0, "Ünïcode ok\r\n", "")
    assert run(machine, "type C:\\Temp\\missing.txt") == (1, "", "The system cannot find the file specified.\r\n")


def test_chaining_and_exit_codes(machine):
    assert run(machine, "exit /b 7") == (7, "", "")
    assert run(machine, "echo a & exit /b 3 & echo never") == (3, "a\r\n", "")
    code, out, err = run(machine, "nosuch && echo skipped || echo fallback")
    assert (code, out) == (0, "fallback\r\n")
    assert err.startswith("'nosuch' is not recognized")


def test_hostname_whoami_ipconfig(machine):
    assert run(machine, "hostname")[1] == "HV-LAB01\r\n"
    assert run(machine, "C:\\Windows\\System32\\HOSTNAME.EXE")[1] == "HV-LAB01\r\n"
    assert run(machine, "whoami")[1] == "hv-lab01\\rh-operator\r\n"
    out = run(machine, "ipconfig")[1]
    assert out.startswith("\r\nWindows IP Configuration\r\n\r\n\r\nEthernet adapter Ethernet:\r\n\r\n")
    assert "   IPv4 Address. . . . . . . . . . . : 192.168.50.10\r\n" in out


def test_command_line_limit_is_8191(machine):
    assert run(machine, "echo " + "x" * 8186)[0] == 0  # exactly 8191 characters
    assert run(machine, "echo " + "x" * 8187) == (1, "", "The command line is too long.\r\n")


def test_more_copies_stdin(machine):
    stdin = StdinStream()
    stdin.feed(b"a\nb", end=True)
    assert run(machine, "more", stdin=stdin) == (0, "a\r\nb\r\n", "")


@pytest.mark.parametrize(
    ("line", "argv"),
    [
        ("-NoProfile -Command -", ["-NoProfile", "-Command", "-"]),
        ('"a b" c\\d "e\\"f"', ["a b", "c\\d", 'e"f']),
        ('x\\\\"y z"', ["x\\y z"]),
        ('""  "a""b"', ["", 'a"b']),
    ],
)
def test_split_argv_follows_commandlinetoargvw(line, argv):
    assert split_argv(line) == argv


def test_powershell_is_delegated_with_split_arguments(machine, monkeypatch):
    calls = []

    def fake_run_powershell_exe(m, argv, stdin, write_out, write_err, env):
        calls.append((m, argv, stdin.read_all(), env.get("USERNAME")))
        write_out("from ps\r\n")
        return 5

    fake = types.ModuleType("simlab.ps.host")
    fake.run_powershell_exe = fake_run_powershell_exe  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "simlab.ps.host", fake)
    stdin = StdinStream()
    stdin.feed(b"Write-Output 1\r\n", end=True)
    code, out, _ = run(machine, 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\PowerShell.EXE -NoProfile '
                                '-Command "Get-Date -Format o"', stdin=stdin)
    assert (code, out) == (5, "from ps\r\n")
    assert calls == [(machine, ["-NoProfile", "-Command", "Get-Date -Format o"], "Write-Output 1\r\n", "rh-operator")]


def test_stdin_stream_readline_and_eof():
    s = StdinStream("cp437")
    s.feed(b"one\r\ntw")
    assert s.readline() == "one\r\n"
    s.feed(b"o\x9a", end=True)
    assert s.readline() == "twoÜ"
    assert s.readline() == ""
    s.feed(b"ignored after end")
    assert s.read_all() == ""
