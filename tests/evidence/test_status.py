"""`restore-harness status`: last pass, due date and overdue exit code across archived runs."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from harness.evidence.cli import main, status


def _status(reports_dir: Path, today: str, capsys) -> tuple[int, str, str]:
    code = status(argparse.Namespace(evidence_dir=str(reports_dir / "evidence"), today=today))
    out = capsys.readouterr()
    return code, out.out, out.err


def _line(text: str, system: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(system + " "))


def test_current_systems_exit_0(record_run, reports_dir: Path, capsys) -> None:
    record_run("RH-1", {"CM01": "passed", "VMM01": "passed"}, when=datetime(2025, 3, 1, tzinfo=UTC))
    code, out, _ = _status(reports_dir, "2025-06-01", capsys)
    assert code == 0
    assert _line(out, "CM01").split()[:4] == ["CM01", "2025-03-01", "RH-1", "2025-09-01"]
    assert "0 overdue" in out


def test_overdue_system_exits_1(record_run, reports_dir: Path, capsys) -> None:
    record_run("RH-1", {"CM01": "passed"}, when=datetime(2025, 3, 1, tzinfo=UTC))
    code, out, _ = _status(reports_dir, "2025-09-02", capsys)
    assert code == 1 and "OVERDUE" in _line(out, "CM01")


def test_failed_later_run_does_not_move_the_due_date(record_run, reports_dir: Path, capsys) -> None:
    record_run("RH-1", {"CM01": "passed"}, when=datetime(2025, 3, 1, tzinfo=UTC))
    record_run("RH-2", {"CM01": "failed"}, when=datetime(2025, 8, 1, tzinfo=UTC))
    code, out, _ = _status(reports_dir, "2025-08-15", capsys)
    assert code == 0 and _line(out, "CM01").split()[:4] == ["CM01", "2025-03-01", "RH-1", "2025-09-01"]


def test_never_passed_is_overdue(record_run, reports_dir: Path, capsys) -> None:
    record_run("RH-1", {"SQL01": "broken"}, when=datetime(2025, 3, 1, tzinfo=UTC))
    code, out, _ = _status(reports_dir, "2025-03-02", capsys)
    assert code == 1 and "OVERDUE (never passed)" in _line(out, "SQL01")


def test_tampered_run_is_reported_and_not_counted(record_run, reports_dir: Path, capsys) -> None:
    record_run("RH-1", {"CM01": "passed"}, when=datetime(2025, 1, 1, tzinfo=UTC))
    newer = record_run("RH-2", {"CM01": "passed"}, when=datetime(2025, 6, 1, tzinfo=UTC))
    (newer.dir / "evidence.html").write_text("edited", encoding="utf-8")
    code, out, err = _status(reports_dir, "2025-08-01", capsys)
    assert "IGNORED run RH-2" in err and "CHANGED evidence.html" in err
    assert code == 1 and _line(out, "CM01").split()[:2] == ["CM01", "2025-01-01"]


def test_simulated_only_systems_are_flagged(record_run, reports_dir: Path, capsys) -> None:
    record_run("RH-1", {"CM01": "passed"}, when=datetime(2025, 1, 1, tzinfo=UTC), simulated=True)
    _, out, _ = _status(reports_dir, "2025-02-01", capsys)
    assert "[SIMULATED runs only]" in _line(out, "CM01")


def test_missing_dir_and_bad_date_are_usage_errors(tmp_path: Path, capsys) -> None:
    assert main(["status", "--evidence-dir", str(tmp_path / "none")]) == 4
    tmp_path.joinpath("ev").mkdir()
    assert main(["status", "--evidence-dir", str(tmp_path / "ev"), "--today", "tomorrow"]) == 4
    assert "is not a date" in capsys.readouterr().err


def test_empty_evidence_dir_exits_1(tmp_path: Path, capsys) -> None:
    assert main(["status", "--evidence-dir", str(tmp_path)]) == 1
    assert "No restore scenario on record" in capsys.readouterr().out
