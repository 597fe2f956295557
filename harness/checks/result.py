"""The outcome of one check: a name, the problems found, and the expected/found facts behind it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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

    def assert_ok(self, message: str | None = None) -> None:
        """Fail the running test with ``message`` (default: this check's message) when a problem was
        found: a plain ``AssertionError``, so the report shows the message once and without pytest's
        ``assert …``/``+ where`` introspection."""
        if not self.ok:
            raise AssertionError(message or self.message)

    @property
    def message(self) -> str:
        if self.ok:
            return f"{self.name}: {self.subject}: as expected"
        text = f"{self.name}: {self.subject}: " + "; ".join(self.problems)
        return f"{text} ({self.note})" if self.note else text


def compared(name: str, subject: str, expected: Any, found: Any, problems: Iterable[str] = ()) -> CheckResult:
    """A check whose evidence is what it expected and what it found (shown passed or failed)."""
    return CheckResult(name=name, subject=subject, problems=tuple(p for p in problems if p),
                       evidence={"expected": expected, "found": found})


def restore_check(scenario: str, defect: BaseException | None, expected: Any, found: Any) -> CheckResult:
    """A method's own "restore" check: the restore finished without a defect. ``found`` is what it
    produced (replaced by the defect when it failed)."""
    if defect is not None:
        return compared("restore", scenario, expected, {"restore": f"failed: {defect}"}, [f"restore failed: {defect}"])
    return compared("restore", scenario, expected, found)
