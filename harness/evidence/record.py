"""The run record: what a restore-test run did, written as it happens to
``reports/evidence/<run id>/run.json`` and finished into the evidence report and manifest.

The pytest plugin feeds a :class:`RunRecorder`; nothing here talks to a host. Every string and every
text attachment passes through the Redactor before it is stored.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from harness.evidence import SIMULATED_NOTICE
from harness.evidence.dates import iso, next_due, parse_iso, utc_now
from harness.evidence.manifest import MANIFEST_NAME, hash_tree, write_manifest
from harness.evidence.outcome import OUTCOMES, scenario_outcome, system_outcomes
from harness.evidence.redaction import redact_text, redact_value

SCHEMA = "restore-harness/run-record/1"
FILES_DIR = "files"
RUN_JSON = "run.json"
EVIDENCE_JSON = "evidence.json"
EVIDENCE_HTML = "evidence.html"
_SAFE = re.compile(r"[^\w.\-]+", re.UNICODE)


def harness_version() -> str:
    """The installed restore-harness version ("unknown" when run from an uninstalled tree)."""
    try:
        from importlib.metadata import version

        return version("restore-harness")
    except Exception:  # noqa: BLE001 - metadata absent in a bare checkout
        return "unknown"


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def safe_name(text: str) -> str:
    """A file-name-safe form of ``text`` (keeps letters of any script, digits, ``.-_``)."""
    cleaned = _SAFE.sub("_", text).strip("._")
    return cleaned[:120] or "item"


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8", newline="\n")
    os.replace(tmp, path)


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


class RecorderError(ValueError):
    """Wrong use of the recorder (unknown scenario, bad outcome, finished twice)."""


class RunRecorder:
    """Collects one run's facts and writes the evidence directory.

    ``reports_dir`` is the reports root (``reports/``); this run's evidence goes to
    ``reports_dir/evidence/<run_id>/``. Earlier runs in ``reports_dir/evidence`` are read (never
    changed) to carry the last passing date of systems that did not pass in this run.
    """

    def __init__(
        self,
        run_id: str,
        reports_dir: Path,
        inventory_path: Path,
        simulated: bool,
        operator: str | None = None,
        ci_job: str | None = None,
        retest_interval_months: int = 6,
    ) -> None:
        if not run_id or safe_name(run_id) != run_id:
            raise RecorderError(f"run id {run_id!r} is not usable as a directory name (letters, digits, . - _)")
        if retest_interval_months < 1:
            raise RecorderError(f"retest_interval_months must be >= 1, got {retest_interval_months}")
        self.run_id = run_id
        self.reports_dir = Path(reports_dir)
        self.evidence_root = self.reports_dir / "evidence"
        self.dir = self.evidence_root / run_id
        if (self.dir / MANIFEST_NAME).exists():
            raise RecorderError(
                f"{self.dir} already holds finished evidence of run {run_id}; "
                "a run id is used once (start a new run, never overwrite evidence)"
            )
        self.dir.mkdir(parents=True, exist_ok=True)
        self.files_dir = self.dir / FILES_DIR
        self._finished = False
        inventory_path = Path(inventory_path)
        self._data: dict[str, Any] = {
            "schema": SCHEMA,
            "run_id": run_id,
            "simulated": bool(simulated),
            "notice": SIMULATED_NOTICE if simulated else None,
            "harness_version": harness_version(),
            "started": iso(utc_now()),
            "finished": None,
            "operator": redact_text(operator) if operator else None,
            "ci_job": redact_text(ci_job) if ci_job else None,
            "retest_interval_months": retest_interval_months,
            "inventory": {
                "path": str(inventory_path),
                "sha256": file_sha256(inventory_path) if inventory_path.is_file() else None,
            },
            "hosts": {},
            "scenarios": [],
            "run_evidence": [],
        }
        self._save()

    # ------------------------------------------------------------------ properties

    @property
    def simulated(self) -> bool:
        """True for a run against the simulated lab."""
        return bool(self._data["simulated"])

    @property
    def inventory_sha256(self) -> str | None:
        """SHA-256 of the inventory file the run used."""
        return self._data["inventory"]["sha256"]

    @property
    def hosts(self) -> dict[str, dict[str, Any]]:
        """Recorded host facts by host name (a copy)."""
        return json.loads(json.dumps(self._data["hosts"]))

    @property
    def data(self) -> dict[str, Any]:
        """A copy of the record as it stands."""
        return json.loads(json.dumps(self._data))

    # ------------------------------------------------------------------ recording

    def host_facts(self, host: str, facts: Mapping[str, Any]) -> None:
        """Record facts about a lab host (keys such as ``os_caption``, ``os_version``, ``os_build``,
        ``hyperv_version``); later calls for the same host add to earlier ones."""
        self._data["hosts"].setdefault(host, {}).update(redact_value(dict(facts)))
        self._save()

    def scenario_started(
        self,
        scenario: str,
        *,
        system: str,
        method: str,
        import_type: str | None,
        host: str,
        rto_target_minutes: float | None,
    ) -> None:
        """Start recording a scenario (one restore of one system by one method)."""
        if self._find(scenario, required=False) is not None:
            raise RecorderError(f"scenario {scenario!r} was already started in run {self.run_id}")
        self._data["scenarios"].append(
            {
                "scenario": redact_text(scenario),
                "system": redact_text(system),
                "method": redact_text(method),
                "import_type": redact_text(import_type) if import_type else None,
                "host": redact_text(host),
                "rto_target_minutes": rto_target_minutes,
                "started": iso(utc_now()),
                "backup": None,
                "restore": None,
                "services_healthy_at": None,
                "rto_minutes": None,
                "rto_met": None,
                "checks": [],
                "evidence": [],
                "_key": scenario,
            }
        )
        self._save()

    def backup_used(
        self,
        scenario: str,
        *,
        version_id: str | None,
        backup_time: datetime | None,
        target: str,
        age_days: float | None,
    ) -> None:
        """Record which backup version the scenario restored."""
        sc = self._find(scenario)
        sc["backup"] = {
            "version_id": redact_text(version_id) if version_id else None,
            "backup_time": iso(backup_time),
            "target": redact_text(target),
            "age_days": None if age_days is None else round(float(age_days), 2),
        }
        self._save()

    def restore_finished(
        self, scenario: str, *, started: datetime, finished: datetime, ok: bool, message: str = ""
    ) -> None:
        """Record the restore operation's start, end and result."""
        sc = self._find(scenario)
        sc["restore"] = {
            "started": iso(started),
            "finished": iso(finished),
            "duration_minutes": round((finished - started).total_seconds() / 60, 2),
            "ok": bool(ok),
            "message": redact_text(message),
        }
        self._update_rto(sc)
        self._save()

    def services_healthy(self, scenario: str, at: datetime) -> None:
        """Record when the restored system's services were healthy (end of the RTO interval)."""
        sc = self._find(scenario)
        sc["services_healthy_at"] = iso(at)
        self._update_rto(sc)
        self._save()

    def check(
        self, scenario: str, name: str, outcome: str, message: str = "", evidence: Sequence[Path] = ()
    ) -> None:
        """Record one check of a scenario: ``outcome`` is passed | failed | broken | skipped;
        ``evidence`` are files (normally from :meth:`add_evidence`) that support it."""
        if outcome not in OUTCOMES:
            raise RecorderError(f"check {name!r}: outcome {outcome!r} is not one of {', '.join(OUTCOMES)}")
        sc = self._find(scenario)
        sc["checks"].append(
            {
                "name": redact_text(name),
                "outcome": outcome,
                "message": redact_text(message),
                "at": iso(utc_now()),
                "evidence": [self._adopt(Path(p), sc) for p in evidence],
            }
        )
        self._save()

    def add_evidence(self, scenario: str | None, name: str, content: bytes | str, kind: str = "text") -> Path:
        """Store an evidence file under ``files/<scenario>/`` (``files/_run/`` for run-level
        evidence) and return its path. Text (``kind`` other than ``binary``/``png``/``image``) is
        redacted first."""
        sc = self._find(scenario) if scenario is not None else None
        folder = self.files_dir / (safe_name(sc["_key"]) if sc else "_run")
        folder.mkdir(parents=True, exist_ok=True)
        target = self._unique(folder / safe_name(name))
        if kind in ("binary", "png", "image"):
            target.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        else:
            text = content.decode("utf-8", errors="replace") if isinstance(content, bytes) else content
            target.write_text(redact_text(text), encoding="utf-8", newline="\n")
        rel = target.relative_to(self.dir).as_posix()
        (sc["evidence"] if sc else self._data["run_evidence"]).append({"name": redact_text(name), "path": rel, "kind": kind})
        self._save()
        return target

    def interrupted(self, detail: Mapping[str, Any]) -> None:
        """Mark the run as interrupted (Ctrl-C, SIGTERM): ``status`` becomes "interrupted" and
        ``detail`` (signals, phase, whether teardown was abandoned) is kept; :meth:`finish` still
        writes the whole evidence, and the run's outcome reads "interrupted"."""
        self._data["status"] = "interrupted"
        self._data["interrupted"] = redact_value(dict(detail))
        self._save()

    def finish(self) -> Path:
        """Write run.json, evidence.json, evidence.html and MANIFEST.sha256; return the evidence dir."""
        if self._finished:
            raise RecorderError(f"run {self.run_id} was already finished")
        from harness.evidence.report import render_html  # late: keeps Jinja2 out of the hot path
        from harness.evidence.status import previous_passes

        self._data["finished"] = iso(utc_now())
        self._data.setdefault("status", "finished")
        self._save()
        run = self.public_record()
        previous = previous_passes(self.evidence_root, simulated=self.simulated, exclude=self.run_id)
        evidence = build_evidence(run, previous=previous, files=hash_tree(self.dir))
        _atomic_write(self.dir / EVIDENCE_JSON, redact_text(_json(evidence)))
        _atomic_write(self.dir / EVIDENCE_HTML, render_html(evidence))
        write_manifest(self.dir)
        self._finished = True
        return self.dir

    # ------------------------------------------------------------------ internals

    def public_record(self) -> dict[str, Any]:
        """The record as written to run.json (no internal keys)."""
        data = self.data
        for sc in data["scenarios"]:
            sc.pop("_key", None)
            sc["outcome"] = scenario_outcome(sc)
        return data

    def _find(self, scenario: str | None, *, required: bool = True) -> dict[str, Any] | None:
        for sc in self._data["scenarios"]:
            if sc["_key"] == scenario:
                return sc
        if required:
            raise RecorderError(
                f"scenario {scenario!r} was not started in run {self.run_id}; call scenario_started() first"
            )
        return None

    def _update_rto(self, sc: dict[str, Any]) -> None:
        start = parse_iso((sc.get("restore") or {}).get("started"))
        healthy = parse_iso(sc.get("services_healthy_at"))
        if start is None or healthy is None:
            return
        minutes = round((healthy - start).total_seconds() / 60, 2)
        sc["rto_minutes"] = minutes
        target = sc.get("rto_target_minutes")
        sc["rto_met"] = None if target is None else minutes <= float(target)

    def _adopt(self, path: Path, sc: dict[str, Any]) -> str:
        """Relative path of an evidence file inside the run dir, copying (redacted) files from outside."""
        path = path.resolve()
        try:
            return path.relative_to(self.dir.resolve()).as_posix()
        except ValueError:
            pass
        if not path.is_file():
            raise RecorderError(f"evidence file {path} does not exist")
        raw = path.read_bytes()
        try:
            content: bytes | str = raw.decode("utf-8")
            kind = "text"
        except UnicodeDecodeError:
            content, kind = raw, "binary"
        return self.add_evidence(sc["_key"], path.name, content, kind).relative_to(self.dir).as_posix()

    @staticmethod
    def _unique(path: Path) -> Path:
        if not path.exists():
            return path
        stem, suffix = path.stem, path.suffix
        n = 2
        while (candidate := path.with_name(f"{stem}-{n}{suffix}")).exists():
            n += 1
        return candidate

    def _save(self) -> None:
        record = self.public_record() if self._data else {}
        _atomic_write(self.dir / RUN_JSON, redact_text(_json(record)))

    def __repr__(self) -> str:
        return f"RunRecorder(run_id={self.run_id!r}, dir={str(self.dir)!r}, simulated={self.simulated})"


