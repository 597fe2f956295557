"""harness/evidence/merge.py: the unsigned records of two parts of a scaled-out run become one
signed folder with every scenario (and the part that ran it), each part's run-level evidence, the
configuration copies once, and an interruption of either part; a part lost with its worker is
recorded as such, with what it left."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from harness.evidence.keys import SigningKey
from harness.evidence.merge import LostPart, merge_parts
from harness.evidence.record import RunRecorder
from harness.evidence.signing import verify_folder
from tests.evidence.conftest import Clock

RUN_ID = "rh-20250310-0900-ab12"


def _part(tmp_path: Path, inventory: Path, clock: Clock, worker: str, host: str, scenario: str, *,
          interrupted: bool = False, died: bool = False) -> Path:
    rec = RunRecorder(RUN_ID, tmp_path / "parts" / worker, inventory, simulated=False, operator="lab-admin")
    rec.host_clock(host, 3.0 if host == "HV-LAB01" else -2.0)
    rec.host_facts(host, {"computer_name": host})
    rec.scenario_started(scenario, system=scenario.upper(), method="import", import_type="copy", host=host,
                         rto_target_minutes=60)
    start = clock.now
    rec.restore_finished(scenario, started=start, finished=start + timedelta(minutes=20), ok=True)
    rec.add_evidence(scenario, "boot.txt", f"{scenario} booted on {host}")
    rec.check(scenario, "vm-registered", "passed", expected={"state": "Off"}, found={"state": "Off"})
    if died:  # killed here: a file written, not recorded yet; no run-level evidence, no finish
        (rec.dir / "files" / scenario / "console.txt").write_text("written before the worker died", encoding="utf-8")
        return rec.dir
    rec.add_evidence(None, "ledger.json", json.dumps({"host": host}), kind="json")
    if interrupted:
        rec.mark_interrupted("interrupted (signal)", {"signals": ["SIGINT"]})
    rec.finish()  # unsigned: the part's folder is only read by the merge
    return rec.dir


def test_two_parts_become_one_signed_folder(tmp_path: Path, inventory_file: Path, clock: Clock,
                                            signing_key: SigningKey, reports_dir: Path) -> None:
    gw0 = _part(tmp_path, inventory_file, clock, "gw0", "HV-LAB01", "import-cm01")
    clock.now += timedelta(minutes=5)
    gw1 = _part(tmp_path, inventory_file, clock, "gw1", "HV-LAB02", "import-sql01", interrupted=True)
    clock.now += timedelta(minutes=30)
    run = RunRecorder(RUN_ID, reports_dir, inventory_file, simulated=False, signing_key=signing_key)
    assert merge_parts(run, [("gw0", gw0), ("gw1", gw1), ("gw2", tmp_path / "never-started")]) == ["gw0", "gw1"]
    run.finish()

    data = json.loads((run.dir / "run.json").read_text(encoding="utf-8"))
    assert [(s["scenario"], s["host"], s["worker"]) for s in data["scenarios"]] == [
        ("import-cm01", "HV-LAB01", "gw0"), ("import-sql01", "HV-LAB02", "gw1")]
    assert data["parts"] == [{"part": "gw0", "hosts": ["HV-LAB01"], "scenarios": ["import-cm01"]},
                             {"part": "gw1", "hosts": ["HV-LAB02"], "scenarios": ["import-sql01"]}]
    assert sorted(data["hosts"]) == ["HV-LAB01", "HV-LAB02"]
    assert data["clock"]["reference_host"] == "HV-LAB01"
    assert set(data["clock"]["hosts"]) == {"HV-LAB01", "HV-LAB02"}
    assert data["started"] < data["finished"]
    # each scenario's files and its check's measured values are there, under the paths the record names
    for sc in data["scenarios"]:
        paths = [e["path"] for e in sc["evidence"]] + [f for c in sc["checks"] for f in c["evidence"]]
        assert len(set(paths)) == 2 and all((run.dir / p).is_file() for p in paths), paths
        assert (run.dir / sc["evidence"][0]["path"]).read_text(encoding="utf-8").endswith(f"booted on {sc['host']}")
    run_files = sorted(e["path"] for e in data["run_evidence"])
    assert run_files == ["files/_run/ledger-gw0.json", "files/_run/ledger-gw1.json"]
    assert [c["name"] for c in data["config_files"]] == ["lab.yml"]  # the inventory once
    # the interrupted part makes the run interrupted, saying which part and why
    assert data["status"] == "interrupted" and "gw1: interrupted (signal)" in data["interrupted"]
    assert data["interruption"]["gw1"] == {"signals": ["SIGINT"]}
    evidence = json.loads((run.dir / "evidence.json").read_text(encoding="utf-8"))
    assert evidence["outcome"] == "interrupted"
    verified = verify_folder(run.dir)
    assert verified.signature_ok and not verified.problems and verified.manifest.ok


def test_a_part_lost_with_its_worker_is_recorded_as_lost_with_what_it_left(
        tmp_path: Path, inventory_file: Path, clock: Clock, signing_key: SigningKey, reports_dir: Path) -> None:
    gw0 = _part(tmp_path, inventory_file, clock, "gw0", "HV-LAB01", "import-cm01")
    gw1 = _part(tmp_path, inventory_file, clock, "gw1", "HV-LAB02", "import-sql01", died=True)
    ledger = tmp_path / "parts" / "gw1" / "ledger" / f"{RUN_ID}.json"
    ledger.parent.mkdir(parents=True)
    ledger.write_text(json.dumps({"run_id": RUN_ID, "entries": [{"kind": "vm", "state": "created"}]}), encoding="utf-8")
    why = "worker gw1 (lab host HV-LAB02) died (Not properly terminated) before its part of the run ended"
    lost = LostPart("gw1", ("HV-LAB02",), (("s/t.py::test_boot[import-sql01]", "import-sql01"),
                                           ("s/t.py::test_boot[wsb-cm01-vm]", "wsb-cm01-vm")),
                    why, f"restore-harness cleanup --run-id {RUN_ID}", ledger)
    run = RunRecorder(RUN_ID, reports_dir, inventory_file, simulated=False, signing_key=signing_key)
    assert merge_parts(run, [("gw0", gw0), ("gw1", gw1)], [lost]) == ["gw0", "gw1"]
    run.finish()

    data = json.loads((run.dir / "run.json").read_text(encoding="utf-8"))
    outcomes = {s["scenario"]: (s["outcome"], [(c["name"], c["outcome"]) for c in s["checks"]])
                for s in data["scenarios"]}
    assert outcomes == {"import-cm01": ("passed", [("vm-registered", "passed")]),
                        # what ran stays as it was; the test not run is a broken row: the scenario is not passed
                        "import-sql01": ("broken", [("vm-registered", "passed"),
                                                    ("test_boot[import-sql01]", "broken")])}
    (row,) = [c for s in data["scenarios"] for c in s["checks"] if c["outcome"] == "broken"]
    assert row["message"] == f"not run: {why}"
    # the run names the part, its host, every test not run (also of a scenario it never started) and the command
    assert data["status"] == "interrupted"
    assert data["interrupted"] == (f"gw1: {why}; tests not run: test_boot[import-sql01], test_boot[wsb-cm01-vm]; "
                                   f"remove what it left: restore-harness cleanup --run-id {RUN_ID}")
    assert data["interruption"]["gw1"] == {
        "hosts": ["HV-LAB02"], "why": why, "cleanup": f"restore-harness cleanup --run-id {RUN_ID}",
        "not_run": ["s/t.py::test_boot[import-sql01]", "s/t.py::test_boot[wsb-cm01-vm]"]}
    # what the dead worker left is in the signed folder: its ledger as it was, the file its record did not list
    assert sorted(e["path"] for e in data["run_evidence"]) == ["files/_run/ledger-gw0.json",
                                                               "files/_run/ledger-gw1.json"]
    assert '"state": "created"' in (run.dir / "files" / "_run" / "ledger-gw1.json").read_text(encoding="utf-8")
    left = run.dir / "files" / "import-sql01" / "console.txt"
    assert left.read_text(encoding="utf-8") == "written before the worker died"
    verified = verify_folder(run.dir)
    assert verified.signature_ok and not verified.problems and verified.manifest.ok
