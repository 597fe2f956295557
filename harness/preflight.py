"""Preflight: can this lab run these restore tests safely? (the first stage of every run; ``restore-harness
doctor``, harness/doctor.py, builds on it). One ``preflight.ps1`` command per host gathers facts; this module judges them.

A failed preflight is a lab problem (:class:`PreflightFailed`, a LabError: Allure "broken", exit 3),
never a restore defect.

Space rule (seed 004 §1.6 and §3.1.2): an import needs room for every VHDX at its MAXIMUM size
(a dynamic disk can grow to it once the VM runs) plus the checkpoint (.avhdx) and configuration
files at their current size; on top of the sum per host the scratch volume must keep a margin of
10 % plus 1 GiB (the minimum free space VSS needs on a volume, §3.1.2 (1)).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from harness import naming
from harness.errors import HarnessError, LabError
from harness.hyperv.facts import SwitchType, as_list, parse_switches
from harness.hyperv.operations import RemoteRunner
from harness.restore.registry import method_of
from harness.wsb.target import target_params

GiB = 1024 ** 3
MARGIN_FRACTION = 0.10
MARGIN_FIXED = 1 * GiB


class PreflightFailed(LabError):
    """The lab is not ready: the message lists every problem, per host."""


def needed_bytes(export: Mapping[str, Any]) -> int:
    """Room one imported VM needs: Σ VHDX maximum sizes + checkpoint/config files (no margin)."""
    vhds = as_list(export.get("Vhds"))
    return sum(int(v.get("MaxSize") or 0) for v in vhds) + int(export.get("OtherBytes") or 0)


def with_margin(total: int) -> int:
    """``total`` plus the safety margin (10 % + 1 GiB)."""
    return int(total * (1 + MARGIN_FRACTION)) + MARGIN_FIXED


def _gib(n: int) -> str:
    return f"{n / GiB:,.1f} GiB"


@dataclass
class HostPreflight:
    """Preflight outcome of one host: ``lines`` is the readable report, ``problems`` what failed."""

    host: str
    facts: dict[str, Any] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    needed: int = 0
    free: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class PreflightReport:
    """Preflight of every host a run uses."""

    hosts: dict[str, HostPreflight] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(h.ok for h in self.hosts.values())

    def text(self) -> str:
        out = []
        for h in self.hosts.values():
            out.append(f"{h.host}: {'OK' if h.ok else 'FAILED'}")
            out.extend(f"  {line}" for line in h.lines)
            out.extend(f"  PROBLEM: {p}" for p in h.problems)
        return "\n".join(out)

    def require_ok(self) -> None:
        """Raise :class:`PreflightFailed` listing every problem if any host failed."""
        if not self.ok:
            problems = [f"{h.host}: {p}" for h in self.hosts.values() for p in h.problems]
            raise PreflightFailed("preflight failed (lab problem, not a restore defect):\n  " + "\n  ".join(problems))


def _host_params(inventory: Any, host: Any, scenarios: Sequence[Any], run_id: str) -> dict[str, Any]:
    """The ``preflight.ps1`` parameters of one host: what each scenario's restore method needs
    (harness/restore/registry.py) gathered into one command."""
    exports: list[dict[str, str]] = []
    sources: list[dict[str, Any]] = []
    seen: set[str] = set()
    for sc in scenarios:
        needs = method_of(sc).needs(inventory, sc)
        exports.extend(dict(e) for e in needs.exports)
        for name in needs.sources:
            src = inventory.source(name)
            if src is None or src.name in seen:
                continue
            seen.add(src.name)
            if src.kind == "hyperv-export":
                sources.append({"name": src.name, "path": src.path})
            elif src.kind == "wsb-volume":
                sources.append({"name": src.name, "path": src.volume + "\\"})
            elif src.kind == "wsb-share":
                # a share is a second hop over WinRM: checked by logging on with its own credential
                target = target_params(src)
                sources.append({"name": src.name, "path": target["path"], "user": target["user"],
                                "password": target["password"]})
    return {
        "scratch_root": host.scratch_root,
        "run_dir": naming.scratch_dir(host.scratch_root, run_id),
        "run_prefix": naming.run_prefix(run_id),
        "exports": exports,
        "sources": sources,
    }


def _vm_configs(export: Mapping[str, Any]) -> list[str]:
    """The .vmcx files of an export that are VM configurations (in "Virtual Machines", not Snapshots)."""
    return [str(p) for p in as_list(export.get("Vmcx"))
            if "snapshots" not in str(p).replace("/", "\\").lower().split("\\")[:-1]]


def judge_host(host: Any, facts: Mapping[str, Any], run_id: str) -> HostPreflight:
    """Turn one host's ``preflight.ps1`` facts into lines and problems (pure; unit-tested)."""
    hp = HostPreflight(host.name, dict(facts))
    hp.lines.append(f"reachable and authenticated as {facts.get('ComputerName')} (OS {facts.get('OsVersion')})")
    if not host.lab_only:
        hp.problems.append("host is not marked `lab_only: true` in the inventory")
    if facts.get("HyperVModule"):
        hp.lines.append("Hyper-V PowerShell module: present")
    else:
        hp.problems.append("the Hyper-V PowerShell module is missing (Install-WindowsFeature Hyper-V-PowerShell)")
    if facts.get("WsbFeature"):
        hp.lines.append("Windows Server Backup feature: installed")
    else:
        hp.problems.append("the Windows-Server-Backup feature is not installed (Install-WindowsFeature Windows-Server-Backup)")
    switches = parse_switches(as_list(facts.get("Switches")))
    for listed in host.isolated_switches:
        actual = switches.get(listed.name.lower())
        if actual is None:
            hp.problems.append(f"isolated switch {listed.name!r} does not exist on the host (found: "
                               f"{', '.join(s.name for s in switches.values()) or 'no switches'})")
        elif int(actual.switch_type) == SwitchType.EXTERNAL:
            hp.problems.append(f"switch {listed.name!r} is listed as isolated but is External on the host")
        elif int(actual.switch_type) not in (SwitchType.PRIVATE, SwitchType.INTERNAL):
            hp.problems.append(f"switch {listed.name!r} has unknown type {int(actual.switch_type)}")
        else:
            hp.lines.append(f"isolated switch {actual.name}: {actual.type_name}")
    if not host.isolated_switches:
        hp.problems.append("no isolated_switches listed for the host: restored VMs would have nowhere safe to connect")
    for src in as_list(facts.get("Sources")):
        if src.get("Readable"):
            hp.lines.append(f"backup source {src.get('Name')} ({src.get('Path')}): readable")
        else:
            why = f": {src.get('Error')}" if src.get("Error") else ""
            hp.problems.append(f"backup source {src.get('Name')} ({src.get('Path')}) is not readable from the host{why}")
    for ex in as_list(facts.get("Exports")):
        if not ex.get("Readable"):
            hp.problems.append(f"scenario {ex.get('Scenario')}: export folder {ex.get('Folder')} is not readable")
        elif len(vm_configs := _vm_configs(ex)) != 1:
            # Snapshots\<GUID>.vmcx are checkpoint configurations (an export of a VM with checkpoints
            # has them); the VM's own configuration is the one .vmcx in "Virtual Machines".
            hp.problems.append(f"scenario {ex.get('Scenario')}: expected one VM configuration (.vmcx outside "
                               f"Snapshots) under {ex.get('Folder')}, found {len(vm_configs)}")
        need = needed_bytes(ex)
        hp.needed += need
        hp.lines.append(f"scenario {ex.get('Scenario')}: needs {_gib(need)} (VHDX maximum sizes + checkpoints/config)")
    for item in as_list(facts.get("Prefixed")):
        hp.problems.append(f"{item} already carries the run prefix {naming.run_prefix(run_id)}: use a new run id")
    scratch = facts.get("Scratch") or {}
    hp.free = int(scratch.get("SizeRemaining") or 0)
    if hp.needed:
        required = with_margin(hp.needed)
        msg = (f"scratch volume {scratch.get('DriveLetter')}: needed {_gib(required)} "
               f"({_gib(hp.needed)} + 10 % + 1 GiB margin), free {_gib(hp.free)}")
        if hp.free < required:
            hp.problems.append(f"not enough space: {msg}")
        else:
            hp.lines.append(msg)
    return hp


