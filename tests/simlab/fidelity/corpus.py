"""The fidelity corpus: loading the cases and running them through the WinRM endpoint.

A case file (``*.yml`` here) is a list of groups ``{source: <Microsoft docs page or PowerShell test file>,
cases: [...]}``; a case is ``{id, script, stdout?, error?, needs?, note?}``:

* ``stdout``: what Windows PowerShell 5.1 prints, as the source shows it. Compared line by line with
  trailing spaces removed and leading/trailing blank lines dropped (documentation shows output
  without the console's padding and framing blank lines).
* ``exact: true``: compare the whole stdout (CRLF read as LF), blank lines and trailing spaces included,
  for sources that show the exact text (a test's expected string, a captured byte string).
* ``error``: text the error output (the CLIXML error records, decoded) must contain.
* ``needs: [parser]``: the case is written as Windows parses it and the lab's tree-sitter parser
  cannot parse it yet. Such a case is excused from the threshold only while it fails with a parse
  error; failing any other way counts like every other case.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
ALLOWED_NEEDS = {"parser"}


@dataclass
class Case:
    id: str
    script: str
    source: str
    stdout: str | None = None
    error: str | None = None
    needs: list[str] = field(default_factory=list)
    file: str = ""
    exact: bool = False


def load_cases() -> list[Case]:
    """Every case of every corpus file; a malformed case names its file and id."""
    out: list[Case] = []
    seen: set[str] = set()
    for path in sorted(HERE.glob("*.yml")):
        for group in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            source = group.get("source")
            if not source:
                raise ValueError(f"{path.name}: a group without 'source'")
            for c in group["cases"]:
                cid = c.get("id")
                if not cid or cid in seen:
                    raise ValueError(f"{path.name}: case id {cid!r} missing or repeated")
                seen.add(cid)
                if "stdout" not in c and "error" not in c:
                    raise ValueError(f"{path.name}:{cid}: give 'stdout' and/or 'error'")
                needs = list(c.get("needs") or [])
                if set(needs) - ALLOWED_NEEDS:
                    raise ValueError(f"{path.name}:{cid}: needs must be one of {sorted(ALLOWED_NEEDS)}")
                stdout = c.get("stdout")
                out.append(Case(cid, str(c["script"]), c.get("source", source),
                                None if stdout is None else str(stdout), c.get("error"), needs, path.name,
                                bool(c.get("exact", False))))
    return out


def normalize(text: str) -> list[str]:
    lines = [ln.rstrip() for ln in text.replace("\r\n", "\n").split("\n")]
    while lines and lines[0] == "":
        lines.pop(0)
    while lines and lines[-1] == "":
        lines.pop()
    return lines


def error_text(stderr: str) -> str:
    """The error records' text from powershell.exe's CLIXML stderr (as pywinrm's _clean_error_msg reads it)."""
    if not stderr.startswith("#< CLIXML"):
        return stderr
    parts = re.findall(r'<S S="Error">(.*?)</S>', stderr, re.S)
    text = "".join(parts).replace("_x000D__x000A_", "\n")
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'")
            .replace("&amp;", "&"))


@dataclass
class Outcome:
    case: Case
    stdout: str
    stderr: str
    code: int

    @property
    def errors(self) -> str:
        return error_text(self.stderr)

    @property
    def passed(self) -> bool:
        if self.case.exact:
            if self.stdout.replace("\r\n", "\n") != (self.case.stdout or ""):
                return False
        elif self.case.stdout is not None and normalize(self.stdout) != normalize(self.case.stdout):
            return False
        if self.case.error is not None and " ".join(self.case.error.split()) not in " ".join(self.errors.split()):
            return False
        if self.case.error is None and self.errors.strip():
            return False
        return True

    @property
    def parse_failure(self) -> bool:
        """The lab's parser rejected the script (a parse error, or a syntax node its interpreter has no rule for)."""
        e = self.errors
        return "ParserError" in e or "ParseException" in e or "does not support the construct '" in e


def run_cases(protocol: Any, cases: list[Case]) -> list[Outcome]:
    """Run each case as its own ``powershell.exe -EncodedCommand`` in one WinRS shell (UTF-8 code page)."""
    shell = protocol.open_shell(codepage=65001)
    out: list[Outcome] = []
    try:
        for c in cases:
            enc = base64.b64encode(c.script.encode("utf-16-le")).decode("ascii")
            cid = protocol.run_command(shell, "powershell.exe", ["-NoProfile", "-NonInteractive", "-EncodedCommand", enc])
            so, se, rc = protocol.get_command_output(shell, cid)
            protocol.cleanup_command(shell, cid)
            out.append(Outcome(c, so.decode("utf-8", errors="replace"), se.decode("utf-8", errors="replace"), rc))
    finally:
        protocol.close_shell(shell)
    return out
