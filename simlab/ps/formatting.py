"""Minimal Out-String / Out-Default formatting of success output (documented simplification).

Strings and scalars print as one line each. Objects with properties print in list form
(``Name : Value``, names padded), hashtables as a two-column Name/Value table. Real PowerShell picks
table form for objects with up to four properties and uses format.ps1xml views; we do not.
"""

from __future__ import annotations

from typing import Any

from simlab.ps.api import Hashtable, PSObject, is_custom_object
from simlab.ps.values import to_string


def format_item(item: Any) -> list[str]:
    if isinstance(item, Hashtable):
        if not item:
            return []
        width = max(4, *(len(to_string(k)) for k in item))
        lines = [f"{'Name'.ljust(width)} Value", f"{'----'.ljust(width)} -----"]
        lines += [f"{to_string(k).ljust(width)} {to_string(v)}" for k, v in item.items()]
        return [""] + lines + [""]
    if isinstance(item, PSObject) and (is_custom_object(item) or item.to_string is None) and item.props:
        width = max(len(k) for k in item.props)
        lines = [f"{k.ljust(width)} : {_short(v)}" for k, v in item.props.items()]
        return [""] + lines + [""]
    return [to_string(item)]


def _short(v: Any) -> str:
    if isinstance(v, list):
        return "{" + ", ".join(to_string(x) for x in v) + "}"
    return to_string(v)


def out_string(items: list[Any]) -> str:
    lines: list[str] = []
    for item in items:
        lines.extend(format_item(item))
    return "".join(line + "\r\n" for line in lines)
