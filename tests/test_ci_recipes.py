"""docs/ci.md: every YAML block parses, each CI recipe is scheduled twice a year, publishes the
evidence always and gates on `status`; the `restore-harness` commands they contain run against the
simulated lab and fail on a restore defect but not on a lab problem unless asked.

Not run here: the install lines (pip/npm) and the CI services themselves."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "ci.md"
SIM = ROOT / "inventories" / "sim-lab.yml"
CLI = ".venv/bin/restore-harness"


def _blocks() -> dict[str, Any]:
    """YAML blocks of docs/ci.md by the file name in their first comment line."""
    out = {}
    for block in re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S):
        first = block.splitlines()[0]
        assert first.startswith("# "), f"a YAML block without its file name: {first!r}"
        out[first[2:].strip()] = yaml.safe_load(block)
    return out


BLOCKS = _blocks()
RECIPES = {"github": ".github/workflows/restore-drill.yml", "gitlab": ".gitlab-ci.yml", "azure": "azure-pipelines.yml"}


def _shell_lines(recipe: str) -> list[tuple[str, dict[str, Any]]]:
    """(command text, the step/job that holds it) for every script line of a recipe."""
    data = BLOCKS[RECIPES[recipe]]
    found: list[tuple[str, dict[str, Any]]] = []
    if recipe == "github":
        for step in data["jobs"]["drill"]["steps"]:
            if "run" in step:
                found += [(c, step) for c in _commands(step["run"])]
    elif recipe == "gitlab":
        for name, job in data.items():
            if isinstance(job, dict) and "script" in job:
                found += [(c, job) for line in job["script"] for c in _commands(line)]
    else:
        for step in data["jobs"][0]["steps"]:
            if "bash" in step:
                found += [(c, step) for c in _commands(step["bash"])]
    return found


def _commands(script: str) -> list[str]:
    return [" ".join(line.split()) for line in script.replace("\\\n", " ").splitlines() if line.strip()]


def _harness(recipe: str, sub: str) -> tuple[str, dict[str, Any]]:
    (hit,) = [(c, s) for c, s in _shell_lines(recipe) if c.startswith(f"{CLI} {sub} ")]
    return hit


def _semiannual(cron: str) -> bool:
    minute, hour, day, month, weekday = cron.split()
    months = [int(m) for m in month.split(",")]
    return len(months) == 2 and months[1] - months[0] == 6 and weekday == "*" and day.isdigit()


def test_every_yaml_block_parses_and_the_three_recipes_are_there() -> None:
    assert set(RECIPES.values()) <= set(BLOCKS)
    assert BLOCKS["in the lab inventory used by CI"]["reports"]["dir"].startswith("/")


def test_recipes_run_twice_a_year_on_a_self_hosted_lab_runner() -> None:
    gh = BLOCKS[RECIPES["github"]]
    on = gh.get("on", gh.get(True))  # YAML 1.1 reads the key `on` as true
    assert _semiannual(on["schedule"][0]["cron"]) and "workflow_dispatch" in on
    assert "self-hosted" in gh["jobs"]["drill"]["runs-on"]
    az = BLOCKS[RECIPES["azure"]]
    assert _semiannual(az["schedules"][0]["cron"]) and az["pool"]["name"] == "restore-lab"
    gl = BLOCKS[RECIPES["gitlab"]]
    assert any("schedule" in r["if"] for r in gl[".lab"]["rules"]) and gl[".lab"]["tags"] == ["restore-lab"]
    assert "0 2 1 1,7 *" in DOC.read_text(encoding="utf-8")  # the schedule GitLab takes in its UI


def test_recipes_publish_the_evidence_always_and_gate_on_status() -> None:
    gh = BLOCKS[RECIPES["github"]]["jobs"]["drill"]["steps"]
    upload = next(s for s in gh if str(s.get("uses", "")).startswith("actions/upload-artifact"))
    assert upload["if"] == "always()" and upload["with"]["path"] == "artifact/"
    assert _harness("github", "status")[1]["if"] == "always()"
    gl = BLOCKS[RECIPES["gitlab"]]
    assert gl["restore-drill"]["artifacts"]["when"] == "always" and gl["restore-drill"]["artifacts"]["paths"] == ["artifact/"]
    assert gl["restore-drill"]["artifacts"]["reports"]["junit"] == "artifact/junit.xml"
    assert gl["compliance-gate"]["when"] == "always"
    az = BLOCKS[RECIPES["azure"]]["jobs"][0]["steps"]
    publish = next(s for s in az if s.get("task") == "PublishPipelineArtifact@1")
    assert publish["condition"] == "always()" and publish["inputs"]["targetPath"] == "artifact"
    assert _harness("azure", "status")[1]["condition"] == "always()"


def test_the_three_recipes_run_the_same_drill_command() -> None:
    runs = {r: _harness(r, "run")[0] for r in RECIPES}
    assert len(set(runs.values())) == 1, runs
    statuses = {r: _harness(r, "status")[0] for r in RECIPES}
    assert len(set(statuses.values())) == 1, statuses


def _inventory(tmp_path: Path, broken: bool = False) -> Path:
    text = SIM.read_text(encoding="utf-8")
    split = text.index("# ---- simulated lab ----")
    head = text[:split].replace("reports:\n  dir: reports\n", f"reports:\n  dir: {tmp_path / 'archive'}\n")
    if broken:  # a lab problem: a listed isolated switch is missing on the host
        head = head.replace("      - {name: Lab-Internal, type: Internal}\n",
                            "      - {name: Lab-Internal, type: Internal}\n      - {name: Lab-Gone, type: Private}\n")
    path = tmp_path / "lab.yml"
    path.write_text(head + text[split:], encoding="utf-8")
    return path


def _sh(command: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run a recipe's command line with bash, `restore-harness` being this checkout's CLI."""
    command = command.replace(CLI, f"{shlex.quote(sys.executable)} -m harness.cli", 1)
    full = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    full.update(env, RH_ALLURE_DIR=str(cwd / "no-allure"))
    return subprocess.run(["bash", "-c", command], cwd=cwd, env=full, capture_output=True, text=True,
                          timeout=600, check=False)


