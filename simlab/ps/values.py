"""PowerShell value semantics on the Python values of :mod:`simlab.ps.api`.

Conversions (string, bool, number, casts), comparison with PowerShell's left-hand-type rules,
arithmetic, wildcard/regex helpers, and the small .NET helper types the interpreter needs
(type literals, exceptions, versions, secure strings).
"""

from __future__ import annotations

import datetime as _dt
import math
import re
import uuid as _uuid
from typing import Any

from simlab.ps.api import ErrorRecord, Hashtable, PSEnum, PSError, PSObject, is_custom_object

EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)
# DateTime.Kind rides on the tzinfo: ``timezone.utc`` is Utc, a zone named "Unspecified" is Unspecified,
# any other zone is the machine's local time (a host whose clock runs in UTC gets a zero-offset zone
# named "Local", which compares and subtracts like UTC, as on a UTC host).
LOCAL = _dt.timezone(_dt.timedelta(0), "Local")
UNSPECIFIED = _dt.timezone(_dt.timedelta(0), "Unspecified")


def date_kind(d: _dt.datetime) -> str:
    """``DateTimeKind`` name of a DateTime: Local, Utc or Unspecified."""
    if d.tzinfo is None or d.tzinfo is UNSPECIFIED:
        return "Unspecified"
    return "Utc" if d.tzinfo is _dt.timezone.utc else "Local"


def with_kind(d: _dt.datetime, kind: str) -> _dt.datetime:
    """``d`` as the same instant with another Kind (Local keeps a machine zone the value already has)."""
    if kind == "Utc":
        return d.astimezone(_dt.timezone.utc) if d.tzinfo not in (None, UNSPECIFIED) else d.replace(tzinfo=_dt.timezone.utc)
    if kind == "Unspecified":
        return d.replace(tzinfo=UNSPECIFIED)
    if d.tzinfo is None or d.tzinfo is UNSPECIFIED or d.utcoffset() == _dt.timedelta(0):
        return d.replace(tzinfo=LOCAL)
    return d
DOTNET_EPOCH = _dt.datetime(1, 1, 1, tzinfo=_dt.timezone.utc)


# --------------------------------------------------------------------------- helper types


class TypeValue:
    """A type literal such as ``[string]`` (what ``[string]`` evaluates to, and ``GetType()``)."""

    def __init__(self, full_name: str) -> None:
        self.full_name = full_name

    @property
    def name(self) -> str:
        return self.full_name.rsplit(".", 1)[-1]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TypeValue) and other.full_name.lower() == self.full_name.lower()

    def __hash__(self) -> int:
        return hash(self.full_name.lower())

    def __repr__(self) -> str:
        return f"[{self.full_name}]"


class ExceptionValue:
    """A .NET exception as scripts see it through ``$_.Exception``."""

    def __init__(self, type_name: str, message: str, record: ErrorRecord | None = None, inner: Any = None,
                 hresult: int | None = None) -> None:
        self.type_name = type_name
        self.message = message
        self.record = record
        self.inner = inner
        self.hresult = hresult


class Version:
    """System.Version."""

    def __init__(self, *parts: int) -> None:
        self.parts = tuple(parts)

    @classmethod
    def parse(cls, text: str) -> Version:
        try:
            parts = tuple(int(p) for p in str(text).strip().split("."))
        except ValueError:
            raise cast_error(text, "System.Version", "Version string portion was too short or too long.") from None
        if not 2 <= len(parts) <= 4:
            raise cast_error(text, "System.Version", "Version string portion was too short or too long.")
        return cls(*parts)

    def __str__(self) -> str:
        return ".".join(str(p) for p in self.parts)

    def _key(self) -> tuple[int, ...]:
        return self.parts + (-1,) * (4 - len(self.parts))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Version) and self._key() == other._key()

    def __lt__(self, other: Version) -> bool:
        return self._key() < other._key()

    def __hash__(self) -> int:
        return hash(self._key())


