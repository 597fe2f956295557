"""The evidence report printed from headless Chromium: A4, the SIMULATED banner on every page
without covering the first lines, each scenario on a new page. Word positions come from poppler's
``pdftotext -bbox-layout``; the test skips where Chromium or poppler-utils is not installed."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from harness.evidence import SIMULATED_NOTICE
from harness.evidence.screenshots import find_chromium, print_pdf

pytestmark = [
    pytest.mark.skipif(find_chromium() is None, reason="Chromium is not installed (Debian: apt-get install chromium)"),
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is not installed (Debian: poppler-utils)"),
]
MM = 72 / 25.4
BANNER_HEIGHT_MM = 10  # .banner height in the print stylesheet (harness/evidence/templates/evidence.css)


@dataclass
class Line:
    text: str
    y_min: float
    y_max: float


def _pages(pdf: Path) -> list[tuple[float, float, list[Line]]]:
    """(width, height, lines top to bottom) of every page."""
    xml = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, text=True,
                         check=True).stdout
    pages = []
    for m in re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', xml, re.S):
        lines = []
        for lm in re.finditer(r'<line xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">(.*?)</line>',
                              m.group(3), re.S):
            words = re.findall(r">([^<]*)</word>", lm.group(3))
            lines.append(Line(" ".join(words), float(lm.group(1)), float(lm.group(2))))
        pages.append((float(m.group(1)), float(m.group(2)), sorted(lines, key=lambda ln: ln.y_min)))
    return pages


@pytest.fixture
def printed(record_run, clock, tmp_path: Path) -> tuple[Path, list[str]]:
    """A simulated run with three scenarios, enough checks to run over several pages, printed."""
    rec = record_run("RH-PRINT-1", {}, simulated=True, finish=False)
    headings = []
    for system, method in (("CM01", "import"), ("SQL01", "wsb-vm"), ("DC01", "bmr")):
        sc = f"{method}-{system}"
        rec.scenario_started(sc, system=system, method=method, import_type=None, host="HV-LAB01",
                             rto_target_minutes=60, restores_vm=True)
        start = clock.now - timedelta(hours=2)
        rec.backup_used(sc, version_id="03/09/2025-21:00", backup_time=start - timedelta(days=1), target="E:")
        rec.restore_finished(sc, started=start, finished=start + timedelta(minutes=20), ok=True)
        rec.services_healthy(sc, start + timedelta(minutes=45))
        for n in range(40):
            rec.check(sc, f"file hash {n:02d}", "passed", expected="sha256 0f1e", found="sha256 0f1e")
        headings.append(f"{system} — {sc}")
    folder = rec.finish()
    return print_pdf(folder / "evidence.html", tmp_path / "evidence.pdf"), headings


def test_printed_on_a4_with_the_banner_on_every_page_covering_nothing(printed) -> None:
    pdf, _ = printed
    pages = _pages(pdf)
    assert len(pages) >= 4
    for number, (width, height, lines) in enumerate(pages, start=1):
        assert abs(width - 210 * MM) < 2 and abs(height - 297 * MM) < 2, f"page {number} is not A4"
        banner = lines[0]
        assert banner.text == SIMULATED_NOTICE, f"page {number} does not start with the banner: {banner.text!r}"
        centre = (banner.y_min + banner.y_max) / 2
        band_bottom = centre + BANNER_HEIGHT_MM * MM / 2
        first = lines[1]
        assert first.y_min > band_bottom, (f"page {number}: first line {first.text!r} at y={first.y_min:.1f} is under "
                                           f"the banner (ends at y={band_bottom:.1f})")
        assert not [ln.text for ln in lines[1:] if ln.text == SIMULATED_NOTICE], f"page {number}: banner twice"


def test_each_scenario_starts_a_new_page(printed) -> None:
    pdf, headings = printed
    first_lines = [lines[1].text for _, _, lines in _pages(pdf)]
    for heading in headings:
        assert any(line.startswith(heading) for line in first_lines), f"{heading!r} does not start a page"
    assert first_lines[0] == "Restore test evidence"


def test_a_real_run_prints_without_a_banner(record_run, tmp_path: Path) -> None:
    folder = record_run("RH-PRINT-2", {"CM01": "passed"}).dir
    pages = _pages(print_pdf(folder / "evidence.html", tmp_path / "real.pdf"))
    assert pages[0][2][0].text == "Restore test evidence"
    assert all(SIMULATED_NOTICE not in ln.text for _, _, lines in pages for ln in lines)
