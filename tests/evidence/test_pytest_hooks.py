"""Allure results of an inline pytest run: labels, remote-operation steps, environment.properties,
executor.json, categories (pytester-style: a real pytest process on an inline test file)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from harness.evidence.allure_env import CATEGORIES

CONFTEST = '''
from pathlib import Path
from harness.evidence.record import RunRecorder
from harness.evidence.pytest_hooks import EvidenceHooks

def pytest_configure(config):
    config.addinivalue_line("markers", "check(name): the check")
    Path("lab.yml").write_text("hosts: []\\n", encoding="utf-8")
    history = Path("reports/history/history.jsonl")
    history.parent.mkdir(parents=True, exist_ok=True)
    history.write_text('{"run": 1}\\n{"run": 2}\\n', encoding="utf-8")
    rec = RunRecorder("RH-T-1", Path("reports"), Path("lab.yml"), simulated=True, ci_job="nightly#7")
    rec.host_facts("HV-LAB01", {"os_caption": "Microsoft Windows Server 2022 Datacenter",
                                "os_version": "10.0.20348", "os_build": "20348", "hyperv_version": "10.0.20348.1"})
    config.pluginmanager.register(EvidenceHooks(rec, history_file=history), "rh_evidence")
'''

TESTS = '''
from datetime import datetime, timezone
from types import SimpleNamespace
from harness.remote.events import OperationEvent
from harness.errors import LabError
from harness.evidence.allure_steps import remote_operation_listener
from harness.evidence.pytest_hooks import apply_labels

def _labels(check):
    apply_labels(scenario="import-copy-CM01", method="Hyper-V import", system="CM01", check=check,
                 severity="critical", host="HV-LAB01", backup_version="03/09/2025-21:00")

def test_registered():
    _labels("VM registered")
    remote_operation_listener(SimpleNamespace(
        host="HV-LAB01", template="get_vm", script="Get-VM -Name $P.Name",
        params={"Name": "CM01"}, result='{"ok":true,"data":{"State":2,"Name":"CM01"}}', duration=1.5, ok=True))
    remote_operation_listener({"host": "HV-LAB01", "template": "compare_vm", "phase": "start"})
    remote_operation_listener(OperationEvent(
        host="HV-LAB01", template="compare_vm", script="Compare-VM -Path $P.Path", params={"Path": "B:/x.vmcx"},
        started_at=datetime(2025, 3, 10, tzinfo=timezone.utc), duration=0.25, outcome="script-error",
        exit_code=0, stdout="<<<RH-RESULT>>>", error="switch Corp-LAN not found"))

def test_checkpoint():
    _labels("no backup checkpoint")
    assert not ["CM01 - Backup - (3/9/2025)"], "backup checkpoint left behind"

def test_unreachable():
    _labels("services healthy")
    raise LabError("Lab problem: HV-LAB01 did not answer on WinRM")

def test_bug():
    _labels("switch mapping")
    raise KeyError("adapter")

def test_console(pytestconfig):
    _labels("console")
    remote_operation_listener({"host": "HV-LAB01", "template": "console_thumbnail", "duration": 0.5, "ok": True,
                               "result": {"ok": True, "data": {"Width": 640, "Height": 480,
                                                               "ImageData": "AAAA" * 150000}},
                               "script": "Get-Thumbnail"})
    remote_operation_listener({"host": "HV-LAB01", "template": "console_thumbnail", "duration": 0.5, "ok": False,
                               "error": "timeout", "script": "Get-Thumbnail",
                               "stdout": '<<<RH-RESULT>>>\\n{"ok":true,"data":{"ImageData":"' + "zRHN" * 150000 + '"}}'})

class _Scenario:
    name, method, vm, import_type = "bmr-DC01", "bmr", "DC01", None

import pytest

@pytest.fixture
def broken_lab():
    raise LabError("Lab problem: HV-LAB01 refused WinRM")

@pytest.mark.check("services healthy")
@pytest.mark.parametrize("scenario", [_Scenario()], ids=["bmr-DC01"])
def test_lab_down(scenario, broken_lab):
    pass

@pytest.mark.check("boot")
@pytest.mark.parametrize("scenario", [_Scenario()], ids=["bmr-DC01"])
def test_unlabelled_bmr(scenario):
    pass
'''


def run_inline(tmp_path: Path, conftest: str, tests: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    """Run pytest on an inline project in ``tmp_path`` with --alluredir reports/allure-results."""
    (tmp_path / "conftest.py").write_text(textwrap.dedent(conftest), encoding="utf-8")
    (tmp_path / "test_inline.py").write_text(textwrap.dedent(tests), encoding="utf-8")
    results = tmp_path / "reports" / "allure-results"
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:restore_harness", "-p", "no:cacheprovider",
         f"--alluredir={results}", "test_inline.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )
    return proc, results


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    proc, results = run_inline(tmp_path_factory.mktemp("inline"), CONFTEST, TESTS)
    assert proc.returncode == 1, proc.stdout + proc.stderr  # 4 of 7 tests fail or break, on purpose
    return results


def _tests(results: Path) -> dict[str, dict]:
    out = {}
    for f in results.glob("*-result.json"):
        doc = json.loads(f.read_text(encoding="utf-8"))
        out[doc["fullName"].split("#")[-1]] = doc
    return out


def _props(path: Path) -> dict[str, str]:
    lines = path.read_text(encoding="ascii").splitlines()
    return dict(line.split("=", 1) for line in lines if line)


def test_environment_properties(results: Path) -> None:
    env = _props(results / "environment.properties")
    assert env["run.id"] == "RH-T-1"
    assert env["simulated"] == "yes"
    assert re.fullmatch(r"[0-9a-f]{64}", env["inventory.sha256"])
    assert env["host.HV-LAB01.os"] == "Microsoft Windows Server 2022 Datacenter 10.0.20348 (build 20348)"
    assert env["host.HV-LAB01.hyperv_version"] == "10.0.20348.1"
    assert "harness.version" in env
    assert env["clock"] == "evidence times are UTC on the controller's clock (no lab host clock was read)"


def test_executor_json(results: Path) -> None:
    ex = json.loads((results / "executor.json").read_text(encoding="utf-8"))
    assert ex == {"name": "restore-harness", "type": "ci", "buildName": "RH-T-1 (nightly#7)",
                  "buildOrder": 3, "reportName": "Restore test — SIMULATED"}


def test_categories_json(results: Path) -> None:
    assert json.loads((results / "categories.json").read_text(encoding="utf-8")) == CATEGORIES


def test_labels(results: Path) -> None:
    t = _tests(results)["test_registered"]
    assert t["name"] == "[SIMULATED] import-copy-CM01: VM registered"
    assert t["description"].startswith("SIMULATED — not evidence of a real restore")
    labels = [(lab["name"], lab["value"]) for lab in t["labels"]]
    for expected in [("epic", "Hyper-V import"), ("feature", "CM01"), ("story", "VM registered"),
                     ("severity", "critical"), ("tag", "lab_host:HV-LAB01"), ("tag", "backup:03/09/2025-21:00")]:
        assert expected in labels
    assert [name for name, _ in labels].count("host") == 1  # only allure-pytest's own


@pytest.mark.parametrize("test", ["test_lab_down", "test_unlabelled_bmr"])
def test_every_test_gets_epic_feature_story(results: Path, test: str) -> None:
    t = _tests(results)[test]
    labels = {(lab["name"], lab["value"]) for lab in t["labels"]}
    story = "services healthy" if "lab_down" in test else "boot"
    assert {("epic", "bmr"), ("feature", "DC01"), ("story", story), ("tag", "SIMULATED")} <= labels
    assert t["name"] == f"[SIMULATED] bmr-DC01: {story}"


def test_lab_problem_in_setup_is_labelled_and_broken(results: Path) -> None:
    t = _tests(results)["test_lab_down"]
    assert t["status"] == "broken" and "Lab problem:" in t["statusDetails"]["message"]


def test_console_pixels_are_not_attached(results: Path) -> None:
    t = _tests(results)["test_console"]
    result = json.loads((results / t["steps"][0]["attachments"][1]["source"]).read_text(encoding="utf-8"))
    assert result["data"]["ImageData"].startswith("<raw data omitted from the report (600000 characters")
    first, second = t["steps"]
    assert [a["name"] for a in first["attachments"]] == ["script.ps1", "result.json"]  # ok: stdout is the result
    assert [a["name"] for a in second["attachments"]] == ["script.ps1", "result.json", "stdout.txt"]
    assert first["attachments"][0]["source"] == second["attachments"][0]["source"]  # one copy of the script
    stdout = (results / second["attachments"][2]["source"]).read_text(encoding="utf-8")
    assert '"ImageData":"<raw data omitted from the report (600000 characters' in stdout
    assert max(f.stat().st_size for f in results.glob("*-attachment*")) < 10_000


def test_remote_operation_steps(results: Path) -> None:
    t = _tests(results)["test_registered"]
    assert [s["name"] for s in t["steps"]] == ["HV-LAB01: get_vm (1.50 s)", "HV-LAB01: compare_vm (0.25 s)"]
    get_vm, compare = t["steps"]
    assert get_vm["stop"] - get_vm["start"] == 1500 and get_vm["status"] == "passed"
    assert [a["name"] for a in get_vm["attachments"]] == ["script.ps1", "params.json", "result.json"]
    result = json.loads((results / get_vm["attachments"][2]["source"]).read_text(encoding="utf-8"))
    assert result == {"ok": True, "data": {"State": 2, "Name": "CM01"}}
    assert compare["status"] == "broken" and compare["statusDetails"]["message"] == "switch Corp-LAN not found"
    assert [a["name"] for a in compare["attachments"]] == ["script.ps1", "params.json", "result.json", "stdout.txt"]
    failed = json.loads((results / compare["attachments"][2]["source"]).read_text(encoding="utf-8"))
    assert failed == {"ok": False, "outcome": "script-error", "exit_code": 0, "error": "switch Corp-LAN not found"}


def test_environment_accepts_powershell_fact_names() -> None:
    from harness.evidence.allure_env import environment_entries

    env = environment_entries(harness_version="1", inventory_sha256=None, simulated=False, run_id="r",
                              hosts={"HV-LAB01": {"ComputerName": "HV-LAB01", "OsVersion": "10.0.20348"}})
    assert env["host.HV-LAB01.os"] == "10.0.20348" and env["host.HV-LAB01.hyperv_version"] == "unknown"
    assert env["simulated"] == "no" and env["inventory.sha256"] == "unknown"
    clocked = environment_entries(harness_version="1", inventory_sha256=None, simulated=False, run_id="r", hosts={},
                                  clock={"reference_host": "HV-LAB01", "hosts": {"HV-LAB01": {"offset_seconds": 1.5}}})
    assert clocked["clock"].startswith("times named in steps and parameters are ISO 8601 UTC (+00:00) on HV-LAB01's "
                                       "clock (lab host zone not reported, controller offset +1.500 s)")
    zoned = environment_entries(harness_version="1", inventory_sha256=None, simulated=False, run_id="r", hosts={},
                                clock={"reference_host": "HV-LAB01",
                                       "hosts": {"HV-LAB01": {"offset_seconds": -2, "time_zone": "UTC+01:00"}}})
    assert "lab host zone UTC+01:00" in zoned["clock"] and zoned["host.HV-LAB01.time_zone"] == "UTC+01:00"
    assert zoned["host.HV-LAB01.clock_offset"] == "-2.000 s (host - controller)"


def _allure2_categories(doc: dict) -> list[str]:
    msg = doc.get("statusDetails", {}).get("message", "")
    return [c["name"] for c in CATEGORIES if doc["status"] in c["matchedStatuses"]
            and ("messageRegex" not in c or re.fullmatch(c["messageRegex"], msg))]


def _allure3_category(doc: dict) -> str | None:
    msg = doc.get("statusDetails", {}).get("message", "")
    return next((c["name"] for c in CATEGORIES if doc["status"] in c["matchedStatuses"]
                 and ("messageRegex" not in c or re.search(c["messageRegex"], msg))), None)


@pytest.mark.parametrize(
    ("test", "status", "category"),
    [("test_checkpoint", "failed", "Restore defects"), ("test_unreachable", "broken", "Lab problems"),
     ("test_bug", "broken", "Harness errors"), ("test_registered", "passed", None),
     ("test_lab_down", "broken", "Lab problems")],
)
def test_each_result_falls_in_exactly_one_category(results: Path, test: str, status: str, category: str | None) -> None:
    doc = _tests(results)[test]
    assert doc["status"] == status
    assert _allure2_categories(doc) == ([category] if category else [])  # Allure 2: full match, all rules
    assert _allure3_category(doc) == category  # Allure 3: RegExp.test, first rule wins