class SecureString:
    """System.Security.SecureString: keeps the text, never prints it."""

    def __init__(self, plain: str) -> None:
        self._plain = plain

    def reveal(self) -> str:
        return self._plain

    def __repr__(self) -> str:
        return "SecureString(***)"


class ArrayList(list):  # type: ignore[type-arg]
    """System.Collections.ArrayList / Generic.List: a list whose Add() returns the index."""

    def __init__(self, items: Any = (), generic: bool = False) -> None:
        super().__init__(items)
        self.generic = generic


def cast_error(value: Any, type_name: str, detail: str) -> PSError:
    return PSError(ErrorRecord(
        f'Cannot convert value "{to_string(value)}" to type "{type_name}". Error: "{detail}"',
        "InvalidCastParseTargetInvocation", "InvalidArgument",
        "System.Management.Automation.RuntimeException"))


def runtime_error(message: str, error_id: str = "RuntimeException", category: str = "InvalidOperation",
                  exception_type: str = "System.Management.Automation.RuntimeException") -> PSError:
    return PSError(ErrorRecord(message, error_id, category, exception_type))


# --------------------------------------------------------------------------- enumeration


def is_enumerable(v: Any) -> bool:
    """PowerShell enumerates arrays and lists in pipelines; never strings or hashtables."""
    return isinstance(v, (list, tuple, bytes, bytearray))


def as_list(v: Any) -> list[Any]:
    """``@(v)``: None → [], arrays → their items, anything else → [v]."""
    if v is None:
        return []
    if isinstance(v, (bytes, bytearray)):
        return list(v)
    if isinstance(v, (list, tuple)):
        return list(v)
    return [v]


def unwrap(items: list[Any]) -> Any:
    """Pipeline output as an assignment sees it: nothing → None, one item → the item, more → a list."""
    if not items:
        return None
    if len(items) == 1:
        return items[0]
    return list(items)


# --------------------------------------------------------------------------- strings


def format_double(v: float) -> str:
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    text = repr(v)
    if "e" in text:
        mant, exp = text.split("e")
        sign = "-" if exp.startswith("-") else "+"
        return f"{mant}E{sign}{exp.lstrip('+-').zfill(2)}"
    return text


def format_timespan(td: _dt.timedelta) -> str:
    total = td.days * 86400 + td.seconds
    neg = td < _dt.timedelta(0)
    if neg:
        td = -td
        total = td.days * 86400 + td.seconds
    days, rem = divmod(total, 86400)
    h, rem = divmod(rem, 3600)
    m, s = divmod(rem, 60)
    text = f"{h:02d}:{m:02d}:{s:02d}"
    if days:
        text = f"{days}.{text}"
    if td.microseconds:
        text += f".{td.microseconds * 10:07d}"
    return ("-" if neg else "") + text


def to_string(v: Any, ofs: str = " ") -> str:
    """PowerShell's string conversion (what "$v" and [string]$v give; invariant culture)."""
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, PSEnum):
        return v.name
    if isinstance(v, bool):
        return "True" if v else "False"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return format_double(v)
    if isinstance(v, (list, tuple)):
        return ofs.join(to_string(x, ofs) for x in v)
    if isinstance(v, (bytes, bytearray)):
        return ofs.join(str(b) for b in v)
    if isinstance(v, _dt.datetime):
        return v.strftime("%m/%d/%Y %H:%M:%S")
    if isinstance(v, _dt.timedelta):
        return format_timespan(v)
    if isinstance(v, _uuid.UUID):
        return str(v)
    if isinstance(v, Hashtable):
        return "System.Collections.Specialized.OrderedDictionary" if v.ordered else "System.Collections.Hashtable"
    if isinstance(v, PSObject):
        if v.to_string is not None:
            return v.to_string()
        if is_custom_object(v):
            return "@{" + "; ".join(f"{k}={to_string(x)}" for k, x in v.props.items()) + "}"
        return v.type_name
    if isinstance(v, ErrorRecord):
        return v.message
    if isinstance(v, ExceptionValue):
        return v.message
    if isinstance(v, TypeValue):
        return v.full_name
    if isinstance(v, Version):
        return str(v)
    if isinstance(v, SecureString):
        return "System.Security.SecureString"
    text = getattr(v, "ps_text", None)
    if text is not None:  # ScriptBlockValue
        return text
    return type_name_of(v)


