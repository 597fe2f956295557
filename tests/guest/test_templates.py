"""The guest/console templates render, parse as PowerShell 5.1 (simlab.ps.parser) and avoid PS 7 syntax."""

from __future__ import annotations

import pytest
from harness.remote import scripts
from simlab.ps import parser

TEMPLATES = ["guest_services.ps1", "guest_probe.ps1", "guest_command.ps1", "guest_direct.ps1", "console_thumbnail.ps1"]


@pytest.mark.parametrize("name", TEMPLATES)
def test_template_parses_and_is_ps51(name: str) -> None:
    text = scripts.render(name)
    assert parser.check(text) is None, name
    body = text.split("param([string]$ParamsJson)", 1)[1]
    for ps7 in ("??", "?.", "-AsArray", "-EnumsAsStrings", "-Parallel", " && ", " || "):
        assert ps7 not in body, f"{name} uses PS 7 syntax {ps7!r}"
    assert "Write-RhResult" in text and "Write-RhError" in text
