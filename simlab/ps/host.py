"""powershell.exe: its command line, streams (stdout text, stderr CLIXML) and exit code.

``-Command -`` reads ALL of stdin (``stdin.read_all()``) and runs it as one script. Real
powershell.exe reads and runs stdin line by line (so a multi-line statement must be complete on one
line); the harness sends exactly one line, so both behave the same for it.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from simlab.ps import api
from simlab.stacks import on_big_stack
from simlab.winfs import network_session
from simlab.ps.api import ErrorRecord, PSError, UnsupportedConstruct
from simlab.ps.clixml import document, error_elements, progress_element, warning_element
from simlab.ps.formatting import Formatter
from simlab.ps import cmdlets as _cmdlets  # noqa: F401  (registers the generic cmdlets)
from simlab.ps.interp import (
    BreakEx, ContinueEx, ExitEx, Runspace, ScriptBlockValue, Streams, call_depth_overflow, python_error_record,
)


@dataclass
class ScriptResult:
    output: list[Any] = field(default_factory=list)
    stdout: str = ""
    stderr: str = ""
    errors: list[ErrorRecord] = field(default_factory=list)
    exit_code: int = 0


class _Session:
    """One powershell.exe process: runspace plus the text it writes."""

    def __init__(self, machine: api.Machine, env: dict[str, str] | None,
                 write_out: Callable[[str], None] | None = None) -> None:
        self.out_parts: list[str] = []
        self.err_elements: list[str] = []
        self._write_out = write_out
        # powershell.exe with redirected output (WinRM, pipes) ends Write-Host lines with LF, not CRLF:
        # pywinrm's Windows CI asserts "こんにちは\n" for `PowerShell -Command Write-Host こんにちは`
        streams = Streams(host=lambda s: self.emit_text(s + "\n"))
        streams.on_error = lambda rec: self.err_elements.append(error_elements(rec))
        streams.on_warning = lambda t: self.err_elements.append(warning_element("WARNING: " + t))
        streams.on_progress = lambda a, s, p: self.err_elements.append(progress_element(len(self.err_elements), a, s, p))
        self.rs = Runspace(machine, streams, env)
        self.output: list[Any] = []
        self.formatter = Formatter()

    def emit_text(self, text: str) -> None:
        self.out_parts.append(text)
        if self._write_out is not None:
            self._write_out(text)

    def emit(self, item: Any) -> None:
        if item is None:
            return  # Out-Default writes nothing for $null
        self.output.append(item)
        lines = self.formatter.feed(item)
        if lines:
            self.emit_text("".join(line + "\r\n" for line in lines))

    def flush(self) -> None:
        """End of the pipeline: print what the formatter still holds (a table sized from all its rows)."""
        lines = self.formatter.close()
        if lines:
            self.emit_text("".join(line + "\r\n" for line in lines))

    def run(self, text: str, args: list[Any] | None = None, variables: dict[str, Any] | None = None) -> int:
        try:
            return on_big_stack(lambda: self._run(text, args, variables))
        finally:
            self.flush()

    def _run(self, text: str, args: list[Any] | None, variables: dict[str, Any] | None) -> int:
        for k, v in (variables or {}).items():
            self.rs.global_scope.vars[k] = v
        try:
            with network_session(self.rs.share_logons):
                self.rs.run_text(text, args or [], emit=self.emit)
        except ExitEx as exc:
            self.rs.global_scope.vars["LASTEXITCODE"] = exc.code
            return exc.code
        except (BreakEx, ContinueEx):
            return 0
        except UnsupportedConstruct as exc:
            self.rs.report_terminating(exc.record)
            return 1
        except PSError as exc:
            self.rs.report_terminating(exc.record)
            return 1
        except RecursionError:
            self.rs.report_terminating(call_depth_overflow())
            return 1
        except Exception as exc:  # never a Python traceback: the error PowerShell would report instead
            self.rs.report_terminating(python_error_record(exc))
            return 1
        return 0 if self.rs.global_scope.vars.get("?", True) else 1


def run_script(machine: api.Machine, text: str, args: list[Any] | None = None,
               variables: dict[str, Any] | None = None, env: dict[str, str] | None = None) -> ScriptResult:
    """Run a script as ``powershell.exe -Command`` would and collect output, text streams and exit code."""
    s = _Session(machine, env)
    code = s.run(text, args, variables)
    return ScriptResult(s.output, "".join(s.out_parts), document(s.err_elements), list(s.rs.streams.errors), code)


def run_block_on(machine: api.Machine, block: ScriptBlockValue, args: list[Any] | None = None,
                 caller: Runspace | None = None) -> list[Any]:
    """Run a script block in a fresh runspace on ``machine`` (PowerShell Direct / Invoke-Command -VMName).

    Terminating errors propagate to the caller as PSError; non-terminating errors are copied to the
    caller's error stream, as remoting does.
    """
    rs = Runspace(machine, Streams(), None)
    if caller is not None:
        rs.streams.on_error = caller.streams.on_error
        rs.streams.host = caller.streams.host
    with network_session(rs.share_logons):
        out = rs.invoke_block(ScriptBlockValue(block.node, block.source, block.ps_text), list(args or []),
                              scope=rs.global_scope)
    if caller is not None:
        for rec in rs.streams.errors:
            caller.error_list.insert(0, rec)
    return out


_SWITCHES = {"noprofile", "noninteractive", "nologo", "mta", "sta", "noexit"}
_VALUED = {"executionpolicy", "inputformat", "outputformat", "windowstyle", "version", "psconsolefile",
           "configurationname"}


def _match(arg: str, names: set[str] | list[str]) -> str | None:
    low = arg.lstrip("-/").lower()
    if low in names:
        return low
    hits = [n for n in names if n.startswith(low)]
    return hits[0] if len(hits) == 1 else None


def run_powershell_exe(machine: api.Machine, argv: list[str], stdin: Any, write_out: Callable[[str], None],
                       write_err: Callable[[str], None], env: dict[str, str]) -> int:
    """powershell.exe's command line (argv without the program name)."""
    script: str | None = None
    i = 0
    all_names = sorted(_SWITCHES | _VALUED | {"command", "encodedcommand", "file", "help", "ec", "enc"})
    while i < len(argv):
        a = argv[i]
        if not a.startswith(("-", "/")):
            script = " ".join(argv[i:])
            break
        low = a.lstrip("-/").lower()
        if low in ("ec", "enc", "e", "en", "encodedcommand") or (len(low) > 2 and "encodedcommand".startswith(low)):
            if i + 1 >= len(argv):
                write_err("Cannot process the command because -EncodedCommand requires a parameter. Specify a "
                          "parameter for this argument.\r\n")
                return 64
            try:
                script = base64.b64decode(argv[i + 1]).decode("utf-16-le")
            except Exception:
                write_err("Cannot process the command because the value specified with -EncodedCommand is not "
                          "properly encoded. The value must be Base64 encoded.\r\n")
                return 64
            break
        if low in ("c", "command") or (len(low) > 1 and "command".startswith(low)):
            rest = argv[i + 1:]
            if rest == ["-"]:
                script = stdin.read_all() if stdin is not None else ""
            else:
                script = " ".join(rest)
            break
        m = _match(a, _SWITCHES | _VALUED | {"file", "help"})
        if m in _SWITCHES:
            i += 1
            continue
        if m in _VALUED:
            if m == "executionpolicy" and i + 1 < len(argv) and argv[i + 1].lower() not in (
                    "restricted", "allsigned", "remotesigned", "unrestricted", "bypass", "undefined", "default"):
                write_err(f"Invalid argument '{argv[i + 1]}' to the -ExecutionPolicy parameter.\r\n")
                return 64
            i += 2
            continue
        if m == "file":
            write_err("The simulated lab does not support powershell.exe -File.\r\n")
            return 1
        write_err(f"-{a.lstrip('-/')} : The term '-{a.lstrip('-/')}' is not recognized as the name of a cmdlet, "
                  "function, script file, or operable program. Check the spelling of the name, or if a path was "
                  "included, verify that the path is correct and try again.\r\n")
        return 1
    _ = all_names
    if script is None:
        write_err("The simulated lab does not support an interactive powershell.exe session.\r\n")
        return 1
    s = _Session(machine, env, write_out)
    code = s.run(script)
    err = document(s.err_elements)
    if err:
        write_err(err)
    return code
