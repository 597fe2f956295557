"""Traceability: operator, CI system/job/URL for the four CI systems, harness commit, config copies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.evidence.record import RunRecorder
from harness.evidence.trace import ci_context, ci_job_text, harness_commit, operator


@pytest.mark.parametrize(("env", "expected"), [
    ({"GITHUB_ACTIONS": "true", "GITHUB_RUN_ID": "42", "GITHUB_RUN_ATTEMPT": "2", "GITHUB_JOB": "restore",
      "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "corp/restore"},
     {"system": "GitHub Actions", "job_id": "42.2", "job_name": "restore",
      "job_url": "https://github.com/corp/restore/actions/runs/42/attempts/2"}),
    ({"GITLAB_CI": "true", "CI_JOB_ID": "77", "CI_JOB_NAME": "nightly", "CI_JOB_URL": "https://gl/corp/-/jobs/77"},
     {"system": "GitLab CI", "job_id": "77", "job_name": "nightly", "job_url": "https://gl/corp/-/jobs/77"}),
    ({"TF_BUILD": "True", "BUILD_BUILDID": "9", "SYSTEM_JOBNAME": "Restore", "SYSTEM_COLLECTIONURI": "https://dev.azure.com/corp/",
      "SYSTEM_TEAMPROJECT": "Ops"},
     {"system": "Azure Pipelines", "job_id": "9", "job_name": "Restore",
      "job_url": "https://dev.azure.com/corp/Ops/_build/results?buildId=9"}),
    ({"JENKINS_URL": "https://ci/", "BUILD_NUMBER": "5", "JOB_NAME": "restore", "BUILD_URL": "https://ci/job/restore/5/"},
     {"system": "Jenkins", "job_id": "5", "job_name": "restore", "job_url": "https://ci/job/restore/5/"}),
])
def test_ci_systems(env: dict[str, str], expected: dict[str, str]) -> None:
    assert ci_context(env) == expected


def test_no_ci_and_operator_from_windows_username() -> None:
    assert ci_context({}) is None and ci_job_text(None) is None
    assert operator({"USERNAME": "yamada"}) == "yamada"
    assert ci_job_text({"system": "GitLab CI", "job_id": "77", "job_name": "nightly"}) == "GitLab CI job 77 (nightly)"


def test_recorder_keeps_who_where_what_inside_the_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inventory = tmp_path / "lab.yml"
    inventory.write_text("hosts:\n  - name: HV1\n    password: Sup3r-Secret!\n    password_env: RH_PW\n", encoding="utf-8")
    profile = tmp_path / "sql.yml"
    profile.write_text("services:\n  - name: MSSQLSERVER\n", encoding="utf-8")
    env = {"GITLAB_CI": "true", "CI_JOB_ID": "77", "CI_JOB_NAME": "nightly", "CI_JOB_URL": "https://gl/j/77",
           "USERNAME": "yamada"}
    rec = RunRecorder("RH-TR-1", tmp_path / "reports", inventory, simulated=False, env=env)
    rec.config_copy(profile, "profiles/sql.yml")
    run = json.loads((rec.finish() / "run.json").read_text(encoding="utf-8"))
    assert run["operator"] == "yamada" and run["controller_host"]
    assert run["ci"]["job_url"] == "https://gl/j/77" and run["ci_job"] == "GitLab CI job 77 (nightly)"
    copy = (rec.dir / run["inventory"]["copy"]).read_text(encoding="utf-8")
    assert "Sup3r-Secret!" not in copy and "password_env: RH_PW" in copy and "password: '***redacted***'" in copy
    assert [c["name"] for c in run["config_files"]] == ["lab.yml", "profiles/sql.yml"]
    assert (rec.dir / run["config_files"][1]["path"]).read_text(encoding="utf-8") == profile.read_text(encoding="utf-8")
    html = (rec.dir / "evidence.html").read_text(encoding="utf-8")
    assert "https://gl/j/77" in html and "redacted copy" in html


def test_harness_commit_of_this_checkout() -> None:
    info = harness_commit()
    if info is None:
        pytest.skip("not a git checkout")
    assert len(info["commit"]) == 40
