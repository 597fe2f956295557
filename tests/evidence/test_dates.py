"""Next due date arithmetic: calendar months, month ends clamp, leap years."""

from __future__ import annotations

from datetime import date

import pytest

from harness.evidence.dates import add_months, is_overdue, next_due


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2025, 3, 10), 6, date(2025, 9, 10)),
        (date(2025, 8, 31), 6, date(2026, 2, 28)),   # month end clamps
        (date(2023, 8, 31), 6, date(2024, 2, 29)),   # leap year
        (date(2025, 12, 31), 6, date(2026, 6, 30)),  # across the year, 30-day month
        (date(2025, 7, 15), 6, date(2026, 1, 15)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2025, 5, 31), 3, date(2025, 8, 31)),
    ],
)
def test_add_months(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_next_due_without_a_pass_is_none_and_overdue() -> None:
    assert next_due(None, 6) is None
    assert is_overdue(None, date(2025, 1, 1)) is True


def test_due_day_itself_is_not_overdue() -> None:
    due = next_due(date(2025, 1, 15), 6)
    assert due == date(2025, 7, 15)
    assert is_overdue(due, date(2025, 7, 15)) is False
    assert is_overdue(due, date(2025, 7, 16)) is True