def build_evidence(
    run: Mapping[str, Any], *, previous: Mapping[str, date], files: Mapping[str, str]
) -> dict[str, Any]:
    """The evidence document (evidence.json, and the model of evidence.html) for a finished run.

    ``previous`` is ``{system: last passing date}`` from earlier archived runs; ``files`` is the
    ``{relative path: sha256}`` of every file already in the run dir (attachments and run.json).
    """
    doc: dict[str, Any] = dict(run)
    finished = parse_iso(run.get("finished")) or utc_now()
    interval = int(run.get("retest_interval_months") or 6)
    outcomes = system_outcomes(run.get("scenarios", []))
    systems = []
    for system, outcome in outcomes.items():
        last = finished.date() if outcome == "passed" else previous.get(system)
        due = next_due(last, interval)
        systems.append(
            {
                "system": system,
                "outcome": outcome,
                "last_passed": last.isoformat() if last else None,
                "last_passed_source": "this run" if outcome == "passed" else ("earlier run" if last else None),
                "next_due": due.isoformat() if due else None,
                "overdue": due is None or due < finished.date(),
            }
        )
    doc["systems"] = systems
    doc["outcome"] = "interrupted" if run.get("status") == "interrupted" else _run_outcome(outcomes.values())
    doc["manifest"] = {
        "algorithm": "sha256",
        "file": MANIFEST_NAME,
        "note": (
            f"The files below are listed with their SHA-256; {MANIFEST_NAME} lists them plus evidence.json and "
            "evidence.html. Verify the whole directory with `restore-harness verify-evidence <dir>` "
            "or `sha256sum -c MANIFEST.sha256`."
        ),
        "files": dict(sorted(files.items())),
    }
    return doc


def _run_outcome(outcomes: Any) -> str:
    values = list(outcomes)
    for worst in ("failed", "broken", "incomplete"):
        if worst in values:
            return worst
    return "passed" if values else "incomplete"

