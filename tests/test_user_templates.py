"""harness.user_templates: the user's own templates, found in their folders, held to the template
rules, run through the harness's connection with JSON parameters."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.errors import UsageError
from harness.user_templates import LabHost, find_template, render_template

GOOD = "param([string]$ParamsJson)\n$P = ConvertFrom-Json $ParamsJson\n{% include '_common.ps1' %}\nWrite-RhResult $P\n"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "mine.ps1").write_text(GOOD, encoding="utf-8")
    return tmp_path


def test_a_user_template_is_rendered_with_the_shared_helpers(folder: Path) -> None:
    text = render_template("mine", [folder])
    assert "function Write-RhResult" in text and "{%" not in text and text.endswith("\r\n")


def test_the_users_folder_comes_before_the_built_in_templates(folder: Path) -> None:
    (folder / "echo.ps1").write_text(GOOD.replace("$P\n", "'mine'\n"), encoding="utf-8")
    assert find_template("echo", [folder]) == folder / "echo.ps1"
    assert find_template("echo", []).parent.name == "templates"  # the built-in one otherwise


@pytest.mark.parametrize("name", ["../etc/passwd", "_common", "sub/x.ps1"])
def test_only_plain_template_names(folder: Path, name: str) -> None:
    with pytest.raises(UsageError, match="plain file name"):
        find_template(name, [folder])


def test_a_missing_template_names_where_it_looked(folder: Path) -> None:
    with pytest.raises(UsageError, match=rf"nope\.ps1 not found in {folder}.*template_dirs"):
        render_template("nope", [folder])


def test_values_never_go_into_the_template_text(folder: Path) -> None:
    (folder / "bad.ps1").write_text(GOOD + "$x = '{{ name }}'\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"only \{% include '_x.ps1' %\} is allowed"):
        render_template("bad", [folder])


class Remote:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict, str, bool]] = []

    def run_script(self, script: str, params: dict, *, label: str, timeout: float | None, idempotent: bool) -> dict:
        self.calls.append((script, params, label, idempotent))
        return {"echo": params}


def test_lab_host_sends_the_rendered_script_and_the_parameters_separately(folder: Path) -> None:
    remote = Remote()
    data = LabHost("HV-LAB01", remote, [folder]).run("mine", {"name": "人事 '$x'"}, idempotent=True)
    (script, params, label, idempotent), = remote.calls
    assert data == {"echo": {"name": "人事 '$x'"}} and label == "mine" and idempotent
    assert "人事" not in script and params == {"name": "人事 '$x'"}
