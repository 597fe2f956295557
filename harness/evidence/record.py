"""The run record: what a restore-test run did, written as it happens to
``reports/evidence/<run id>/run.json`` and finished into the evidence report, its manifest and the
manifest's signature.

The engine feeds a :class:`RunRecorder`; nothing here talks to a host. Every string and every
text attachment passes through the Redactor before it is stored. Times are lab-host times
(:meth:`RunRecorder.host_clock` records each host's offset to the controller; times handed in are
taken as host times; :meth:`RunRecorder.now` gives the host's time for a moment the engine did not
read from the host).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from harness.evidence import SIMULATED_NOTICE
from harness.evidence.clock import ClockReading
from harness.evidence.controls import control_summary, controls_for, validate_mapping
from harness.evidence.dates import iso, iso_with_offset, next_due, parse_iso, utc_now
from harness.evidence.keys import SigningKey
from harness.evidence.manifest import MANIFEST_NAME, hash_tree, write_manifest
from harness.evidence.messages import clean_message
from harness.evidence.outcome import OUTCOMES, scenario_outcome, system_outcomes
from harness.evidence.policies import age_at_restore, scenario_findings
from harness.evidence.redaction import redact_config_text, redact_text, redact_value
from harness.evidence.signing import sign_folder, signature_block
from harness.evidence.stamp import stamp_simulated
from harness.evidence.trace import ci_context, ci_job_text, controller_host, harness_commit
from harness.evidence.trace import operator as os_operator

SCHEMA = "restore-harness/run-record/2"
FILES_DIR = "files"
CONFIG_DIR = "_config"
RUN_JSON = "run.json"
EVIDENCE_JSON = "evidence.json"
EVIDENCE_HTML = "evidence.html"
_SAFE = re.compile(r"[^\w.\-]+", re.UNICODE)
_BINARY_KINDS = ("binary", "png", "image")


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


def _json(data: Any, *, pretty: bool = True) -> str:
    """JSON text of a record: indented for people, or compact (Python's C encoder; indenting takes
    its pure-Python one, about twenty times slower on a run's record)."""
    if pretty:
        return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False, default=str) + "\n"
    return json.dumps(data, ensure_ascii=False, sort_keys=False, default=str) + "\n"


class RecorderError(ValueError):
    """Wrong use of the recorder (unknown scenario, bad outcome, finished twice)."""


