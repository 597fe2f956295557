"""One run record from the parts of a run scaled out over several processes (pytest-xdist,
harness/xdist_hosts.py): each worker process runs its lab hosts' scenarios as one *part* of the run,
with its own ledger and an unsigned record; the controller folds the parts into the run's one
evidence folder (``reports/evidence/<run id>/``), then signs the folder once.

Files are copied under the same paths where they do not clash (each scenario runs in one part, so
its folder ``files/<scenario>/`` is its part's alone); run-level evidence of a part (its ledger, its
``run-safety.json``) gets the part's name in its file name; configuration copies already in the
folder (the inventory, a service profile two parts used) are kept once.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path

from harness.evidence.record import FILES_DIR, RUN_JSON, RunRecorder, safe_name


def merge_parts(recorder: RunRecorder, parts: Sequence[tuple[str, Path]]) -> list[str]:
    """Fold every part (``(label, the part's evidence folder)``) into ``recorder`` (not finished yet);
    returns the labels of the parts merged, in order. A part without a ``run.json`` (its worker
    never started a run) is skipped."""
    merged = []
    for label, folder in parts:
        record_file = folder / RUN_JSON
        if not record_file.is_file():
            continue
        part = json.loads(record_file.read_text(encoding="utf-8"))
        recorder.absorb_part(part, label, _copy_files(recorder, part, label, folder))
        merged.append(label)
    return merged


def _copy_files(recorder: RunRecorder, part: dict, label: str, folder: Path) -> dict[str, str]:
    """Copy a part's evidence files into the run's folder; returns {part path: path in the folder}."""
    have = {c["name"]: c["path"] for c in recorder.data.get("config_files", [])}
    paths: dict[str, str] = {}
    for entry in part.get("config_files", []):
        if entry.get("name") not in have:  # a copy the folder has already is kept once
            paths[entry["path"]] = _copy(recorder, folder, entry["path"], entry["path"])
    for entry in part.get("run_evidence", []):
        src = Path(entry["path"])
        paths[entry["path"]] = _copy(recorder, folder, entry["path"],
                                     (src.parent / f"{src.stem}-{safe_name(label)}{src.suffix}").as_posix())
    for sc in part.get("scenarios", []):
        listed = [e["path"] for e in sc.get("evidence", [])] + [f for c in sc.get("checks", [])
                                                                 for f in c.get("evidence", [])]
        for rel in listed:
            if rel not in paths:
                paths[rel] = _copy(recorder, folder, rel, rel)
    return paths


def _copy(recorder: RunRecorder, folder: Path, rel: str, wanted: str) -> str:
    """Copy ``folder/rel`` to ``wanted`` in the run's folder (a free name beside it if taken)."""
    if not wanted.startswith(f"{FILES_DIR}/") or ".." in Path(wanted).parts:
        raise ValueError(f"part evidence path {rel!r} is not under {FILES_DIR}/")
    target = recorder.dir / wanted
    n = 2
    while target.exists():
        target = target.with_name(f"{Path(wanted).stem}-{n}{Path(wanted).suffix}")
        n += 1
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(folder / rel, target)
    return target.relative_to(recorder.dir).as_posix()
