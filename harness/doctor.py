"""``restore-harness doctor``: can this lab run these scenarios? A verdict per scenario.

It runs the preflight every run starts with (harness/preflight.py: host reachable, modules, switches,
backup sources, leftovers, export folders) and adds what each method needs before anything is
restored, all read-only:

* scratch space for every method: an import needs its VHDX maximum sizes (preflight's rule); a WSB
  VM recovery at most the used space of the backed-up volumes (Windows Server Backup does not report a
  VM's size before the recovery, so this is an upper bound); a WSB file recovery at most the used
  space of the volumes its items are on; a bare-metal recovery the maximum size of its system disk.
  The margin is preflight's (10 % + 1 GiB). Each scenario must fit alone; all of a host's scenarios
  are kept until teardown, so their sum is checked too (a warning when only the upper bounds
  overflow);
* for WSB sources on a share: that the share's credential resolves (env var / keyring) here and
  that the host can read the share with it (second hop);
* for bare-metal recovery: the WinPE ISO, the driver folders (with .inf files), the recovery VM's
  switch and a backup with bare-metal recovery in it (``bmr_precheck.ps1``).

Exit 0 when every scenario is ready, 3 when one is not (lab problem), 2 invalid inventory, 4 usage.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from harness import naming
from harness.errors import HarnessError, UsageError
from harness.exitcodes import ExitCode
from harness.hyperv.facts import as_list
from harness.preflight import GiB, HostPreflight, PreflightReport, needed_bytes, run_preflight, with_margin

EXIT_READY, EXIT_LAB, EXIT_USAGE = ExitCode.OK, ExitCode.LAB, ExitCode.HARNESS


@dataclass
class ScenarioCheck:
    """Doctor's findings for one scenario: bytes needed (``bound`` when only an upper bound is
    known), lines that passed and problems."""

    scenario: str
    method: str
    host: str
    needed: int | None = None
    bound: bool = False
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not self.problems


@dataclass
class DoctorReport:
    """Preflight per host, checks per scenario, and notes per host (space totals)."""

    preflight: PreflightReport
    scenarios: list[ScenarioCheck] = field(default_factory=list)
    host_problems: dict[str, list[str]] = field(default_factory=dict)
    host_warnings: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        return all(sc.ready for sc in self.scenarios) and not any(self.host_problems.values())


def gib(n: int | None, bound: bool = False) -> str:
    """Bytes as ``1,234.5 GiB`` (``≤`` in front of an upper bound)."""
    if n is None:
        return "-"
    return f"{'≤ ' if bound else ''}{n / GiB:,.1f} GiB"


def _used(volumes: Sequence[Mapping[str, Any]], mounts: set[str] | None = None) -> int:
    """Used bytes of the backed-up volumes (those whose mount path starts with one of ``mounts``)."""
    total = 0
    for v in volumes:
        mount = str(v.get("MountPath") or "").rstrip("\\").upper()
        if mounts is None or mount in mounts:
            total += max(0, int(v.get("TotalSpace") or 0) - int(v.get("FreeSpace") or 0))
    return total


def _latest(sets: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    return max(sets, key=lambda s: str(s.get("BackupTime") or ""), default=None)


def _vm_names(bset: Mapping[str, Any]) -> list[str]:
    return [str(n).split("\\")[-1] for n in as_list(bset.get("Vms"))]


def check_scenario(inventory: Any, scenario: Any, hp: HostPreflight, remote: Any, run_id: str) -> ScenarioCheck:
    """The method-specific checks of one scenario (read-only remote commands)."""
    sc = ScenarioCheck(scenario.name, scenario.method, hp.host)
    source = inventory.source(scenario.source)
    for src in as_list(hp.facts.get("Sources")):
        if source is not None and src.get("Name") == source.name and not src.get("Readable"):
            why = f": {src.get('Error')}" if src.get("Error") else ""
            sc.problems.append(f"backup source {source.name} ({src.get('Path')}) is not readable from the host{why}")
    if scenario.method == "import":
        for ex in as_list(hp.facts.get("Exports")):
            if ex.get("Scenario") == scenario.name:
                if not ex.get("Readable"):
                    sc.problems.append(f"export folder {ex.get('Folder')} is not readable")
                sc.needed = needed_bytes(ex)
                sc.lines.append("space: VHDX maximum sizes + checkpoints/config")
        return sc
    if source is None or source.kind not in ("wsb-volume", "wsb-share"):
        sc.problems.append(f"source {scenario.source!r} is not a Windows Server Backup target")
        return sc
    from harness.wsb.target import target_params

    try:
        target = target_params(source)
    except HarnessError as exc:  # SecretError: the share credential does not resolve here
        sc.problems.append(f"share credential of {source.name}: {exc}")
        return sc
    if source.kind == "wsb-share":
        sc.lines.append(f"share credential of {source.name}: resolves")
    machine = getattr(source, "machine", None) or ""
    if scenario.method == "bmr":
        _check_bmr(inventory, scenario, sc, remote, target, machine, run_id)
        return sc
    try:
        data = remote.run("doctor_backup", {"target": target, "machine": machine}, idempotent=True) or {}
    except HarnessError as exc:
        sc.problems.append(f"the backup catalog on {source.name} could not be read: {exc}")
        return sc
    bset = _latest(as_list(data.get("Sets")))
    if bset is None:
        sc.problems.append(f"no backup of {machine or 'any machine'} on {source.name}")
        return sc
    sc.lines.append(f"latest backup {bset.get('VersionId')} ({bset.get('BackupTime')})")
    volumes = as_list(bset.get("Volumes"))
    if scenario.method == "wsb-vm":
        if scenario.vm.lower() not in {n.lower() for n in _vm_names(bset)}:
            sc.problems.append(f"VM {scenario.vm} is not in backup {bset.get('VersionId')} "
                               f"(it holds {', '.join(_vm_names(bset)) or 'no Hyper-V VMs'})")
        sc.needed, sc.bound = _used(volumes), True
        sc.lines.append("space: at most the used space of the backed-up volumes")
    else:  # wsb-files
        items = list(getattr(scenario.wsb, "items", []) or [])
        mounts = {str(i)[:2].upper() for i in items if len(str(i)) >= 2 and str(i)[1] == ":"}
        sc.needed, sc.bound = _used(volumes, mounts), True
        sc.lines.append(f"space: at most the used space of {', '.join(sorted(mounts)) or 'the items’ volumes'}")
    return sc


def _check_bmr(inventory: Any, scenario: Any, sc: ScenarioCheck, remote: Any, target: Mapping[str, Any],
               machine: str, run_id: str) -> None:
    from harness.bmr.plan import plan_bmr

    try:
        plan = plan_bmr(inventory, scenario, run_id)
    except (HarnessError, ValueError) as exc:
        sc.problems.append(str(exc))
        return
    s = plan.settings
    sc.needed = int(s.system_disk_gb) * GiB
    sc.lines.append(f"space: system disk maximum {s.system_disk_gb} GB")
    try:
        data = remote.run("bmr_precheck", {"iso": s.winpe_iso, "drivers": s.drivers, "nic_drivers": s.winpe_nic_drivers,
                                           "switch": plan.switch, "vm_name": plan.vm_name, "target": dict(target),
                                           "machine": plan.machine or machine}, idempotent=True) or {}
    except HarnessError as exc:
        sc.problems.append(f"BMR precheck failed: {exc}")
        return
    missing = [str(m) for m in as_list(data.get("Missing"))]
    if s.winpe_iso in missing:
        sc.problems.append(f"WinPE ISO {s.winpe_iso} not found on the host (docs/bmr.md: building the ISO)")
    else:
        sc.lines.append(f"WinPE ISO {s.winpe_iso}: present")
    for folder in as_list(data.get("Folders")):
        path = str(folder.get("Path"))
        if path in missing:
            sc.problems.append(f"driver folder {path} not found on the host")
        elif not as_list(folder.get("Infs")):
            sc.problems.append(f"driver folder {path} holds no .inf file")
        else:
            sc.lines.append(f"driver folder {path}: {len(as_list(folder.get('Infs')))} .inf")
    switch = data.get("Switch")
    if not switch:
        sc.problems.append(f"switch {plan.switch} does not exist on the host")
    elif int(switch.get("SwitchType", 2)) == 2:
        sc.problems.append(f"switch {plan.switch} is External: a restored system must stay isolated")
    sets = as_list(data.get("Sets"))
    with_bmr = [b for b in sets if "baremetalrecovery" in str(b.get("RecoverableItems", "")).replace(" ", "").lower()]
    if not sets:
        sc.problems.append(f"no backup of {plan.machine or machine or 'the machine'} on the target")
    elif not with_bmr:
        sc.problems.append("no backup set includes bare-metal recovery (check 'Bare metal recovery' in the backup)")
    else:
        sc.lines.append(f"{len(with_bmr)} backup set(s) with bare-metal recovery")


def _host_problems(hp: HostPreflight) -> list[str]:
    """Preflight problems that concern the whole host (per-scenario ones are judged per scenario)."""
    return [p for p in hp.problems if not p.startswith(("scenario ", "backup source ", "not enough space"))]


def judge_space(report: DoctorReport) -> None:
    """Each scenario must fit the free scratch space alone (a problem), and all of a host's together
    (a problem when the exact needs overflow, a warning when only the upper bounds do)."""
    by_host: dict[str, list[ScenarioCheck]] = {}
    for sc in report.scenarios:
        by_host.setdefault(sc.host, []).append(sc)
    for host, checks in by_host.items():
        hp = report.preflight.hosts.get(host)
        if hp is None or not hp.facts:
            continue
        free = hp.free
        for sc in checks:
            if sc.needed is not None and with_margin(sc.needed) > free:
                sc.problems.append(f"not enough scratch space: needs {gib(with_margin(sc.needed), sc.bound)} "
                                   f"with margin, {gib(free)} free")
        exact = sum(sc.needed or 0 for sc in checks if not sc.bound)
        total = sum(sc.needed or 0 for sc in checks)
        if len(checks) > 1 and with_margin(exact) > free:
            report.host_problems.setdefault(host, []).append(
                f"all {len(checks)} scenarios together need {gib(with_margin(exact))} with margin, {gib(free)} free "
                f"(restored VMs stay until teardown): run them in groups with --scenario")
        elif len(checks) > 1 and with_margin(total) > free:
            report.host_warnings.setdefault(host, []).append(
                f"all {len(checks)} scenarios together may need up to {gib(with_margin(total))} with margin, "
                f"{gib(free)} free; if the run runs out of space, run them in groups with --scenario")


def diagnose(inventory: Any, hosts: Mapping[str, Any], scenarios: Sequence[Any], run_id: str) -> DoctorReport:
    """Preflight plus every scenario's checks (see module docstring); never raises for a lab problem."""
    report = DoctorReport(run_preflight(inventory, hosts, scenarios, run_id))
    for name, hp in report.preflight.hosts.items():
        report.host_problems[name] = _host_problems(hp)
    for scenario in scenarios:
        host = inventory.scenario_host(scenario).name
        hp = report.preflight.hosts.get(host) or HostPreflight(host)
        if not hp.facts:  # unreachable: the host problem says why
            report.scenarios.append(ScenarioCheck(scenario.name, scenario.method, host))
            continue
        report.scenarios.append(check_scenario(inventory, scenario, hp, hosts.get(host), run_id))
    judge_space(report)
    return report


