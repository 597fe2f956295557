"""Fixtures of the remote-execution tests: a lab host of the built-in simulated lab, reached over
real WinRM exactly as a real host would be."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.inventory import load_inventory
from harness.remote.session import RemoteHost, connect

SIM_LAB = Path(__file__).resolve().parents[2] / "inventories" / "sim-lab.yml"


@pytest.fixture(scope="module")
def sim_host() -> Iterator[RemoteHost]:
    """The first host of inventories/sim-lab.yml (HV-LAB01), simulated on a free local port for one
    test module; its password comes from ``$RH_SIM_PASSWORD``, set here for the module only."""
    facade = pytest.importorskip("simlab.lab.facade")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RH_SIM_PASSWORD", "Remote-Sim-Passw0rd!")
        inv = load_inventory(SIM_LAB)
        with facade.SimulatedLab.from_inventory(str(SIM_LAB), port=0) as lab:
            cfg = inv.hosts[0].model_copy(update={"address": "127.0.0.1", "port": int(lab.port)})
            with connect(cfg) as host:
                yield host
