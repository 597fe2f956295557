"""One clock for a run: every time in the record is lab-host time.

The controller's clock may be skewed; the simulated lab runs on its own (faster) lab time. So the
engine reads each host's clock once (``host_clock.ps1``, UTC ISO 8601) and :func:`measure_offset`
takes the midpoint of the round trip as the moment the host read its clock:
``offset = host time - (t_sent + t_received) / 2`` (the usual NTP-style estimate; its uncertainty is
half the round trip, which is recorded too). The recorder then converts controller readings to host
time (``controller + offset``) and takes host times handed to it as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from harness.evidence.dates import iso, utc_now

HOST_CLOCK_TEMPLATE = "host_clock"
"""The remote template (harness/remote/templates/host_clock.ps1) that returns ``{"Utc": "<ISO 8601>Z"}``."""


class ClockError(ValueError):
    """The host's answer is not a UTC time (message says what came back)."""


@dataclass(frozen=True)
class ClockReading:
    """One measurement of a host's clock against the controller's."""

    host: str
    offset_seconds: float  # host - controller
    round_trip_seconds: float
    host_time: datetime
    time_zone: str | None = None

    def as_record(self) -> dict[str, Any]:
        """The JSON form stored in run.json (``clock.hosts.<host>``)."""
        return {"offset_seconds": round(self.offset_seconds, 3), "round_trip_seconds": round(self.round_trip_seconds, 3),
                "measured_at": iso(self.host_time), "time_zone": self.time_zone}


def parse_host_utc(value: Any) -> datetime:
    """A host's UTC reading: ``[DateTime]::UtcNow.ToString('o')`` (7 fraction digits, ``Z``) or a datetime."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    text = str(value or "").strip()
    if not text.endswith("Z") and "+" not in text[10:]:
        raise ClockError(f"host clock answer {text[:60]!r} is not a UTC ISO 8601 time (expected ...Z)")
    core, _, frac = text.rstrip("Z").partition(".")
    try:
        base = datetime.fromisoformat(core.split("+")[0]).replace(tzinfo=UTC)
    except ValueError:
        raise ClockError(f"host clock answer {text[:60]!r} is not an ISO 8601 time") from None
    digits = "".join(ch for ch in frac.split("+")[0] if ch.isdigit())
    return base + timedelta(microseconds=int((digits + "000000")[:6])) if digits else base


def measure_offset(host: str, read_host: Callable[[], Any], now: Callable[[], datetime] = utc_now) -> ClockReading:
    """Read ``host``'s clock with ``read_host`` (e.g. ``lambda: remote.run("host_clock", {})``, which
    returns ``{"Utc": ...}``, optionally with ``TimeZone``, or just the time) and return its offset to the controller,
    taking the midpoint of the round trip."""
    sent = now()
    answer = read_host()
    received = now()
    zone = None
    if isinstance(answer, Mapping):
        zone = answer.get("TimeZone")
        answer = answer.get("Utc")
    host_time = parse_host_utc(answer)
    midpoint = sent + (received - sent) / 2
    return ClockReading(host=host, offset_seconds=(host_time - midpoint).total_seconds(),
                        round_trip_seconds=(received - sent).total_seconds(), host_time=host_time,
                        time_zone=str(zone) if zone else None)
