"""The evidence package's door to :mod:`harness.secrets` (the one place that knows the secrets).

Everything the evidence code writes - recorded messages, attachments, rendered scripts, JSON - goes
through these two helpers, so a secret registered with the Redactor never reaches a file.
"""

from __future__ import annotations

import re
from typing import Any

from harness.secrets import REDACTOR


def redact_text(text: str) -> str:
    """``text`` with every registered secret (and its encodings) replaced by the mask."""
    return REDACTOR.redact(text)


def redact_value(value: Any) -> Any:
    """A copy of a JSON-like value with every string (keys too) redacted."""
    return REDACTOR.redact_obj(value)


_SECRET_KEY = re.compile(
    r"^(?P<key>\s*(?:-\s+)?[\"']?[\w.-]*(?:password|passwd|secret|token|passphrase|api[_-]?key|private[_-]?key)"
    r"[\w.-]*[\"']?\s*[:=]\s*)(?P<value>[^#\s].*?)\s*$",
    re.I,
)


def redact_config_text(text: str) -> str:
    """A configuration file (YAML/INI-like) for the evidence folder: every registered secret removed
    and the value of every key that names a secret (password, secret, token, passphrase, api key,
    private key) masked. Keys ending in ``_env`` or ``_name`` only name where a secret comes from
    and are kept."""
    out = []
    for line in redact_text(text).splitlines():
        m = _SECRET_KEY.match(line)
        key = m.group("key").strip().strip("-").strip().strip("\"'").rstrip(":= ").rstrip("\"'") if m else ""
        if m and not key.lower().endswith(("_env", "_name", "-env", "-name")):
            line = m.group("key") + REDACTED_VALUE
        out.append(line)
    return "\n".join(out) + ("\n" if text.endswith("\n") else "")


REDACTED_VALUE = "'***redacted***'"
