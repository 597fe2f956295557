"""harness.exitcodes: the one exit-code enum, and the README's promises checked through the CLI."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from harness import cli
from harness.errors import LabError, RemoteNotInstalled, RestoreDefect, UsageError
from harness.exitcodes import ExitCode, for_error, for_outcomes, for_pytest


def test_the_numbers_are_the_documented_ones() -> None:
    assert [(c.name, int(c)) for c in ExitCode] == [("OK", 0), ("DEFECT", 1), ("INTERRUPTED", 2), ("LAB", 3),
                                                    ("HARNESS", 4), ("EMPTY", 5)]
    assert ExitCode.INVALID == 2 and ExitCode.INVALID is ExitCode.INTERRUPTED  # validate's alias


@pytest.mark.parametrize("exc, code", [
    (KeyboardInterrupt(), 2), (LabError("down"), 3), (RemoteNotInstalled("no Hyper-V"), 3),
    (RestoreDefect("not registered"), 1), (UsageError("bad"), 4), (KeyError("bug"), 4),
])
def test_errors_map_through_the_one_classification(exc: BaseException, code: int) -> None:
    assert for_error(exc) == code


@pytest.mark.parametrize("status, outcomes, expected", [
    (0, {}, 0), (1, {"defect": 1}, 1), (1, {}, 1), (1, {"defect": 1, "lab": 1}, 3), (1, {"lab": 1, "harness": 1}, 4),
    (5, {}, 5), (2, {"defect": 1}, 2), (4, {}, 4), (3, {}, 4),
])
def test_pytest_sessions_map_to_the_enum(status: int, outcomes: dict[str, int], expected: int) -> None:
    assert for_pytest(status, outcomes) == expected
    assert for_outcomes({"passed": 3}) == ExitCode.OK


def _fake_command(monkeypatch: pytest.MonkeyPatch, name: str, **funcs: object) -> None:
    mod = types.ModuleType(name)
    for k, v in funcs.items():
        setattr(mod, k, v)
    monkeypatch.setitem(sys.modules, name, mod)


def test_ctrl_c_in_any_command_exits_2(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def interrupted(args: object) -> int:
        raise KeyboardInterrupt
    _fake_command(monkeypatch, "harness.doctor", run_doctor=interrupted)
    assert cli.main(["doctor"]) == ExitCode.INTERRUPTED == 2
    assert "interrupted" in capsys.readouterr().err


def test_an_internal_error_exits_4_without_traceback(monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    def bug(args: object) -> int:
        raise ZeroDivisionError("division by zero")
    _fake_command(monkeypatch, "harness.doctor", run_doctor=bug)
    assert cli.main(["doctor"]) == ExitCode.HARNESS == 4
    err = capsys.readouterr().err
    assert "internal error: ZeroDivisionError" in err and "Traceback" not in err


@pytest.mark.parametrize("content", [
    b"version: 1\nhosts: !!python/object/apply:os.system ['echo owned']\n",  # a YAML tag
    b"version: 1\x00\nhosts: []\n",  # a NUL byte
    b"version: 1\nhosts: [\n",  # broken YAML
    b"\xff\xfe\x00garbage",  # not text
    b"version: 1\nhosts: []\n",  # valid YAML, invalid inventory
])
def test_validate_exits_2_for_every_invalid_input(tmp_path: Path, content: bytes,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "inv.yml"
    path.write_bytes(content)
    assert cli.main(["validate", str(path)]) == ExitCode.INVALID
    err = capsys.readouterr().err
    assert str(path) in err and "Traceback" not in err and "owned" not in err