def type_name_of(v: Any) -> str:
    """The .NET full type name PowerShell reports for a value."""
    if v is None:
        return "null"
    if isinstance(v, PSEnum):
        return v.type_name
    if isinstance(v, bool):
        return "System.Boolean"
    if isinstance(v, int):
        return "System.Int32" if -(2**31) <= v < 2**31 else "System.Int64"
    if isinstance(v, float):
        return "System.Double"
    if isinstance(v, str):
        return "System.String"
    if isinstance(v, ArrayList):
        return "System.Collections.Generic.List`1[[System.Object]]" if v.generic else "System.Collections.ArrayList"
    if isinstance(v, (list, tuple)):
        return "System.Object[]"
    if isinstance(v, (bytes, bytearray)):
        return "System.Byte[]"
    if isinstance(v, Hashtable):
        return "System.Collections.Specialized.OrderedDictionary" if v.ordered else "System.Collections.Hashtable"
    if isinstance(v, PSObject):
        return v.type_name
    if isinstance(v, _dt.datetime):
        return "System.DateTime"
    if isinstance(v, _dt.timedelta):
        return "System.TimeSpan"
    if isinstance(v, _uuid.UUID):
        return "System.Guid"
    if isinstance(v, ErrorRecord):
        return "System.Management.Automation.ErrorRecord"
    if isinstance(v, ExceptionValue):
        return v.type_name
    if isinstance(v, TypeValue):
        return "System.RuntimeType"
    if isinstance(v, Version):
        return "System.Version"
    if isinstance(v, SecureString):
        return "System.Security.SecureString"
    if getattr(v, "ps_text", None) is not None:
        return "System.Management.Automation.ScriptBlock"
    return "System.Object"


# --------------------------------------------------------------------------- bool / numbers


def to_bool(v: Any) -> bool:
    if v is None:
        return False
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return v != 0
    if isinstance(v, str):
        return len(v) > 0
    if isinstance(v, (list, tuple)):
        if len(v) == 0:
            return False
        if len(v) == 1:
            return to_bool(v[0]) if not isinstance(v[0], (list, tuple)) else len(v[0]) > 0
        return True
    if getattr(v, "is_switch", False):
        return bool(v.value)
    return True


_HEX = re.compile(r"^\s*(-?)0x([0-9a-f]+)\s*$", re.I)
_SUFFIX = {"kb": 1024, "mb": 1024**2, "gb": 1024**3, "tb": 1024**4, "pb": 1024**5}


def parse_number(text: str) -> int | float | None:
    """A number from text as PowerShell parses it, or None."""
    t = text.strip()
    if t == "":
        return 0
    m = _HEX.match(t)
    if m:
        n = int(m.group(2), 16)
        return -n if m.group(1) else n
    mult = 1
    low = t.lower()
    for suf, factor in _SUFFIX.items():
        if low.endswith(suf):
            mult, t = factor, t[:-2]
            break
    try:
        return int(t.replace("_", "x")) * mult  # '_' is not valid in PS numbers
    except ValueError:
        pass
    try:
        f = float(t)
    except ValueError:
        return None
    if t.lower() in ("nan", "inf", "-inf", "infinity", "-infinity"):
        return None
    return f * mult


def to_number(v: Any, type_name: str = "System.Int32") -> int | float:
    """Numeric conversion for arithmetic and comparison."""
    if v is None:
        return 0
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, (int, float)):
        return v
    if isinstance(v, str):
        n = parse_number(v)
        if n is None:
            raise cast_error(v, type_name, "Input string was not in a correct format.")
        return n
    if isinstance(v, (list, tuple)) and len(v) == 1:
        return to_number(v[0], type_name)
    if isinstance(v, _dt.timedelta):
        raise cast_error(v, type_name, "Invalid cast from 'TimeSpan' to 'Int32'.")
    raise cast_error(v, type_name, f'Cannot convert the "{to_string(v)}" value of type "{type_name_of(v)}" '
                                   f'to type "{type_name}".')


