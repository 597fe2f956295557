"""Generate the restore-drill labs: N VMs (import copies, WSB VM recoveries, BMRs) over H hosts.

VM ``i`` is restored by method ``KINDS[i % 3]`` on host ``i % H``; each host gets its own inventory
with its own ``simulated_lab:`` (the simulator serves one host per lab), built from the cast
(``inventories/sim-lab.yml``, only read). Every VM has a guest image with services, so each one is
booted and checked for service health. The lab runs on the events clock (simlab/docs/simulator.md)
so its simulated durations are exact, and its throughput figures (scratch write, backup volume and
share read, network) are what :func:`drill_loads` turns into the lower bound (benchmarks/drill_bound.py).
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from benchmarks.drill_bound import HostRates, VmLoad, share_rate
from benchmarks.labgen import CAST

GB = 2**30
MB = 2**20
KINDS = ("import", "wsb-vm", "bmr")
SWITCH_MAP = {"Corp-LAN": "Lab-Isolated"}
NAS = "\\\\NAS01\\wsb"
_NS = uuid.UUID("5e1f0b6c-4d1a-4f5e-9a57-62656e636802")


@dataclass(frozen=True)
class DrillShape:
    """Sizes and rates of a drill lab (bytes, bytes per simulated second, seconds)."""

    restore_gb: int = 40  # bytes each VM's restore writes to the scratch volume
    scratch_write: int = 400 * MB
    backup_volume_read: int = 800 * MB  # B: (exports, the host-level WSB backup)
    share_read: int = 1000 * MB  # \\NAS01\wsb (BMR sets)
    network: int = 1250 * MB  # 10 GbE
    memory: int = 256 * GB
    vm_memory_gb: int = 8
    boot_seconds: float = 75.0
    # (name, settle seconds, delayed start): what every guest runs and the scenario checks
    services: tuple[tuple[str, float, bool], ...] = (("MSSQLSERVER", 40.0, False), ("W3SVC", 10.0, False),
                                                     ("AppAgent", 30.0, True))


def vm_name(i: int) -> str:
    return f"{('IMP', 'WSB', 'BMR')[i % 3]}{i + 1:02d}"


def host_name(h: int) -> str:
    return f"HV-LAB{h + 1:02d}"


def _guest(name: str, shape: DrillShape, bmr: bool) -> dict[str, Any]:
    services = [{"name": s, "display_name": s, "settle_seconds": settle,
                 **({"start_type": "Automatic (Delayed Start)"} if delayed else {})} for s, settle, delayed in shape.services]
    g: dict[str, Any] = {"name": name, "computer_name": name, "boot_seconds": shape.boot_seconds,
                         "accounts": [{"name": "Administrator", "password_env": "RH_GUEST_PASSWORD"}],
                         "services": services}
    if bmr:
        g["boot_critical_driver"] = "lsisas3.inf"  # injected offline by the BMR flow
    return g


def _export(i: int, shape: DrillShape) -> dict[str, Any]:
    name = vm_name(i)
    return {"name": name, "source_host": "HV-PROD01", "id": str(uuid.uuid5(_NS, f"export-{i}")),
            "path": f"B:\\Exports\\{name}", "generation": 2, "version": "9.0", "memory": f"{shape.vm_memory_gb}GB",
            "cpu": 4, "adapters": [{"switch": "Corp-LAN", "mac": f"00155D66{i // 256:02X}{i % 256:02X}"}],
            "disks": [{"file": f"{name}.vhdx", "size": "127GB", "file_size": f"{shape.restore_gb}GB", "content": "windows"}]}


def _wsb_vm(i: int, shape: DrillShape) -> dict[str, Any]:
    name = vm_name(i)
    return {"name": name, "id": str(uuid.uuid5(_NS, f"wsb-{i}")), "running_at_backup": False, "generation": 2,
            "version": "9.0", "config": {
                "disks": [{"path": f"D:\\Hyper-V\\{name}\\Virtual Hard Disks\\{name}.vhdx", "size_gb": 127,
                           "used_gb": shape.restore_gb}],
                "adapters": [{"name": "Network Adapter", "switch": "Corp-LAN"}],
                "memory_gb": shape.vm_memory_gb, "cpu": 4}}


def _bmr_set(i: int, shape: DrillShape) -> dict[str, Any]:
    return {"machine": vm_name(i), "time": "2026-11-20T22:00:00+09:00", "generation": 2,
            "volumes": [{"mount": "C:", "size_gb": 127, "used_gb": shape.restore_gb}],
            "bare_metal_recovery": True, "windows_image": vm_name(i)}


def _scenario(i: int, host: str, shape: DrillShape) -> dict[str, Any]:
    name, kind = vm_name(i), KINDS[i % 3]
    services = [s for s, _, _ in shape.services]
    base: dict[str, Any] = {"name": f"{kind}-{name.lower()}", "host": host, "vm": name, "method": kind,
                            "services": services, "rto_minutes": 480, "boot_timeout_minutes": 30}
    if kind == "import":
        base.update(source="prod-exports", import_type="copy-new-id", switch_map=dict(SWITCH_MAP),
                    checkpoint_remediation="none")
    elif kind == "wsb-vm":
        base.update(source="prod-wsb", switch_map=dict(SWITCH_MAP), checkpoint_remediation="none",
                    wsb={"backup_selection": "latest", "timeout_minutes": 600, "poll_seconds": 15})
    else:
        base.update(source="nas-wsb", bmr={
            "generation": 2, "cpu": 2, "memory_gb": shape.vm_memory_gb, "system_disk_gb": 127,
            "switch": "Lab-Isolated", "backup_version": "latest", "winpe_iso": "B:\\ISO\\WinPE_amd64.iso",
            "drivers": ["B:\\Drivers\\Storage"], "expected_drivers": ["lsisas3.inf"],
            "winpe_nic_drivers": ["B:\\Drivers\\NIC"], "recovery_timeout_minutes": 600, "boot_timeout_minutes": 30,
            "poll_seconds": 15, "expect_heartbeat": True, "expect_guest_answer": False})
    return base


def drill_inventories(n_vms: int, n_hosts: int, shape: DrillShape = DrillShape()) -> list[dict[str, Any]]:
    """One inventory (with its simulated lab) per host."""
    if n_vms < 1 or n_hosts < 1:
        raise ValueError(f"a drill needs at least one VM and one host, not {n_vms} VM(s) on {n_hosts} host(s)")
    cast = yaml.safe_load(CAST.read_text(encoding="utf-8"))
    out = []
    for h in range(n_hosts):
        mine = [i for i in range(n_vms) if i % n_hosts == h]
        host = host_name(h)
        data = copy.deepcopy(cast)
        data["lab"] = f"drill-{n_vms}-{n_hosts}-{h + 1}"
        data["hosts"][0]["name"] = host
        data["hosts"][0]["credentials"]["username"] = f"{host}\\rh-operator"
        for src in data["backup_sources"]:
            if src["name"] == "nas-wsb":
                src.pop("machine", None)  # each BMR scenario's machine is its VM
        data["guests"] = [{"vm": vm_name(i), "transport": "powershell-direct",
                           "credentials": {"username": "Administrator", "password_env": "RH_GUEST_PASSWORD"}}
                          for i in mine]
        data["scenarios"] = [_scenario(i, host, shape) for i in mine]
        data["reports"]["title"] = f"Restore drill benchmark, {n_vms} VMs on {n_hosts} host(s), {host}"
        sim = data["simulated_lab"]
        sim["time"] = {"start": "2026-11-21T09:00:00+09:00", "mode": "events", "quiet": 0.03}
        sim["host"]["name"] = host
        sim["host"]["memory"] = f"{shape.memory // GB}GB"
        sim["host"]["network"] = f"{shape.network // MB}MB"
        sim["accounts"] = [{"user": f"{host}\\rh-operator", "password_env": "RH_SIM_PASSWORD"}]
        for vol in sim["host"]["volumes"]:
            if vol["letter"] == "E":
                vol.update(size="64TB", free="60TB", write=f"{shape.scratch_write // MB}MB")
            if vol["letter"] == "B":
                vol.update(size="64TB", free="40TB", read=f"{shape.backup_volume_read // MB}MB")
        sim["exports"] = [_export(i, shape) for i in mine if KINDS[i % 3] == "import"]
        sim["faults"] = []
        for target in sim["backup_targets"]:
            if target["path"] == "B:":
                target["sets"][0]["hyperv_vms"] = [_wsb_vm(i, shape) for i in mine if KINDS[i % 3] == "wsb-vm"]
            else:
                target["read"] = f"{shape.share_read // MB}MB"
                target["sets"] = [_bmr_set(i, shape) for i in mine if KINDS[i % 3] == "bmr"]
        keep = [g for g in sim["guests"] if g["name"] == "HV-PROD01"]
        sim["guests"] = keep + [_guest(vm_name(i), shape, KINDS[i % 3] == "bmr") for i in mine]
        out.append(data)
    return out


def write_drill_labs(directory: Path, n_vms: int, n_hosts: int, shape: DrillShape = DrillShape()) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for data in drill_inventories(n_vms, n_hosts, shape):
        path = directory / f"{data['lab']}.yml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        paths.append(path)
    return paths


def boot_to_healthy_s(guest: dict[str, Any], checked: list[str]) -> float:
    """From Start-VM until every checked service runs, as the description sets it (simlab's guest
    model: services start at boot; delayed ones 120 s later; each is Running ``settle_seconds`` after
    its start)."""
    from simlab.lab.guest import BOOT_SECONDS_DEFAULT, DELAYED_START_SECONDS

    boot = float(guest.get("boot_seconds", BOOT_SECONDS_DEFAULT))
    waits = [0.0]
    for s in guest.get("services", []):
        if s["name"] in checked:
            delayed = str(s.get("start_type", "")).startswith("Automatic (Delayed")
            waits.append((DELAYED_START_SECONDS if delayed else 0.0) + float(s.get("settle_seconds", 10)))
    return boot + max(waits)


def drill_loads(inventories: list[dict[str, Any]]) -> tuple[dict[str, HostRates], list[VmLoad]]:
    """The lower bound's inputs, read from the lab descriptions (never from a run)."""
    from simlab.lab.description import parse_size
    from simlab.lab.wsb import RECOVERY_START_SECONDS, THROUGHPUT

    rates: dict[str, HostRates] = {}
    loads: list[VmLoad] = []
    for data in inventories:
        sim = data["simulated_lab"]
        host = sim["host"]["name"]
        vols = {v["letter"]: v for v in sim["host"]["volumes"]}
        net = parse_size(sim["host"].get("network", "1250MB"))
        share = next(t for t in sim["backup_targets"] if t["path"].startswith("\\\\"))
        rates[host] = HostRates(parse_size(vols["E"].get("write", "400MB")), {
            "B:": parse_size(vols["B"].get("read", "400MB")),
            share["path"].lower(): share_rate(parse_size(share.get("read", "1000MB")), net)})
        guests = {g["name"]: g for g in sim["guests"]}
        exports = {e["name"]: e for e in sim.get("exports", [])}
        wsb_vms = {v["name"]: v for t in sim["backup_targets"] for s in t.get("sets", []) for v in s.get("hyperv_vms", [])}
        bmr_sets = {s["machine"]: s for s in share.get("sets", [])}
        for sc in data["scenarios"]:
            vm = sc["vm"]
            if sc["method"] == "import":
                nbytes = sum(parse_size(d["file_size"]) for d in exports[vm]["disks"])
                source = "B:"
            elif sc["method"] == "wsb-vm":
                nbytes = sum(int(float(d["used_gb"]) * GB) for d in wsb_vms[vm]["config"]["disks"])
                source = "B:"
            else:
                nbytes = sum(int(v["used_gb"]) * GB for v in bmr_sets[vm]["volumes"])
                source = share["path"].lower()
            # a WSB VM recovery is a job of the host's wbengine: one at a time, its start, then its bytes at wbengine's rate
            chain = RECOVERY_START_SECONDS + nbytes / THROUGHPUT if sc["method"] == "wsb-vm" else 0.0
            loads.append(VmLoad(host, nbytes, source, boot_to_healthy_s(guests[vm], sc.get("services", [])), vm,
                                chain_s=chain))
    return rates, loads
