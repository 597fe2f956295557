"""The CLIXML stream powershell.exe writes on stderr when its output is redirected (what WinRM carries)."""

from __future__ import annotations

from xml.sax.saxutils import escape

from simlab.ps.api import ErrorRecord
from simlab.ps.values import to_string, type_name_of

HEADER = "#< CLIXML\r\n"
OBJS_OPEN = '<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">'


def _encode(text: str) -> str:
    """CLIXML string encoding: XML escapes plus _xHHHH_ for control characters (CR LF → _x000D__x000A_)."""
    out = []
    for ch in text:
        if ch in "\r\n\t" or ord(ch) < 0x20:
            out.append(f"_x{ord(ch):04X}_")
        else:
            out.append(ch)
    return escape("".join(out))


def error_lines(rec: ErrorRecord) -> list[str]:
    """The error as the console host formats it (``Command : message``, position, CategoryInfo, FQID)."""
    lines = []
    pos = getattr(rec, "position", None)
    if rec.category == "ParserError" and pos:
        # a ParseException: its message starts with the position, and the record's reason is the
        # ParentContainsErrorRecordException that carries it (console output of powershell.exe 5.1)
        line, col, text, length = pos
        return [f"At line:{line} char:{col}", f"+ {text}", "+ " + " " * (col - 1) + "~" * max(1, length), rec.message,
                "    + CategoryInfo          : ParserError: (:) [], ParentContainsErrorRecordException",
                f"    + FullyQualifiedErrorId : {rec.fully_qualified_error_id}", " "]
    remote = getattr(rec, "computer_name", None)  # an error from a remote runspace (simlab.ps.remoting)
    head = f"{rec.command} : {rec.message}" if rec.command and not remote else rec.message
    lines.append(head)
    if pos:
        line, col, text, length = pos
        lines.append(f"At line:{line} char:{col}")
        lines.append(f"+ {text}")
        lines.append("+ " + " " * (col - 1) + "~" * max(1, length))
    reason = getattr(rec, "remote_reason", None) or rec.exception_type.rsplit(".", 1)[-1]
    target = "" if rec.target is None else to_string(rec.target)
    ttype = "" if rec.target is None else type_name_of(rec.target).rsplit(".", 1)[-1]
    lines.append(f"    + CategoryInfo          : {rec.category}: ({target}:{ttype}) [{rec.command or ''}], {reason}")
    lines.append(f"    + FullyQualifiedErrorId : {rec.fully_qualified_error_id}")
    if remote:
        lines.append(f"    + PSComputerName        : {remote}")
    lines.append(" ")
    return lines


def error_elements(rec: ErrorRecord) -> str:
    return "".join(f'<S S="Error">{_encode(line + chr(13) + chr(10))}</S>' for line in error_lines(rec))


def warning_element(text: str) -> str:
    return f'<S S="warning">{_encode(text + chr(13) + chr(10))}</S>'


def progress_element(ref: int, activity: str, status: str, percent: int) -> str:
    return (f'<Obj S="progress" RefId="{ref}"><TN RefId="0"><T>System.Management.Automation.PSCustomObject</T>'
            f'<T>System.Object</T></TN><MS><I64 N="SourceId">1</I64><PR N="Record"><AV>{_encode(activity)}</AV>'
            f'<AI>0</AI><Nil /><PI>-1</PI><PC>{percent}</PC><T>Processing</T><SR>-1</SR>'
            f'<SD>{_encode(status)}</SD></PR></MS></Obj>')


def document(elements: list[str]) -> str:
    """The whole stderr text; empty when nothing was written."""
    if not elements:
        return ""
    return HEADER + OBJS_OPEN + "".join(elements) + "</Objs>"
