"""The checks of a bare-metal recovery (suites/test_bmr.py), each a :class:`CheckResult` with what it
expected and what it found, passed or failed: the WinPE run, the injected drivers, the boot, and
the guest's answer. Pure: they judge a ``harness.restore.bmr.BmrResult`` the restore already holds."""

from __future__ import annotations

from typing import Any

from harness.checks.result import CheckResult, compared

WINPE_STEPS = "drvload, net use, wbadmin start sysrecovery, dism /Add-Driver: every step ran, exit code 0"


def recovery_check(scenario: str, result: Any, defect: BaseException | None) -> CheckResult:
    """The WinPE recovery ran every step and exited 0 (a defect is the restore's own failure)."""
    expected = {"winpe": WINPE_STEPS, "winpe_exit_code": 0}
    if result is None:
        found: dict[str, Any] = {"restore": f"failed: {defect}"}
    else:
        found = {"winpe_exit_code": result.logs.exit_code, "winpe_steps": [list(s) for s in result.logs.steps],
                 "recovery_seconds": result.recovery_seconds}
    problems = [f"bare-metal recovery failed: {defect}"] if defect is not None else []
    return compared("restore", scenario, expected, found, problems)


def drivers_check(scenario: str, result: Any) -> CheckResult:
    """Every expected driver is in the restored image, by its original INF name."""
    missing, present = result.missing_drivers(), sorted(result.driver_names())
    problem = (f"not in the restored image: {', '.join(missing)} (present: {', '.join(present) or 'none'})"
               if missing else "")
    return compared("drivers injected", scenario, {"drivers": sorted(result.plan.expected_drivers)},
                    {"drivers": present, "missing": missing}, [problem])


def boot_check(scenario: str, result: Any) -> CheckResult:
    """The restored disk booted: heartbeat OK, no stop code."""
    boot = result.boot
    found = {"heartbeat_ok": boot.ok, "reason": boot.reason, "stop_code": boot.stop_code,
             "heartbeat_after_s": boot.heartbeat_after_s}
    return compared("boots", scenario, {"heartbeat_ok": True, "stop_code": None}, found,
                    [] if boot.ok else [boot.reason])


def guest_answer_check(scenario: str, machine: str, *, booted: bool, reason: str = "", rc: int | None = None,
                       computer_name: str | None = None, channel: str = "") -> CheckResult:
    """The booted guest answered (exit status 0) and is the backed-up machine (its computer name)."""
    expected = {"exit_status": 0, "computer_name": machine}
    if not booted:
        return compared("guest answers", scenario, expected, {"booted": False, "reason": reason},
                        [f"the guest cannot answer, it did not boot: {reason}"])
    problems = []
    if rc != 0:
        problems.append(f"the guest answered with exit status {rc}")
    elif (computer_name or "").lower() != machine.lower():
        problems.append(f"expected the restored system to be {machine}, found computer name {computer_name!r}")
    return compared("guest answers", scenario, expected,
                    {"exit_status": rc, "computer_name": computer_name, "via": channel}, problems)
