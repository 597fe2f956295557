"""Plan of a bare-metal recovery scenario, validated up front (nothing is created on refusal).

The ``bmr:`` section of a scenario is the inventory's strict :class:`~harness.inventory.models.BmrSettings`
(validated when the inventory is loaded). Refusals that come from the domain (shared/DESIGN.md, seed 004 §3.3.1):

* the recovery VM must have the generation of the machine that was backed up: "a Gen1 system
  backup cannot be restored into a Gen2 VM, nor the reverse";
* the backup set must contain bare metal recovery (``RecoverableItems`` has ``BareMetalRecovery``):
  without it a system image has no boot files and cannot boot after restore (seed 002).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from harness import naming
from harness.errors import RestoreDefect, UsageError

if TYPE_CHECKING:  # the inventory's models import the restore registry, which imports this module
    from harness.inventory.models import BmrSettings

GENERATION_RULE = ("a generation 1 VM's system backup cannot be restored into a generation 2 VM, nor the "
                   "reverse (Fujitsu Hyper-V backup/restore guide, seed 004 §3.1 notes on host-side restores)")
BMR_RULE = ("a backup without 'bare metal recovery' holds no system reserved/EFI partition and boot files: "
            "the restored system cannot boot (seed 002). Back up with bare metal recovery checked "
            "(wbadmin start backup -allCritical) and test that backup")


class BmrRefused(UsageError):
    """The scenario cannot work as written (inventory problem); nothing was created."""


class BackupLacksBareMetal(RestoreDefect):
    """The chosen backup set cannot be used for bare-metal recovery (a finding about the backup)."""


@dataclass(frozen=True)
class BmrPlan:
    """Everything the BMR flow needs, with the run's names (one scenario)."""

    scenario: str
    host: str
    machine: str  # the backed-up computer (wbadmin -machine)
    source_kind: str  # wsb-volume | wsb-share
    target: str  # B: or \\NAS01\wsb (wbadmin -backupTarget)
    settings: BmrSettings
    vm_name: str
    run_dir: str
    switch: str
    guest_vm: str  # the inventory's guests[] key (original VM/machine name)

    @property
    def vm_generation(self) -> int:
        return self.settings.vm_generation or self.settings.generation

    @property
    def system_disk(self) -> str:
        return f"{self.run_dir}\\{self.vm_name}-system.vhdx"

    @property
    def automation_disk(self) -> str:
        return f"{self.run_dir}\\{self.vm_name}-automation.vhdx"

    @property
    def share(self) -> bool:
        return self.source_kind == "wsb-share"

    @property
    def expected_drivers(self) -> list[str]:
        return list(self.settings.expected_drivers)


def _settings(scenario: Any, index: int | None) -> BmrSettings:
    """The scenario's ``bmr:`` section: validated with the inventory (harness.inventory.models)."""
    if scenario.bmr is None:
        where = f"scenarios[{index}]" if index is not None else f"scenario {scenario.name}"
        raise BmrRefused(f"{where} ({scenario.name}): method: bmr needs a `bmr:` section. Fix: add bmr: with at "
                         f"least generation: and winpe_iso: (docs/bmr.md)")
    return scenario.bmr  # type: ignore[no-any-return]


