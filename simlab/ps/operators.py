"""Binary operators: arithmetic with PowerShell's left-operand rules, comparison with array filtering."""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any

from simlab.ps.api import ErrorRecord, Hashtable, PSError
from simlab.ps.values import (
    as_list, compare, dotnet_regex, dotnet_replacement, equals, like, matches_table, runtime_error, to_number,
    to_string, type_name_of,
)


def _num(v: Any) -> int | float:
    return to_number(v, "System.Double" if isinstance(v, float) else "System.Int32")


def arithmetic(op: str, a: Any, b: Any) -> Any:
    if op == "+":
        if a is None:
            return b if not isinstance(b, str) else b
        if isinstance(a, (list, tuple)):
            return list(a) + (list(b) if isinstance(b, (list, tuple)) else [b])
        if isinstance(a, Hashtable):
            if not isinstance(b, Hashtable):
                raise runtime_error("A hash table can only be added to another hash table.", "AddHashTableToNonHashTable")
            h = Hashtable(a.items(), ordered=a.ordered)
            for k, v in b.items():
                if k in h:
                    raise runtime_error(f"Item has already been added. Key in dictionary: '{to_string(k)}'  Key being added: '{to_string(k)}'",
                                        "ArgumentException", "NotSpecified", "System.ArgumentException")
                h[k] = v
            return h
        if isinstance(a, str):
            return a + to_string(b)
        if isinstance(a, _dt.datetime):
            if isinstance(b, _dt.timedelta):
                return a + b
            raise _op_error("+", a, b)
        if isinstance(a, _dt.timedelta) and isinstance(b, _dt.timedelta):
            return a + b
        return _numeric(op, a, b)
    if op == "-":
        if isinstance(a, _dt.datetime):
            if isinstance(b, _dt.datetime):
                return a - b
            if isinstance(b, _dt.timedelta):
                return a - b
            raise _op_error("-", a, b)
        if isinstance(a, _dt.timedelta) and isinstance(b, _dt.timedelta):
            return a - b
        return _numeric(op, a, b)
    if op == "*":
        if isinstance(a, str):
            return a * int(to_number(b))
        if isinstance(a, (list, tuple)):
            return list(a) * int(to_number(b))
        return _numeric(op, a, b)
    if op in ("/", "%"):
        return _numeric(op, a, b)
    raise runtime_error(f"The operator '{op}' is not supported by the simulator.", "OperatorNotSupported")


def _op_error(op: str, a: Any, b: Any) -> PSError:
    return runtime_error(f"Method invocation failed because [{type_name_of(a)}] does not contain a method named "
                         f"'op_{ {'+': 'Addition', '-': 'Subtraction'}.get(op, op)}'.", "MethodNotFound")


_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)


def _widen(x: Any, y: Any, r: Any) -> Any:
    """Integer arithmetic that overflows its type gives a Double (``[int]::MaxValue + 1`` is 2147483648.0).

    Values carry no Int32/Int64 tag here, so operands inside the Int32 range are taken as Int32 and
    others as Int64 (about_Arithmetic_Operators: "If the result ... is too large for the type, the result
    is widened to accommodate it", Int32 and Int64 both to Double).
    """
    if not (isinstance(x, int) and isinstance(y, int)) or isinstance(x, bool) or isinstance(y, bool):
        return r
    lo, hi = _INT32 if _INT32[0] <= x <= _INT32[1] and _INT32[0] <= y <= _INT32[1] else _INT64
    return r if lo <= r <= hi else float(r)


def _numeric(op: str, a: Any, b: Any) -> Any:
    if isinstance(a, (list, tuple, Hashtable)):
        raise runtime_error(f"Method invocation failed because [{type_name_of(a)}] does not contain a method named "
                            f"'op_{ {'-': 'Subtraction', '*': 'Multiply', '/': 'Division', '%': 'Modulus'}[op]}'.",
                            "MethodNotFound")
    x, y = _num(a), _num(b)
    if op in ("+", "-", "*"):
        r = x + y if op == "+" else x - y if op == "-" else x * y
        return _widen(x, y, r)
    if y == 0:
        raise PSError(ErrorRecord("Attempted to divide by zero.", "RuntimeException", "NotSpecified",
                                  "System.DivideByZeroException"))
    if op == "/":
        if isinstance(x, int) and isinstance(y, int) and x % y == 0:
            return x // y
        return x / y
    if isinstance(x, int) and isinstance(y, int):
        r = abs(x) % abs(y)
        return -r if x < 0 else r
    import math
    return math.fmod(x, y)


