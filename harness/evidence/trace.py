"""Who and what ran a restore test: the operator's OS account, the controller host, the harness
version and git commit, and the CI system, job and job URL (GitHub Actions, GitLab CI, Azure
Pipelines, Jenkins), from the environment those systems document.
"""

from __future__ import annotations

import getpass
import os
import socket
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]


def operator(env: Mapping[str, str] | None = None) -> str | None:
    """The OS account running the harness (``getpass.getuser``: LOGNAME, USER, LNAME, USERNAME, then
    the password database), or None when none can be found."""
    if env is not None:
        for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):
            if env.get(name):
                return env[name]
    try:
        return getpass.getuser() or None
    except Exception:  # noqa: BLE001 - no account name anywhere (containers without passwd entry)
        return None


def harness_commit(root: Path = REPO_ROOT) -> dict[str, Any] | None:
    """``{"commit": <sha>, "dirty": bool}`` of the harness source tree when it is a git checkout."""
    if not (root / ".git").exists():
        return None
    try:
        sha = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=10, check=False)
        if sha.returncode != 0:
            return None
        status = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                                capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": sha.stdout.strip(), "dirty": bool(status.stdout.strip()) if status.returncode == 0 else None}


def ci_context(env: Mapping[str, str] | None = None) -> dict[str, str] | None:
    """``{"system", "job_id", "job_name", "job_url"}`` of the CI job this runs in, or None.

    Variables: GitHub Actions (GITHUB_ACTIONS, GITHUB_RUN_ID, GITHUB_RUN_ATTEMPT, GITHUB_JOB,
    GITHUB_SERVER_URL, GITHUB_REPOSITORY), GitLab CI (GITLAB_CI, CI_JOB_ID, CI_JOB_NAME, CI_JOB_URL),
    Azure Pipelines (TF_BUILD, BUILD_BUILDID, SYSTEM_JOBNAME/AGENT_JOBNAME, SYSTEM_COLLECTIONURI,
    SYSTEM_TEAMPROJECT), Jenkins (JENKINS_URL, BUILD_NUMBER, JOB_NAME, BUILD_URL).
    """
    env = os.environ if env is None else env
    out: dict[str, str] | None = None
    if env.get("GITHUB_ACTIONS") == "true":
        run_id = env.get("GITHUB_RUN_ID", "")
        attempt = env.get("GITHUB_RUN_ATTEMPT")
        url = ""
        if env.get("GITHUB_SERVER_URL") and env.get("GITHUB_REPOSITORY") and run_id:
            url = f"{env['GITHUB_SERVER_URL']}/{env['GITHUB_REPOSITORY']}/actions/runs/{run_id}"
            if attempt:
                url += f"/attempts/{attempt}"
        out = {"system": "GitHub Actions", "job_id": run_id + (f".{attempt}" if attempt else ""),
               "job_name": env.get("GITHUB_JOB", ""), "job_url": url}
    elif env.get("GITLAB_CI") == "true":
        out = {"system": "GitLab CI", "job_id": env.get("CI_JOB_ID", ""), "job_name": env.get("CI_JOB_NAME", ""),
               "job_url": env.get("CI_JOB_URL", "")}
    elif env.get("TF_BUILD", "").lower() == "true":
        build = env.get("BUILD_BUILDID", "")
        url = ""
        if env.get("SYSTEM_COLLECTIONURI") and env.get("SYSTEM_TEAMPROJECT") and build:
            url = f"{env['SYSTEM_COLLECTIONURI'].rstrip('/')}/{env['SYSTEM_TEAMPROJECT']}/_build/results?buildId={build}"
        out = {"system": "Azure Pipelines", "job_id": build,
               "job_name": env.get("SYSTEM_JOBNAME") or env.get("AGENT_JOBNAME", ""), "job_url": url}
    elif env.get("JENKINS_URL"):
        out = {"system": "Jenkins", "job_id": env.get("BUILD_NUMBER", ""), "job_name": env.get("JOB_NAME", ""),
               "job_url": env.get("BUILD_URL", "")}
    elif env.get("CI_JOB_ID"):  # another GitLab-compatible runner
        out = {"system": "CI", "job_id": env["CI_JOB_ID"], "job_name": env.get("CI_JOB_NAME", ""),
               "job_url": env.get("CI_JOB_URL", "")}
    return out


def ci_job_text(ci: Mapping[str, str] | None) -> str | None:
    """``"GitLab CI job 1234 (nightly)"``: the short form shown in reports and executor.json."""
    if not ci:
        return None
    name = f" ({ci['job_name']})" if ci.get("job_name") else ""
    return f"{ci.get('system', 'CI')} job {ci.get('job_id') or '?'}{name}"


def controller_host() -> str:
    """The controller's host name."""
    return socket.gethostname()
