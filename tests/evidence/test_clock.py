"""One clock: host clock offsets measured at the round trip's midpoint, times recorded in host time."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from harness.evidence.clock import ClockError, measure_offset, parse_host_utc
from harness.remote.scripts import render


def test_parses_the_round_trip_format_of_dotnet() -> None:
    assert parse_host_utc("2025-03-10T08:00:00.1234567Z") == datetime(2025, 3, 10, 8, 0, 0, 123456, tzinfo=UTC)
    assert parse_host_utc("2025-03-10T08:00:00Z") == datetime(2025, 3, 10, 8, tzinfo=UTC)
    with pytest.raises(ClockError, match="not a UTC ISO 8601 time"):
        parse_host_utc("10.03.2025 08:00")


def test_offset_is_taken_at_the_midpoint_of_the_round_trip() -> None:
    ticks = iter([datetime(2025, 3, 10, 8, 0, 0, tzinfo=UTC), datetime(2025, 3, 10, 8, 0, 2, tzinfo=UTC)])
    reading = measure_offset("HV-LAB01", lambda: {"Utc": "2025-03-10T08:01:41.0000000Z", "TimeZone": "UTC"},
                             now=lambda: next(ticks))
    assert reading.offset_seconds == 100.0 and reading.round_trip_seconds == 2.0 and reading.time_zone == "UTC"


def test_host_clock_template_renders_for_windows_powershell() -> None:
    script = render("host_clock")
    assert "[DateTime]::UtcNow.ToString('o')" in script and "Write-RhResult" in script


def test_recorder_times_are_host_times(record_run, clock) -> None:
    clock.now = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
    rec = record_run("RH-CLK-1", {}, finish=False)
    rec.host_clock("HV-LAB01", 115.0, round_trip_seconds=0.2, time_zone="Tokyo Standard Time")
    assert rec.now("HV-LAB01") == clock.now + timedelta(seconds=115)
    assert rec.now("unmeasured-host") == clock.now + timedelta(seconds=115)  # the reference host's clock
    rec.scenario_started("bmr-DC01", system="DC01", method="bmr", import_type=None, host="HV-LAB01",
                         rto_target_minutes=10, restores_vm=True)
    start = rec.now("HV-LAB01")
    rec.restore_finished("bmr-DC01", started=start, finished=start + timedelta(seconds=20), ok=True)
    clock.now += timedelta(seconds=135)  # the guest took 115 s more to boot, in lab time
    rec.services_healthy("bmr-DC01")
    rec.check("bmr-DC01", "services healthy", "passed")
    run = json.loads((rec.finish() / "run.json").read_text(encoding="utf-8"))
    sc = run["scenarios"][0]
    assert sc["rto_minutes"] == 2.25  # 135 s, all on the host's clock
    assert run["started"] == "2025-03-10T09:01:55Z" and run["finished"] == "2025-03-10T09:04:10Z"
    assert run["clock"]["reference_host"] == "HV-LAB01"
    assert run["clock"]["hosts"]["HV-LAB01"] == {"offset_seconds": 115.0, "round_trip_seconds": 0.2,
                                                 "time_zone": "Tokyo Standard Time",
                                                 "measured_at": "2025-03-10T09:01:55Z", "readings": 1,
                                                 "first_offset_seconds": 115.0}
    assert sc["checks"][0]["at"] == "2025-03-10T09:04:10Z"


def test_a_host_read_again_keeps_its_first_offset_and_counts_the_readings(record_run, clock) -> None:
    rec = record_run("RH-CLK-2", {}, finish=False)
    rec.host_clock("HV-LAB01", 115.0)
    rec.host_clock("HV-LAB01", 415.0)  # lab time ran ahead of the controller (a simulated lab does)
    entry = rec.data["clock"]["hosts"]["HV-LAB01"]
    assert entry["offset_seconds"] == 415.0 and entry["first_offset_seconds"] == 115.0 and entry["readings"] == 2
    assert rec.now("HV-LAB01") == clock.now + timedelta(seconds=415)