class RunRecorder:
    """Collects one run's facts and writes the evidence directory.

    ``reports_dir`` is the reports root (``reports/``); this run's evidence goes to
    ``reports_dir/evidence/<run_id>/``. Earlier runs in ``reports_dir/evidence`` are read (never
    changed) to carry the last passing date of systems that did not pass in this run.

    ``signing_key`` signs MANIFEST.sha256 at :meth:`finish` (without one the folder is written
    unsigned and says so); ``max_backup_age_days`` is the run's backup-age policy (a scenario may
    set its own); ``control_mapping`` maps checks to audit controls (default
    :data:`harness.evidence.controls.DEFAULT_MAPPING`); ``tsa_url`` asks an RFC 3161 time-stamp
    authority to time-stamp the signature; ``env`` is the environment CI and operator are read from
    (default ``os.environ``); ``title`` and ``organisation`` head the evidence page (the inventory's
    ``reports.title``/``reports.organisation``).
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
        *,
        signing_key: SigningKey | None = None,
        max_backup_age_days: float | None = None,
        control_mapping: Mapping[str, Any] | None = None,
        tsa_url: str | None = None,
        env: Mapping[str, str] | None = None,
        title: str | None = None,
        organisation: str | None = None,
    ) -> None:
        if not run_id or safe_name(run_id) != run_id:
            raise RecorderError(f"run id {run_id!r} is not usable as a directory name (letters, digits, . - _)")
        if retest_interval_months < 1:
            raise RecorderError(f"retest_interval_months must be >= 1, got {retest_interval_months}")
        if max_backup_age_days is not None and max_backup_age_days <= 0:
            raise RecorderError(f"max_backup_age_days must be > 0, got {max_backup_age_days}")
        self.run_id = run_id
        self.reports_dir = Path(reports_dir)
        self.evidence_root = self.reports_dir / "evidence"
        self.dir = self.evidence_root / run_id
        if (self.dir / MANIFEST_NAME).exists():
            raise RecorderError(
                f"{self.dir} already holds finished evidence of run {run_id}; "
                "a run id is used once (start a new run, never overwrite evidence)"
            )
        self.mapping = validate_mapping(control_mapping)
        self.signing_key = signing_key
        self.tsa_url = tsa_url
        self.timestamp_problem: str | None = None
        self.dir.mkdir(parents=True, exist_ok=True)
        self.files_dir = self.dir / FILES_DIR
        self._finished = False
        self._offsets: dict[str, float] = {}
        self._reference_host: str | None = None
        self._started_controller = utc_now()
        inventory_path = Path(inventory_path)
        ci = ci_context(env)
        self._data: dict[str, Any] = {
            "schema": SCHEMA,
            "run_id": run_id,
            "title": redact_text(title) if title else "Restore test evidence",
            "organisation": redact_text(organisation) if organisation else None,
            "simulated": bool(simulated),
            "notice": SIMULATED_NOTICE if simulated else None,
            "harness_version": harness_version(),
            "harness_commit": harness_commit(),
            "started": iso(self._started_controller),
            "finished": None,
            "clock": {"reference_host": None, "hosts": {},
                      "note": "controller clock (no lab host clock recorded yet)"},
            "operator": redact_text(operator) if operator else os_operator(env),
            "controller_host": controller_host(),
            "ci": redact_value(ci) if ci else None,
            "ci_job": redact_text(ci_job) if ci_job else ci_job_text(ci),
            "retest_interval_months": retest_interval_months,
            "max_backup_age_days": max_backup_age_days,
            "inventory": {
                "path": str(inventory_path),
                "sha256": file_sha256(inventory_path) if inventory_path.is_file() else None,
                "copy": None,
            },
            "config_files": [],
            "signature": signature_block(signing_key),
            "control_mapping": self.mapping,
            "interrupted": None,
            "hosts": {},
            "scenarios": [],
            "run_evidence": [],
        }
        if inventory_path.is_file():
            self._data["inventory"]["copy"] = self.config_copy(inventory_path, save=False)
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

    def scenario_record(self, scenario: str) -> dict[str, Any] | None:
        """A copy of one scenario's part of :attr:`data` (None when it was not started): what a check
        reads after each test, without copying every other scenario's part too."""
        sc = self._find(scenario, required=False)
        return json.loads(json.dumps(sc)) if sc is not None else None

    # ------------------------------------------------------------------ the clock

    def host_clock(self, host: str, offset_seconds: float | None = None, *, round_trip_seconds: float | None = None,
                   time_zone: str | None = None, reading: ClockReading | None = None) -> None:
        """Record ``host``'s clock offset to the controller (host - controller, seconds), e.g. from
        :func:`harness.evidence.clock.measure_offset` (pass ``reading=``). The first host recorded is the
        run's reference clock: the run's start and finish are given in its time. The engine reads a host's
        clock again at the moments it records (restore start and end, services healthy); the latest
        offset is used from then on, and the record keeps the first one and the number of readings."""
        if reading is not None:
            host, offset_seconds = reading.host, reading.offset_seconds
            round_trip_seconds, time_zone = reading.round_trip_seconds, reading.time_zone
        if offset_seconds is None:
            raise RecorderError(f"host_clock({host!r}): give offset_seconds or a ClockReading")
        self._offsets[host] = float(offset_seconds)
        clock = self._data["clock"]
        earlier = clock["hosts"].get(host)
        entry = {"offset_seconds": round(float(offset_seconds), 3),
                 "round_trip_seconds": None if round_trip_seconds is None else round(float(round_trip_seconds), 3),
                 "time_zone": time_zone, "measured_at": iso(self.now(host)),
                 "readings": (earlier or {}).get("readings", 0) + 1,
                 "first_offset_seconds": (earlier or {}).get("first_offset_seconds", round(float(offset_seconds), 3))}
        clock["hosts"][host] = redact_value(entry)
        if self._reference_host is None:
            self._reference_host = host
            clock["reference_host"] = host
            clock["note"] = (f"all times are lab host time ({host}'s clock unless a scenario's host is named), UTC; "
                             "the controller's offset to each host is listed")
            self._data["started"] = iso(self._started_controller + timedelta(seconds=float(offset_seconds)))
        self._save()

    def now(self, host: str | None = None) -> datetime:
        """The current time on ``host``'s clock (the reference host's when None or not measured;
        the controller's when no host clock was recorded)."""
        name = host if host in self._offsets else self._reference_host
        return utc_now() + timedelta(seconds=self._offsets.get(name, 0.0) if name else 0.0)

    def time_label(self, host: str | None, at: datetime | str | None) -> str:
        """``at`` (a host time) as people read it, with its zone and clock: ISO 8601 with offset, e.g.
        ``2025-03-10T08:00:00.000+00:00 (HV-LAB01 clock, host zone UTC+01:00, controller offset +1.500 s)``.
        Allure draws its own times in the browser's zone without naming it; these labels name theirs."""
        if at is None:
            return "not recorded"
        name = host if host in self._offsets else self._reference_host
        entry = self._data["clock"]["hosts"].get(name) if name else None
        if entry is None:
            where = "controller clock (no lab host clock read)"
        else:
            where = (f"{name} clock, host zone {entry.get('time_zone') or 'not reported'}, "
                     f"controller offset {float(entry['offset_seconds']):+.3f} s")
        return f"{iso_with_offset(at)} ({where})"

    # ------------------------------------------------------------------ recording

    def host_facts(self, host: str, facts: Mapping[str, Any]) -> None:
        """Record facts about a lab host (keys such as ``os_caption``, ``os_version``, ``os_build``,
        ``hyperv_version``); later calls for the same host add to earlier ones."""
        self._data["hosts"].setdefault(host, {}).update(redact_value(dict(facts)))
        self._save()

    def config_copy(self, path: Path, name: str | None = None, *, save: bool = True) -> str:
        """Store a redacted copy of a configuration file the run used (the inventory, each service
        profile) under ``files/_config/``; returns its path in the folder. Secret values (keys named
        password, secret, token, ...) and every registered secret are masked."""
        path = Path(path)
        if not path.is_file():
            raise RecorderError(f"configuration file {path} does not exist")
        folder = self.files_dir / CONFIG_DIR
        folder.mkdir(parents=True, exist_ok=True)
        target = self._unique(folder / safe_name(name or path.name))
        text = redact_config_text(path.read_text(encoding="utf-8", errors="replace"))
        if self.simulated:
            text = stamp_simulated(text, target.name, "text")
        target.write_text(text, encoding="utf-8", newline="\n")
        rel = target.relative_to(self.dir).as_posix()
        self._data["config_files"].append({"name": redact_text(name or path.name), "source": redact_text(str(path)),
                                           "path": rel, "sha256_of_original": file_sha256(path)})
        if save:
            self._save()
        return rel

    def scenario_started(
        self,
        scenario: str,
        *,
        system: str,
        method: str,
        import_type: str | None,
        host: str,
        rto_target_minutes: float | None,
        restores_vm: bool | None = None,
        max_backup_age_days: float | None = None,
        at: datetime | None = None,
    ) -> None:
        """Start recording a scenario (one restore of one system by one method). ``restores_vm``
        says whether the method restores a VM (then RTO is required); ``max_backup_age_days``
        overrides the run's backup-age policy for this scenario; ``at`` is host time (default now)."""
        if self._find(scenario, required=False) is not None:
            raise RecorderError(f"scenario {scenario!r} was already started in run {self.run_id}")
        self._data["scenarios"].append(
            {
                "scenario": redact_text(scenario),
                "system": redact_text(system),
                "method": redact_text(method),
                "import_type": redact_text(import_type) if import_type else None,
                "host": redact_text(host),
                "restores_vm": restores_vm,
                "rto_target_minutes": rto_target_minutes,
                "max_backup_age_days": max_backup_age_days,
                "started": iso(at or self.now(host)),
                "backup": None,
                "restore": None,
                "services_healthy_at": None,
                "rto_minutes": None,
                "rto_met": None,
                "checks": [],
                "evidence": [],
                "findings": [],
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
        age_days: float | None = None,
    ) -> None:
        """Record which backup version the scenario restored (for an import: the export's time).
        The age is computed here, from ``backup_time`` to the restore's start on the host clock;
        ``age_days`` is accepted for old callers and ignored (one backup, one age)."""
        del age_days
        sc = self._find(scenario)
        sc["backup"] = {
            "version_id": redact_text(version_id) if version_id else None,
            "backup_time": iso(backup_time),
            "target": redact_text(target),
            "age_days": None,
        }
        self._update_policies(sc)
        self._save()

    def restore_finished(
        self, scenario: str, *, started: datetime, finished: datetime, ok: bool, message: str = ""
    ) -> None:
        """Record the restore operation's start, end (host times) and result."""
        sc = self._find(scenario)
        sc["restore"] = {
            "started": iso(started),
            "finished": iso(finished),
            "duration_minutes": round((finished - started).total_seconds() / 60, 2),
            "ok": bool(ok),
            "message": redact_text(clean_message(message)),
        }
        self._update_policies(sc)
        self._save()

    def services_healthy(self, scenario: str, at: datetime | None = None) -> None:
        """Record when the restored system's services were healthy (end of the RTO interval; host
        time, default now on the scenario's host)."""
        sc = self._find(scenario)
        sc["services_healthy_at"] = iso(at or self.now(sc["host"]))
        self._update_policies(sc)
        self._save()

    def check(
        self, scenario: str, name: str, outcome: str, message: str = "", evidence: Sequence[Path | str] = (), *,
        expected: Any = None, found: Any = None, at: datetime | None = None,
    ) -> None:
        """Record one check of a scenario: ``outcome`` is passed | failed | broken | skipped | finding;
        ``expected``/``found`` are what the check measured (shown for passed checks too and stored as
        an evidence file linked from the check's row); ``evidence`` are files (normally from
        :meth:`add_evidence`) that support it. The message is cleaned of pytest's introspection."""
        if outcome not in OUTCOMES:
            raise RecorderError(f"check {name!r}: outcome {outcome!r} is not one of {', '.join(OUTCOMES)}")
        sc = self._find(scenario)
        files = [self._adopt(Path(p), sc) for p in evidence]
        measured = expected is not None or found is not None
        if measured:
            doc = {"check": name, "outcome": outcome, "expected": expected, "found": found}
            path = self.add_evidence(scenario, f"check-{name}.json", json.dumps(doc, ensure_ascii=False, indent=2,
                                                                              default=str), kind="json", save=False)
            files.append(path.relative_to(self.dir).as_posix())
        sc["checks"].append(
            {
                "name": redact_text(name),
                "outcome": outcome,
                "message": redact_text(clean_message(message)),
                "expected": redact_value(_plain(expected)) if measured else None,
                "found": redact_value(_plain(found)) if measured else None,
                "at": iso(at or self.now(sc["host"])),
                "controls": controls_for(name, self.mapping),
                "evidence": files,
            }
        )
        self._update_policies(sc)
        self._save()

    def marked(self, content: bytes | str, name: str, kind: str = "text") -> bytes | str:
        """``content`` as this run shows it anywhere (e.g. an Allure attachment): with the SIMULATED
        notice in a simulated run (see :func:`harness.evidence.stamp.stamp_simulated`), unchanged otherwise."""
        return stamp_simulated(content, name, kind) if self.simulated else content

    def add_evidence(self, scenario: str | None, name: str, content: bytes | str, kind: str = "text", *,
                     save: bool = True) -> Path:
        """Store an evidence file under ``files/<scenario>/`` (``files/_run/`` for run-level
        evidence) and return its path. Text (``kind`` other than ``binary``/``png``/``image``) is
        redacted first. In a simulated run every file carries the SIMULATED notice (a first line,
        a JSON key, an HTML banner, a band across a PNG)."""
        sc = self._find(scenario) if scenario is not None else None
        folder = self.files_dir / (safe_name(sc["_key"]) if sc else "_run")
        folder.mkdir(parents=True, exist_ok=True)
        target = self._unique(folder / safe_name(name))
        if kind in _BINARY_KINDS:
            data = content if isinstance(content, bytes) else content.encode("utf-8")
            if self.simulated:
                data = stamp_simulated(data, target.name, kind)
            target.write_bytes(data)
        else:
            text = content.decode("utf-8", errors="replace") if isinstance(content, bytes) else content
            text = redact_text(text)
            if self.simulated:
                text = stamp_simulated(text, target.name, kind)
            target.write_text(text, encoding="utf-8", newline="\n")
        rel = target.relative_to(self.dir).as_posix()
        (sc["evidence"] if sc else self._data["run_evidence"]).append({"name": redact_text(name), "path": rel, "kind": kind})
        if save:
            self._save()
        return target

    def mark_interrupted(self, reason: str, detail: Mapping[str, Any] | None = None) -> None:
        """Record that the run was interrupted (Ctrl+C, SIGTERM, a lost lab): ``status`` becomes
        "interrupted", ``interrupted`` says why and ``interruption`` keeps ``detail`` (signals and their
        phase, whether teardown was abandoned, what is left). Scenarios that did not end show as
        interrupted; :meth:`finish` still writes and signs the whole folder."""
        self._data["status"] = "interrupted"
        self._data["interrupted"] = redact_text(reason) or "interrupted"
        if detail is not None:
            self._data["interruption"] = redact_value(dict(detail))
        self._save()

    def absorb_part(self, part: Mapping[str, Any], label: str, paths: Mapping[str, str]) -> None:
        """Fold the record of one part of a run scaled out over several processes (its ``run.json``,
        harness/evidence/merge.py) into this one: its hosts and their clocks, its scenarios (with the
        part that ran them, ``worker``), its configuration copies and run-level evidence, an
        interruption. ``paths`` maps each of the part's evidence paths to where it now lies in this
        folder (the caller copied the files); a path not in it was left out (a duplicate copy)."""
        data = self._data
        for host, facts in (part.get("hosts") or {}).items():
            data["hosts"].setdefault(host, {}).update(facts)
        clock = part.get("clock") or {}
        for host, entry in (clock.get("hosts") or {}).items():
            data["clock"]["hosts"][host] = entry
            self._offsets[host] = float(entry.get("offset_seconds") or 0.0)
        if self._reference_host is None and clock.get("reference_host"):
            self._reference_host = data["clock"]["reference_host"] = clock["reference_host"]
            data["clock"]["note"] = clock.get("note")
        started = parse_iso(part.get("started"))  # the run started when its first part did
        if started is not None and ("parts" not in data or started < (parse_iso(data["started"]) or started)):
            data["started"] = iso(started)
        data["config_files"] += [dict(c, path=paths[c["path"]]) for c in part.get("config_files", [])
                                 if c.get("path") in paths]
        data["run_evidence"] += [dict(e, name=f"{e['name']} ({label})", path=paths[e["path"]])
                                 for e in part.get("run_evidence", []) if e.get("path") in paths]
        for sc in part.get("scenarios", []):
            sc = {k: v for k, v in sc.items() if k != "outcome"}
            sc.update(_key=sc["scenario"], worker=label,
                      evidence=[dict(e, path=paths.get(e["path"], e["path"])) for e in sc.get("evidence", [])],
                      checks=[dict(c, evidence=[paths.get(f, f) for f in c.get("evidence", [])])
                              for c in sc.get("checks", [])])
            data["scenarios"].append(sc)
        data.setdefault("parts", []).append({"part": label, "hosts": sorted(part.get("hosts") or {}),
                                             "scenarios": [sc.get("scenario") for sc in part.get("scenarios", [])]})
        if part.get("status") == "interrupted":
            reasons = [r for r in (data.get("interrupted"), f"{label}: {part.get('interrupted')}") if r]
            details = dict(data.get("interruption") or {}, **{label: part.get("interruption")})
            self.mark_interrupted("; ".join(reasons), details)
        self._save()

    def finish(self) -> Path:
        """Write run.json, evidence.json, evidence.html and MANIFEST.sha256, sign the manifest
        (when a key is configured) and time-stamp the signature (when a TSA is); returns the folder."""
        if self._finished:
            raise RecorderError(f"run {self.run_id} was already finished")
        from harness.evidence.report import render_html  # late: keeps Jinja2 out of the hot path
        from harness.evidence.status import previous_passes

        self._data["finished"] = iso(self.now())
        self._data.setdefault("status", "finished")
        for sc in self._data["scenarios"]:
            self._update_policies(sc)
        self._save(pretty=True)
        run = self.public_record()
        previous = previous_passes(self.evidence_root, simulated=self.simulated, exclude=self.run_id)
        evidence = build_evidence(run, previous=previous, files=hash_tree(self.dir))
        _atomic_write(self.dir / EVIDENCE_JSON, redact_text(_json(evidence)))
        _atomic_write(self.dir / EVIDENCE_HTML, render_html(evidence))
        write_manifest(self.dir)
        if self.signing_key is not None:
            sig = sign_folder(self.dir, self.signing_key)
            if self.tsa_url:
                from harness.evidence.timestamp import TimestampError, request_timestamp

                try:
                    request_timestamp(self.tsa_url, sig)
                except TimestampError as exc:
                    self.timestamp_problem = str(exc)
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

    def _update_policies(self, sc: dict[str, Any]) -> None:
        """RTO, backup age and findings of a scenario, from its recorded facts (one place)."""
        start = parse_iso((sc.get("restore") or {}).get("started"))
        healthy = parse_iso(sc.get("services_healthy_at"))
        if start is not None and healthy is not None:
            minutes = round((healthy - start).total_seconds() / 60, 2)
            sc["rto_minutes"] = minutes
            target = sc.get("rto_target_minutes")
            sc["rto_met"] = None if target is None else minutes <= float(target)
        if sc.get("backup"):
            sc["backup"]["age_days"] = age_at_restore(sc)
        sc["findings"] = [redact_value(f) for f in scenario_findings(sc, self._data["max_backup_age_days"])]

    def _adopt(self, path: Path, sc: dict[str, Any]) -> str:
        """Relative path of an evidence file inside the run dir, copying (redacted) files from outside."""
        if not path.is_absolute() and (self.dir / path).is_file():
            path = self.dir / path
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
        return self.add_evidence(sc["_key"], path.name, content, kind, save=False).relative_to(self.dir).as_posix()

    @staticmethod
    def _unique(path: Path) -> Path:
        if not path.exists():
            return path
        stem, suffix = path.stem, path.suffix
        n = 2
        while (candidate := path.with_name(f"{stem}-{n}{suffix}")).exists():
            n += 1
        return candidate

    def _save(self, *, pretty: bool = False) -> None:
        """Write run.json as the record stands: after every change, so a run that dies keeps what
        it recorded. Compact while the run goes on (a 50-VM run saves its growing record hundreds of
        times); :meth:`finish` writes it indented, as people read it."""
        # one writer at a time: a drill records from several threads, and the atomic write goes
        # through one temporary file
        if self._finished:  # signed: a late write (a Ctrl-C during the session's end) would break it
            logging.getLogger(__name__).warning("run %s: record already finished and signed; a late change "
                                                "was not written", self.run_id)
            return
        with _SAVE_LOCK:
            record = self.public_record() if self._data else {}
            _atomic_write(self.dir / RUN_JSON, redact_text(_json(record, pretty=pretty)))

    def __repr__(self) -> str:
        return f"RunRecorder(run_id={self.run_id!r}, dir={str(self.dir)!r}, simulated={self.simulated})"


_SAVE_LOCK = threading.RLock()


def _plain(value: Any) -> Any:
    """A JSON-safe copy (datetimes and other objects as text)."""
    return json.loads(json.dumps(value, default=str))


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
        findings = [dict(f, scenario=sc.get("scenario")) for sc in run.get("scenarios", [])
                    if str(sc.get("system")) == system for f in sc.get("findings", [])]
        systems.append(
            {
                "system": system,
                "outcome": outcome,
                "last_passed": last.isoformat() if last else None,
                "last_passed_source": "this run" if outcome == "passed" else ("earlier run" if last else None),
                "next_due": due.isoformat() if due else None,
                "overdue": due is None or due < finished.date(),
                "findings": findings,
            }
        )
    doc["systems"] = systems
    doc["outcome"] = "interrupted" if run.get("status") == "interrupted" else _run_outcome(outcomes.values())
    mapping = run.get("control_mapping") or validate_mapping(None)
    doc["controls"] = control_summary(run.get("scenarios", []), mapping)
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

