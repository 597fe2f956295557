"""The wsb_* templates render, parse as PowerShell 5.1 (simlab.ps.parser), avoid PS 7 syntax, print one result."""

from __future__ import annotations

import pytest
from harness.remote import scripts
from simlab.ps import parser

TEMPLATES = ["wsb_backup_sets.ps1", "wsb_job.ps1", "wsb_start_file_recovery.ps1", "wsb_hash_files.ps1",
             "wsb_start_vm_recovery.ps1", "wsb_vm_finish.ps1"]


@pytest.mark.parametrize("name", TEMPLATES)
def test_template_parses_and_is_ps51(name: str) -> None:
    text = scripts.render(name)
    assert parser.check(text) is None, name
    body = text.split("param([string]$ParamsJson)", 1)[1]
    for ps7 in ("??", "?.", "-AsArray", "-EnumsAsStrings", "-Parallel", " && ", " || "):
        assert ps7 not in body, f"{name} uses PS 7 syntax {ps7!r}"
    assert "Write-RhResult" in body


def test_recoveries_always_go_to_an_alternate_location_async() -> None:
    lines = [ln for ln in scripts.render("wsb_start_file_recovery").splitlines() if not ln.lstrip().startswith("#")]
    calls = [(ln, nxt) for ln, nxt in zip(lines, lines[1:]) if "Start-WBFileRecovery" in ln]
    assert len(calls) == 2
    assert all("-TargetPath $targetPath" in ln and "-Async" in nxt for ln, nxt in calls)
    vm = scripts.render("wsb_start_vm_recovery")
    assert "-UseAlternateLocation -RecreatePath -Async" in vm


def test_password_travels_only_as_a_parameter() -> None:
    text = scripts.render("wsb_backup_sets")
    assert "ConvertTo-SecureString -String ([string]$Target.password)" in text
    assert "-Credential (New-RhWsbCredential" in text
