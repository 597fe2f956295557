"""`restore-harness status`: the compliance view across archived, signed runs."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from harness.evidence.cli import main, status
from harness.evidence.keys import generate


def _status(reports_dir: Path, today: str, capsys, *, allowed: Path | None = None,
            as_json: bool = False) -> tuple[int, str, str]:
    code = status(argparse.Namespace(evidence_dir=str(reports_dir / "evidence"), today=today, json=as_json,
                                     allowed_signers=str(allowed) if allowed else None))
    out = capsys.readouterr()
    return code, out.out, out.err


def _systems(reports_dir: Path, today: str, capsys, **kw) -> tuple[int, dict, dict]:
    code, out, _ = _status(reports_dir, today, capsys, as_json=True, **kw)
    doc = json.loads(out)
    return code, {s["system"]: s for s in doc["systems"]}, doc


def _line(text: str, system: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(system + " "))


def test_current_systems_are_compliant_exit_0(record_run, reports_dir: Path, capsys) -> None:
    record_run("RH-1", {"CM01": "passed", "VMM01": "passed"}, when=datetime(2025, 3, 1, tzinfo=UTC))
    code, out, _ = _status(reports_dir, "2025-06-01", capsys)
    assert code == 0
    assert _line(out, "CM01").split() == ["CM01", "passed", "RH-1", "2025-03-01", "2025-09-01", "yes"]
    assert "2 system(s), 0 not compliant" in out


def test_json_output_for_dashboards(record_run, reports_dir: Path, capsys, allowed_signers: Path) -> None:
    record_run("RH-1", {"CM01": "passed"}, when=datetime(2025, 3, 1, tzinfo=UTC))
    code, systems, doc = _systems(reports_dir, "2025-06-01", capsys, allowed=allowed_signers)
    assert code == 0 and doc["compliant"] is True and doc["signers_pinned"] is True
    assert systems["CM01"] == {
        "system": "CM01", "latest_result": "passed", "latest_run": "RH-1", "latest_run_date": "2025-03-01",
        "last_passed": "2025-03-01", "last_passed_run": "RH-1", "interval_months": 6, "next_due": "2025-09-01",
        "overdue": False, "simulated_only": False, "findings": [], "compliant": True, "reason": "",
    }
    assert doc["folders"][0]["signed"] is True and "restore-lab@example.org" in doc["folders"][0]["signer"]


def test_overdue_system_is_not_compliant(record_run, reports_dir: Path, capsys) -> None:
    record_run("RH-1", {"CM01": "passed"}, when=datetime(2025, 3, 1, tzinfo=UTC))
    code, systems, _ = _systems(reports_dir, "2025-09-02", capsys)
    assert code == 1 and systems["CM01"]["overdue"] and systems["CM01"]["reason"] == "overdue since 2025-09-01"


def test_failed_latest_run_is_flagged_even_within_the_interval(record_run, reports_dir: Path, capsys) -> None:
    record_run("RH-1", {"CM01": "passed", "VMM01": "passed"}, when=datetime(2025, 3, 1, tzinfo=UTC))
    record_run("RH-2", {"CM01": "failed", "VMM01": "passed"}, when=datetime(2025, 8, 1, tzinfo=UTC))
    code, out, _ = _status(reports_dir, "2025-08-15", capsys)
    assert code == 1
    cm01 = _line(out, "CM01")
    assert cm01.split()[:4] == ["CM01", "failed", "RH-2", "2025-03-01"]  # last pass and due date unchanged
    assert "2025-09-01" in cm01 and "NO (latest run RH-2 failed)" in cm01
    assert _line(out, "VMM01").endswith("yes")


def test_could_not_audit_and_interrupted_are_not_compliant(record_run, reports_dir: Path, capsys) -> None:
    record_run("RH-1", {"SQL01": "broken"}, when=datetime(2025, 3, 1, tzinfo=UTC))
    rec = record_run("RH-2", {}, when=datetime(2025, 3, 2, tzinfo=UTC), finish=False)
    rec.scenario_started("import-FS01", system="FS01", method="import", import_type="copy", host="HV-LAB01",
                         rto_target_minutes=None)
    rec.mark_interrupted("Ctrl+C by the operator")
    rec.finish()
    code, systems, _ = _systems(reports_dir, "2025-03-03", capsys)
    assert code == 1
    assert systems["SQL01"]["latest_result"] == "could not audit" and systems["SQL01"]["last_passed"] is None
    assert systems["FS01"]["latest_result"] == "interrupted" and not systems["FS01"]["compliant"]


def test_findings_of_the_latest_run_are_listed(record_run, reports_dir: Path, capsys, clock) -> None:
    rec = record_run("RH-1", {}, when=datetime(2025, 3, 10, tzinfo=UTC), finish=False, max_backup_age_days=7)
    rec.scenario_started("bmr-DC01", system="DC01", method="bmr", import_type=None, host="HV-LAB01",
                         rto_target_minutes=60, restores_vm=True)
    start = clock.now - timedelta(hours=2)
    rec.backup_used("bmr-DC01", version_id="02/27/2025-21:00", backup_time=start - timedelta(days=11.4), target="E:")
    rec.restore_finished("bmr-DC01", started=start, finished=start + timedelta(minutes=30), ok=True)
    rec.services_healthy("bmr-DC01", start + timedelta(minutes=50))
    rec.check("bmr-DC01", "services healthy", "passed")
    rec.finish()
    code, out, _ = _status(reports_dir, "2025-03-11", capsys)
    assert code == 0  # a finding is listed, it does not by itself make the system non-compliant
    assert ("finding DC01: [bmr-DC01] backup 02/27/2025-21:00 was 11.4 days old when restored (policy: at most "
            "7 days") in out


def test_unsigned_folder_is_listed_and_not_counted(record_run, reports_dir: Path, capsys) -> None:
    record_run("RH-1", {"CM01": "passed"}, when=datetime(2025, 3, 1, tzinfo=UTC), signed=False)
    code, out, err = _status(reports_dir, "2025-03-02", capsys)
    assert code == 1 and "UNSIGNED run RH-1" in err and "No restore scenario on record" in out


def test_tampered_run_is_reported_and_not_counted(record_run, reports_dir: Path, capsys) -> None:
    record_run("RH-1", {"CM01": "passed"}, when=datetime(2025, 1, 1, tzinfo=UTC))
    newer = record_run("RH-2", {"CM01": "passed"}, when=datetime(2025, 6, 1, tzinfo=UTC))
    (newer.dir / "evidence.html").write_text("edited", encoding="utf-8")
    code, out, err = _status(reports_dir, "2025-08-01", capsys)
    assert "IGNORED run RH-2" in err and "CHANGED evidence.html" in err
    assert code == 1 and _line(out, "CM01").split()[:4] == ["CM01", "passed", "RH-1", "2025-01-01"]


def test_folder_signed_by_an_unlisted_key_is_not_counted(record_run, reports_dir: Path, capsys, tmp_path: Path,
                                                         allowed_signers: Path) -> None:
    other = generate(str(tmp_path / "other_key"), "intruder@example.org")
    stranger = tmp_path / "stranger_signers"
    stranger.write_text(other.allowed_signers_line + "\n", encoding="utf-8")
    record_run("RH-1", {"CM01": "passed"}, when=datetime(2025, 3, 1, tzinfo=UTC))
    code, _, err = _status(reports_dir, "2025-03-02", capsys, allowed=stranger)
    assert code == 1 and "UNTRUSTED SIGNER restore-lab@example.org" in err
    assert _status(reports_dir, "2025-03-02", capsys, allowed=allowed_signers)[0] == 0


def test_simulated_only_systems_are_flagged_and_not_compliant(record_run, reports_dir: Path, capsys) -> None:
    record_run("RH-1", {"CM01": "passed"}, when=datetime(2025, 1, 1, tzinfo=UTC), simulated=True)
    code, out, _ = _status(reports_dir, "2025-02-01", capsys)
    assert code == 1 and "NO (only simulated evidence) [SIMULATED runs only]" in _line(out, "CM01")


def test_missing_dir_and_bad_date_are_usage_errors(tmp_path: Path, capsys) -> None:
    assert main(["status", "--evidence-dir", str(tmp_path / "none")]) == 4
    tmp_path.joinpath("ev").mkdir()
    assert main(["status", "--evidence-dir", str(tmp_path / "ev"), "--today", "tomorrow"]) == 4
    assert "is not a date" in capsys.readouterr().err


def test_empty_evidence_dir_exits_1(tmp_path: Path, capsys) -> None:
    assert main(["status", "--evidence-dir", str(tmp_path)]) == 1
    assert "No restore scenario on record" in capsys.readouterr().out
