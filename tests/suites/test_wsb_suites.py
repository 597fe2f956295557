"""The real WSB suites (suites/test_wsb_files.py, suites/test_wsb_vm.py) against the simulated lab
over real WinRM: the healthy lab passes, and each WSB fault of the simulator is detected with the
right message and the right category (exit 1 = restore defect, exit 3 = lab problem).

Faults go into the inventory's ``simulated_lab.faults`` list, so each suite runs unchanged through
pytest exactly as a user runs it (one subprocess, one simulated lab per test).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from harness.evidence.outcome import scenario_outcome

pytest_plugins = ["pytester"]

REPO = Path(__file__).resolve().parents[2]
SUITES = {"wsb-fs01-files": ["test_wsb_files.py"], "wsb-cm01-vm": ["test_wsb_vm.py", "test_restored_vm.py"]}
NAS_PASSWORD = "Nas-Secret-7f3a9c"  # a known value, so the tests can prove it never leaks


def _run(pytester: pytest.Pytester, scenario: str, faults: list[dict] | None = None) -> pytest.RunResult:
    data = yaml.safe_load((REPO / "inventories" / "sim-lab.yml").read_text(encoding="utf-8"))
    data["scenarios"] = [s for s in data["scenarios"] if s["name"] == scenario]
    data["simulated_lab"]["faults"] = list(faults or [])
    inv = pytester.path / "lab.yml"
    inv.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    for suite in SUITES[scenario]:
        pytester.path.joinpath(suite).write_text((REPO / "suites" / suite).read_text(encoding="utf-8"), encoding="utf-8")
    return pytester.runpytest_subprocess(*SUITES[scenario], "--inventory", str(inv), "--reports", "out", "--alluredir",
                                         "out/allure", "-p", "no:cacheprovider", "-rA")


@pytest.fixture(autouse=True)
def _nas_env(monkeypatch):
    """The share credential the subprocess inherits (the plugin keeps values already set)."""
    monkeypatch.setenv("RH_NAS_USER", "wsb-reader")
    monkeypatch.setenv("RH_NAS_PASSWORD", NAS_PASSWORD)


def _run_record(pytester: pytest.Pytester) -> dict:
    return json.loads(next((pytester.path / "out" / "evidence").glob("*/run.json")).read_text(encoding="utf-8"))


def _checks(pytester: pytest.Pytester) -> dict[str, dict]:
    (scenario,) = _run_record(pytester)["scenarios"]
    return {c["name"]: c for c in scenario["checks"]}


def _ledger_cleaned(pytester: pytest.Pytester) -> bool:
    ledger = json.loads(next((pytester.path / "out" / "ledger").glob("*.json")).read_text(encoding="utf-8"))
    return bool(ledger["entries"]) and all(e["state"] in ("removed", "gone") for e in ledger["entries"])


# ----------------------------------------------------------------------------- wsb-files


def test_files_healthy_lab_passes_and_teardown_empties_the_ledger(pytester):
    result = _run(pytester, "wsb-fs01-files")
    assert result.ret == 0, result.stdout.str()
    result.assert_outcomes(passed=3)
    assert _ledger_cleaned(pytester)
    csv = next((pytester.path / "out" / "evidence").glob("*/files/*/content-comparison.csv"))
    text = csv.read_text(encoding="utf-8-sig")
    assert "名簿.csv" in text and "予算2026.xlsx" in text


def test_corrupted_file_fails_the_content_check_as_changed(pytester):
    result = _run(pytester, "wsb-fs01-files",
                  [{"fault": "backup_file_hash_mismatch", "path": "D:\\Shares\\HR\\人事\\名簿.csv"}])
    assert result.ret == 1, result.stdout.str()  # a restore defect
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*AssertionError: content: *: 1 changed: D:\\Shares\\HR\\人事\\名簿.csv "
                                 "(SHA-256 * expected, * found; size 40 expected, 50 found)*"])
    assert _checks(pytester)["content"]["outcome"] == "failed"


def test_item_missing_from_the_backup_fails_the_content_check_as_missing(pytester):
    result = _run(pytester, "wsb-fs01-files",
                  [{"fault": "backup_item_missing", "path": "D:\\Shares\\Finance\\請求書\\2026-10.pdf"}])
    assert result.ret == 1, result.stdout.str()
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*AssertionError: content: *: 1 missing: D:\\Shares\\Finance\\請求書\\2026-10.pdf"])


def test_stale_backup_fails_the_backup_age_check_naming_age_and_policy(pytester):
    result = _run(pytester, "wsb-fs01-files", [{"fault": "stale_backup_set", "target": "\\\\NAS01\\wsb", "days": 30}])
    assert result.ret == 1, result.stdout.str()
    result.assert_outcomes(passed=2, failed=1)  # the restore and its content are fine; the age is not
    result.stdout.fnmatch_lines(["*AssertionError: backup age: backups of FS01 on \\\\NAS01\\wsb: backup version "
                                 "* is 30.0 days old; the policy allows at most 7 days (max_backup_age_days)"])
    assert _checks(pytester)["backup age"]["outcome"] == "failed"


def test_share_access_denied_is_a_lab_problem_found_by_preflight_without_the_password(pytester):
    """Preflight logs on to the share with its credential (harness/preflight.py), so the run stops
    there. The WSB flow's own reading (0x807800C5 and its meaning, for a share that fails after
    preflight) is tested in test_wsb_sim.py."""
    result = _run(pytester, "wsb-fs01-files", [{"fault": "share_access_denied"}])
    assert result.ret == 3, result.stdout.str()  # lab problem: the run could not audit
    result.assert_outcomes(errors=3)
    result.stdout.fnmatch_lines(["*PreflightFailed*",
                                 "*HV-LAB01: backup source nas-wsb (\\\\NAS01\\wsb) is not readable from the "
                                 "host: Access is denied*"])
    assert NAS_PASSWORD not in result.stdout.str() + result.stderr.str()
    for f in (pytester.path / "out").rglob("*"):
        if f.is_file():
            assert NAS_PASSWORD not in f.read_text(encoding="utf-8", errors="replace"), f


def test_wsb_not_installed_fails_preflight(pytester):
    result = _run(pytester, "wsb-fs01-files", [{"fault": "wsb_not_installed"}])
    assert result.ret == 3, result.stdout.str()
    result.stdout.fnmatch_lines(["*PreflightFailed*",
                                 "*HV-LAB01: the Windows-Server-Backup feature is not installed "
                                 "(Install-WindowsFeature Windows-Server-Backup)*"])
    assert "passed" not in result.parseoutcomes()


# ----------------------------------------------------------------------------- wsb-vm


def test_vm_healthy_lab_passes_after_the_remove_remediation_clears_the_backup_checkpoint(pytester):
    """CM01 was running at backup time, so its recovery carries the backup's Recovery checkpoint:
    a finding, cleared by ``checkpoint_remediation: remove``, after which the check passes."""
    result = _run(pytester, "wsb-cm01-vm")
    assert result.ret == 0, result.stdout.str()
    result.assert_outcomes(passed=5)
    checks = _checks(pytester)
    finding = checks["backup checkpoint (finding before remediation)"]
    assert finding["outcome"] == "finding"  # shown to the auditor; the re-check decides
    assert "found Recovery checkpoint 'CM01 - Backup - (" in finding["message"]
    assert ".avhdx" in finding["message"]
    assert checks["checkpoint remediation (remove)"]["outcome"] == "passed"
    assert "removed checkpoint 'CM01 - Backup - (" in checks["checkpoint remediation (remove)"]["message"]
    assert checks["no backup checkpoint"]["outcome"] == "passed"
    (scenario,) = _run_record(pytester)["scenarios"]
    assert scenario_outcome(scenario) == "passed"  # a remediated finding does not fail the system
    assert _ledger_cleaned(pytester)


def test_vm_missing_from_the_backup_is_a_restore_defect(pytester):
    result = _run(pytester, "wsb-cm01-vm", [{"fault": "backup_item_missing", "vm": "CM01"}])
    assert result.ret == 1, result.stdout.str()
    result.assert_outcomes(failed=5)
    result.stdout.fnmatch_lines(["*restore failed: wsb-cm01-vm: VM CM01 is not in backup * on B: "
                                 "(it holds Online\\VMM01)*"])
    restore = _run_record(pytester)["scenarios"][0]["restore"]
    assert restore["ok"] is False and "VM CM01 is not in backup" in restore["message"]


def test_vm_stale_backup_fails_only_the_backup_age_check(pytester):
    result = _run(pytester, "wsb-cm01-vm", [{"fault": "stale_backup_set", "target": "B:", "days": 200}])
    assert result.ret == 1, result.stdout.str()
    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines(["*AssertionError: backup age: backups of HV-PROD01 on B:: backup version * is "
                                 "200.0 days old; the policy allows at most 7 days (max_backup_age_days)"])
