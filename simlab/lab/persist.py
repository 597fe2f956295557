"""Save and load a lab host model, so `restore-harness sim serve --state-dir` can restart and keep state.

The model is pickled (it is a graph of dataclasses that refer to each other: disks, volumes shared
between the host's WinFS and mounted VHDs, planned VMs in reports). The simulated clock is saved
as its current instant and scale and resumes from there. Only objects importable by name pickle:
hooks added by other modules must be module-level functions, not lambdas.
"""

from __future__ import annotations

import io
import json
import pickle
from pathlib import Path
from typing import Any

from simlab.clock import SimClock, clock_args, restore_clock
from simlab.ps.api import CaseInsensitiveDict, Hashtable

STATE_FILE = "lab-state.pickle"
SUMMARY_FILE = "lab-state.json"
FORMAT = 1


def _restore_clock(now_iso: str, scale: float, *rest: Any) -> SimClock:
    return restore_clock(now_iso, scale, *rest)


def _restore_cidict(cls: type, items: list[tuple[Any, Any]], ordered: bool | None) -> CaseInsensitiveDict:
    d = cls(items) if ordered is None else cls(items, ordered=ordered)
    return d


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, SimClock):
            return _restore_clock, clock_args(obj)
        if isinstance(obj, CaseInsensitiveDict):  # its __setitem__ needs _canon before items arrive
            ordered = obj.ordered if isinstance(obj, Hashtable) else None
            return _restore_cidict, (type(obj), list(obj.items()), ordered)
        if callable(obj) and "<locals>" in getattr(obj, "__qualname__", ""):
            raise ValueError(f"cannot save the lab state: {obj.__module__}.{obj.__qualname__} is a local function; "
                             "hooks kept in the model must be module-level functions or objects")
        return NotImplemented


def dumps(host: Any) -> bytes:
    buf = io.BytesIO()
    _Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump({"format": FORMAT, "host": host})
    return buf.getvalue()


def loads(data: bytes) -> Any:
    payload = pickle.loads(data)  # noqa: S301 - our own state file, written by save()
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError("the lab state file has an unknown format; delete the state directory to start fresh")
    return payload["host"]


def save(host: Any, directory: str | Path) -> Path:
    """Write the model (and a readable JSON summary beside it) into ``directory``."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    tmp = d / (STATE_FILE + ".tmp")
    tmp.write_bytes(dumps(host))
    tmp.replace(d / STATE_FILE)
    (d / SUMMARY_FILE).write_text(json.dumps(host.state(), indent=2, default=str), encoding="utf-8")
    return d / STATE_FILE


def load(directory: str | Path) -> Any | None:
    """The saved model in ``directory``, or None when there is none."""
    p = Path(directory) / STATE_FILE
    if not p.exists():
        return None
    return loads(p.read_bytes())
