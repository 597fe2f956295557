"""``make bench`` drill figures: 50 VMs restored, booted and checked for service health, on 1 and 4 hosts.

For each configuration the benchmark generates the drill labs (``benchmarks.drill_lab``: one simulated
host per lab, events clock), starts them, and runs the drill with the scheduler
(``harness.engine.scheduler``) through the harness's own restore, boot and service-check code over
WinRM: ``import_vm``, ``restore_vm`` (WSB), ``restore_bmr`` (WinPE, wbadmin, DISM), ``boot_vm``,
``assert_services_healthy``; every wait between polls is a host-side wait (``host_wait``), so the
simulated clocks count it. After its checks a VM is turned off (``vm_stop``) so its memory goes back.

Figures per configuration (``reports/bench/latest.json`` under ``"drill"``):

* ``makespan_sim_s``: the largest simulated time a host's clock advanced from start to the last VM's
  healthy services (hosts run side by side; each host's clock is its own);
* ``lower_bound_sim_s``: benchmarks/drill_bound.py from the lab descriptions;
* ``serial_sim_s``: the same VMs one after the other on one host (``serial=True``, today's order);
* plus wall seconds, WinRM commands and the outcome of every scenario.

    python -m benchmarks.drill [--vms 50] [--hosts 1,4] [--out reports/bench/latest.json] [--no-serial]
                               [--max-concurrent K]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.drill_bound import lower_bound_s
from benchmarks.drill_lab import DrillShape, drill_inventories, drill_loads, write_drill_labs
from benchmarks.labgen import REPO

DEFAULT_OUT = REPO / "reports" / "bench" / "latest.json"


def sized_limit(shape: DrillShape) -> int:
    """``max_concurrent_restores`` for the drill lab, sized as docs/drills.md says (step 5): a third of
    the lab's restores are WSB VM recoveries, which run one job per host at wbengine's 150 MB/s, so
    the host's chain of WSB jobs is the critical path: the WSB job plus as many restores as fill what
    it leaves of the slowest storage path, ``1 + ceil((slowest - 150) / 150)``."""
    from simlab.lab.wsb import THROUGHPUT

    slowest = min(shape.scratch_write, shape.backup_volume_read, shape.share_read, shape.network)
    return 1 + -(-max(0, slowest - THROUGHPUT) // THROUGHPUT)


def restore_estimate_s(method: str, nbytes: int, shape: DrillShape) -> float:
    """The scheduler's estimate of one restore's duration alone (``PlannedScenario.restore_s``), from
    the figures docs/drills.md sizes a host with: the bytes at the rate one restore reaches alone
    (:func:`restore_rate`), plus the phases that move no bytes (WSB's start; a BMR's WinPE boot and the
    recovered system's boot, which happen inside its restore)."""
    from simlab.lab.winpe import WPE_BOOT_SECONDS
    from simlab.lab.wsb import RECOVERY_START_SECONDS

    copy_s = nbytes / restore_rate(method, shape)
    if method == "import":
        return copy_s
    if method == "wsb-vm":
        return RECOVERY_START_SECONDS + copy_s
    return WPE_BOOT_SECONDS + RECOVERY_START_SECONDS + copy_s + shape.boot_seconds


def restore_rate(method: str, shape: DrillShape) -> float:
    """The scheduler's estimate of the bytes per second one restore writes when it runs alone
    (``PlannedScenario.rate``), from the same figures: an import copy at the scratch volume's write
    rate or the export volume's read rate, a WSB job at wbengine's rate, a BMR at wbengine's rate or
    what the share and the network give, whichever is least."""
    from simlab.lab.wsb import THROUGHPUT

    if method == "import":
        return float(min(shape.scratch_write, shape.backup_volume_read))
    if method == "wsb-vm":
        return float(min(THROUGHPUT, shape.scratch_write, shape.backup_volume_read))
    return float(min(THROUGHPUT, shape.scratch_write, shape.share_read, shape.network))


ENV_SECRETS = ("RH_SIM_PASSWORD", "RH_NAS_USER", "RH_NAS_PASSWORD", "RH_GUEST_PASSWORD")


@dataclass
class HostSide:
    """One host of the drill: its inventory, running simulated lab, connection settings, ledger."""

    name: str
    inventory: Any
    lab: Any
    config: Any  # the inventory host pointed at the lab's port
    ledger: Any
    run_id: str
    t0: float = 0.0  # the lab clock's simulated seconds when the drill started
    commands0: int = 0


@dataclass
class Restored:
    kind: str
    vm_id: str
    vm_name: str
    run_dir: str
    result: Any


class ThreadOverhead:
    """The harness's own time in the drill's work, two ways, for each call of the work (restore, boot
    and services, release) on its worker thread:

    * ``seconds``: wall time minus the remote operations that thread ran meanwhile (as the transport
      timed them: the wait on the host). The import suite's definition (session wall − remote −
      simulator start), counted per thread because the calls run side by side. With many threads
      on few cores it also counts the time a thread waits for a core (or the GIL) while the others,
      and the in-process simulated hosts, run.
    * ``cpu_seconds``: CPU time of the thread (``time.thread_time``) minus the CPU time it spent
      inside the remote operations (``OperationEvent.cpu``: pywinrm, NTLM, parsing, which the import
      suite also counts as remote). The work the harness itself does, whatever else runs."""

    def __init__(self) -> None:
        self._remote: dict[int, tuple[float, float]] = {}
        self._lock = threading.Lock()
        self.seconds = 0.0
        self.cpu_seconds = 0.0
        self.calls = 0
        self.templates: dict[str, int] = {}  # remote operations by template

    def __call__(self, event: Any) -> None:  # a harness.remote.events listener, on the caller's thread
        me = threading.get_ident()
        with self._lock:
            wall, cpu = self._remote.get(me, (0.0, 0.0))
            self._remote[me] = (wall + float(event.duration or 0.0), cpu + float(event.cpu or 0.0))
            self.templates[event.template] = self.templates.get(event.template, 0) + 1

    def _remote_now(self) -> tuple[float, float]:
        with self._lock:
            return self._remote.get(threading.get_ident(), (0.0, 0.0))

    def timed(self, fn: Any, *args: Any) -> Any:
        """Call ``fn(*args)`` and add its own (non-remote) wall and CPU time."""
        wall0, cpu0, (remote0, remote_cpu0) = time.perf_counter(), time.thread_time(), self._remote_now()
        try:
            return fn(*args)
        finally:
            remote1, remote_cpu1 = self._remote_now()
            own = (time.perf_counter() - wall0) - (remote1 - remote0)
            own_cpu = (time.thread_time() - cpu0) - (remote_cpu1 - remote_cpu0)
            with self._lock:
                self.seconds += max(0.0, own)
                self.cpu_seconds += max(0.0, own_cpu)
                self.calls += 1


@dataclass
class DrillWork:
    """The scheduler's ``Work`` on the harness's restore code; one WinRM connection per worker thread
    (opened by the scenario's restore, closed when its VM is released)."""

    sides: dict[str, HostSide]
    timeline: dict[str, list[float]] = field(default_factory=dict)  # scenario -> simulated s: restore start, end, healthy
    overhead: ThreadOverhead = field(default_factory=ThreadOverhead)
    _conns: dict[int, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _conn(self, side: HostSide) -> Any:
        from harness.remote.session import connect

        me = threading.get_ident()
        with self._lock:
            conn = self._conns.get(me)
        if conn is None:
            conn = connect(side.config)
            with self._lock:
                self._conns[me] = conn
        return conn

    def _close(self) -> None:
        with self._lock:
            conn = self._conns.pop(threading.get_ident(), None)
        if conn is not None:
            conn.close()

    def _sim(self, scenario: Any) -> float:
        side = self.sides[scenario.host]
        return round(side.lab.host.clock.seconds() - side.t0, 1)

    def restore_one(self, scenario: Any) -> Restored:
        self.timeline[scenario.name] = [self._sim(scenario)]
        try:
            return self.overhead.timed(self._restore, scenario)
        except BaseException:
            self._close()
            raise
        finally:
            self.timeline[scenario.name].append(self._sim(scenario))

    def _restore(self, scenario: Any) -> Restored:
        from harness.engine.drill import host_sleep

        side = self.sides[scenario.host]
        host = self._conn(side)
        inv = side.inventory
        if scenario.method == "import":
            from harness.restore.import_vm import import_vm, plan_import

            plan = plan_import(inv, scenario, side.run_id)
            r = import_vm(host, plan, side.ledger)
            return Restored("import", r.vm_id, r.vm_name, plan.run_dir, r)
        if scenario.method == "wsb-vm":
            from harness.restore.wsb_vm import plan_vm_restore, restore_vm

            plan = plan_vm_restore(inv, scenario, side.run_id)
            r = restore_vm(host, inv, scenario, plan, side.ledger, sleep=host_sleep(host))
            return Restored("wsb-vm", r.vm_id, r.vm_name, plan.run_dir, r)
        if scenario.method == "bmr":
            from harness.bmr.plan import plan_bmr
            from harness.errors import RestoreDefect
            from harness.restore.bmr import restore_bmr
            from harness.secrets import resolve_credential
            from harness.wsb.target import target_params

            plan = plan_bmr(inv, scenario, side.run_id)
            source = inv.source(scenario.source)
            cred = resolve_credential(source.credentials, purpose=f"backup source {source.name}")
            r = restore_bmr(host, plan, side.ledger, share_credential=cred, target_params=target_params(source, cred),
                            sleep=host_sleep(host))
            if not r.boot.ok:
                raise RestoreDefect(f"{scenario.name}: the recovered system did not boot: {r.boot.reason}")
            return Restored("bmr", r.vm_id, r.vm_name, plan.run_dir, r)
        raise ValueError(f"scenario {scenario.name}: method {scenario.method} is not in the drill")

    def boot_one(self, scenario: Any, restored: Restored) -> dict[str, Any]:
        return self.overhead.timed(self._boot, scenario, restored)

    def _boot(self, scenario: Any, restored: Restored) -> dict[str, Any]:
        from harness.checks.services import assert_services_healthy
        from harness.engine.drill import host_sleep
        from harness.guest.select import GuestTarget, select_channel
        from harness.hyperv.operations import gather_vm_facts
        from harness.profiles import scenario_profile
        from harness.restore.boot import boot_vm
        from harness.secrets import resolve_credential

        side = self.sides[scenario.host]
        host = self._conn(side)
        sleep = host_sleep(host)
        if restored.kind != "bmr":  # restore_bmr boots the recovered disk itself
            facts = gather_vm_facts(host, side.name, [(restored.vm_id, restored.run_dir)])
            boot_vm(host, restored.vm_id, facts, [s.name for s in side.config.isolated_switches], sleep=sleep,
                    first_poll_sec=5.0, max_poll_sec=15.0)
        guest = side.inventory.guest(scenario.vm)
        credential = resolve_credential(guest.credentials, purpose=f"guest {guest.vm}")
        channel = select_channel(GuestTarget(restored.vm_name, credential, guest.transport, guest.address, []),
                                 host_session=host, host_name=side.name)
        profile = scenario_profile([], list(scenario.services))
        outcome = assert_services_healthy(channel, profile, poll_seconds=15.0, sleep=sleep)
        self.timeline[scenario.name].append(self._sim(scenario))
        return {"services": outcome.result.message, "polls": outcome.polls}

    def release_one(self, scenario: Any, restored: Restored, booted: Any) -> None:
        try:
            self.overhead.timed(lambda: self._conn(self.sides[scenario.host]).run("vm_stop", {"vm_id": restored.vm_id}))
        finally:
            self._close()


def _env() -> None:
    for name in ENV_SECRETS:
        if name not in os.environ:
            os.environ[name] = ("NAS01\\wsbreader" if name == "RH_NAS_USER" else secrets.token_urlsafe(18))


def run_drill(workdir: Path, n_vms: int, n_hosts: int, *, serial: bool = False, shape: DrillShape = DrillShape(),
              max_concurrent: int | None = None) -> dict[str, Any]:
    """Generate, start and run one drill configuration; return its figures."""
    from harness.engine.scheduler import DrillScheduler, HostCapacity, PlannedScenario, default_max_concurrent_restores
    from harness.inventory import load_inventory
    from harness.ledger import Ledger
    from harness.naming import new_run_id
    from harness.remote import events
    from harness.restore.registry import host_exclusive
    from simlab.lab.facade import SimulatedLab

    _env()
    tag = f"{n_vms}vm-{n_hosts}h-{'serial' if serial else 'drill'}"
    paths = write_drill_labs(workdir / tag, n_vms, n_hosts, shape)
    datas = drill_inventories(n_vms, n_hosts, shape)
    rates, loads = drill_loads(datas)
    bound = lower_bound_s(rates, loads)
    chain_bound = lower_bound_s(rates, loads, chains=True)
    run_id = new_run_id()
    sides: dict[str, HostSide] = {}
    labs = []
    try:
        invs = [load_inventory(path) for path in paths]
        # one ledger for the run, over every host (as the harness keeps it)
        ledger = Ledger.create(run_id, workdir / tag / "reports", {i.hosts[0].name: i.hosts[0].scratch_root for i in invs})
        for path, inv in zip(paths, invs):
            lab = SimulatedLab.from_inventory(str(path), port=0).start()
            labs.append(lab)
            h = inv.hosts[0]
            cfg = h.model_copy(update={"address": "127.0.0.1", "port": int(lab.port)})
            sides[h.name] = HostSide(h.name, inv, lab, cfg, ledger, run_id)
        caps, plan = {}, []
        for name, side in sides.items():
            memory = shape.memory - 8 * 2**30 - 4 * 2**30  # the host's reserve and the lab's running LAB-DC01
            k = max_concurrent or default_max_concurrent_restores(
                scratch_free_bytes=60 * 2**40, largest_restore_bytes=shape.restore_gb * 2**30,
                vm_memory_bytes=memory, largest_vm_memory_bytes=shape.vm_memory_gb * 2**30)
            caps[name] = HostCapacity(name, 1 if serial else k, memory, storage_rate=float(shape.scratch_write))
        loads_by_name = {(load.host, load.vm): load for load in loads}
        for name, side in sides.items():
            for sc in side.inventory.scenarios:
                load = loads_by_name[(name, sc.vm)]
                plan.append(PlannedScenario(sc.name, name, sc, memory_bytes=shape.vm_memory_gb * 2**30,
                                            exclusive=host_exclusive(sc),
                                            restore_bytes=load.restore_bytes, boot_to_healthy_s=load.boot_to_healthy_s,
                                            restore_s=restore_estimate_s(sc.method, load.restore_bytes, shape),
                                            rate=restore_rate(sc.method, shape)))
        work = DrillWork(sides)
        for side in sides.values():
            side.t0 = side.lab.host.clock.seconds()
            side.commands0 = int(side.lab.counters["wsman"]["commands"])
        wall0 = time.perf_counter()
        sched = DrillScheduler(work, caps, plan, serial=serial, release_when_booted=True)
        with events.listening(work.overhead):
            sched.start()
            outcomes = list(sched.as_completed())
            sched.join()
        wall = time.perf_counter() - wall0
        per_host = {name: side.lab.host.clock.seconds() - side.t0 for name, side in sides.items()}
        commands = sum(int(s.lab.counters["wsman"]["commands"]) - s.commands0 for s in sides.values())
        failed = {o.name: f"{o.failed_in}: {type(o.error).__name__}: {o.error}" for o in outcomes if not o.ok}
        return {"vms": n_vms, "hosts": n_hosts, "serial": serial,
                "max_concurrent_restores": {n: c.max_concurrent_restores for n, c in caps.items()},
                "makespan_sim_s": round(max(per_host.values()), 1), "per_host_sim_s": per_host,
                "lower_bound_sim_s": round(bound, 1), "lower_bound_with_wsb_chain_sim_s": round(chain_bound, 1),
                "wall_s": round(wall, 2), "winrm_commands": commands,
                "harness_overhead_s": round(work.overhead.seconds, 3),
                "harness_overhead_s_per_vm": round(work.overhead.seconds / max(1, n_vms), 4),
                "harness_cpu_s": round(work.overhead.cpu_seconds, 3),
                "harness_cpu_s_per_vm": round(work.overhead.cpu_seconds / max(1, n_vms), 4),
                "winrm_commands_by_template": dict(sorted(work.overhead.templates.items(), key=lambda kv: -kv[1])),
                "ok": len(outcomes) - len(failed), "failed": failed,
                "timeline_sim_s": {n: work.timeline.get(n) for n in sorted(work.timeline)}}
    finally:
        for lab in labs:
            lab.stop()


def _hosts(text: str) -> list[int]:
    try:
        values = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--hosts {text!r}: write numbers separated by commas, e.g. 1,4") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"--hosts {text!r}: every host count must be at least 1")
    return values


def measure(workdir: Path, n_vms: int, hosts: list[int], *, serial: bool = True,
            max_concurrent: int | None = None) -> list[dict[str, Any]]:
    """The "drill" list: one entry per host count, each with the serial figure of the same VMs."""
    serial_s = None
    serial_fig = None
    if serial:
        serial_fig = run_drill(workdir, n_vms, 1, serial=True)
        serial_s = serial_fig["makespan_sim_s"]
    out = []
    for h in hosts:
        fig = run_drill(workdir, n_vms, h, max_concurrent=max_concurrent or sized_limit(DrillShape()))
        out.append({"vms": n_vms, "hosts": h, "makespan_sim_s": fig["makespan_sim_s"],
                    "lower_bound_sim_s": fig["lower_bound_sim_s"], "serial_sim_s": serial_s, "detail": fig,
                    "serial_detail": serial_fig})
    return out


def _row(e: dict[str, Any]) -> str:
    d = e["detail"]
    ratio = e["makespan_sim_s"] / e["lower_bound_sim_s"] if e["lower_bound_sim_s"] else float("nan")
    serial = f"{e['serial_sim_s']:>10.0f}" if e["serial_sim_s"] is not None else f"{'-':>10}"
    return (f"{e['vms']:>4} {e['hosts']:>5} {e['makespan_sim_s']:>12.0f} {e['lower_bound_sim_s']:>10.0f} "
            f"{ratio:>8.3f} {serial} {d['wall_s']:>8.1f} {d['harness_overhead_s_per_vm']:>9.3f} "
            f"{d['harness_cpu_s_per_vm']:>9.3f} "
            f"{d['winrm_commands']:>6} {d['ok']:>4}/{e['vms']}")


def overhead_entries(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``"drill_overhead"`` in latest.json, beside the ``"drill"`` list (whose entries keep their shape):
    per configuration the harness's own wall seconds per VM (:class:`ThreadOverhead`), comparable to
    the import suite's ``overhead_seconds`` / N."""
    out = []
    for e in entries:
        d = e["detail"]
        out.append({"vms": e["vms"], "hosts": e["hosts"], "harness_overhead_s_per_vm": d["harness_overhead_s_per_vm"],
                    "harness_overhead_s": d["harness_overhead_s"], "harness_cpu_s_per_vm": d["harness_cpu_s_per_vm"],
                    "winrm_commands_per_vm": round(d["winrm_commands"] / max(1, e["vms"]), 1), "wall_s": d["wall_s"]})
        if e.get("serial_detail") and not any(o["hosts"] == 1 and o.get("serial") for o in out):
            sd = e["serial_detail"]
            out.append({"vms": e["vms"], "hosts": 1, "serial": True,
                        "harness_overhead_s_per_vm": sd["harness_overhead_s_per_vm"],
                        "harness_overhead_s": sd["harness_overhead_s"], "harness_cpu_s_per_vm": sd["harness_cpu_s_per_vm"],
                        "winrm_commands_per_vm": round(sd["winrm_commands"] / max(1, e["vms"]), 1),
                        "wall_s": sd["wall_s"]})
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--vms", type=int, default=50)
    ap.add_argument("--hosts", type=_hosts, default=[1, 4])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--no-serial", action="store_true", help="skip the serial run (serial_sim_s is then null)")
    ap.add_argument("--max-concurrent", type=int, default=None,
                    help="max_concurrent_restores per host (default: sized from the lab's rates, docs/drills.md)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="rh-drill-") as tmp:
        entries = measure(Path(tmp), args.vms, args.hosts, serial=not args.no_serial,
                          max_concurrent=args.max_concurrent)
    print(f"{'VMs':>4} {'hosts':>5} {'makespan s':>12} {'bound s':>10} {'ratio':>8} {'serial s':>10} {'wall s':>8} "
          f"{'ovh s/VM':>9} {'cpu s/VM':>9} {'cmds':>6} {'ok':>7}")
    for e in entries:
        print(_row(e))
    one = next((e for e in entries if e["hosts"] == 1), None)
    for e in entries:
        if one is not None and e["hosts"] > 1:
            print(f"{e['hosts']} hosts: {one['makespan_sim_s'] / e['makespan_sim_s']:.2f} times faster than 1 host")
    data: dict[str, Any] = {}
    if args.out.exists():
        try:
            data = json.loads(args.out.read_text(encoding="utf-8"))
        except ValueError:
            data = {}
    data["drill"] = entries
    data["drill_overhead"] = overhead_entries(entries)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")
    print(f"written: {args.out}")
    bad = [e for e in entries if e["detail"]["failed"]]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