def to_int(v: Any, bits: int = 32, unsigned: bool = False, type_name: str = "System.Int32") -> int:
    n = to_number(v, type_name)
    if isinstance(n, float):
        # .NET rounds half to even when converting doubles to integers
        n = int(round(n))
    lo, hi = (0, 2**bits - 1) if unsigned else (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)
    if not lo <= n <= hi:
        raise cast_error(v, type_name, f"Value was either too large or too small for an {type_name.split('.')[-1]}.")
    return n


# --------------------------------------------------------------------------- dates


_DATE_FORMATS = (
    "%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d",
    "%m/%d/%Y %H:%M", "%m/%d/%y", "%m/%d/%y %H:%M:%S", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p",
)


def parse_datetime(text: str) -> _dt.datetime:
    t = text.strip()
    m = re.match(r"^/Date\((-?\d+)\)/$", t)
    if m:
        return EPOCH + _dt.timedelta(milliseconds=int(m.group(1)))
    iso = t.replace("Z", "+0000") if t.endswith("Z") else t
    iso = re.sub(r"([+-]\d\d):(\d\d)$", r"\1\2", iso)
    iso = re.sub(r"\.(\d{6})\d+", r".\1", iso)
    for fmt in _DATE_FORMATS:
        try:
            d = _dt.datetime.strptime(iso, fmt)
        except ValueError:
            continue
        if d.tzinfo is None:
            return d.replace(tzinfo=UNSPECIFIED)  # DateTime.Parse without an offset: Kind Unspecified
        return d.astimezone(_dt.timezone.utc).replace(tzinfo=LOCAL)  # with one: converted to local time
    raise cast_error(text, "System.DateTime", "String was not recognized as a valid DateTime.")


