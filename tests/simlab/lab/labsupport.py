"""Test support for the Hyper-V host tests: the cast's lab host and a script runner.

Scripts run through ``simlab.ps.run_script`` on the host model, as powershell.exe would on
the real host; assertions are on the text (JSON) Windows PowerShell 5.1 prints.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import simlab.lab  # noqa: F401  (registers cmdlets and faults)
from simlab.lab.build import build_host
from simlab.lab.description import load_description
from simlab.lab.host import HyperVHost
from simlab.ps import run_script

INVENTORY = Path(__file__).resolve().parents[3] / "inventories" / "sim-lab.yml"
ENV = {"RH_SIM_PASSWORD": "Sim-Pa55!", "RH_NAS_USER": "NAS01\\wsbreader", "RH_NAS_PASSWORD": "nas-Pa55!",
       "RH_GUEST_PASSWORD": "Guest-Pa55!"}
CM01_VMCX = "B:\\Exports\\CM01\\Virtual Machines\\7D0C6F0E-3B0F-4A52-9D7E-2C1A5F0C0001.vmcx"
SQL01_VMCX = "B:\\Exports\\SQL01\\Virtual Machines\\7D0C6F0E-3B0F-4A52-9D7E-2C1A5F0C0003.vmcx"
CM01_ID = "7d0c6f0e-3b0f-4a52-9d7e-2c1a5f0c0001"


def cast_host() -> HyperVHost:
    return build_host(load_description(INVENTORY), dict(ENV))


def ps(host: Any, script: str) -> str:
    """Run a script; fail the test with the error text if it failed; return stdout."""
    r = run_script(host, "$ErrorActionPreference = 'Stop'\n" + script)
    assert r.exit_code == 0 and not r.errors, (r.errors, r.stderr[:3000])
    return r.stdout


def ps_json(host: Any, script: str) -> Any:
    return json.loads(ps(host, script))


def ps_error(host: Any, script: str) -> dict[str, str]:
    """Run a script expected to throw; return message, fqid and category as a template's catch sees them."""
    out = ps(host, "try {\n" + script + "\n} catch { [pscustomobject][ordered]@{ message = $_.Exception.Message; "
                   "fqid = $_.FullyQualifiedErrorId; category = \"$($_.CategoryInfo.Category)\"; "
                   "type = $_.Exception.GetType().FullName } | ConvertTo-Json -Compress }")
    assert out.strip(), "the script did not fail"
    return json.loads(out)
