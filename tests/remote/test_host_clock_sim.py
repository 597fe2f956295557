"""host_clock.ps1 against the built-in simulated lab, over real WinRM, measured as the engine will."""

from __future__ import annotations

from harness.evidence.clock import measure_offset
from harness.remote.session import RemoteHost


def test_host_clock_answers_utc_and_the_offset_is_measured(sim_host: RemoteHost) -> None:
    reading = measure_offset("HV-SIM01", lambda: sim_host.run("host_clock", {}, idempotent=True))
    assert reading.host_time.tzinfo is not None and reading.round_trip_seconds >= 0
    assert reading.time_zone == "UTC+00:00"  # the simulated host's local zone is UTC (simlab/ps/values.py LOCAL)
