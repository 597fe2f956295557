"""Post-restore checks: pure functions from typed facts to a :class:`CheckResult` (expected vs found)."""

from harness.checks.result import CheckResult

__all__ = ["CheckResult"]
