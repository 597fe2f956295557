"""Evidence report: HTML and JSON contents, simulated banner, offline-safety."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from harness.evidence import SIMULATED_NOTICE


def test_simulated_run_says_so_in_html_and_json(record_run) -> None:
    rec = record_run("RH-SIM-1", {"CM01": "passed"}, simulated=True)
    html = (rec.dir / "evidence.html").read_text(encoding="utf-8")
    assert SIMULATED_NOTICE == "SIMULATED — not evidence of a real restore"
    assert f'<div class="banner" role="alert">{SIMULATED_NOTICE}</div>' in html
    assert "[SIMULATED]" in html.split("</title>")[0]
    for name in ("evidence.json", "run.json"):
        doc = json.loads((rec.dir / name).read_text(encoding="utf-8"))
        assert doc["simulated"] is True and doc["notice"] == SIMULATED_NOTICE


def test_real_run_has_no_banner(record_run) -> None:
    rec = record_run("RH-REAL-1", {"CM01": "passed"})
    html = (rec.dir / "evidence.html").read_text(encoding="utf-8")
    assert SIMULATED_NOTICE not in html and 'class="banner"' not in html
    assert json.loads((rec.dir / "evidence.json").read_text(encoding="utf-8"))["simulated"] is False


def test_html_shows_each_check_with_its_evidence_link_and_japanese_text(record_run, reports_dir, inventory_file, clock) -> None:
    from harness.evidence.record import RunRecorder

    rec = RunRecorder("RH-JP-1", reports_dir, inventory_file, simulated=False)
    rec.scenario_started("wsb-items-FS01", system="FS01", method="WSB item recovery", import_type=None,
                         host="HV-LAB01", rto_target_minutes=None)
    path = rec.add_evidence("wsb-items-FS01", "hashes.txt", r"D:\Shares\HR\人事\給与.xlsx OK")
    rec.check("wsb-items-FS01", "files match manifest", "passed", r"D:\Shares\HR\人事 — 12 files", evidence=[path])
    html = (rec.finish() / "evidence.html").read_text(encoding="utf-8")
    assert '<a href="files/wsb-items-FS01/hashes.txt">hashes.txt</a>' in html
    assert r"D:\Shares\HR\人事 — 12 files" in html
    assert '<meta charset="utf-8">' in html


def test_evidence_json_has_systems_due_dates_and_manifest(record_run) -> None:
    rec = record_run("RH-1", {"CM01": "passed", "SQL01": "failed"}, when=datetime(2025, 8, 31, 12, tzinfo=UTC))
    doc = json.loads((rec.dir / "evidence.json").read_text(encoding="utf-8"))
    systems = {s["system"]: s for s in doc["systems"]}
    assert systems["CM01"]["last_passed"] == "2025-08-31" and systems["CM01"]["next_due"] == "2026-02-28"
    assert systems["SQL01"]["last_passed"] is None and systems["SQL01"]["next_due"] is None
    assert systems["SQL01"]["overdue"] is True
    assert doc["outcome"] == "failed"
    assert set(doc["manifest"]["files"]) == {"run.json", "files/_config/lab.yml"}


def test_failed_run_keeps_the_due_date_of_the_last_pass(record_run) -> None:
    record_run("RH-1", {"CM01": "passed"}, when=datetime(2025, 1, 15, tzinfo=UTC))
    rec = record_run("RH-2", {"CM01": "failed"}, when=datetime(2025, 4, 1, tzinfo=UTC))
    cm01 = json.loads((rec.dir / "evidence.json").read_text(encoding="utf-8"))["systems"][0]
    assert cm01["outcome"] == "failed"
    assert (cm01["last_passed"], cm01["last_passed_source"], cm01["next_due"]) == ("2025-01-15", "earlier run", "2025-07-15")


def test_simulated_passes_do_not_count_for_real_runs(record_run) -> None:
    record_run("RH-SIM", {"CM01": "passed"}, when=datetime(2025, 1, 15, tzinfo=UTC), simulated=True)
    rec = record_run("RH-REAL", {"CM01": "failed"}, when=datetime(2025, 4, 1, tzinfo=UTC))
    cm01 = json.loads((rec.dir / "evidence.json").read_text(encoding="utf-8"))["systems"][0]
    assert cm01["last_passed"] is None


def test_evidence_html_loads_nothing_remote(record_run) -> None:
    html = (record_run("RH-1", {"CM01": "passed"}).dir / "evidence.html").read_text(encoding="utf-8")
    assert "<script" not in html
    assert not re.search(r"(src|href)=\"(https?:)?//", html)
    assert "@import" not in html and "url(" not in html
