"""One run record from the parts of a run scaled out over several processes (pytest-xdist,
harness/xdist_hosts.py): each worker process runs its lab hosts' scenarios as one *part* of the run,
with its own ledger and an unsigned record; the controller folds the parts into the run's one
evidence folder (``reports/evidence/<run id>/``), then signs the folder once.

Files are copied under the same paths where they do not clash (each scenario runs in one part, so
its folder ``files/<scenario>/`` is its part's alone); run-level evidence of a part (its ledger, its
``run-safety.json``) gets the part's name in its file name; configuration copies already in the
folder (the inventory, a service profile two parts used) are kept once.

A *lost* part (its worker died, or its record was never finished) is not presented as complete: each
of its tests that did not run becomes a "broken" row of its scenario (when the part had started that
scenario), the run is marked interrupted with the part's hosts, its tests not run and the cleanup
command, and what it left is kept in the folder: its ledger as the worker left it
(``files/_run/ledger-<part>.json``) and any evidence file its record did not list yet.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from harness.evidence.record import FILES_DIR, RUN_JSON, RunRecorder, safe_name


#: a lost part's test in the record: the lab or harness could not audit it (harness/evidence/outcome.py)
NOT_RUN_OUTCOME = "broken"


@dataclass(frozen=True)
class LostPart:
    """A part of the run that ended before its tests did: its label (the worker), its lab hosts, its
    tests that did not run (``(test id, scenario or None)``, in order), why (one sentence, naming the
    worker and hosts), the command that removes what it left, and its ledger file (None: none)."""

    label: str
    hosts: tuple[str, ...]
    not_run: tuple[tuple[str, str | None], ...]
    why: str
    cleanup: str
    ledger: Path | None = None


def merge_parts(recorder: RunRecorder, parts: Sequence[tuple[str, Path]], lost: Sequence[LostPart] = ()) -> list[str]:
    """Fold every part (``(label, the part's evidence folder)``) into ``recorder`` (not finished yet),
    then record the ``lost`` parts (see the module docstring; a lost part need not have a folder);
    returns the labels of the parts merged, in order. A part without a ``run.json`` (its worker
    never started a run) is skipped."""
    lost_labels = {p.label for p in lost}
    merged = []
    for label, folder in parts:
        record_file = folder / RUN_JSON
        if not record_file.is_file():
            continue
        part = json.loads(record_file.read_text(encoding="utf-8"))
        paths = _copy_files(recorder, part, label, folder)
        if label in lost_labels:  # written by the worker before it died, not listed by its record yet
            paths.update({rel: _copy(recorder, folder, rel, rel) for rel in _unlisted(part, folder)})
        recorder.absorb_part(part, label, paths)
        merged.append(label)
    for part in lost:
        record_lost(recorder, part)
    return merged


def record_lost(recorder: RunRecorder, part: LostPart) -> None:
    """Record a lost part in the run (see the module docstring), in the record's existing shapes:
    check rows, run-level evidence, the interruption."""
    started = {sc.get("scenario") for sc in recorder.data["scenarios"]}
    for test, scenario in part.not_run:
        if scenario is not None and scenario in started:
            recorder.check(scenario, test.rsplit("::", 1)[-1], NOT_RUN_OUTCOME, f"not run: {part.why}")
    have = {e.get("name") for e in recorder.data.get("run_evidence", [])}
    if part.ledger is not None and part.ledger.is_file() and f"ledger.json ({part.label})" not in have:
        recorder.add_evidence(None, f"ledger-{safe_name(part.label)}.json", part.ledger.read_text(encoding="utf-8"),
                              kind="json")
    data = recorder.data
    names = ", ".join(test.rsplit("::", 1)[-1] for test, _ in part.not_run) or "none"
    reason = f"{part.label}: {part.why}; tests not run: {names}" + (f"; remove what it left: {part.cleanup}"
                                                                    if part.cleanup else "")
    detail = {"hosts": list(part.hosts), "why": part.why, "not_run": [test for test, _ in part.not_run],
              "cleanup": part.cleanup or None}
    details = dict(data.get("interruption") or {})
    details[part.label] = {**(details.get(part.label) or {}), **detail}
    recorder.mark_interrupted("; ".join(r for r in (data.get("interrupted"), reason) if r), details)


def _unlisted(part: dict, folder: Path) -> list[str]:
    """The part's evidence files (under ``files/``) that its record does not list."""
    listed = {e.get("path") for key in ("config_files", "run_evidence") for e in part.get(key, [])}
    for sc in part.get("scenarios", []):
        listed.update(e.get("path") for e in sc.get("evidence", []))
        listed.update(f for c in sc.get("checks", []) for f in c.get("evidence", []))
    files = folder / FILES_DIR
    found = sorted(p.relative_to(folder).as_posix() for p in files.rglob("*") if p.is_file()) if files.is_dir() else []
    return [rel for rel in found if rel not in listed]


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
