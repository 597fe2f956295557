"""Offline Allure report: analytics stripping, offline guard, tool errors, and (when Allure 3 is
installed in tools/allure) a real two-run generation with history."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest

from harness.evidence import allure_report
from harness.evidence.allure_report import (
    AllureReportError,
    check_offline,
    generate,
    offline_problems,
    strip_analytics,
)

SAMPLE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Allure Report</title>
    <script>window.allure = window.allure || {};</script>
    <script   src="data:text/javascript;base64,Y29uc29sZS5sb2coMSk="></script>
    <script async src="https://www.googletagmanager.com/gtag/js?id=G-LNDJ3J7WT0"></script>
    <script>
        window.dataLayer = window.dataLayer || [];
        function gtag(){dataLayer.push(arguments);}
        gtag('js', new Date());
        gtag('config', 'G-LNDJ3J7WT0', {"report": "awesome", "allureVersion": "3.18.0"});
    </script>
    <script async>window.allureReportDataReady = false;</script>
</head><body><div id="app"></div></body></html>"""


def test_strip_analytics_removes_loader_and_config_only() -> None:
    html = strip_analytics(SAMPLE)
    assert "googletagmanager" not in html and "gtag(" not in html and "dataLayer" not in html
    assert "window.allure = window.allure" in html and "allureReportDataReady" in html
    assert 'src="data:text/javascript;base64,Y29uc29sZS5sb2coMSk="' in html
    assert offline_problems(html) == []


def test_guard_names_what_is_left(tmp_path: Path) -> None:
    assert "a 'googletagmanager' reference is still in the page" in offline_problems(SAMPLE)
    page = tmp_path / "index.html"
    page.write_text(SAMPLE, encoding="utf-8")
    with pytest.raises(AllureReportError, match=r"index.html: the report is not offline-safe"):
        check_offline(page)


@pytest.mark.parametrize(
    "snippet",
    [
        '<link rel="stylesheet" href="https://fonts.googleapis.com/css2?family=Inter">',
        '<script src="//cdn.example.com/app.js"></script>',
        "<style>@import url('https://fonts.googleapis.com/css?family=Roboto');</style>",
        "<style>@font-face{src:url(https://fonts.gstatic.com/s/inter.woff2)}</style>",
        '<script src="data:text/javascript;base64,'
        + base64.b64encode(b"load('https://www.googletagmanager.com/x')").decode() + '"></script>',
    ],
)
def test_guard_catches_remote_scripts_styles_and_fonts(snippet: str) -> None:
    assert offline_problems(f"<html><head>{snippet}</head></html>")


def test_missing_node_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(allure_report.shutil, "which", lambda name: None)
    with pytest.raises(AllureReportError, match=r"node was not found on PATH.*npm ci --prefix tools/allure"):
        generate(tmp_path, tmp_path / "report", tmp_path / "history.jsonl")


def test_missing_allure_install_is_a_clear_error(tmp_path: Path) -> None:
    if allure_report.shutil.which("node") is None:
        pytest.skip("node is not installed on this machine")
    with pytest.raises(AllureReportError, match=r"Allure 3 is not installed .*npm ci --prefix tools/allure"):
        generate(tmp_path, tmp_path / "report", tmp_path / "history.jsonl", allure_dir=tmp_path)


def test_allurerc_has_absolute_paths_and_the_categories(tmp_path: Path) -> None:
    from harness.evidence.allure_env import CATEGORIES

    cfg = allure_report.allure_config(Path("rel/report"), Path("rel/h.jsonl"))
    assert Path(cfg["output"]).is_absolute() and Path(cfg["historyPath"]).is_absolute()
    assert cfg["categories"] == CATEGORIES
    assert cfg["plugins"]["awesome"]["options"]["singleFile"] is True


INSTALLED = (allure_report.DEFAULT_ALLURE_DIR / "node_modules" / "allure" / "cli.js").is_file()


@pytest.mark.skipif(not INSTALLED, reason="Allure 3 not installed: run `npm ci --prefix tools/allure` to test generation")
@pytest.mark.skipif(allure_report.shutil.which("node") is None, reason="node is not installed")
def test_generate_two_runs_single_file_with_history(tmp_path: Path) -> None:
    from tests.evidence.test_pytest_hooks import CONFTEST, TESTS, run_inline

    proc, results = run_inline(tmp_path, CONFTEST, TESTS)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    report, history = tmp_path / "reports/allure-report", tmp_path / "reports/history/history.jsonl"
    history.unlink()  # the inline conftest seeds a fake history for buildOrder; start a real one
    for run in (1, 2):
        index = generate(results, report, history)
        assert index == report / "index.html"
        assert len(history.read_text(encoding="utf-8").splitlines()) == run
    html = index.read_text(encoding="utf-8")
    assert "googletagmanager" not in html and offline_problems(html) == []
    assert sorted(p.name for p in report.iterdir() if p.suffix == ".html") == ["index.html"]
    summary = json.loads((report / "summary.json").read_text(encoding="utf-8"))
    assert summary["name"] == "Restore test — SIMULATED — not evidence of a real restore"
    assert summary["stats"]["failed"] == 1 and summary["stats"]["broken"] == 3


@pytest.mark.skipif(not INSTALLED, reason="Allure 3 not installed: run `npm ci --prefix tools/allure` to test generation")
@pytest.mark.skipif(allure_report.shutil.which("node") is None, reason="node is not installed")
def test_rendered_allure_report_shows_simulated_tests_in_the_tree(tmp_path: Path) -> None:
    from harness.evidence.screenshots import dump_dom, find_chromium, screenshot
    from tests.evidence.test_pytest_hooks import CONFTEST, TESTS, run_inline

    if find_chromium() is None:
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium)")
    proc, results = run_inline(tmp_path, CONFTEST, TESTS)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    index = generate(results, tmp_path / "report", tmp_path / "history.jsonl")
    dom = dump_dom(index)
    assert "SIMULATED — not evidence of a real restore" in dom  # the report's name
    # the tree (epic > feature > story) opens with the failed and broken tests; the lab problem in setup
    # (bmr-DC01), which had no epic/feature/story before, now sits in it under its system
    text = [t.strip() for t in re.sub(r"<[^>]+>", "\n", dom).splitlines() if t.strip()]
    for title in ("[SIMULATED] import-copy-CM01: no backup checkpoint", "[SIMULATED] bmr-DC01: services healthy"):
        assert title in text, f"{title!r} is not shown in the rendered report"
    assert "DC01" in text and "CM01" in text
    shot = screenshot(index, tmp_path / "allure.png", height=900, wait_ms=8000)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
