"""Check messages as people read them: without pytest's assertion introspection and each line once.

pytest rewrites ``assert`` so that a failure reads ``AssertionError: <message>\\nassert False\\n
 +  where False = ok(...)``; the first part is what the check said, the rest is for developers and
goes to the Allure trace, not into the evidence report.
"""

from __future__ import annotations

import re

_INTROSPECTION_START = re.compile(r"^\s*(?:assert\b|\+\s+where\b|where\s.*=|Full diff:|At index \d+ diff:)")
_PREFIX = re.compile(r"^(?:Failed|AssertionError|_pytest\.outcomes\.Failed|pytest\.fail\.Exception)\s*:\s*")


def clean_message(text: str | None) -> str:
    """``text`` without pytest's introspection lines (``assert ...``, ``+ where ...``), without an
    ``AssertionError:``/``Failed:`` prefix, and with every repeated line kept once."""
    if not text:
        return ""
    out: list[str] = []
    seen: set[str] = set()
    for raw in str(text).splitlines():
        line = _PREFIX.sub("", raw.rstrip())
        if _INTROSPECTION_START.match(line):
            break  # pytest's introspection: everything from here on is for developers
        if not line.strip():
            continue
        key = line.strip()
        if key in seen:
            continue
        seen.add(key)
        out.append(line)
    if not out:  # a bare `assert expr`: the expression is all there is to say
        first = next((ln.strip() for ln in str(text).splitlines() if ln.strip()), "")
        return _PREFIX.sub("", first)
    return "\n".join(out).strip()
