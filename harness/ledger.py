"""The run ledger: every resource a run creates on a host, written down BEFORE it is created.

Teardown and ``restore-harness cleanup`` remove exactly what the ledger holds and nothing else.
An entry is written as an *intent* before the remote operation that creates it runs, then
*confirmed* (with the real VM id, say) once the operation returned. An intent that was never
confirmed is still torn down: the operation may have created the resource and then failed.

The ledger lives in ``reports/ledger/<run id>.json`` (written atomically on every change) and is
mirrored to ``<scratch root>\\<run id>\\ledger.json`` on each host by a listener the plugin adds, so
an interrupted run can be finished from either copy.

Safety is enforced here, at the door: an entry is refused unless its path lies inside the run's
scratch folder and its VM name carries the run prefix (see :mod:`harness.naming`).
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import naming
from harness.errors import LabSafetyError, UsageError

KINDS = ("vm", "vhd", "file", "folder")
INTENT, CREATED, REMOVED, GONE, FAILED = "intent", "created", "removed", "gone", "remove-failed"
LEDGER_VERSION = 1


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


@dataclass
class LedgerEntry:
    """One run resource. ``state``: intent → created → removed/gone (or remove-failed)."""

    seq: int
    kind: str
    host: str
    scenario: str
    state: str = INTENT
    path: str | None = None  # folder/file/VHD path; for a VM: the folder holding its configuration
    vm_id: str | None = None
    vm_name: str | None = None
    recorded: str = field(default_factory=_now)
    updated: str = field(default_factory=_now)
    message: str = ""

    @property
    def open(self) -> bool:
        """Still to be torn down."""
        return self.state in (INTENT, CREATED, FAILED)

    def describe(self) -> str:
        if self.kind == "vm":
            ident = f"VM '{self.vm_name}'" + (f" ({self.vm_id})" if self.vm_id else "")
        else:
            ident = f"{self.kind} {self.path}"
        return f"#{self.seq} {ident} on {self.host} [{self.state}]"


class Ledger:
    """The resources of one run, persisted as JSON after every change."""

    def __init__(self, run_id: str, path: Path, scratch_roots: Mapping[str, str]) -> None:
        self.run_id = naming.validate_run_id(run_id)
        self.path = Path(path)
        self.scratch_roots = dict(scratch_roots)  # host name -> scratch root (E:\RestoreTests)
        self.entries: list[LedgerEntry] = []
        self._listeners: list[Callable[[Ledger], None]] = []
        self._lock = threading.RLock()
        self.mirroring = True  # False during teardown: the host copy goes with the run folder

    # ------------------------------------------------------------------ persistence

    @classmethod
    def create(cls, run_id: str, reports_dir: Path, scratch_roots: Mapping[str, str]) -> Ledger:
        """A new, empty ledger at ``<reports>/ledger/<run id>.json``; refuses to reuse a run id."""
        path = ledger_path(reports_dir, run_id)
        if path.exists():
            existing = cls.load(path)
            if any(e.open for e in existing.entries):
                raise UsageError(
                    f"run id {run_id} already has a ledger with resources still on the hosts ({path}); "
                    f"finish it with `restore-harness cleanup --run-id {run_id}` or use a new run id"
                )
        ledger = cls(run_id, path, scratch_roots)
        ledger.save()
        return ledger

    @classmethod
    def load(cls, path: Path) -> Ledger:
        """Read a ledger file written by :meth:`save` (local copy or the one mirrored from a host)."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise UsageError(f"ledger file {path} does not exist (wrong --run-id or --reports?)") from None
        except json.JSONDecodeError as exc:
            raise UsageError(f"ledger file {path} is not valid JSON: {exc}") from None
        return cls.from_dict(data, path)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], path: Path) -> Ledger:
        if data.get("version") != LEDGER_VERSION or "run_id" not in data:
            raise UsageError(f"ledger {path} has an unknown format (version {data.get('version')!r})")
        ledger = cls(data["run_id"], path, data.get("scratch_roots", {}))
        names = {f.name for f in LedgerEntry.__dataclass_fields__.values()}
        ledger.entries = [LedgerEntry(**{k: v for k, v in e.items() if k in names}) for e in data.get("entries", [])]
        return ledger

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": LEDGER_VERSION,
            "run_id": self.run_id,
            "scratch_roots": dict(self.scratch_roots),
            "entries": [dict(vars(e)) for e in self.entries],  # every field is a scalar: no deep copy needed
        }

    def to_json(self) -> str:
        """The ledger file's text: one entry per line. It is written after every change (hundreds
        of times in a large run, and mirrored to the hosts), so each line is encoded by Python's C
        encoder; indenting the whole document takes its pure-Python one, many times slower."""
        data = self.to_dict()
        entries = data.pop("entries")
        head = json.dumps(data, ensure_ascii=False)[:-1]
        lines = ",\n  ".join(json.dumps(e, ensure_ascii=False) for e in entries)
        return f'{head}, "entries": [' + (f"\n  {lines}\n" if entries else "") + "]}\n"

    def save(self) -> None:
        """Write atomically (temp file + rename), then tell the listeners (host mirrors)."""
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".json.tmp")
            tmp.write_text(self.to_json(), encoding="utf-8")
            os.replace(tmp, self.path)
            listeners = list(self._listeners) if self.mirroring else []
        for listener in listeners:
            listener(self)

    def add_listener(self, listener: Callable[[Ledger], None]) -> None:
        """Call ``listener(ledger)`` after every save (used to mirror the ledger to the hosts)."""
        self._listeners.append(listener)

    # ------------------------------------------------------------------ recording

    def run_dir(self, host: str, *parts: str) -> str:
        """The run's scratch folder on ``host`` (``E:\\RestoreTests\\<run id>\\...``)."""
        if host not in self.scratch_roots:
            raise UsageError(f"host {host!r} has no scratch root in the ledger of run {self.run_id}")
        return naming.scratch_dir(self.scratch_roots[host], self.run_id, *parts)

    def _check_safe(self, host: str, kind: str, path: str | None, vm_name: str | None) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown ledger kind {kind!r} (one of {', '.join(KINDS)})")
        root = self.scratch_roots.get(host)
        if root is None:
            raise LabSafetyError(f"host {host!r} has no scratch root; the run may not create anything there")
        if kind != "vm" and not path:
            raise ValueError(f"a {kind} ledger entry needs a path")
        if path and not naming.is_inside_run_dir(path, root, self.run_id):
            raise LabSafetyError(
                f"refusing to record {kind} {path} on {host}: it is outside the run folder "
                f"{naming.scratch_dir(root, self.run_id)}"
            )
        if kind == "vm" and not (vm_name and naming.belongs_to_run(vm_name, self.run_id)):
            raise LabSafetyError(
                f"refusing to record VM {vm_name!r} on {host}: its name does not carry the run prefix "
                f"{naming.run_prefix(self.run_id)}"
            )

    def intend(
        self, kind: str, host: str, scenario: str, *, path: str | None = None,
        vm_id: str | None = None, vm_name: str | None = None,
    ) -> LedgerEntry:
        """Record that the run is ABOUT to create a resource (before the remote call)."""
        self._check_safe(host, kind, path, vm_name)
        with self._lock:
            for entry in self.entries:  # the same resource twice is one entry
                if (entry.open and entry.kind == kind and entry.host == host
                        and (entry.path or "").lower() == (path or "").lower()
                        and (entry.vm_name or "").lower() == (vm_name or "").lower()):
                    return entry
            entry = LedgerEntry(
                seq=len(self.entries) + 1, kind=kind, host=host, scenario=scenario, path=path,
                vm_id=vm_id.lower() if vm_id else None, vm_name=vm_name,
            )
            self.entries.append(entry)
        self.save()
        return entry

    def confirm(self, entry: LedgerEntry, *, vm_id: str | None = None, message: str = "") -> None:
        """The resource now exists (``vm_id``: the id Hyper-V gave it)."""
        with self._lock:
            entry.state = CREATED
            if vm_id:
                entry.vm_id = vm_id.lower()
            entry.message = message
            entry.updated = _now()
        self.save()

    def settle(self, entry: LedgerEntry, outcome: str, message: str = "") -> None:
        """Teardown result for an entry: ``removed``, ``gone`` (was not there) or ``remove-failed``."""
        if outcome not in (REMOVED, GONE, FAILED):
            raise ValueError(f"unknown teardown outcome {outcome!r}")
        with self._lock:
            entry.state = outcome
            entry.message = message
            entry.updated = _now()
        self.save()

    # ------------------------------------------------------------------ queries

    def open_entries(self, host: str | None = None) -> list[LedgerEntry]:
        return [e for e in self.entries if e.open and (host is None or e.host == host)]

    def hosts(self) -> list[str]:
        return sorted({e.host for e in self.entries})

    def __iter__(self) -> Iterator[LedgerEntry]:
        return iter(list(self.entries))

    def __len__(self) -> int:
        return len(self.entries)


def ledger_path(reports_dir: Path, run_id: str) -> Path:
    """``<reports>/ledger/<run id>.json`` (one place for the local ledger location)."""
    return Path(reports_dir) / "ledger" / f"{naming.validate_run_id(run_id)}.json"


def host_ledger_path(scratch_root: str, run_id: str) -> str:
    """Where the ledger is mirrored on a host: ``<scratch root>\\<run id>\\ledger.json``."""
    return naming.scratch_dir(scratch_root, run_id, "ledger.json")
