"""``restore-harness validate`` on hostile and invalid files: exit 2, a message naming the file and the
fix, no traceback, and nothing read that is not a small regular file (issue 13 item 6)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness import cli

ROOT = Path(__file__).resolve().parents[1]
SIM_LAB = (ROOT / "inventories" / "sim-lab.yml").read_text(encoding="utf-8")


def _bomb() -> str:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def _write(tmp_path: Path, case: str) -> tuple[Path, str]:
    """A hostile or invalid inventory file and words its refusal must contain."""
    f = tmp_path / f"{case}.yml"
    if case == "fifo":
        os.mkfifo(f)
        return f, "a FIFO"
    if case == "dev-zero":
        f.symlink_to("/dev/zero")
        return f, "character device"
    if case == "big":
        with f.open("wb") as out:
            out.truncate(21_000_000)
        return f, "larger than the limit"
    texts = {
        "alias-bomb": (_bomb() * 40, "alias"),  # 14 KB, as in the issue
        "python-tag": ("hosts: !!python/object/apply:os.system ['echo pwned']\n", "tag !!python/object/apply"),
        "custom-tag": (SIM_LAB.replace("lab: sim-lab", "lab: !lab sim-lab"), "tag !lab"),
        "nul": (SIM_LAB.replace("lab: sim-lab", "lab: sim\x00lab"), "NUL byte"),
        "lab-only-yes": (SIM_LAB.replace("lab_only: true", 'lab_only: "yes"'), "hosts[0].lab_only"),
        "huge-timeout": (SIM_LAB.replace("timeout_minutes: 240", "timeout_minutes: 1000000000000"), "less than or equal"),
        "long-name": (SIM_LAB.replace("name: import-cm01", "name: " + "a" * 83), "at most 78"),
        "dot-dot": (SIM_LAB.replace("scratch_root: 'E:\\RestoreTests'",
                                    "scratch_root: 'E:\\RestoreTests\\..\\..\\Windows'"), "`..`"),
        "typo": (SIM_LAB.replace("winpe_iso:", "winpe_isos:"), "did you mean `winpe_iso`?"),
        "external-switch": (SIM_LAB.replace("switch: Lab-Isolated", "switch: Corp-External"), "not an isolated switch"),
    }
    text, words = texts[case]
    f.write_text(text, encoding="utf-8")
    return f, words


CASES = ["fifo", "dev-zero", "big", "alias-bomb", "python-tag", "custom-tag", "nul", "lab-only-yes", "huge-timeout",
         "long-name", "dot-dot", "typo", "external-switch"]


@pytest.mark.parametrize("case", CASES)
def test_hostile_or_invalid_inventories_exit_2_naming_file_and_fix(case: str, tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    path, words = _write(tmp_path, case)
    assert cli.main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and words in err and "Traceback" not in err
    assert "Fix:" in err or "give the path" in err or "check that this is the right file" in err


@pytest.mark.parametrize("name", ["sim-lab.yml", "example-lab.yml"])
def test_the_shipped_inventories_are_valid(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["validate", str(ROOT / "inventories" / name)]) == 0
    assert capsys.readouterr().out.startswith("OK ")
