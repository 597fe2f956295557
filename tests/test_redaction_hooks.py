"""The last line of defence (harness/redaction_hooks.py): a failing test whose locals, arguments,
output and logs hold a registered secret, run with ``-l -vvv`` and Allure; nothing shows it."""

from __future__ import annotations

import base64
import urllib.parse
from pathlib import Path

import pytest

from harness.redaction_hooks import RedactingStream, redact_report, redact_tree
from harness.secrets import MASK, Redactor

pytest_plugins = ["pytester"]

SECRET = "Planted-Secret-4f1c9e"

TEST_FILE = f'''
import logging, sys
from harness.secrets import register_secret

register_secret({SECRET!r})

def helper(password):
    token = "token=" + password
    raise RuntimeError("lab died")

def test_leaks_through_locals():
    print("stdout has " + {SECRET!r})
    sys.stderr.write("stderr has " + {SECRET!r} + "\\n")
    logging.getLogger("other.library").warning("other logger: %s", {SECRET!r})
    helper({SECRET!r})
'''


def forms(secret: str) -> list[str]:
    out = [secret, urllib.parse.quote(secret, safe=""), urllib.parse.quote_plus(secret, safe="")]
    for data in (secret.encode("utf-8"), secret.encode("utf-16-le")):
        out.append(base64.b64encode(data).decode("ascii"))
    return out


def scan(text: str) -> list[str]:
    return [f for f in forms(SECRET) if f in text]


def _run(pytester: pytest.Pytester, *extra: str) -> tuple[str, Path]:
    pytester.makepyfile(test_leak=TEST_FILE)
    results = pytester.path / "allure-results"
    res = pytester.runpytest_subprocess("-l", "-vvv", "-p", "no:randomly", "--alluredir", str(results), *extra)
    return res.stdout.str() + res.stderr.str(), results


def _allure_text(results: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in results.rglob("*") if p.is_file())


def test_without_the_hooks_pytest_prints_the_secret(pytester: pytest.Pytester) -> None:
    out, results = _run(pytester, "-p", "no:restore_harness")  # the restore-harness plugin loads the hooks
    assert scan(out) and scan(_allure_text(results))  # the leak the hooks exist for is real


def test_with_the_hooks_no_output_and_no_allure_file_holds_it(pytester: pytest.Pytester) -> None:
    out, results = _run(pytester, "-p", "harness.redaction_hooks")
    assert "RuntimeError: lab died" in out and "password" in out and MASK in out  # the report is still there
    assert scan(out) == []
    assert list(results.glob("*-result.json"))
    assert scan(_allure_text(results)) == []


def test_with_the_hooks_and_no_capture(pytester: pytest.Pytester) -> None:
    out, _ = _run(pytester, "-p", "harness.redaction_hooks", "-s")
    assert "stdout has" in out and scan(out) == []


def test_redact_report_and_tree_units(tmp_path: Path) -> None:
    r = Redactor()
    r.register(SECRET)

    class Report:
        longrepr = f"E   password = '{SECRET}'"
        sections = [("Captured stdout call", f"x {SECRET}")]

    rep = Report()
    assert redact_report(rep, r) and SECRET not in rep.longrepr and SECRET not in rep.sections[0][1]
    (tmp_path / "a-result.json").write_text(f'{{"trace": "{SECRET}"}}', encoding="utf-8")
    (tmp_path / "shot.png").write_bytes(b"\x89PNG" + SECRET.encode())
    assert redact_tree(tmp_path, r) == [tmp_path / "a-result.json"]
    assert SECRET not in (tmp_path / "a-result.json").read_text(encoding="utf-8")
    import io

    buf = io.StringIO()
    RedactingStream(buf, r).write(f"line {SECRET}\n")
    assert buf.getvalue() == f"line {MASK}\n"


def test_the_restore_harness_plugin_loads_the_hooks(pytester: pytest.Pytester) -> None:
    out, results = _run(pytester)  # the plugin comes through its pytest11 entry point
    assert "RuntimeError: lab died" in out and scan(out) == [] and scan(_allure_text(results)) == []
