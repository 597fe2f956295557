"""host_clock.ps1 against the built-in simulated lab, over real WinRM, measured as the engine will."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.evidence.clock import measure_offset
from harness.inventory import load_inventory
from harness.remote.session import RemoteHost, connect

ROOT = Path(__file__).resolve().parents[2]
SIM_LAB = ROOT / "inventories" / "sim-lab.yml"


@pytest.fixture(scope="module")
def lab_host() -> Iterator[RemoteHost]:
    facade = pytest.importorskip("simlab.lab.facade")
    old = os.environ.get("RH_SIM_PASSWORD")
    os.environ["RH_SIM_PASSWORD"] = "Clock-Sim-Passw0rd!"
    try:
        inv = load_inventory(SIM_LAB)
        with facade.SimulatedLab.from_inventory(str(SIM_LAB), port=0) as lab:
            cfg = inv.hosts[0].model_copy(update={"address": "127.0.0.1", "port": int(lab.port)})
            with connect(cfg) as host:
                yield host
    finally:
        if old is None:
            os.environ.pop("RH_SIM_PASSWORD", None)
        else:
            os.environ["RH_SIM_PASSWORD"] = old


def test_host_clock_answers_utc_and_the_offset_is_measured(lab_host: RemoteHost) -> None:
    reading = measure_offset("HV-SIM01", lambda: lab_host.run("host_clock", {}, idempotent=True))
    assert reading.host_time.tzinfo is not None and reading.round_trip_seconds >= 0
    assert reading.time_zone == "UTC+00:00"  # the simulated host's local zone is UTC (simlab/ps/values.py LOCAL)