def render(report: DoctorReport, *, verbose: int = 0) -> str:
    """Host lines, the per-scenario table and the problems, as the console shows them."""
    out: list[str] = []
    for name, hp in report.preflight.hosts.items():
        problems = report.host_problems.get(name, [])
        out.append(f"{name}: {'OK' if not problems else 'NOT READY'}" +
                   (f" (scratch {hp.facts.get('Scratch', {}).get('DriveLetter')}: {gib(hp.free)} free)" if hp.facts else ""))
        # the scenario and space lines of the preflight are covered by the table below
        lines = hp.lines if verbose else [line for line in hp.lines if not line.startswith(("scenario ", "scratch "))]
        out.extend(f"  {line}" for line in lines)
        out.extend(f"  PROBLEM: {p}" for p in problems)
        out.extend(f"  WARNING: {w}" for w in report.host_warnings.get(name, []))
    header = ("SCENARIO", "METHOD", "HOST", "SPACE NEEDED", "VERDICT")
    rows = [header]
    for sc in report.scenarios:
        host_ok = not report.host_problems.get(sc.host)
        verdict = "ready" if sc.ready and host_ok else ("NOT READY" if not sc.ready else "NOT READY (host)")
        rows.append((sc.scenario, sc.method, sc.host, gib(sc.needed, sc.bound), verdict))
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    out.append("")
    out.extend("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows)
    for sc in report.scenarios:
        if sc.problems or verbose:
            out.append(f"{sc.scenario}:")
            if verbose:
                out.extend(f"  {line}" for line in sc.lines)
            out.extend(f"  PROBLEM: {p}" for p in sc.problems)
    ready = sum(1 for sc in report.scenarios if sc.ready and not report.host_problems.get(sc.host))
    out.append(f"{ready} of {len(report.scenarios)} scenario(s) ready" +
               ("" if report.ready else "; fix the problems above (lab problems, not restore defects)"))
    return "\n".join(out)


def run_doctor(args: argparse.Namespace) -> int:
    """``restore-harness doctor INVENTORY``: 0 every scenario ready, 3 not (lab problem), 4 usage;
    an invalid inventory raises InventoryError (the CLI prints it, exit 2)."""
    from harness.inventory import load_inventory
    from harness.engine.lab import open_lab

    inventory = load_inventory(args.inventory)
    names: list[str] = list(getattr(args, "scenario", None) or [])
    known = [s.name for s in inventory.scenarios]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UsageError(f"unknown scenario(s) {', '.join(unknown)}: {args.inventory} has {', '.join(known) or 'none'}")
    scenarios = [s for s in inventory.scenarios if not names or s.name in names]
    run_id = naming.new_run_id()
    with open_lab(inventory, args.inventory) as hosts:  # a LabError here: the CLI says so, exit 3
        report = diagnose(inventory, hosts, scenarios, run_id)
    print(render(report, verbose=int(getattr(args, "verbose", 0) or 0)))
    return EXIT_READY if report.ready else EXIT_LAB
