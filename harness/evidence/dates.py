"""Date arithmetic for retest policy: next due date = last passing test + N calendar months.

Month ends clamp (31 Aug + 6 months = 28/29 Feb), as people and audit policies count them.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` calendar months, clamped to the last day of the target month."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


def next_due(last_passed: date | None, interval_months: int) -> date | None:
    """The date the next restore test is due, or None when no passing test is on record."""
    if last_passed is None:
        return None
    return add_months(last_passed, interval_months)


def is_overdue(due: date | None, today: date) -> bool:
    """True when the test is due before ``today`` or was never passed (``due`` is None)."""
    return due is None or due < today


def utc_now() -> datetime:
    """The current time, timezone-aware UTC (one place, so tests can see what is used)."""
    return datetime.now(UTC)


def iso(value: datetime | None) -> str | None:
    """ISO 8601 text of an aware datetime in UTC (naive values are taken as UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_iso(text: str | None) -> datetime | None:
    """Inverse of :func:`iso`."""
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def iso_with_offset(value: datetime | str) -> str:
    """ISO 8601 with milliseconds and an explicit ``+00:00`` offset (a UTC time as people read it in a
    report: ``2025-03-10T08:00:00.000+00:00``); accepts what :func:`iso` writes."""
    when = datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat(timespec="milliseconds")
