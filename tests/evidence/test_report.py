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


def test_stylesheet_is_inlined_unescaped(record_run) -> None:
    html = (record_run("RH-CSS-1", {"CM01": "passed"}).dir / "evidence.html").read_text(encoding="utf-8")
    style = html.split("<style>")[1].split("</style>")[0]
    assert '"Segoe UI"' in style and "&#34;" not in style and "&gt;" not in style
    assert "@page { size: A4;" in style


def test_checks_show_expected_found_controls_and_their_evidence_file(record_run, clock) -> None:
    rec = record_run("RH-CHK-1", {}, finish=False)
    rec.scenario_started("import-CM01", system="CM01", method="import", import_type="copy", host="HV-LAB01",
                         rto_target_minutes=60)
    rec.check("import-CM01", "services healthy", "passed", expected={"SMS_EXECUTIVE": "Running"},
              found={"SMS_EXECUTIVE": "Running"})
    rec.check("import-CM01", "switch mapping", "failed",
              "AssertionError: adapter 'Corp-LAN' not mapped\nassert False\n +  where False = ok()\n"
              "AssertionError: adapter 'Corp-LAN' not mapped")
    folder = rec.finish()
    run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    passed, failed = run["scenarios"][0]["checks"]
    assert passed["found"] == {"SMS_EXECUTIVE": "Running"} and passed["evidence"] == [
        "files/import-CM01/check-services_healthy.json"]
    assert json.loads((folder / passed["evidence"][0]).read_text(encoding="utf-8"))["expected"] == {
        "SMS_EXECUTIVE": "Running"}
    assert failed["message"] == "adapter 'Corp-LAN' not mapped"
    assert passed["controls"] == ["ISO/IEC 27001:2022 A.8.13", "SOC 2 A1.3", "NIST SP 800-53 CP-4",
                                  "NIST SP 800-53 CP-9(1)"]
    html = (folder / "evidence.html").read_text(encoding="utf-8")
    assert '<a href="files/import-CM01/check-services_healthy.json">check-services_healthy.json</a>' in html
    assert "{&#34;SMS_EXECUTIVE&#34;: &#34;Running&#34;}" in html  # the measured value, escaped as data
    assert html.count("adapter &#39;Corp-LAN&#39; not mapped") == 1 and "where False" not in html
    controls = {c["id"]: c for c in json.loads((folder / "evidence.json").read_text(encoding="utf-8"))["controls"]}
    assert controls["SOC 2 A1.3"]["passed"] == 1 and controls["SOC 2 A1.3"]["failed"] == 1
