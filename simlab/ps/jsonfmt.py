"""Windows PowerShell 5.1 ConvertTo-Json / ConvertFrom-Json (JavaScriptSerializer behaviour).

Enums are numbers, DateTime is ``"\\/Date(ms)\\/"``, objects deeper than -Depth become their string
conversion, pretty output has two spaces after the colon, 4-space indentation and CRLF.
"""

from __future__ import annotations

import datetime as _dt
import json
import uuid as _uuid
from typing import Any

from simlab.ps.api import ErrorRecord, Hashtable, PSEnum, PSError, PSObject
from simlab.ps.values import EPOCH, SecureString, TypeValue, Version, to_string, format_timespan


def _string(s: str) -> str:
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch in "<>&'":
            out.append(f"\\u{o:04x}")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\b":
            out.append("\\b")
        elif ch == "\f":
            out.append("\\f")
        elif o < 0x20:
            out.append(f"\\u{o:04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


class CmdletDateTime(_dt.datetime):
    """A DateTime as Get-Date writes it: a PSObject with the DisplayHint note property (0 Date, 1 Time,
    2 DateTime), which ConvertTo-Json shows as ``{"value":"\\/Date(..)\\/","DisplayHint":2,"DateTime":".."}``.
    Arithmetic gives plain DateTimes again, as in .NET."""

    display_hint: int = 2

    @classmethod
    def of(cls, d: _dt.datetime, hint: int = 2) -> CmdletDateTime:
        obj = cls(d.year, d.month, d.day, d.hour, d.minute, d.second, d.microsecond, tzinfo=d.tzinfo)
        obj.display_hint = hint
        return obj

    def plain(self) -> _dt.datetime:
        return _dt.datetime(self.year, self.month, self.day, self.hour, self.minute, self.second, self.microsecond,
                            tzinfo=self.tzinfo)

    def __add__(self, other: Any) -> Any:
        return self.plain() + other

    __radd__ = __add__

    def __sub__(self, other: Any) -> Any:
        return self.plain() - (other.plain() if isinstance(other, CmdletDateTime) else other)

    def __rsub__(self, other: Any) -> Any:
        return other - self.plain()

    def replace(self, *args: Any, **kwargs: Any) -> Any:
        return self.plain().replace(*args, **kwargs)

    def astimezone(self, tz: Any = None) -> Any:
        return self.plain().astimezone(tz)


class _Wrapped:
    """A value that went through the pipeline as one PSObject (ConvertTo-Json shows its extended properties)."""

    def __init__(self, value: Any) -> None:
        self.value = value


def pipeline_json_value(v: Any) -> Any:
    """What ConvertTo-Json serializes for a pipeline input object (5.1: arrays and Guids carry ETS properties)."""
    if isinstance(v, (list, tuple, _uuid.UUID)):
        return _Wrapped(v)
    return v


def _long_date(d: _dt.datetime) -> str:
    from simlab.ps.values import format_datetime
    return format_datetime(d, "dddd, MMMM d, yyyy h:mm:ss tt")


def _number(v: Any) -> str:
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return repr(v).replace("e", "E")
    return str(int(v))


def to_tree(v: Any, depth: int, max_depth: int) -> Any:
    """Turn a value into ('scalar', text) / ('list', [...]) / ('dict', [(k, v)...]) honouring -Depth."""
    if v is None:
        return ("scalar", "null")
    if isinstance(v, bool):
        return ("scalar", "true" if v else "false")
    if isinstance(v, PSEnum):
        return ("scalar", str(int(v)))
    if isinstance(v, (int, float)):
        return ("scalar", _number(v))
    if isinstance(v, str):
        return ("scalar", _string(v))
    if isinstance(v, CmdletDateTime):
        return ("dict", [("value", to_tree(v.plain(), depth, max_depth)),
                         ("DisplayHint", ("scalar", str(v.display_hint))), ("DateTime", ("scalar", _string(_long_date(v))))])
    if isinstance(v, _Wrapped):
        inner = to_tree(v.value, depth, max_depth)
        if isinstance(v.value, _uuid.UUID):
            return ("dict", [("value", inner), ("Guid", inner)])
        return ("dict", [("value", inner), ("Count", ("scalar", str(len(v.value))))])
    if isinstance(v, _dt.datetime):
        ms = int((v - EPOCH).total_seconds() * 1000)
        return ("scalar", '"\\/Date(' + str(ms) + ')\\/"')
    if isinstance(v, _uuid.UUID):
        return ("scalar", _string(str(v)))
    if isinstance(v, (TypeValue, SecureString)):
        return ("scalar", _string(to_string(v)))
    if depth > max_depth:
        return ("scalar", _string(to_string(v)))
    if isinstance(v, (list, tuple, bytes, bytearray)):
        return ("list", [to_tree(x, depth + 1, max_depth) for x in v])
    if isinstance(v, Hashtable):
        return ("dict", [(to_string(k), to_tree(x, depth + 1, max_depth)) for k, x in v.items()])
    if isinstance(v, PSObject):
        return ("dict", [(k, to_tree(x, depth + 1, max_depth)) for k, x in v.props.items()])
    if isinstance(v, _dt.timedelta):
        from simlab.ps.members import _td_props
        props = _td_props(v)
        order = ["ticks", "days", "hours", "milliseconds", "minutes", "seconds", "totaldays", "totalhours",
                 "totalmilliseconds", "totalminutes", "totalseconds"]
        names = {"ticks": "Ticks", "days": "Days", "hours": "Hours", "milliseconds": "Milliseconds",
                 "minutes": "Minutes", "seconds": "Seconds", "totaldays": "TotalDays", "totalhours": "TotalHours",
                 "totalmilliseconds": "TotalMilliseconds", "totalminutes": "TotalMinutes",
                 "totalseconds": "TotalSeconds"}
        return ("dict", [(names[k], ("scalar", _number(props[k]()))) for k in order])
    if isinstance(v, Version):
        parts = list(v.parts) + [-1] * (4 - len(v.parts))
        return ("dict", [("Major", ("scalar", str(parts[0]))), ("Minor", ("scalar", str(parts[1]))),
                         ("Build", ("scalar", str(parts[2]))), ("Revision", ("scalar", str(parts[3]))),
                         ("MajorRevision", ("scalar", "-1" if parts[3] < 0 else "0")),
                         ("MinorRevision", ("scalar", str(parts[3] & 0xFFFF if parts[3] >= 0 else -1)))])
    if isinstance(v, ErrorRecord):
        return ("scalar", _string(v.message))
    return ("scalar", _string(to_string(v)))


def render(tree: Any, compress: bool, indent: int = 0) -> str:
    kind, body = tree
    if kind == "scalar":
        return body
    if compress:
        if kind == "list":
            return "[" + ",".join(render(x, True) for x in body) + "]"
        return "{" + ",".join(_string(k) + ":" + render(x, True) for k, x in body) + "}"
    pad = " " * indent
    if kind == "list":
        if not body:
            return "[\r\n\r\n" + pad + "]"
        inner = ",\r\n".join(pad + "    " + render(x, False, indent + 4) for x in body)
        return "[\r\n" + inner + "\r\n" + pad + "]"
    if not body:
        return "{\r\n\r\n" + pad + "}"
    lines = []
    for k, x in body:
        key = _string(k) + ":  "
        lines.append(pad + "    " + key + render(x, False, indent + 4 + len(key)))
    return "{\r\n" + ",\r\n".join(lines) + "\r\n" + pad + "}"


def convert_to_json(value: Any, depth: int = 2, compress: bool = False) -> str:
    return render(to_tree(value, 0, depth), compress)


def _to_ps(v: Any) -> Any:
    if isinstance(v, dict):
        return PSObject([(k, _to_ps(x)) for k, x in v.items()])
    if isinstance(v, list):
        return [_to_ps(x) for x in v]
    if isinstance(v, str) and v.startswith("/Date(") and v.endswith(")/"):
        try:
            return EPOCH + _dt.timedelta(milliseconds=int(v[6:-2]))
        except ValueError:
            return v
    return v


def convert_from_json(text: str) -> Any:
    try:
        data = json.loads(text.replace("\\/", "/") if "\\/Date(" in text else text)
    except json.JSONDecodeError as exc:
        raise PSError(ErrorRecord(f"Invalid JSON primitive: {text.strip()[:20]}.", "System.ArgumentException",
                                  "NotSpecified", "System.ArgumentException")) from exc
    return _to_ps(data)


_ = format_timespan
