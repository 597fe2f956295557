"""Item-level Windows Server Backup recovery suite: every `method: wsb-files` scenario.

Each scenario's files are recovered once (WSB -Async job, polled) into the run's scratch folder,
never over the originals; then: the backup is recent enough, and the restored content matches the
SHA-256 manifest (missing, extra and changed files listed and attached as a table).
See docs/wsb-restore.md.
"""

from __future__ import annotations

import json

import allure
import pytest

from harness.checks.result import compared, restore_check

pytestmark = [pytest.mark.restore_method("wsb-files")]


@pytest.mark.check("restore")
def test_wsb_file_restore(scenario, restored, restore_run):
    """Start-WBFileRecovery ran for every item to the run folder and each job completed without error."""
    result = restored.result
    jobs = [] if result is None else result.jobs
    bad = [j for j in jobs if j.job is None or j.job.failed]
    expected = {"jobs": "one per item, at least one", "failed_or_not_seen": 0}
    found = None if result is None else {"jobs": len(jobs), "failed_or_not_seen": len(bad)}
    check = restore_check(scenario.name, restored.defect, expected, found)
    if result is not None and (bad or not jobs):
        check = compared("restore", scenario.name, expected, found, [
            f"{len(bad)} of {len(jobs)} WSB job(s) failed or were not seen" if jobs else "no WSB recovery job ran"])
    restore_run.measured(scenario, check)
    if result is not None:
        allure.attach("\n".join(line for job in jobs for line in job.progress), "WSB job progress",
                      allure.attachment_type.TEXT)
    check.assert_ok()


@pytest.mark.check("backup age", severity="normal")
def test_backup_age(scenario, restore_run, restored):
    """The newest backup on the target is not older than the policy's maximum age."""
    result = restored.require_result("restored files")
    check = restore_run.measured(scenario, result.chosen.age_check)
    allure.attach(json.dumps(check.evidence, indent=2, ensure_ascii=False, default=str), "backup age",
                  allure.attachment_type.JSON)
    check.assert_ok()


@pytest.mark.check("content")
def test_restored_content(scenario, restore_run, restored):
    """Every file of the manifest restored with its SHA-256 and size; nothing missing, extra or changed."""
    result = restored.require_result("restored files")
    check, table = result.content_check()
    restore_run.measured(scenario, check)
    allure.attach(table.to_html(f"{scenario.name}: restored content vs {result.manifest_source}"),
                  "content comparison", allure.attachment_type.HTML)
    allure.attach(table.to_csv(), "content comparison (CSV)", allure.attachment_type.CSV)
    restore_run.recorder.add_evidence(scenario.name, "content-comparison.csv", table.to_csv(), kind="csv")
    restore_run.recorder.add_evidence(scenario.name, "content-comparison.html", table.to_html(), kind="html")
    check.assert_ok()
