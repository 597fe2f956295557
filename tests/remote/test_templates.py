"""Every template renders and parses as Windows PowerShell 5.1 (the simulated lab's parser) (also templates added later)."""

from __future__ import annotations

import re

import pytest

from harness.remote import scripts
from simlab.ps import parser

# PowerShell 7-only syntax that Windows PowerShell 5.1 rejects (checked on the text; comments stripped).
_PS7_ONLY = [
    (re.compile(r"\?\?=?"), "null-coalescing ??"),
    (re.compile(r"\?\."), "null-conditional ?."),
    (re.compile(r"(?<![|&])(&&|\|\|)(?![|&])"), "pipeline chain && / ||"),
    (re.compile(r"-AsArray\b", re.I), "ConvertTo-Json -AsArray"),
    (re.compile(r"-EnumsAsStrings\b", re.I), "ConvertTo-Json -EnumsAsStrings"),
    (re.compile(r"ForEach-Object\s+-Parallel\b", re.I), "ForEach-Object -Parallel"),
]


def _problems(text: str) -> list[str]:
    err = parser.check(text)
    return [] if err is None else [f"{err.error_id} at line {err.line}, column {err.column}: {err.message}"]


def _code_only(text: str) -> str:
    text = re.sub(r"<#.*?#>", "", text, flags=re.S)
    text = re.sub(r"'[^']*'", "''", text)  # single-quoted strings may contain anything
    return "\n".join(line.split("#", 1)[0] for line in text.splitlines())


ALL = scripts.list_templates(include_private=True)


def test_templates_exist() -> None:
    assert {"_bootstrap.ps1", "_common.ps1", "host_facts.ps1"} <= set(ALL)


@pytest.mark.parametrize("name", ALL)
def test_template_parses_as_powershell(name: str) -> None:
    if name == "_bootstrap.ps1":
        text = scripts.bootstrap_line("param([string]$ParamsJson)\n", {"a": "人事"})
    elif name.startswith("_"):
        text = (scripts.TEMPLATE_DIR / name).read_text(encoding="utf-8")
    else:
        text = scripts.render(name)
    assert _problems(text) == [], f"{name} does not parse"


@pytest.mark.parametrize("name", ALL)
def test_template_has_no_powershell_7_syntax(name: str) -> None:
    code = _code_only((scripts.TEMPLATE_DIR / name).read_text(encoding="utf-8"))
    found = [what for rx, what in _PS7_ONLY if rx.search(code)]
    assert found == [], f"{name} uses PowerShell 7 syntax: {found}"


@pytest.mark.parametrize("name", scripts.list_templates())
def test_template_follows_the_contract(name: str) -> None:
    text = scripts.render(name)
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    assert lines[0].replace(" ", "").lower() == "param([string]$paramsjson)", f"{name}: must start with param([string]$ParamsJson)"
    assert "$ErrorActionPreference = 'Stop'" in text and "$ProgressPreference = 'SilentlyContinue'" in text
    assert "Write-RhResult" in text and "Write-RhError" in text
    scripts.check_template_source(name)


def test_the_parse_check_catches_broken_scripts() -> None:
    assert _problems("function f { if ($x) { 1 }\n") == [
        "MissingEndCurlyBrace at line 1, column 12: Missing closing '}' in statement block or type definition."]
