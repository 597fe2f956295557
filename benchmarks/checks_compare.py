"""The post-restore checks two ways on the same simulated lab: the harness's vs the naive one.

* harness: ``gather_vm_facts`` (``vm_facts.ps1``: every VM of the host in ONE remote command over the
  host's one WinRS shell), then the harness checks (registration, checkpoints, switch mapping).
* naive: pytest-testinfra's own ``winrm://`` backend, one ``powershell -Command`` per VM per fact
  (state, generation, version, checkpoints, disks, adapters, .avhd files, switch type), each on a new
  WinRM connection and shell as that backend does; the same verdicts computed from the answers.

Both check the N registered "restored copies" of the generated lab (``benchmarks.labgen``); the
verdicts of the two ways are compared VM by VM, so a naive figure is never from a check that did
less. The WS-Man counters of the lab give HTTP requests and WinRS commands of each phase.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.labgen import CheckedVM, checked_vms

ISOLATED = ("Lab-Isolated", "Lab-Internal")
ADAPTER = "Network Adapter"


@dataclass
class PhaseFigures:
    """One check phase over N VMs."""

    way: str
    n: int
    seconds: float
    http_requests: int
    winrm_commands: int
    remote_seconds: float
    verdicts: dict[str, dict[str, bool]]

    def as_dict(self) -> dict[str, Any]:
        return {"way": self.way, "n": self.n, "seconds": round(self.seconds, 3),
                "remote_seconds": round(self.remote_seconds, 3), "http_requests": self.http_requests,
                "winrm_commands": self.winrm_commands,
                "http_requests_per_vm": round(self.http_requests / self.n, 2),
                "winrm_commands_per_vm": round(self.winrm_commands / self.n, 2),
                "failed_checks": sorted(f"{vm}:{c}" for vm, cs in self.verdicts.items() for c, ok in cs.items() if not ok)}


def _wsman(lab: Any) -> tuple[int, int]:
    c = lab.counters["wsman"]
    return int(c["http_requests"]), int(c["commands"])


def harness_phase(lab: Any, host: Any, host_name: str, vms: list[CheckedVM]) -> PhaseFigures:
    """One ``vm_facts`` command for all VMs, then the harness's own checks."""
    from harness.checks.checkpoints import check_checkpoints
    from harness.checks.registration import RegistrationExpectation, check_registration
    from harness.checks.switches import check_switch_mapping
    from harness.hyperv.operations import gather_vm_facts
    from harness.remote import events

    durations: list[float] = []
    r0, c0 = _wsman(lab)
    t0 = time.perf_counter()
    with events.listening(lambda e: durations.append(e.duration)):
        facts = gather_vm_facts(host, host_name, [(vm.id, vm.scan) for vm in vms])
    verdicts: dict[str, dict[str, bool]] = {}
    for vm in vms:
        reg = check_registration(facts, RegistrationExpectation(vm.id, vm.name, vm.id, True, vm.generation, vm.version))
        found = facts.vm(vm.id)
        cps = check_checkpoints(found, host_name).ok if found else False
        sw = check_switch_mapping(found, facts, {ADAPTER: vm.switch}, ISOLATED).ok if found else False
        verdicts[vm.name] = {"registration": reg.ok, "checkpoints": cps, "switches": sw}
    seconds = time.perf_counter() - t0
    r1, c1 = _wsman(lab)
    return PhaseFigures("harness (vm_facts, one command per host)", len(vms), seconds, r1 - r0, c1 - c0,
                        sum(durations), verdicts)


def _ps(command: str) -> str:
    return f'powershell -NoProfile -NonInteractive -Command "{command}"'


def _json_list(text: str) -> list[dict[str, Any]]:
    text = text.strip()
    if not text:
        return []
    data = json.loads(text)
    return data if isinstance(data, list) else [data]


