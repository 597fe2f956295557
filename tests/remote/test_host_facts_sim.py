"""host_facts.ps1 against the built-in simulated lab (inventories/sim-lab.yml), over real WinRM."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.inventory import load_inventory
from harness.remote import psjson
from harness.remote.session import RemoteHost, connect

ROOT = Path(__file__).resolve().parents[2]
SIM_LAB = ROOT / "inventories" / "sim-lab.yml"


@pytest.fixture(scope="module")
def lab_host() -> Iterator[RemoteHost]:
    facade = pytest.importorskip("simlab.lab.facade")
    old = os.environ.get("RH_SIM_PASSWORD")
    os.environ["RH_SIM_PASSWORD"] = "Facts-Sim-Passw0rd!"
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


def test_host_facts_describe_the_cast(lab_host: RemoteHost) -> None:
    facts = lab_host.run("host_facts", idempotent=True)
    assert facts["ComputerName"] == "HV-LAB01"
    assert facts["OsVersion"].startswith("10.0.20348")
    assert {f["Name"]: f["Installed"] for f in facts["Features"]} == {"Hyper-V": True, "Windows-Server-Backup": True}
    volumes = {psjson.drive_letter(v["DriveLetter"]): v for v in facts["Volumes"]}
    assert volumes["E"]["Label"] == "RestoreScratch" and volumes["B"]["Label"] == "Backups"
    assert volumes["E"]["FreeBytes"] < volumes["E"]["SizeBytes"]
    switches = {s["Name"]: s["SwitchType"] for s in facts["Switches"]}
    assert switches == {"Lab-Isolated": 0, "Lab-Internal": 1, "Corp-External": 2}


def test_host_facts_report_the_hyperv_version(lab_host: RemoteHost) -> None:
    # vmms.exe's ProductVersion, as on Windows (Get-VMHost has no version property); the cast's host
    # is Windows Server 2022, build 20348
    facts = lab_host.run("host_facts", idempotent=True)
    assert facts["HyperVVersion"] == "10.0.20348.1"
