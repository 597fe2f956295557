"""harness/checks/bmr.py: each BMR check says what it expected and what it found, passed or failed."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from harness.checks.bmr import boot_check, drivers_check, guest_answer_check, recovery_check


def _result(*, boot_ok: bool = True, drivers: tuple[str, ...] = ("lsisas3.inf",)) -> SimpleNamespace:
    boot = SimpleNamespace(ok=boot_ok, reason="heartbeat OK after 12 s" if boot_ok else "stop 0x0000007B at boot",
                           stop_code=None if boot_ok else 0x7B, heartbeat_after_s=12.0 if boot_ok else None)
    return SimpleNamespace(
        boot=boot, logs=SimpleNamespace(exit_code=0, steps=[("wbadmin", "0")]), recovery_seconds=600.0,
        plan=SimpleNamespace(expected_drivers=["lsisas3.inf"]), driver_names=lambda: set(drivers),
        missing_drivers=lambda: [d for d in ["lsisas3.inf"] if d not in drivers])


def test_a_passed_recovery_shows_the_winpe_exit_code_and_steps() -> None:
    check = recovery_check("bmr-fs01", _result(), None)
    assert check.ok and check.measured()[1] == {"winpe_exit_code": 0, "winpe_steps": [["wbadmin", "0"]],
                                                "recovery_seconds": 600.0}
    assert check.measured()[0]["winpe_exit_code"] == 0


def test_a_failed_recovery_shows_the_defect_as_found_and_fails_plainly() -> None:
    check = recovery_check("bmr-fs01", None, RuntimeError("step wbadmin (exit code 1)"))
    assert check.measured()[1] == {"restore": "failed: step wbadmin (exit code 1)"}
    with pytest.raises(AssertionError) as failed:
        check.assert_ok()
    assert str(failed.value) == "restore: bmr-fs01: bare-metal recovery failed: step wbadmin (exit code 1)"


def test_drivers_boot_and_guest_checks_show_expected_and_found() -> None:
    missing = drivers_check("bmr-fs01", _result(drivers=("oem1.inf",)))
    assert not missing.ok and missing.measured() == ({"drivers": ["lsisas3.inf"]},
                                                     {"drivers": ["oem1.inf"], "missing": ["lsisas3.inf"]})
    assert "not in the restored image: lsisas3.inf (present: oem1.inf)" in missing.message
    stopped = boot_check("bmr-fs01", _result(boot_ok=False))
    assert not stopped.ok and stopped.measured()[1]["stop_code"] == 0x7B and stopped.problems == (
        "stop 0x0000007B at boot",)
    assert boot_check("bmr-fs01", _result()).ok
    wrong = guest_answer_check("bmr-fs01", "FS01", booted=True, rc=0, computer_name="WIN-123", channel="WinRM")
    assert wrong.measured() == ({"exit_status": 0, "computer_name": "FS01"},
                                {"exit_status": 0, "computer_name": "WIN-123", "via": "WinRM"})
    assert "expected the restored system to be FS01, found computer name 'WIN-123'" in wrong.message
    assert guest_answer_check("bmr-fs01", "FS01", booted=True, rc=0, computer_name="fs01").ok
    assert not guest_answer_check("bmr-fs01", "FS01", booted=False, reason="stop 0x7B").ok