def naive_facts(th: Any, vm: CheckedVM) -> dict[str, Any]:
    """The facts of one VM the naive way: one testinfra ``host.run`` per fact."""
    get = f"(Get-VM -Id '{vm.id}')"

    def run(cmd: str) -> str:
        result = th.run(_ps(cmd))
        if result.rc != 0:
            raise RuntimeError(f"naive fact command failed on the lab (exit {result.rc}): {cmd}\n{result.stderr[:500]}")
        return result.stdout

    facts: dict[str, Any] = {
        "state": run(f"{get}.State").strip(),
        "generation": run(f"{get}.Generation").strip(),
        "version": run(f"{get}.Version").strip(),
        "checkpoints": _json_list(run(f"Get-VMSnapshot -VM {get} | Select-Object @('Name','SnapshotType') | ConvertTo-Json -Compress")),
        "disks": _json_list(run(f"Get-VMHardDiskDrive -VM {get} | ForEach-Object {{ Get-VHD -Path $_.Path }} | Select-Object @('Path','VhdType','ParentPath') | ConvertTo-Json -Compress")),
        "adapters": _json_list(run(f"Get-VMNetworkAdapter -VM {get} | Select-Object @('Name','SwitchName','Connected') | ConvertTo-Json -Compress")),
        "avhd": [line for line in run(
            f"if (Test-Path -LiteralPath '{vm.scan}') {{ Get-ChildItem -LiteralPath '{vm.scan}' -Recurse -File | "
            f"Where-Object {{ $_.Extension -like '.avhd*' }} | ForEach-Object {{ $_.FullName }} }}").splitlines() if line.strip()],
    }
    facts["switch_types"] = {a["SwitchName"]: run(f"(Get-VMSwitch -Name '{a['SwitchName']}').SwitchType").strip()
                             for a in facts["adapters"] if a.get("SwitchName")}
    return facts


def naive_verdicts(vm: CheckedVM, f: dict[str, Any]) -> dict[str, bool]:
    """The same three verdicts as the harness checks, from the naive facts."""
    registration = bool(f["state"]) and f["generation"] == str(vm.generation) and f["version"] == vm.version
    leftover = [c for c in f["checkpoints"] if int(c.get("SnapshotType", 0)) == 1
                or "backup" in str(c.get("Name", "")).lower() or "バックアップ" in str(c.get("Name", ""))]
    differencing = [d for d in f["disks"] if int(d.get("VhdType", 0)) == 4]  # VhdType 4 = Differencing
    checkpoints = not leftover and not differencing and not f["avhd"]
    switches = bool(f["adapters"]) and all(
        a.get("Connected") and a.get("SwitchName") == vm.switch
        and f["switch_types"].get(a["SwitchName"]) in ("Private", "Internal") for a in f["adapters"])
    return {"registration": registration, "checkpoints": checkpoints, "switches": switches}


def naive_phase(lab: Any, password: str, user: str, vms: list[CheckedVM]) -> PhaseFigures:
    """testinfra's ``winrm://`` backend, one command per VM per fact."""
    import testinfra

    th = testinfra.get_host(f"winrm://{user}:{password}@127.0.0.1:{lab.port}?no_ssl=true")
    r0, c0 = _wsman(lab)
    t0 = time.perf_counter()
    verdicts = {vm.name: naive_verdicts(vm, naive_facts(th, vm)) for vm in vms}
    seconds = time.perf_counter() - t0
    r1, c1 = _wsman(lab)
    return PhaseFigures("naive (testinfra winrm://, one command per fact)", len(vms), seconds, r1 - r0, c1 - c0,
                        seconds, verdicts)


def compare_checks(inventory_path: Path, n: int) -> dict[str, Any]:
    """Start the lab of ``inventory_path``, check its N restored copies both ways, return the figures."""
    from harness.inventory import load_inventory
    from harness.engine.lab import open_lab

    inventory = load_inventory(inventory_path)
    host_cfg = inventory.hosts[0]
    vms = checked_vms(n)
    labs: list[Any] = []
    with open_lab(inventory, inventory_path, labs=labs) as hosts:
        lab, host = labs[0], hosts[host_cfg.name]
        host.run("echo", {"warm": "up"})  # the suite's shell is open by check time; do not time its setup
        harness = harness_phase(lab, host, host_cfg.name, vms)
        user = host_cfg.credentials.username.split("\\")[-1]
        naive = naive_phase(lab, os.environ[host_cfg.credentials.password_env], user, vms)
    agree = harness.verdicts == naive.verdicts
    return {
        "n": n, "harness": harness.as_dict(), "naive": naive.as_dict(), "verdicts_agree": agree,
        "ratio_http_requests": round(naive.http_requests / max(1, harness.http_requests), 1),
        "ratio_winrm_commands": round(naive.winrm_commands / max(1, harness.winrm_commands), 1),
        "ratio_seconds": round(naive.seconds / max(1e-9, harness.seconds), 1),
    }