def plan_bmr(inventory: Any, scenario: Any, run_id: str) -> BmrPlan:
    """Validate a ``method: bmr`` scenario and name its resources; raises :class:`BmrRefused`."""
    index = next((i for i, s in enumerate(inventory.scenarios) if s.name == scenario.name), None)
    if scenario.method != "bmr":
        raise BmrRefused(f"scenario {scenario.name} is method {scenario.method}, not bmr")
    s = _settings(scenario, index)
    vm_gen = s.vm_generation or s.generation
    if vm_gen != s.generation:
        raise BmrRefused(
            f"scenario {scenario.name}: the backup of {scenario.vm} comes from a generation {s.generation} machine "
            f"and the recovery VM would be generation {vm_gen}: {GENERATION_RULE}. Fix: set bmr.vm_generation to "
            f"{s.generation} (or remove it)")
    host = inventory.scenario_host(scenario)
    source = inventory.source(scenario.source)
    if source is None or source.kind not in ("wsb-volume", "wsb-share"):
        raise BmrRefused(f"scenario {scenario.name}: source {scenario.source!r} is not a WSB backup target")
    if s.switch is not None:
        sw = host.isolated_switch(s.switch)
        if sw is None:
            raise BmrRefused(
                f"scenario {scenario.name}: bmr.switch {s.switch!r} is not an isolated switch of {host.name}. Fix: use "
                f"one of {', '.join(x.name for x in host.isolated_switches) or '(none: add isolated_switches: to the host)'}")
        switch = sw.name
    elif host.isolated_switches:
        switch = host.isolated_switches[0].name
    else:
        raise BmrRefused(f"scenario {scenario.name}: host {host.name} lists no isolated_switches; the recovery VM "
                         f"must stay isolated. Fix: add isolated_switches: to the host or bmr.switch:")
    base = naming.bmr_vm_base(scenario.vm)
    return BmrPlan(
        scenario=scenario.name, host=host.name, machine=source.machine or scenario.vm, source_kind=source.kind,
        target=source.volume if source.kind == "wsb-volume" else source.path, settings=s,
        vm_name=naming.resource_name(run_id, base), run_dir=naming.scratch_dir(host.scratch_root, run_id, "bmr", scenario.name),
        switch=switch, guest_vm=scenario.vm,
    )


# ----------------------------------------------------------------------------- backup set


@dataclass(frozen=True)
class BmrBackupSet:
    """A backup version as ``bmr_precheck.ps1`` reports it."""

    version_id: str
    backup_time: str
    machine: str
    recoverable_items: tuple[str, ...]
    volumes: tuple[str, ...]

    @property
    def bare_metal(self) -> bool:
        return any(i.lower() == "baremetalrecovery" for i in self.recoverable_items)


def parse_sets(data: Any) -> list[BmrBackupSet]:
    """Sets from the precheck facts (a single object or a list), oldest first."""
    items = data if isinstance(data, list) else ([data] if data else [])
    out = []
    for d in items:
        rec = d.get("RecoverableItems") or ""
        parts = rec if isinstance(rec, list) else [p.strip() for p in str(rec).split(",")]
        vols = d.get("Volumes") or []
        out.append(BmrBackupSet(str(d.get("VersionId") or ""), str(d.get("BackupTime") or ""),
                                str(d.get("MachineName") or ""), tuple(p for p in parts if p),
                                tuple(str(v) for v in (vols if isinstance(vols, list) else [vols]))))
    return sorted(out, key=lambda s: s.backup_time)


def choose_set(plan: BmrPlan, sets: Sequence[BmrBackupSet]) -> BmrBackupSet:
    """The set the scenario names (or the newest) and that it holds bare metal recovery."""
    mine = [s for s in sets if not s.machine or s.machine.lower() == plan.machine.lower()]
    if not mine:
        raise BmrRefused(f"scenario {plan.scenario}: no backup of {plan.machine} on {plan.target}. Fix: check the "
                         f"backup source's machine: and that the backup ran")
    if plan.settings.backup_version == "latest":
        chosen = mine[-1]
    else:
        chosen = next((s for s in mine if s.version_id == plan.settings.backup_version), None)
        if chosen is None:
            raise BmrRefused(f"scenario {plan.scenario}: backup version {plan.settings.backup_version} of {plan.machine} "
                             f"is not on {plan.target} (versions: {', '.join(s.version_id for s in mine)}). Fix: set "
                             f"bmr.backup_version to one of them or latest")
    if not chosen.bare_metal:
        raise BackupLacksBareMetal(
            f"scenario {plan.scenario}: backup {chosen.version_id} of {plan.machine} on {plan.target} does not contain "
            f"bare metal recovery (it holds: {', '.join(chosen.recoverable_items) or 'nothing'}): {BMR_RULE}")
    return chosen