def to_datetime(v: Any) -> _dt.datetime:
    if isinstance(v, _dt.datetime):
        return v if v.tzinfo else v.replace(tzinfo=_dt.timezone.utc)
    if isinstance(v, str):
        return parse_datetime(v)
    if isinstance(v, int) and not isinstance(v, bool):
        return DOTNET_EPOCH + _dt.timedelta(microseconds=v // 10)
    raise cast_error(v, "System.DateTime", f'Cannot convert the "{to_string(v)}" value of type '
                                           f'"{type_name_of(v)}" to type "System.DateTime".')


def ticks(d: _dt.datetime) -> int:
    delta = d - DOTNET_EPOCH
    return (delta.days * 86400 + delta.seconds) * 10_000_000 + delta.microseconds * 10


_NET_FORMAT = re.compile(r"yyyy|yy|MMMM|MMM|MM|M|dddd|ddd|dd|d|HH|H|hh|h|mm|m|ss|s|fffffff|ffffff|fff|ff|f|tt|K|zzz|'[^']*'|\\.|.", re.S)


def format_datetime(d: _dt.datetime, fmt: str | None) -> str:
    """DateTime.ToString(format) for the invariant/en-US culture (standard 'o', 's', 'u' and custom formats)."""
    if fmt is None or fmt == "":
        h = d.hour % 12 or 12
        return f"{d.month}/{d.day}/{d.year} {h}:{d.minute:02d}:{d.second:02d} {'AM' if d.hour < 12 else 'PM'}"
    if fmt == "o" or fmt == "O":
        return d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond * 10:07d}" + ("Z" if d.utcoffset() == _dt.timedelta(0) else d.strftime("%z")[:3] + ":" + d.strftime("%z")[3:])
    if fmt == "s":
        return d.strftime("%Y-%m-%dT%H:%M:%S")
    if fmt == "u":
        return d.strftime("%Y-%m-%d %H:%M:%SZ")
    if len(fmt) == 1:
        if fmt == "d":
            return f"{d.month}/{d.day}/{d.year}"
        if fmt == "D":
            return d.strftime("%A, %B ") + f"{d.day}, {d.year}"
        if fmt in ("g", "G"):
            return format_datetime(d, None) if fmt == "G" else format_datetime(d, "M/d/yyyy h:mm tt")
        raise runtime_error(f'Exception calling "ToString" with "1" argument(s): "Input string was not in a correct format."',
                            "FormatException", "NotSpecified", "System.FormatException")
    out = []
    for tok in _NET_FORMAT.findall(fmt):
        out.append({
            "yyyy": f"{d.year:04d}", "yy": f"{d.year % 100:02d}", "MMMM": d.strftime("%B"), "MMM": d.strftime("%b"),
            "MM": f"{d.month:02d}", "M": str(d.month), "dddd": d.strftime("%A"), "ddd": d.strftime("%a"),
            "dd": f"{d.day:02d}", "d": str(d.day), "HH": f"{d.hour:02d}", "H": str(d.hour),
            "hh": f"{d.hour % 12 or 12:02d}", "h": str(d.hour % 12 or 12), "mm": f"{d.minute:02d}",
            "m": str(d.minute), "ss": f"{d.second:02d}", "s": str(d.second),
            "fffffff": f"{d.microsecond * 10:07d}", "ffffff": f"{d.microsecond:06d}",
            "fff": f"{d.microsecond // 1000:03d}", "ff": f"{d.microsecond // 10000:02d}", "f": str(d.microsecond // 100000),
            "tt": "AM" if d.hour < 12 else "PM", "K": "Z" if d.utcoffset() == _dt.timedelta(0) else "",
            "zzz": "+00:00",
        }.get(tok, tok[1:-1] if tok.startswith("'") and len(tok) > 1 else tok[1:] if tok.startswith("\\") else tok))
    return "".join(out)


# --------------------------------------------------------------------------- comparison


def _fold(s: str, case: bool) -> str:
    return s if case else s.lower()


def equals(a: Any, b: Any, case: bool = False) -> bool:
    """``a -eq b`` for a scalar ``a`` (conversion to the left operand's type)."""
    if a is None:
        return b is None
    if b is None:
        return False
    if isinstance(a, PSEnum):
        if isinstance(b, str):
            n = parse_number(b)
            return int(a) == n if n is not None else a.name.lower() == b.strip().lower()
        try:
            return int(a) == to_number(b)
        except PSError:
            return False
    if isinstance(a, str):
        return _fold(a, case) == _fold(to_string(b), case)
    if isinstance(a, bool):
        return a == to_bool(b)
    if isinstance(a, (int, float)):
        try:
            return a == to_number(b)
        except PSError:
            return False
    if isinstance(a, _dt.datetime):
        try:
            return a == to_datetime(b)
        except PSError:
            return False
    if isinstance(a, _uuid.UUID):
        return str(a) == to_string(b).strip().lower().strip("{}")
    if isinstance(a, Version):
        try:
            return a == (b if isinstance(b, Version) else Version.parse(to_string(b)))
        except PSError:
            return False
    if isinstance(a, (list, tuple)):
        return a is b
    if isinstance(a, PSObject) and isinstance(b, PSObject):
        return a is b or (a.ref is not None and a.ref is b.ref)
    return a is b or a == b


def compare(a: Any, b: Any, case: bool = False) -> int:
    """-1/0/1 for ``a`` vs ``b`` with conversion to ``a``'s type (for -lt/-gt and Sort-Object)."""
    if a is None and b is None:
        return 0
    if a is None:
        return -1
    if b is None:
        return 1
    try:
        if isinstance(a, str):  # en-US culture order: letters case-insensitively, then lower case first
            x, y = _fold(a, case), _fold(to_string(b), case)
            if case:
                x, y = (a.lower(), a.swapcase()), (to_string(b).lower(), to_string(b).swapcase())
        elif isinstance(a, PSEnum) or (isinstance(a, (int, float)) and not isinstance(a, bool)):
            x, y = a, to_number(b)
        elif isinstance(a, bool):
            x, y = int(a), int(to_bool(b))
        elif isinstance(a, _dt.datetime):
            x, y = a, to_datetime(b)
        elif isinstance(a, _dt.timedelta):
            x, y = a, b
        elif isinstance(a, Version):
            x, y = a, b if isinstance(b, Version) else Version.parse(to_string(b))
        else:
            x, y = to_string(a).lower(), to_string(b).lower()
        return (x > y) - (x < y)
    except TypeError:
        raise runtime_error(f'Cannot compare "{to_string(a)}" because it is not IComparable.', "NotIcomparable") from None


# --------------------------------------------------------------------------- patterns


def wildcard_regex(pattern: str, case: bool = False) -> re.Pattern[str]:
    out = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "`" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        if c == "*":
            out.append(".*")
        elif c == "?":
            out.append(".")
        elif c == "[":
            j = pattern.find("]", i + 1)
            if j == -1:
                out.append(re.escape(c))
            else:
                out.append("[" + pattern[i + 1:j].replace("\\", "\\\\") + "]")
                i = j
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("^" + "".join(out) + "$", re.S | (0 if case else re.I))


def like(value: Any, pattern: Any, case: bool = False) -> bool:
    return bool(wildcard_regex(to_string(pattern), case).match(to_string(value)))


def dotnet_regex(pattern: str, case: bool = False) -> re.Pattern[str]:
    """Compile a .NET regular expression (named groups translated) case-insensitively by default."""
    py = re.sub(r"\(\?<([A-Za-z_]\w*)>", r"(?P<\1>", pattern)
    py = re.sub(r"\\k<([A-Za-z_]\w*)>", r"(?P=\1)", py)
    py = re.sub(r"(\\[wdsWDS])-", r"\1\\-", py)  # .NET reads [\w-.] as \w, '-', '.'; Python needs \-
    try:
        return re.compile(py, 0 if case else re.I)
    except re.error as exc:
        raise runtime_error(f'The regular expression pattern {pattern} is not valid.', "InvalidRegularExpression",
                            "InvalidOperation", "System.ArgumentException") from exc


def dotnet_replacement(repl: str) -> str:
    """Translate a .NET replacement string ($1, ${name}, $0, $$) to Python's re syntax."""
    out = []
    i = 0
    while i < len(repl):
        c = repl[i]
        if c == "$" and i + 1 < len(repl):
            n = repl[i + 1]
            if n == "$":
                out.append("$")
                i += 2
                continue
            if n.isdigit():
                j = i + 1
                while j < len(repl) and repl[j].isdigit():
                    j += 1
                out.append(f"\\g<{repl[i + 1:j]}>")
                i = j
                continue
            if n == "{":
                j = repl.find("}", i)
                if j != -1:
                    out.append(f"\\g<{repl[i + 2:j]}>")
                    i = j + 1
                    continue
        out.append("\\\\" if c == "\\" else c)
        i += 1
    return "".join(out)


def matches_table(m: re.Match[str]) -> Hashtable:
    h = Hashtable()
    for name, idx in sorted(m.re.groupindex.items(), key=lambda kv: kv[1]):
        if m.group(idx) is not None:
            h[name] = m.group(idx)
    for i in range(m.re.groups, 0, -1):
        if m.group(i) is not None and i not in m.re.groupindex.values():
            h[i] = m.group(i)
    h[0] = m.group(0)
    return h


# --------------------------------------------------------------------------- .NET format strings


_FMT_ITEM = re.compile(r"\{\{|\}\}|\{(\d+)(?:,(-?\d+))?(?::([^}]*))?\}")


def _two_complement(n: int) -> int:
    """The bits .NET formats with X: Int32 values as 32 bits, larger ones as Int64 (Python ints are unbounded)."""
    if n >= 0:
        return n
    return n & 0xFFFFFFFF if n >= -(2**31) else n & 0xFFFFFFFFFFFFFFFF


def _net_round(v: float | int, digits: int) -> str:
    """Fixed-point text as .NET Framework formats a Double: 15 significant digits, then half away from zero."""
    import decimal
    d = decimal.Decimal(v) if isinstance(v, int) else decimal.Decimal(f"{v:.15g}")
    q = d.quantize(decimal.Decimal(1).scaleb(-digits), rounding=decimal.ROUND_HALF_UP)
    text = f"{q:f}"
    return "0" + text[2:] if text.startswith("-0") and not q else text  # no "-0.00"


def _grouped(text: str) -> str:
    sign = "-" if text.startswith("-") else ""
    intpart, dot, frac = text.lstrip("-").partition(".")
    return sign + f"{int(intpart):,}" + dot + frac


def _format_error() -> PSError:
    return runtime_error("Error formatting a string: Format specifier was invalid..", "FormatError")


def format_value(v: Any, spec: str | None) -> str:
    """One ``{i:spec}`` item of ``-f``/``[string]::Format`` as .NET (invariant culture) formats it."""
    if not spec:
        return to_string(v)
    if isinstance(v, _dt.datetime):
        return format_datetime(v, spec)
    if isinstance(v, bool) or isinstance(v, str) or v is None:
        return to_string(v)  # String and Boolean are not IFormattable: .NET ignores the format
    m = re.match(r"^([NnFfDdXxPpCcEeGg])(\d*)$", spec)
    if m and isinstance(v, (int, float)):
        n = int(v) if isinstance(v, PSEnum) else v
        kind, digits = m.group(1), m.group(2)
        k = kind.upper()
        prec = int(digits) if digits else None
        if k == "N":
            return _grouped(_net_round(n, 2 if prec is None else prec))
        if k == "F":
            return _net_round(n, 2 if prec is None else prec)
        if k == "D":
            if isinstance(n, float):
                raise _format_error()
            body = str(abs(n)).zfill(prec or 1)
            return ("-" if n < 0 else "") + body
        if k == "X":
            if isinstance(n, float):
                raise _format_error()
            text = f"{_two_complement(n):0{prec or 1}X}"
            return text if kind == "X" else text.lower()
        if k == "P":
            return _grouped(_net_round(n * 100, 2 if prec is None else prec)) + " %"
        if k == "G":
            return to_string(n)
        if k == "E":
            mant, _, exp = f"{n:.{6 if prec is None else prec}E}".partition("E")
            return f"{mant}{'e' if kind == 'e' else 'E'}{exp[0]}{int(exp[1:]):03d}"  # .NET: 3-digit exponent
    if isinstance(v, (int, float)) and re.fullmatch(r"[0#,.]+", spec):
        decimals = len(spec.split(".")[1]) if "." in spec else 0
        text = _net_round(v, decimals)
        text = _grouped(text) if "," in spec else text
        zeros = len(spec.split(".")[0].replace(",", "").replace("#", ""))
        sign = "-" if text.startswith("-") else ""
        intpart, _, frac = text.lstrip("-").partition(".")
        intpart = intpart.zfill(zeros) if zeros else intpart
        return sign + intpart + ("." + frac if frac else "")
    raise runtime_error(f"Error formatting a string: the format specifier '{spec}' is not supported by the simulator.",
                        "FormatError")


def format_operator(fmt: str, args: list[Any]) -> str:
    """``'{0} {1:N2}' -f $a, $b``."""
    def sub(m: re.Match[str]) -> str:
        tok = m.group(0)
        if tok == "{{":
            return "{"
        if tok == "}}":
            return "}"
        idx = int(m.group(1))
        if idx >= len(args):
            raise runtime_error("Error formatting a string: Index (zero based) must be greater than or equal to zero "
                                "and less than the size of the argument list..", "FormatError")
        text = format_value(args[idx], m.group(3))
        width = m.group(2)
        if width:
            w = int(width)
            text = text.ljust(-w) if w < 0 else text.rjust(w)
        return text
    return _FMT_ITEM.sub(sub, fmt)
