"""host_facts.ps1 against the built-in simulated lab (inventories/sim-lab.yml), over real WinRM."""

from __future__ import annotations

from harness.remote import psjson
from harness.remote.session import RemoteHost


def test_host_facts_describe_the_cast(sim_host: RemoteHost) -> None:
    facts = sim_host.run("host_facts", idempotent=True)
    assert facts["ComputerName"] == "HV-LAB01"
    assert facts["OsVersion"].startswith("10.0.20348")
    assert {f["Name"]: f["Installed"] for f in facts["Features"]} == {"Hyper-V": True, "Windows-Server-Backup": True}
    volumes = {psjson.drive_letter(v["DriveLetter"]): v for v in facts["Volumes"]}
    assert volumes["E"]["Label"] == "RestoreScratch" and volumes["B"]["Label"] == "Backups"
    assert volumes["E"]["FreeBytes"] < volumes["E"]["SizeBytes"]
    switches = {s["Name"]: s["SwitchType"] for s in facts["Switches"]}
    assert switches == {"Lab-Isolated": 0, "Lab-Internal": 1, "Corp-External": 2}


def test_host_facts_report_the_hyperv_version(sim_host: RemoteHost) -> None:
    # vmms.exe's ProductVersion, as on Windows (Get-VMHost has no version property); the cast's host
    # is Windows Server 2022, build 20348
    facts = sim_host.run("host_facts", idempotent=True)
    assert facts["HyperVVersion"] == "10.0.20348.1"
