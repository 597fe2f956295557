"""Native programs run from PowerShell (``cmd /c exit 3; $LASTEXITCODE``, ``whoami``, ``hostname``, ``ipconfig``).

The programs are the ones :mod:`simlab.cmd` models as executables in System32 (cmd.exe, hostname.exe,
whoami.exe, ipconfig.exe, powershell.exe). PowerShell runs them as native commands: each line the
program writes to stdout becomes one string in the pipeline, ``$LASTEXITCODE`` is its exit code and
``$?`` is false when that code is not 0. What a program writes to stderr goes to the host's error
output as plain text (powershell.exe hands the child its own stderr handle); a name that is no
program stays CommandNotFoundException.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from simlab.ps.values import to_string

PROGRAMS = {"cmd", "hostname", "whoami", "ipconfig", "powershell"}


def program_of(name: str) -> str | None:
    """The System32 program ``name`` runs (``whoami``, ``C:\\Windows\\System32\\whoami.exe``), or None."""
    base = re.split(r"[\\/]", name.lower())[-1]
    stem = base[:-4] if base.endswith(".exe") else base
    if stem in PROGRAMS and (base == stem or base.endswith(".exe")):
        return stem
    return None


def _quote(arg: str) -> str:
    if arg == "" or re.search(r'[\s"]', arg):
        return '"' + arg.replace('"', '\\"') + '"'
    return arg


def run_native(rs: Any, name: str, args: list[Any]) -> Iterator[str]:
    """Run the program; yield its stdout lines; set ``$LASTEXITCODE`` and ``$?``."""
    from simlab.cmd import _run_one
    from simlab.stdin import StdinStream

    program = program_of(name) or name
    flat: list[str] = []
    for a in args:
        if isinstance(a, list):
            flat.extend(to_string(x) for x in a)
        else:
            flat.append(to_string(a))
    line = program + ("".join(" " + _quote(a) for a in flat))
    out: list[str] = []
    err: list[str] = []
    stdin = StdinStream()
    stdin.feed(b"", end=True)
    try:
        code = _run_one(rs.machine, line, dict(rs.env), stdin, out.append, err.append)
    except Exception as exc:  # cmd's `exit N` stops the chain with an exception carrying the code
        code = getattr(exc, "code", None)
        if code is None:
            raise
    rs.global_scope.vars["LASTEXITCODE"] = code
    text = "".join(out)
    lines = text.replace("\r\n", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if err and getattr(rs.streams, "native_stderr", None) is not None:
        rs.streams.native_stderr("".join(err))
    yield from lines
    rs.global_scope.vars["?"] = code == 0
