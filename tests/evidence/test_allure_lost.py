"""harness/evidence/allure_lost.py: a result for each test a dead worker took with it."""

from __future__ import annotations

import json
import re
from pathlib import Path

from harness.evidence.allure_env import CATEGORIES
from harness.evidence.allure_lost import LostTest, write_lost_results
from harness.secrets import REDACTOR


def _results(folder: Path) -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in folder.glob("*-result.json")]


def test_each_lost_test_is_a_broken_lab_problem_filed_where_the_test_would_be(tmp_path: Path) -> None:
    tests = [LostTest("suites/test_restored_vm.py::test_vm_registered[import-sql01]", "import-sql01",
                      "did not run to its end: worker gw1 (lab host HV-LAB02) died"),
             LostTest("suites/pkg/test_x.py::TestA::test_b", None, "did not run to its end: worker gw1 died")]
    uuids = write_lost_results(tmp_path, tests, cleanup="restore-harness cleanup lab.yml --run-id rh-1",
                               methods={"import-sql01": "import (copy-new-id)"}, systems={"import-sql01": "SQL01"},
                               simulated=True)
    by_name = {r["fullName"]: r for r in _results(tmp_path)}
    assert sorted(r["uuid"] for r in by_name.values()) == sorted(uuids) and len(uuids) == 2
    sql = by_name["suites.test_restored_vm#test_vm_registered"]
    assert sql["status"] == "broken" and sql["name"] == "[SIMULATED] import-sql01: test_vm_registered"
    assert sql["statusDetails"]["message"] == "Lab problem: did not run to its end: worker gw1 (lab host HV-LAB02) died"
    assert "restore-harness cleanup lab.yml --run-id rh-1" in sql["statusDetails"]["trace"]
    labels = {(lb["name"], lb["value"]) for lb in sql["labels"]}
    assert {("parentSuite", "suites"), ("suite", "test_restored_vm"), ("epic", "import (copy-new-id)"),
            ("feature", "SQL01"), ("story", "test_vm_registered"), ("tag", "SIMULATED")} <= labels
    assert sql["parameters"] == [{"name": "scenario", "value": "import-sql01"}]
    other = by_name["suites.pkg.test_x.TestA#test_b"]
    assert not other.get("parameters") and ("suite", "test_x") in {(lb["name"], lb["value"]) for lb in other["labels"]}
    # the report's "Lab problems" category takes them (Allure matches status and message)
    lab = next(c for c in CATEGORIES if c["name"] == "Lab problems")
    assert all(r["status"] in lab["matchedStatuses"] and re.fullmatch(lab["messageRegex"], r["statusDetails"]["message"])
               for r in by_name.values())


def test_a_secret_in_a_reason_does_not_reach_the_results(tmp_path: Path) -> None:
    REDACTOR.register("S3cr3t-Pa55-lost")  # as the run registers every secret it resolves
    write_lost_results(tmp_path, [LostTest("t.py::test_a", "s1", "worker died (logon with S3cr3t-Pa55-lost)")],
                       cleanup="restore-harness cleanup x.yml --run-id rh-2")
    text = "".join(p.read_text(encoding="utf-8") for p in tmp_path.iterdir())
    assert "S3cr3t-Pa55-lost" not in text and "worker died" in text
