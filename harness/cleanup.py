"""Teardown: remove exactly what a run's ledger holds, and nothing else.

Used at the end of every run (unless ``--keep``), after failures and Ctrl-C, and by
``restore-harness cleanup --inventory X --run-id Y`` to finish an interrupted teardown. Order: VMs
(stop, then remove) → VHDs → files → folders, deepest first; the run folder (with the host's ledger
copy) goes last. Each entry is re-checked against the run folder and prefix before it is sent, and
``ledger_remove.ps1`` checks again on the host.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PureWindowsPath

from harness import naming
from harness.engine.lab import open_lab
from harness.errors import HarnessError, UsageError
from harness.exitcodes import ExitCode
from harness.hostlock import HostLock, acquire_all
from harness.hyperv.operations import RemoteRunner
from harness.ledger import FAILED, GONE, REMOVED, Ledger, LedgerEntry, host_ledger_path, ledger_path

_ORDER = {"vm": 0, "vhd": 1, "file": 2, "folder": 3}


@dataclass
class TeardownReport:
    """What teardown did per entry; ``left`` lists what is still on a host."""

    removed: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.left

    def text(self) -> str:
        lines = [f"removed: {r}" for r in self.removed] + [f"LEFT: {r}" for r in self.left]
        return "\n".join(lines) or "nothing to remove"


def _sort_key(entry: LedgerEntry) -> tuple[int, int, int]:
    depth = len(PureWindowsPath(entry.path).parts) if entry.path else 0
    return (_ORDER[entry.kind], -depth, -entry.seq)


def teardown(ledger: Ledger, hosts: Mapping[str, RemoteRunner], *,
             unreachable: Mapping[str, str] | None = None) -> TeardownReport:
    """Remove every open ledger entry, host by host, one entry per remote command, and settle each
    entry in the ledger as soon as its command returned: an interrupted or abandoned teardown leaves
    a ledger that says exactly what was removed and what is still there. ``unreachable`` (host →
    why) names hosts that are not in ``hosts`` because no fresh connection could be made."""
    report = TeardownReport()
    ledger.mirroring = False
    for host_name in ledger.hosts():
        entries = sorted(ledger.open_entries(host_name), key=_sort_key)
        if not entries:
            continue
        remote = hosts.get(host_name)
        if remote is None:
            why = (unreachable or {}).get(host_name) or "no connection"
            report.left.extend(f"{e.describe()}: {host_name} not reachable: {why}" for e in entries)
            continue
        run_dir = ledger.run_dir(host_name)
        for number, e in enumerate(entries):
            if e.path and not naming.is_inside_run_dir(e.path, ledger.scratch_roots[host_name], ledger.run_id):
                # defence in depth: Ledger.intend refused these already
                ledger.settle(e, FAILED, f"refused: {e.path} is outside the run folder {run_dir}")
                report.left.append(e.describe())
                continue
            item = {"seq": e.seq, "kind": e.kind, "vm_id": e.vm_id or "", "vm_name": e.vm_name or "",
                    "path": e.path or ""}
            try:
                results = remote.run("ledger_remove", {"run_dir": run_dir, "run_prefix": naming.run_prefix(ledger.run_id),
                                                       "items": [item]}, timeout=1800)
            except HarnessError as exc:
                report.left.extend(f"{x.describe()}: teardown failed: {exc}" for x in entries[number:] if x.open)
                break
            result = next((r for r in results or [] if int(r.get("seq", -1)) == e.seq), None)
            if result is None:
                report.left.append(f"{e.describe()}: the host did not report on it")
                continue
            outcome, message = str(result.get("outcome")), str(result.get("message") or "")
            state = {"removed": REMOVED, "gone": GONE}.get(outcome, FAILED)
            ledger.settle(e, state, message if state != FAILED else f"{outcome}: {message}")
            (report.removed if state != FAILED else report.left).append(f"{e.describe()} {message}".strip())
    return report


class HostMirror:
    """Ledger listener: writes the ledger to ``<scratch root>\\<run id>\\ledger.json`` on each host.

    Before the first write the run folder is itself recorded in the ledger (it is a run resource).
    Errors are kept (``errors``), not raised: the local copy stays authoritative.
    """

    def __init__(self, hosts: Mapping[str, RemoteRunner]) -> None:
        self.hosts = dict(hosts)
        self.errors: list[str] = []
        self._busy = False

    def prepare(self, ledger: Ledger, host_names: list[str]) -> None:
        for name in host_names:
            ledger.intend("folder", name, "_run", path=ledger.run_dir(name))

    def __call__(self, ledger: Ledger) -> None:
        if self._busy:
            return
        self._busy = True
        try:
            content = ledger.to_json()
            for name in ledger.hosts():
                remote = self.hosts.get(name)
                run_root = ledger.run_dir(name)
                root_entries = [e for e in ledger.entries if e.host == name and e.kind == "folder"
                                and e.path and e.path.lower() == run_root.lower()]
                if remote is None or not root_entries or not root_entries[0].open:
                    continue
                try:
                    remote.run("ledger_write", {"path": host_ledger_path(ledger.scratch_roots[name], ledger.run_id),
                                                "content": content}, idempotent=True, timeout=120)
                    if root_entries[0].state == "intent":
                        ledger.confirm(root_entries[0], message="run folder (holds the ledger copy)")
                except HarnessError as exc:
                    self.errors.append(f"{name}: could not mirror the ledger: {exc}")
        finally:
            self._busy = False


def load_ledger(reports_dir: Path, run_id: str, inventory: object, hosts: Mapping[str, RemoteRunner]) -> Ledger:
    """The local ledger of ``run_id``, or the copy mirrored on a host when the local one is gone."""
    local = ledger_path(reports_dir, run_id)
    if local.exists():
        return Ledger.load(local)
    for host in getattr(inventory, "hosts", []):
        remote = hosts.get(host.name)
        if remote is None:
            continue
        data = remote.run("ledger_read", {"path": host_ledger_path(host.scratch_root, run_id)}, idempotent=True) or {}
        if data.get("exists"):
            ledger = Ledger.from_dict(json.loads(str(data["content"]).lstrip("\ufeff")), local)
            if ledger.run_id != run_id:
                raise UsageError(f"the ledger on {host.name} belongs to run {ledger.run_id}, not {run_id}")
            return ledger
    raise UsageError(f"no ledger for run {run_id}: neither {local} nor a copy on any host")


def run_cleanup(args: argparse.Namespace) -> int:
    """``restore-harness cleanup --inventory X --run-id Y``: finish an interrupted teardown, holding
    the lock of every host it removes something from (``--take-over-stale-lock`` for another run's
    stale lock). Exit 0 when nothing of the run is left, 3 when something could not be removed; errors
    (usage 4, lab 3, invalid inventory 2) are raised for the CLI to report, in its one place."""
    from harness.inventory import load_inventory

    try:
        run_id = naming.validate_run_id(args.run_id)
    except ValueError as exc:  # the CLI checks it too; a direct caller gets the usage error
        raise UsageError(str(exc)) from exc
    inventory = load_inventory(args.inventory)
    reports = Path(getattr(args, "reports", None) or inventory.reports.dir)
    with open_lab(inventory, args.inventory) as hosts:
        try:
            ledger = load_ledger(reports, run_id, inventory, hosts)
        except ValueError as exc:  # a damaged ledger file (not JSON, unknown entry kinds)
            raise UsageError(f"the ledger of run {run_id} cannot be read: {exc}") from exc
        if not ledger.open_entries():
            print(f"run {run_id}: nothing left to remove ({len(ledger)} ledger entries, all settled)")
            return ExitCode.OK
        # one run per lab host: cleanup takes the host locks too (it may reclaim run_id's own stale lock)
        locks = [HostLock(hosts[name], name, ledger.scratch_roots[name], run_id)
                 for name in sorted({e.host for e in ledger.open_entries()}) if name in hosts]
        for takeover in acquire_all(locks, take_over_stale=bool(getattr(args, "take_over_stale_lock", False))):
            print(f"warning: {takeover.text()}")
        try:
            report = teardown(ledger, hosts)
        finally:
            for lock in locks:
                try:
                    lock.release()
                except HarnessError as exc:
                    print(f"warning: could not release the lock on {lock.host}: {exc}")
    print(report.text())
    return ExitCode.OK if report.ok else ExitCode.LAB
