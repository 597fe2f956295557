"""The outcome of one check: a name, the problems found, and the expected/found facts behind it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class CheckResult:
    """``ok`` is True exactly when ``problems`` is empty; ``message`` says expected vs found."""

    name: str
    subject: str
    problems: tuple[str, ...] = ()
    evidence: Mapping[str, Any] = field(default_factory=dict)
    note: str = ""  # context for a failure (e.g. the finding and remediation that came before)

    @property
    def ok(self) -> bool:
        return not self.problems

    def measured(self) -> tuple[Any, Any]:
        """(expected, found) for the run record: the evidence's own ``expected``/``found`` when it
        has them, else (None, the whole evidence): what the check measured, passed or failed."""
        if "expected" in self.evidence or "found" in self.evidence:
            return self.evidence.get("expected"), self.evidence.get("found")
        return None, dict(self.evidence) or None

    @property
    def message(self) -> str:
        if self.ok:
            return f"{self.name}: {self.subject}: as expected"
        text = f"{self.name}: {self.subject}: " + "; ".join(self.problems)
        return f"{text} ({self.note})" if self.note else text