def run_preflight(inventory: Any, hosts: Mapping[str, RemoteRunner], scenarios: Sequence[Any], run_id: str
                  ) -> PreflightReport:
    """Preflight every host that ``scenarios`` use (all hosts when there are none). Never raises for
    a lab problem: unreachable hosts are reported as problems; call ``require_ok()`` to enforce."""
    report = PreflightReport()
    wanted: dict[str, list[Any]] = {}
    for sc in scenarios:
        wanted.setdefault(inventory.scenario_host(sc).name, []).append(sc)
    if not scenarios:
        wanted = {h.name: [] for h in inventory.hosts}
    for name, scs in wanted.items():
        host_cfg = inventory.host(name)
        remote = hosts.get(name)
        if remote is None:
            report.hosts[name] = HostPreflight(name, problems=["no connection to this host was opened"])
            continue
        try:
            facts = remote.run("preflight", _host_params(inventory, host_cfg, scs, run_id), idempotent=True) or {}
        except LabError as exc:
            report.hosts[name] = HostPreflight(name, problems=[f"unreachable or authentication failed: {exc}"])
            continue
        except HarnessError as exc:
            report.hosts[name] = HostPreflight(name, problems=[f"preflight script failed: {exc}"])
            continue
        report.hosts[name] = judge_host(host_cfg, facts, run_id)
    return report
