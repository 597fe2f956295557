"""Screenshots in headless Chromium (skipped when Chromium is not installed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.evidence.screenshots import find_chromium, screenshot_reports


@pytest.mark.skipif(find_chromium() is None, reason="Chromium not installed (apt-get install chromium); screenshots not tested")
def test_evidence_report_screenshot_is_a_png(record_run, reports_dir: Path) -> None:
    record_run("RH-SHOT-1", {"CM01": "passed"}, simulated=True)
    shots = screenshot_reports(reports_dir)
    assert [s.name for s in shots] == ["evidence-RH-SHOT-1.png"]
    data = shots[0].read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
