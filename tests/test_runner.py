"""``restore-harness run``/``demo`` end to end against the simulated lab (each run in its own process,
output captured): the summary, --json, --junitxml, reports.dir, --suite, deselection, short errors,
progress lines, the exit codes CI chooses."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from harness import cli, runner

ROOT = Path(__file__).resolve().parents[1]
SIM = ROOT / "inventories" / "sim-lab.yml"
RUN_ID = "rh-20261121-2305-ab12"

USER_SUITE = '''
import pytest

pytestmark = [pytest.mark.restore_method("import")]


@pytest.mark.check("my-registered")
def test_my_vm_is_registered(restored, scenario):
    assert restored.result.vm_name.endswith(scenario.name)


@pytest.mark.check("my-always-fails")
def test_my_defect(restore_run, restored, scenario):
    assert restored.result.vm_name == "something else", "the restored VM has the wrong name"
'''


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "RH_ALLURE"))}
    env["RH_ALLURE_DIR"] = str(cwd / "no-allure")  # keep the real report tool out of these runs
    return subprocess.run([sys.executable, "-m", "harness.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600, check=False)


SCALED_CLOCK = "    scale: 600                          # simulated seconds per real second\n"


def _inventory(tmp_path: Path, reports: str = "lab-reports", edit: tuple[str, str] | None = None,
               events_clock: bool = False) -> Path:
    """sim-lab.yml with its reports in ``reports``; ``events_clock``: the lab's time moves only with
    its modelled work (simlab/clock.py), never with real time, so a figure such as the RTO does not
    depend on how busy this machine is (at scale 600 every real second is 10 simulated minutes)."""
    text = SIM.read_text(encoding="utf-8")
    split = text.index("# ---- simulated lab ----")
    head = text[:split].replace("reports:\n  dir: reports\n", f"reports:\n  dir: {reports}\n  organisation: Example Corp\n")
    if edit:
        assert edit[0] in head
        head = head.replace(*edit)
    tail = text[split:]
    if events_clock:
        assert SCALED_CLOCK in tail
        tail = tail.replace(SCALED_CLOCK, "    mode: events\n")
    inv = tmp_path / "lab.yml"
    inv.write_text(head + tail, encoding="utf-8")
    return inv


def test_run_ends_with_a_summary_json_and_junit_in_the_inventorys_reports_dir(tmp_path: Path) -> None:
    inv = _inventory(tmp_path, events_clock=True)  # the RTO below is the lab's modelled time only
    res = _cli("run", "--inventory", str(inv), "--scenario", "import-sql01", "--run-id", RUN_ID, "--keep",
               "--json", "summary.json", "--junitxml", "junit.xml", cwd=tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr
    out = res.stdout
    reports = tmp_path / "lab-reports"  # reports.dir of the inventory, not ./reports
    assert f"Run {RUN_ID}: exit 0 (every restore check passed)" in out
    assert "import-sql01  passed" in out and "/ target 60 min (met)" in out
    assert f"Evidence: lab-reports/evidence/{RUN_ID} (page lab-reports/evidence/{RUN_ID}/evidence.html)" in out
    assert "test(s) of other scenarios deselected" in out and "skipped" not in out
    assert "Allure report: not built:" in out  # the tool is kept out of this run; the reason is said
    # --keep: the ledger still holds the restored VM, so the summary gives the cleanup command
    assert "Left on the hosts per the ledger" in out and f"--run-id {RUN_ID} --reports lab-reports" in out
    assert (reports / "evidence" / RUN_ID / "evidence.html").is_file() and not (tmp_path / "reports").exists()
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary["run_id"] == RUN_ID and summary["exit_code"] == 0 and summary["simulated"] is True
    (sc,) = summary["scenarios"]
    assert (sc["scenario"], sc["outcome"], sc["rto_target_minutes"]) == ("import-sql01", "passed", 60)
    assert sc["rto_minutes"] is not None and sc["rto_met"] is True
    assert summary["cleanup_command"].startswith(f"restore-harness cleanup --inventory {inv}")
    cases = ET.parse(tmp_path / "junit.xml").getroot().iter("testcase")
    assert {c.get("name") for c in cases} >= {"test_import_restore[import-sql01]"}
    # cleanup finds the ledger through the same inventory's reports.dir
    clean = _cli("cleanup", "--inventory", str(inv), "--run-id", RUN_ID, cwd=tmp_path)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "no ledger" not in clean.stdout
    # status and verify-evidence find the evidence there too
    verify = _cli("verify-evidence", "--inventory", str(inv), "--run-id", RUN_ID, cwd=tmp_path)
    assert verify.returncode == 0 and f"OK lab-reports/evidence/{RUN_ID}" in verify.stdout
    status = _cli("status", "--inventory", str(inv), cwd=tmp_path)
    assert "SQL01" in status.stdout and "[SIMULATED runs only]" in status.stdout


def test_a_users_own_suite_runs_alone_with_the_plugin_and_a_defect_is_said_once(tmp_path: Path) -> None:
    inv = _inventory(tmp_path)
    (tmp_path / "mysuites").mkdir()
    (tmp_path / "mysuites" / "test_mine.py").write_text(USER_SUITE, encoding="utf-8")
    res = _cli("run", "--inventory", str(inv), "--suite", "mysuites", "--scenario", "import-sql01",
               "--run-id", RUN_ID, cwd=tmp_path)
    assert res.returncode == 1, res.stdout + res.stderr
    out = res.stdout
    assert "1 failed, 1 passed" in out and "skipped" not in out  # only the user's suite, only import-sql01
    assert "import-sql01  failed" in out
    assert "Restore defects:\n  import-sql01: test_my_defect[import-sql01]: AssertionError: the restored VM has " \
           "the wrong name" in out
    assert "Traceback" not in out and out.count("the wrong name") == 1
    record = json.loads((tmp_path / "lab-reports" / "evidence" / RUN_ID / "run.json").read_text(encoding="utf-8"))
    checks = {c["name"]: c["outcome"] for c in record["scenarios"][0]["checks"]}
    assert checks == {"my-registered": "passed", "my-always-fails": "failed"}
    # CI may choose not to fail on a defect (and -v shows pytest's traceback)
    res = _cli("run", "--inventory", str(inv), "--suite", "mysuites/test_mine.py", "--scenario", "import-sql01",
               "--defect-exit", "0", "-v", cwd=tmp_path)
    assert res.returncode == 0
    assert "exit 0 (restore defect; the run's own code 1, mapped)" in res.stdout
    assert "mysuites/test_mine.py:14: in test_my_defect" in res.stdout and "warnings summary" not in res.stdout


def test_a_lab_problem_is_said_once_per_scenario_with_what_to_check(tmp_path: Path) -> None:
    inv = _inventory(tmp_path, edit=("      - {name: Lab-Internal, type: Internal}\n",
                                     "      - {name: Lab-Internal, type: Internal}\n"
                                     "      - {name: Lab-Missing, type: Private}\n"))
    res = _cli("run", "--inventory", str(inv), "--scenario", "import-sql01", "--scenario", "wsb-fs01-files",
               cwd=tmp_path)
    assert res.returncode == 3, res.stdout + res.stderr
    out = res.stdout
    assert "Lab problems (the run could not audit; not restore defects):" in out
    assert out.count("isolated switch 'Lab-Missing' does not exist") == 1
    assert "import-sql01, wsb-fs01-files: Lab problem: preflight failed" in out
    assert f"check: fix what the preflight lists, then `restore-harness doctor {inv}`" in out
    assert "Traceback" not in out and len(out.splitlines()) < 20
    assert _cli("run", "--inventory", str(inv), "--scenario", "import-sql01", "--lab-problem-exit", "0",
                cwd=tmp_path).returncode == 0


def test_an_invalid_inventory_gives_the_validate_message_and_exit_2(tmp_path: Path) -> None:
    inv = _inventory(tmp_path, edit=("    lab_only: true\n", "    lab_only: true\n    lab_onyl: true\n"))
    res = _cli("run", "--inventory", str(inv), cwd=tmp_path)
    validate = _cli("validate", str(inv), cwd=tmp_path)
    assert res.returncode == 2 == validate.returncode
    assert validate.stderr.strip() in res.stderr and "lab_onyl" in res.stderr
    assert len((res.stdout + res.stderr).splitlines()) <= len(validate.stderr.splitlines()) + 2
    assert "Traceback" not in res.stderr and not (tmp_path / "lab-reports").exists()


def test_an_unknown_scenario_lists_the_known_ones(tmp_path: Path) -> None:
    res = _cli("run", "--inventory", str(SIM), "--scenario", "import-cm99", cwd=tmp_path)
    assert res.returncode == 4
    assert res.stderr.strip() == (f"restore-harness run: unknown scenario(s) import-cm99: {SIM} has import-cm01, "
                                  "import-vmm01, import-sql01, wsb-fs01-files, wsb-cm01-vm, bmr-fs01")


def test_progress_of_long_waits_shows_as_plain_lines_in_a_log(tmp_path: Path) -> None:
    res = _cli("run", "--inventory", str(_inventory(tmp_path)), "--scenario", "wsb-cm01-vm", cwd=tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr
    lines = [line for line in res.stderr.splitlines() if "wsb-cm01-vm: " in line]
    assert any(": recovery (WSB job): " in line for line in lines)
    assert any(": boot (heartbeat): " in line for line in lines)
    assert all(line[:8].count(":") == 2 for line in lines)  # HH:MM:SS first


def test_pytest_args_one_place() -> None:
    args = argparse.Namespace(inventory="lab.yml", scenario=["a"], keep=True, keyword="cm", junitxml="j.xml",
                              verbose=0, debug=False, pytest_args=["-x"])
    argv = runner.pytest_args(args, run_id=RUN_ID, reports=Path("out"))
    assert argv[0] == str(runner.SUITES)
    assert ["--inventory", "lab.yml"] == argv[argv.index("--inventory"):argv.index("--inventory") + 2]
    assert "--run-id" in argv and RUN_ID in argv and "--keep" in argv and "--junitxml=j.xml" in argv
    assert "--tb=no" in argv and argv[-1] == "-x"
    assert "--tb=long" in runner.pytest_args(argparse.Namespace(debug=True), run_id=RUN_ID, reports=Path("r"))
    assert "-n" not in argv
    assert "--serial" not in argv  # concurrent (the drill scheduler) unless asked
    assert "--serial" in runner.pytest_args(argparse.Namespace(serial=True), run_id=RUN_ID, reports=Path("r"))
    scaled = runner.pytest_args(argparse.Namespace(workers="auto"), run_id=RUN_ID, reports=Path("r"))
    assert scaled[scaled.index("-n") + 1] == "auto"  # pytest-xdist; harness/xdist_hosts.py groups by host
    assert "--worker-progress" in scaled  # the workers show their long waits, as one process does


def test_run_takes_the_inventory_as_argument_and_n(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = []
    monkeypatch.setattr(runner, "run", lambda args: seen.append(args) or 0)
    assert cli.main(["run", "labs/two.yml", "-n", "2"]) == 0
    assert seen[0].inventory == "labs/two.yml" and seen[0].workers == "2"
    assert cli.main(["run", "a.yml", "--inventory", "b.yml"]) == 4


@pytest.mark.parametrize("code,counts,lab,defect,expected", [
    (3, {"lab": 2, "defect": 1}, 3, 1, 3),
    (3, {"lab": 2, "defect": 1}, 0, 1, 1),   # not failing on the lab still fails on the defect
    (3, {"lab": 2}, 0, 1, 0),
    (1, {"defect": 1}, 3, 0, 0),
    (1, {"defect": 1}, 3, 7, 7),
    (4, {"lab": 1}, 0, 0, 4),                 # harness errors are never hidden
    (0, {}, 0, 0, 0),
])
def test_final_exit_code(code: int, counts: dict[str, int], lab: int, defect: int, expected: int) -> None:
    assert runner.final_exit_code(code, counts, lab_exit=lab, defect_exit=defect) == expected


def test_allure_report_title_and_organisation(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import harness.evidence.allure_report as ar

    seen = {}

    def fake_generate(results, report, history, *, report_name=None, history_limit=None, **kw):
        seen.update(results=results, report=report, history=history, name=report_name, limit=history_limit)
        return report / "index.html"

    monkeypatch.setattr(ar, "generate", fake_generate)
    (tmp_path / "allure-results").mkdir()
    (tmp_path / "allure-results" / "x-result.json").write_text("{}")
    index, note = runner.build_allure_report(tmp_path, "Restore tests — Example Corp")
    assert index == tmp_path / "allure-report" / "index.html" and note is None
    assert seen["history"] == tmp_path / "history" / "history.jsonl" and seen["name"] == "Restore tests — Example Corp"
    inv = runner.load_checked_inventory(_inventory(tmp_path))
    runner.build_allure_report(tmp_path, "t", inv.reports.allure_history_runs)
    assert seen["limit"] == 1  # the simulated lab's reports.allure_history_runs: the demo's report stays small
    assert runner.report_title(inv) == "Restore test evidence (simulated lab) — Example Corp"


def test_allure_report_command_uses_the_same_function(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    from harness import cli

    seen = []
    monkeypatch.setattr(runner, "build_allure_report",
                        lambda reports, title, runs=None: seen.append((reports, title, runs))
                        or (reports / "allure-report" / "index.html", None))
    inv = _inventory(tmp_path)
    assert cli.main(["allure-report", "--inventory", str(inv)]) == 0
    assert seen == [(Path("lab-reports"), "Restore test evidence (simulated lab) — Example Corp", 1)]
    assert capsys.readouterr().out.strip() == str(Path("lab-reports") / "allure-report" / "index.html")
    monkeypatch.setattr(runner, "build_allure_report",
                        lambda reports, title, runs=None: (None, "not built: no results"))
    assert cli.main(["allure-report", "--inventory", str(inv), "--reports-dir", str(tmp_path)]) == 4
    assert "allure-report: not built: no results" in capsys.readouterr().err


def test_copy_evidence_never_overwrites_and_says_why(tmp_path: Path) -> None:
    from harness.summary import RunSummary

    evidence = tmp_path / "reports" / "evidence" / RUN_ID
    evidence.mkdir(parents=True)
    (evidence / "MANIFEST.sha256").write_text("x\n")
    summary = RunSummary(run_id=RUN_ID, exit_code=0, inventory="lab.yml", reports_dir=str(tmp_path / "reports"),
                         evidence_dir=str(evidence))
    assert runner.copy_evidence(summary, tmp_path / "artifact") == [
        f"Evidence copied to {tmp_path / 'artifact' / 'evidence' / RUN_ID}"]
    (line,) = runner.copy_evidence(summary, tmp_path / "artifact")
    assert line.startswith(f"--copy-evidence {tmp_path / 'artifact'}: not copied:") and "never overwritten" in line