def test_the_drill_commands_run_against_the_simulated_lab(tmp_path: Path) -> None:
    run, status = _harness("github", "run")[0], _harness("github", "status")[0]
    inv = _inventory(tmp_path)
    res = _sh(run + " --scenario import-sql01", tmp_path, RH_INVENTORY=str(inv))  # one scenario keeps it quick
    assert res.returncode == 0, res.stdout + res.stderr
    summary = json.loads((tmp_path / "artifact" / "summary.json").read_text(encoding="utf-8"))
    copy = tmp_path / "artifact" / "evidence" / summary["run_id"]
    assert (copy / "MANIFEST.sha256").is_file() and (tmp_path / "artifact" / "junit.xml").is_file()
    assert summary["evidence_dir"] == str(tmp_path / "archive" / "evidence" / summary["run_id"])
    verify = _sh(f"{CLI} verify-evidence artifact/evidence/{summary['run_id']}", tmp_path)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    gate = _sh(status, tmp_path, RH_INVENTORY=str(inv))
    # the drill's folder is signed and counted, but simulated evidence never makes a system compliant
    assert gate.returncode == 1 and "SQL01" in gate.stdout, gate.stdout + gate.stderr
    assert "[SIMULATED runs only]" in gate.stdout and "UNSIGNED" not in gate.stderr


@pytest.mark.parametrize("lab_exit,expected", [(None, 0), ("3", 3)])
def test_a_lab_problem_fails_the_job_only_when_asked(tmp_path: Path, lab_exit: str | None, expected: int) -> None:
    run = _harness("gitlab", "run")[0]
    env = {"RH_INVENTORY": str(_inventory(tmp_path, broken=True))}
    if lab_exit is not None:
        env["RH_LAB_PROBLEM_EXIT"] = lab_exit
    res = _sh(run + " --scenario import-sql01", tmp_path, **env)
    assert res.returncode == expected, res.stdout + res.stderr
    assert "Lab problems (the run could not audit; not restore defects):" in res.stdout
    assert "Lab-Gone" in res.stdout
