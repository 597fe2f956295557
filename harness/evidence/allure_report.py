"""Generate the Allure HTML report offline as ONE file, keep history across runs, and make sure the
page loads nothing from the network.

Allure 3 (npm package ``allure``, pinned in tools/allure, installed with
``npm ci --prefix tools/allure``) writes a single-file Awesome report; history is a JSONL file (one
line per run) given by ``historyPath``. Allure 3.18 always injects a Google Analytics snippet into
the page; :func:`strip_analytics` removes it and :func:`check_offline` fails the generation if any
trace of it, or any remote script, stylesheet or font, is left.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from harness.errors import HarnessError
from harness.evidence import SIMULATED_NOTICE
from harness.evidence.allure_env import CATEGORIES
from harness.evidence.allure_shared import one_reference_per_file, share_fixture_steps

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_ALLURE_DIR = REPO_ROOT / "tools" / "allure"
HISTORY_RELPATH = Path("history") / "history.jsonl"
INSTALL_HINT = "run `npm ci --prefix tools/allure` in the project root (needs Node.js >= 20.19)"

_GTAG_LOADER = re.compile(
    r'<script[^>]*\bsrc="https?://www\.googletagmanager\.com/[^"]*"[^>]*>\s*</script>\s*', re.I
)
_GTAG_INLINE = re.compile(r"<script[^>]*>(?:(?!</script>)[\s\S])*?\bgtag\((?:(?!</script>)[\s\S])*</script>\s*", re.I)
_REMOTE_REF = re.compile(
    r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*["']?(?:https?:)?//[^"'\s>]+"""
    r"""|@import\s+(?:url\()?["']?(?:https?:)?//|url\(\s*["']?(?:https?:)?//[^)]*\.(?:woff2?|ttf|otf|css)""",
    re.I,
)
_DATA_SCRIPT = re.compile(r'src="data:text/javascript;base64,([A-Za-z0-9+/=]+)"')


class AllureReportError(HarnessError):
    """The Allure report could not be generated (tool missing, generator failed, page not offline)."""


def default_history_file(reports_dir: Path) -> Path:
    """Where the Allure history of a reports folder lives: ``<reports>/history/history.jsonl``."""
    return Path(reports_dir) / HISTORY_RELPATH


def strip_analytics(html: str) -> str:
    """``html`` without the Google Analytics loader script and its inline ``gtag(...)`` config."""
    html = _GTAG_LOADER.sub("", html)
    return _GTAG_INLINE.sub("", html)


def offline_problems(html: str) -> list[str]:
    """What in ``html`` would reach the network: analytics traces and remote script/style/font/image
    references (also inside the base64-embedded scripts of a single-file report)."""
    problems = []
    if "googletagmanager" in html:
        problems.append("a 'googletagmanager' reference is still in the page")
    problems += [f"remote reference: {m.group(0)[:120]}" for m in _REMOTE_REF.finditer(html)]
    for m in _DATA_SCRIPT.finditer(html):
        script = base64.b64decode(m.group(1)).decode("utf-8", errors="replace")
        if "googletagmanager" in script:
            problems.append("a 'googletagmanager' reference is inside an embedded script")
    return problems


def check_offline(path: Path) -> None:
    """Raise :class:`AllureReportError` naming ``path`` when the page would load anything remote."""
    problems = offline_problems(path.read_text(encoding="utf-8"))
    if problems:
        raise AllureReportError(f"{path}: the report is not offline-safe: " + "; ".join(problems[:5]))


def results_simulated(results_dir: Path) -> bool:
    """True when the results' environment.properties says the run was against the simulated lab."""
    path = results_dir / "environment.properties"
    if not path.is_file():
        return False
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return any(line.replace(" ", "") == "simulated=yes" for line in lines)


def _tools(allure_dir: Path) -> tuple[str, Path]:
    node = shutil.which("node")
    if node is None:
        raise AllureReportError(
            "node was not found on PATH: the Allure report needs Node.js >= 20.19 "
            "(Debian: apt-get install nodejs npm), then " + INSTALL_HINT
        )
    cli = allure_dir / "node_modules" / "allure" / "cli.js"
    if not cli.is_file():
        npm = "" if shutil.which("npm") else " (npm is missing too: apt-get install npm)"
        raise AllureReportError(f"Allure 3 is not installed ({cli} is missing): {INSTALL_HINT}{npm}")
    return node, cli


def allure_config(report_dir: Path, history_file: Path, allure_dir: Path = DEFAULT_ALLURE_DIR) -> dict:
    """The allurerc.json document (from tools/allure/allurerc.template.json) with absolute paths."""
    template = json.loads((allure_dir / "allurerc.template.json").read_text(encoding="utf-8"))
    template["output"] = str(report_dir.resolve())
    template["historyPath"] = str(history_file.resolve())
    template["categories"] = CATEGORIES
    return template


def generate(
    results_dir: Path, report_dir: Path, history_file: Path, *, allure_dir: Path | None = None,
    report_name: str | None = None, timeout: float = 600, history_limit: int | None = None,
) -> Path:
    """Generate ``report_dir/index.html`` (one self-contained file) from ``results_dir``, append this
    run to ``history_file`` (the report shows the last ``history_limit`` runs; default: the template's)
    and strip analytics. Returns the path of index.html."""
    allure_dir = Path(allure_dir) if allure_dir else Path(os.environ.get("RH_ALLURE_DIR", DEFAULT_ALLURE_DIR))
    node, cli = _tools(allure_dir)
    results_dir = Path(results_dir).resolve()
    if not results_dir.is_dir():
        raise AllureReportError(f"{results_dir}: Allure results directory does not exist (run pytest with --alluredir)")
    report_dir = Path(report_dir).resolve()
    history_file = Path(history_file).resolve()
    history_file.parent.mkdir(parents=True, exist_ok=True)
    report_dir.mkdir(parents=True, exist_ok=True)
    config = allure_config(report_dir, history_file, allure_dir)
    if report_name:
        config["name"] = report_name
    if history_limit:
        config["historyLimit"] = int(history_limit)
    simulated = results_simulated(results_dir)
    if simulated:
        config["name"] = f"{config['name']} — {SIMULATED_NOTICE}"
    env = dict(os.environ, ALLURE_NO_ANALYTICS="true", NO_COLOR="1", FORCE_COLOR="0")
    with tempfile.TemporaryDirectory(prefix="rh-allure-") as work:
        (Path(work) / "allurerc.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
        # a copy, so the results pytest wrote stay as they are; shared fixture steps shown once
        results = shutil.copytree(results_dir, Path(work) / "results")
        share_fixture_steps(results)
        one_reference_per_file(results)  # Allure 3 shows a file's second reference as missing
        proc = subprocess.run(
            [node, str(cli), "generate", str(results), "--config", "allurerc.json"],
            cwd=work, env=env, capture_output=True, text=True, timeout=timeout, check=False,
        )
    index = report_dir / "index.html"
    if proc.returncode != 0 or not index.is_file():
        output = (proc.stderr or proc.stdout).strip()[-2000:]
        raise AllureReportError(f"allure generate failed (exit {proc.returncode}) for {results_dir}: {output}")
    for page in report_dir.rglob("*.html"):
        page.write_text(strip_analytics(page.read_text(encoding="utf-8")), encoding="utf-8")
        check_offline(page)
    return index
