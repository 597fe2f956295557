"""Facts about a lab host for the run record: OS caption/version/build, Hyper-V and PowerShell
versions, computer name (``host_facts.ps1``)."""

from __future__ import annotations

from typing import Any

HOST_FACT_KEYS = {"OsCaption": "os_caption", "OsVersion": "os_version", "OsBuild": "os_build",
                  "HyperVVersion": "hyperv_version", "ComputerName": "computer_name", "PsVersion": "ps_version"}


def read_host_facts(host: Any) -> dict[str, Any]:
    """The host's facts in the run record's names; a fact the host does not report is "unknown"."""
    data = host.run("host_facts", {}, idempotent=True) or {}
    facts = {ours: data.get(theirs) for theirs, ours in HOST_FACT_KEYS.items()}
    return {k: (v if v not in (None, "") else "unknown") for k, v in facts.items()}