def _scalar_cmp(interp: Any, scope: Any, op: str, a: Any, b: Any, case: bool) -> Any:
    if op == "eq":
        return equals(a, b, case)
    if op == "ne":
        return not equals(a, b, case)
    if op in ("gt", "ge", "lt", "le"):
        if a is None or b is None:
            c = compare(a, b, case)
        else:
            c = compare(a, b, case)
        return {"gt": c > 0, "ge": c >= 0, "lt": c < 0, "le": c <= 0}[op]
    if op == "like":
        return like(a, b, case)
    if op == "notlike":
        return not like(a, b, case)
    raise KeyError(op)


def comparison(interp: Any, scope: Any, op: str, left: Any, right: Any) -> Any:
    """``left <op> right`` for the comparison-family operators (``op`` as written, e.g. '-ceq')."""
    word = op.lstrip("-")
    case = False
    if word.startswith("c") and word[1:] in _FAMILY:
        case, word = True, word[1:]
    elif word.startswith("i") and word[1:] in _FAMILY:
        word = word[1:]
    if word in ("shl", "shr"):
        # about_Arithmetic_Operators: bitwise shifts on integers (the count is taken modulo the bit width)
        a, n = int(to_number(left)), int(to_number(right))
        bits = 32 if -(2**31) <= a < 2**31 else 64
        n %= bits
        if word == "shr":
            return a >> n
        r = (a << n) & ((1 << bits) - 1)
        return r - (1 << bits) if r >= 1 << (bits - 1) else r
    if word in ("eq", "ne", "gt", "ge", "lt", "le", "like", "notlike"):
        if isinstance(left, (list, tuple)):
            return [x for x in left if _scalar_cmp(interp, scope, word, x, right, case)]
        return _scalar_cmp(interp, scope, word, left, right, case)
    if word in ("match", "notmatch"):
        rx = dotnet_regex(to_string(right), case)
        if isinstance(left, (list, tuple)):
            res = [x for x in left if (rx.search(to_string(x)) is not None) == (word == "match")]
            return res
        m = rx.search(to_string(left))
        if m is not None and word == "match":
            interp.set_var(scope, "$Matches", matches_table(m))
        if m is not None and word == "notmatch":
            interp.set_var(scope, "$Matches", matches_table(m))
        return (m is not None) == (word == "match")
    if word in ("contains", "notcontains"):
        found = any(equals(x, right, case) for x in as_list(left)) if left is not None else False
        return found if word == "contains" else not found
    if word in ("in", "notin"):
        found = any(equals(x, left, case) for x in as_list(right)) if right is not None else False
        return found if word == "in" else not found
    if word == "replace":
        if isinstance(right, (list, tuple)):
            pattern = to_string(right[0]) if right else ""
            repl = to_string(right[1]) if len(right) > 1 else ""
        else:
            pattern, repl = to_string(right), ""
        rx = dotnet_regex(pattern, case)
        py_repl = dotnet_replacement(repl)
        if isinstance(left, (list, tuple)):
            return [rx.sub(py_repl, to_string(x)) for x in left]
        return rx.sub(py_repl, to_string(left))
    if word in ("shl", "shr"):  # bit shifts (pscmdlets, fidelity corpus)
        n, k = int(to_number(left)), int(to_number(right)) & 63
        return n << k if word == "shl" else n >> k
    if word == "split":
        args = as_list(right) if isinstance(right, (list, tuple)) else [right]
        opts = {o.strip().lower() for o in to_string(args[2]).split(",")} if len(args) > 2 else set()
        pattern = re.escape(to_string(args[0])) if "simplematch" in opts else to_string(args[0])
        rx = dotnet_regex(pattern, case and "ignorecase" not in opts)
        if opts & {"multiline", "singleline"}:  # split options (about_Split): ^/$ per line, '.' matches newline
            rx = re.compile(rx.pattern, rx.flags | (re.M if "multiline" in opts else 0) |
                            (re.S if "singleline" in opts else 0))
        limit = int(to_number(args[1])) if len(args) > 1 else 0
        out: list[str] = []
        for s in (as_list(left) if isinstance(left, (list, tuple)) else [left]):
            out.extend(rx.split(to_string(s), maxsplit=max(0, limit - 1)) if limit else _split_keep(rx, to_string(s)))
        return out
    if word == "join":
        return to_string(right).join(to_string(x) for x in as_list(left))
    raise runtime_error(f"The operator '{op}' is not supported by the simulator.", "OperatorNotSupported")


def _split_keep(rx: re.Pattern[str], s: str) -> list[str]:
    if rx.groups:
        return [x for x in rx.split(s) if x is not None]
    return rx.split(s)


_FAMILY = {"eq", "ne", "gt", "ge", "lt", "le", "like", "notlike", "match", "notmatch", "contains", "notcontains",
           "in", "notin", "replace", "split"}
