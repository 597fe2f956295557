"""The evidence package's door to :mod:`harness.secrets` (the one place that knows the secrets).

Everything the evidence code writes - recorded messages, attachments, rendered scripts, JSON - goes
through these two helpers, so a secret registered with the Redactor never reaches a file.
"""

from __future__ import annotations

from typing import Any

from harness.secrets import REDACTOR


def redact_text(text: str) -> str:
    """``text`` with every registered secret (and its encodings) replaced by the mask."""
    return REDACTOR.redact(text)


def redact_value(value: Any) -> Any:
    """A copy of a JSON-like value with every string (keys too) redacted."""
    return REDACTOR.redact_obj(value)
