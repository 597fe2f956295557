"""THE place for Windows PowerShell 5.1 ``ConvertTo-Json`` normalisation.

Templates build their output carefully (see docs/remote.md), but the parsing side still accepts
what raw 5.1 JSON looks like (reference/hyperv-powershell.md §6):

* ``"\\/Date(1574202819000)\\/"`` (after ``json.loads``: ``/Date(1574202819000)/``) → aware UTC datetime;
* a PSObject-wrapped scalar ``{"value": ..., "DisplayHint": 2, "DateTime": "..."}`` or
  ``{"value": "<guid>", "Guid": "<guid>"}`` → the value;
* a TimeSpan object ``{"Ticks": ..., "TotalSeconds": ...}`` → ``timedelta``;
* one object where a list was expected, and empty output for no items → use :func:`as_list`;
* drive letters ``"\\u0000"``, ``""`` or ``null`` → ``None`` (:func:`drive_letter`);
* enums stay integers (5.1 writes them as numbers; the callers compare against documented values).
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from typing import Any

_DATE_RE = re.compile(r"^/Date\((-?\d+)(?:([+-])(\d{2})(\d{2}))?\)/$")
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
# Extended-type-system properties PowerShell 5.1 adds around a wrapped scalar.
_ETS_KEYS = {"DisplayHint", "DateTime", "Guid", "PSPath", "PSParentPath", "PSChildName", "PSDrive",
             "PSProvider", "ReadCount", "Length"}
_TIMESPAN_KEYS = {"Ticks", "Days", "Hours", "Milliseconds", "Minutes", "Seconds", "TotalDays",
                  "TotalHours", "TotalMilliseconds", "TotalMinutes", "TotalSeconds"}


def loads(text: str | bytes | None) -> Any:
    """Parse 5.1 JSON text and normalise it. Empty or whitespace-only output means "no items": ``[]``."""
    if isinstance(text, bytes):
        text = text.decode("utf-8-sig", errors="strict")
    if text is None or not text.strip():
        return []
    return normalize(json.loads(text.lstrip("\ufeff")))


def normalize(value: Any) -> Any:
    """Recursively convert the 5.1 quirks in a decoded JSON value (dates, wrapped scalars, TimeSpans)."""
    if isinstance(value, str):
        parsed = _parse_ms_date(value)
        return parsed if parsed is not None else value
    if isinstance(value, list):
        return [normalize(v) for v in value]
    if isinstance(value, dict):
        keys = set(value)
        if "value" in keys and len(keys) > 1 and keys - {"value"} <= _ETS_KEYS:
            return normalize(value["value"])
        if keys == _TIMESPAN_KEYS and isinstance(value.get("Ticks"), int):
            return _dt.timedelta(microseconds=value["Ticks"] / 10)
        return {k: normalize(v) for k, v in value.items()}
    return value


def _parse_ms_date(text: str) -> _dt.datetime | None:
    m = _DATE_RE.match(text)
    if not m:
        return None
    result = _EPOCH + _dt.timedelta(milliseconds=int(m.group(1)))
    if m.group(2):  # DataContractJsonSerializer style /Date(ms+0900)/: ms are UTC, offset is display
        sign = 1 if m.group(2) == "+" else -1
        offset = _dt.timedelta(hours=int(m.group(3)), minutes=int(m.group(4))) * sign
        return result.astimezone(_dt.timezone(offset))
    return result


def parse_date(value: Any) -> _dt.datetime | None:
    """A timezone-aware datetime from ``/Date(ms)/``, ISO 8601 text or a datetime; None for no value.

    ISO text without an offset is taken as UTC (templates write ``ToUniversalTime().ToString('o')``).
    """
    if value is None or value == "":
        return None
    if isinstance(value, _dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=_dt.UTC)
    if isinstance(value, dict):
        value = normalize(value)
        return parse_date(value)
    if not isinstance(value, str):
        raise ValueError(f"not a date: {value!r}")
    parsed = _parse_ms_date(value.replace("\\/", "/"))
    if parsed is not None:
        return parsed
    text = value.strip()
    # .NET 'o' format has 7 fractional digits; Python accepts at most 6.
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = _dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not a date: {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=_dt.UTC)


def as_list(value: Any) -> list[Any]:
    """A list from what 5.1 writes for "zero, one or many items": None/""/[] → [], object → [object]."""
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return value
    return [value]


def drive_letter(value: Any) -> str | None:
    """A drive letter ``"C"`` from ``"C"``, ``"C:"`` or ``"C:\\\\"``; None for ``"\\u0000"``, ``""``, ``null``.

    ``Get-Volume`` reports volumes without a letter with DriveLetter ``[char]0``, which 5.1 writes as
    ``"\\u0000"``; some providers write an empty string instead.
    """
    if value is None:
        return None
    text = str(value).strip("\x00").strip()
    if not text:
        return None
    letter = text[0]
    return letter.upper() if letter.isalpha() else None


def as_int(value: Any) -> int | None:
    """An enum or number as ``int`` (5.1 writes enums as numbers, Int64-backed ones as names → None)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    return None


def timespan_seconds(value: Any) -> float | None:
    """Seconds from a TimeSpan as 5.1 writes it (object), a ``timedelta`` or a number."""
    if value is None:
        return None
    if isinstance(value, _dt.timedelta):
        return value.total_seconds()
    if isinstance(value, dict):
        norm = normalize(value)
        if isinstance(norm, _dt.timedelta):
            return norm.total_seconds()
        if "TotalSeconds" in value:
            return float(value["TotalSeconds"])
    if isinstance(value, (int, float)):
        return float(value)
    raise ValueError(f"not a TimeSpan: {value!r}")
