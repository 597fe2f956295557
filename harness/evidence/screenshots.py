"""Screenshots of the reports in headless Chromium, to look at them as a person would.

Chromium runs with networking features off and a throw-away profile; pages load from ``file://``.
Japanese text needs a CJK font on the machine (Debian: ``apt-get install fonts-noto-cjk``).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    """Path of a Chromium/Chrome executable, or None."""
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def _headless(page: Path, flags: list[str], *, browser: str | None, wait_ms: int,
              timeout: float) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium on ``page`` with ``flags`` (what to produce) added to the ones every use
    shares: networking features off, a throw-away profile, ``wait_ms`` of virtual time for scripts.
    Raises RuntimeError when no browser is installed."""
    exe = browser or find_chromium()
    if exe is None:
        raise RuntimeError("Chromium is not installed (Debian: apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="rh-chromium-") as profile:
        cmd = [
            exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
            f"--virtual-time-budget={wait_ms}", *flags, page.resolve().as_uri(),
        ]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)


def _written(out: Path, what: str, page: Path, proc: subprocess.CompletedProcess[str]) -> Path:
    """``out``, or RuntimeError when Chromium left no such file (with the end of its stderr)."""
    if not out.is_file() or out.stat().st_size == 0:
        raise RuntimeError(f"no {what} of {page} was written (chromium exit {proc.returncode}): {proc.stderr[-800:]}")
    return out


def screenshot(page: Path, out: Path, *, width: int = 1366, height: int = 2000, wait_ms: int = 5000,
               browser: str | None = None, timeout: float = 120) -> Path:
    """Render ``page`` and save a PNG to ``out``. Raises RuntimeError when no browser is installed
    or no image was written."""
    out.parent.mkdir(parents=True, exist_ok=True)
    proc = _headless(page, ["--hide-scrollbars", f"--window-size={width},{height}", f"--screenshot={out.resolve()}"],
                     browser=browser, wait_ms=wait_ms, timeout=timeout)
    return _written(out, "screenshot", page, proc)


def dump_dom(page: Path, *, browser: str | None = None, wait_ms: int = 8000, timeout: float = 120) -> str:
    """The DOM of ``page`` after its scripts ran (``--dump-dom``): what a reader of a script-rendered
    report such as Allure's actually sees."""
    proc = _headless(page, ["--dump-dom"], browser=browser, wait_ms=wait_ms, timeout=timeout)
    if proc.returncode != 0 or not proc.stdout.strip():
        raise RuntimeError(f"chromium could not render {page} (exit {proc.returncode}): {proc.stderr[-800:]}")
    return proc.stdout


def print_pdf(page: Path, out: Path, *, browser: str | None = None, wait_ms: int = 3000, timeout: float = 120) -> Path:
    """Print ``page`` to PDF as Chromium's print dialog would (the page's own @page size, no browser
    header/footer); raises RuntimeError when no browser is installed or no PDF was written."""
    out.parent.mkdir(parents=True, exist_ok=True)
    proc = _headless(page, ["--no-pdf-header-footer", f"--print-to-pdf={out.resolve()}"],
                     browser=browser, wait_ms=wait_ms, timeout=timeout)
    return _written(out, "PDF", page, proc)


def screenshot_reports(reports_dir: Path, out_dir: Path | None = None) -> list[Path]:
    """Screenshots of reports/allure-report/index.html and every reports/evidence/*/evidence.html."""
    out_dir = out_dir or reports_dir / "screenshots"
    shots = []
    allure_index = reports_dir / "allure-report" / "index.html"
    if allure_index.is_file():
        shots.append(screenshot(allure_index, out_dir / "allure-report.png", height=1000, wait_ms=8000))
    for page in sorted((reports_dir / "evidence").glob("*/evidence.html")):
        shots.append(screenshot(page, out_dir / f"evidence-{page.parent.name}.png"))
    return shots
