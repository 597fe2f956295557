"""Generate a benchmark lab: one host, N Hyper-V exports in the cast's style, N import scenarios.

The generated inventory starts from the cast (``inventories/sim-lab.yml``, read only) and replaces
its exports and scenarios: export ``i`` copies the shape of CM01, VMM01 or SQL01 in turn (generation,
configuration version, an adapter on a production-only switch), with its own name, GUID and MAC,
and one 60 GB disk so that N = 50 still fits the scratch volume the preflight checks. Import types
cycle through copy-new-id, restore and register so every flow is in the mix.

For the fact-gathering comparison (``benchmarks.checks_compare``) the same description also holds
N registered VMs shaped like restored copies (run folder paths, adapter on ``Lab-Isolated``); the
first carries a leftover Recovery checkpoint so that both ways of checking must find one failure.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
CAST = REPO / "inventories" / "sim-lab.yml"
IMPORT_TYPES = ("copy-new-id", "restore", "register")
SWITCH_MAP = {"Corp-LAN": "Lab-Isolated", "Corp-Mgmt": "Lab-Isolated"}
# The cast's exported VMs (docs/architecture.md): name stem, generation, version, production switch.
SHAPES = (("CM", 2, "9.0", "Corp-LAN"), ("VMM", 2, "9.0", "Corp-Mgmt"), ("SQL", 1, "8.0", "Corp-LAN"))
_NS = uuid.UUID("5e1f0b6c-4d1a-4f5e-9a57-62656e636801")  # stable GUIDs: same N -> same lab


@dataclass(frozen=True)
class CheckedVM:
    """A registered VM of the comparison lab and what the checks expect of it."""

    id: str
    name: str
    generation: int
    version: str
    scan: str  # folder the .avhd scan looks in (its run folder)
    switch: str  # the switch its adapter must be on


def export_name(i: int) -> str:
    stem = SHAPES[i % len(SHAPES)][0]
    return f"{stem}{i + 1:02d}" if i < 99 else f"{stem}{i + 1}"


def _export(i: int) -> dict[str, Any]:
    stem, gen, version, switch = SHAPES[i % len(SHAPES)]
    name = export_name(i)
    return {
        "name": name, "source_host": "HV-PROD01", "id": str(uuid.uuid5(_NS, f"export-{i}")),
        "path": f"B:\\Exports\\{name}", "generation": gen, "version": version, "memory": "8GB", "cpu": 4,
        "adapters": [{"switch": switch, "mac": f"00155D64{i // 256:02X}{i % 256:02X}"}],
        "disks": [{"file": f"{name}.vhdx", "size": "60GB", "file_size": "20GB", "content": "windows"}],
    }


def _scenario(i: int) -> dict[str, Any]:
    return {
        "name": f"import-{export_name(i).lower()}", "source": "prod-exports", "vm": export_name(i),
        "method": "import", "import_type": IMPORT_TYPES[i % len(IMPORT_TYPES)], "switch_map": dict(SWITCH_MAP),
        "rto_minutes": 120, "checkpoint_remediation": "remove",
    }


def checked_vms(n: int) -> list[CheckedVM]:
    """The N registered "restored copies" the fact-gathering comparison checks."""
    out = []
    for i in range(n):
        _, gen, version, _ = SHAPES[i % len(SHAPES)]
        name = f"bench-{export_name(i)}"
        out.append(CheckedVM(str(uuid.uuid5(_NS, f"restored-{i}")), name, gen, version,
                             f"E:\\RestoreTests\\bench\\{name}", "Lab-Isolated"))
    return out


def _registered(vm: CheckedVM, i: int) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": vm.name, "id": vm.id, "state": "Off", "generation": vm.generation, "version": vm.version,
        "path": vm.scan, "memory": "8GB", "cpu": 4,
        "adapters": [{"switch": vm.switch, "mac": f"00155D65{i // 256:02X}{i % 256:02X}"}],
        "disks": [{"file": f"{vm.name}.vhdx", "size": "60GB", "file_size": "20GB", "content": "windows"}],
    }
    if i == 0:  # one finding both ways of checking must report
        data["checkpoints"] = [{"name": "Backup checkpoint (Recovery)", "type": "Recovery"}]
    return data


def lab_inventory(n: int, *, scale: float) -> dict[str, Any]:
    """The inventory (with its ``simulated_lab:`` section) for N source VMs on one host."""
    if n < 1:
        raise ValueError(f"N must be at least 1, got {n}")
    data = copy.deepcopy(yaml.safe_load(CAST.read_text(encoding="utf-8")))
    data["lab"] = f"bench-{n}"
    data["backup_sources"] = [s for s in data["backup_sources"] if s["name"] == "prod-exports"]
    data["guests"] = []
    data["scenarios"] = [_scenario(i) for i in range(n)]
    data["reports"]["title"] = f"Benchmark lab, {n} source VMs"
    sim = data["simulated_lab"]
    sim["time"]["scale"] = scale
    # Room for N copies: the preflight sums maximum VHDX sizes against the scratch volume's free space.
    for vol in sim["host"]["volumes"]:
        if vol["letter"] == "E":
            vol.update(size="64TB", free="60TB")
        if vol["letter"] == "B":
            vol.update(size="64TB", free="40TB")
    sim["exports"] = [_export(i) for i in range(n)]
    sim["vms"] = list(sim["vms"]) + [_registered(vm, i) for i, vm in enumerate(checked_vms(n))]
    sim["faults"] = []
    for key in ("backup_targets", "drivers", "iso", "guests"):
        sim.pop(key, None)
    return data


def write_lab(directory: Path, n: int, *, scale: float) -> Path:
    """Write the generated inventory to ``directory/bench-<n>.yml`` and return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"bench-{n}.yml"
    path.write_text(yaml.safe_dump(lab_inventory(n, scale=scale), allow_unicode=True, sort_keys=False),
                    encoding="utf-8")
    return path
