"""Scale-out across lab hosts (``restore-harness run INVENTORY -n 2``, harness/xdist_hosts.py) on the
two-host simulated lab (inventories/sim-lab-2hosts.yml): each host's scenarios ran in one worker,
concurrently there (``--drill``), and the run has one signed record, one ledger and one Allure
results folder. One end-to-end run; the grouping is unit-tested in tests/test_xdist_grouping.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
INVENTORY = REPO / "inventories" / "sim-lab-2hosts.yml"
RUN_ID = "rh-20261121-2305-xd02"


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "RH_ALLURE"))}
    env["RH_ALLURE_DIR"] = str(cwd / "no-allure")  # the Allure CLI is not what this test is about
    return subprocess.run([sys.executable, "-m", "harness.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=900, check=False)


def test_two_hosts_two_workers_one_signed_record(tmp_path: Path) -> None:
    reports = tmp_path / "rep"
    res = _cli("run", str(INVENTORY), "-n", "2", "--run-id", RUN_ID, "--reports", str(reports),
               "--scenario", "import-cm01", "--scenario", "import-vmm01", "--scenario", "import-sql01",
               "--suite", str(REPO / "suites" / "test_import_restore.py"), "--", "--drill", cwd=tmp_path)
    out = res.stdout + res.stderr
    assert res.returncode == 0, out
    assert f"Run {RUN_ID}: exit 0" in res.stdout
    for name in ("import-cm01", "import-vmm01", "import-sql01"):
        assert f"  {name} " in res.stdout and "passed" in res.stdout.split(f"  {name} ")[1].splitlines()[0]

    # one evidence folder, no part left over
    assert [p.name for p in (reports / "evidence").iterdir()] == [RUN_ID]
    assert not (reports / "parts").exists()
    record = json.loads((reports / "evidence" / RUN_ID / "run.json").read_text(encoding="utf-8"))
    ran = {s["scenario"]: (s["host"], s["worker"]) for s in record["scenarios"]}
    assert ran == {"import-cm01": ("HV-LAB01", "gw0"), "import-vmm01": ("HV-LAB01", "gw0"),
                   "import-sql01": ("HV-LAB02", "gw1")}
    assert all(s["outcome"] == "passed" and s["checks"] for s in record["scenarios"])
    assert [(p["part"], p["hosts"]) for p in record["parts"]] == [("gw0", ["HV-LAB01"]), ("gw1", ["HV-LAB02"])]
    # two machines, each answering under its own name
    assert {h: f.get("computer_name") for h, f in record["hosts"].items()} == {"HV-LAB01": "HV-LAB01",
                                                                                "HV-LAB02": "HV-LAB02"}
    assert record["signature"]["signed"]
    # signed once, by the controller, which says how to verify it (the key: $RH_SIGNING_KEY or the inventory's)
    (command,) = [line.split("verify: ", 1)[1] for line in out.splitlines() if "verify: restore-harness" in line]
    assert command.startswith(f"restore-harness verify-evidence {reports / 'evidence' / RUN_ID} --allowed-signers ")
    verify = _cli(*command.split()[1:], cwd=tmp_path)
    assert verify.returncode == 0 and "Good" in verify.stdout, verify.stdout + verify.stderr

    # one ledger: both hosts' resources, all removed by their worker's teardown
    ledger = json.loads((reports / "ledger" / f"{RUN_ID}.json").read_text(encoding="utf-8"))
    assert {e["host"] for e in ledger["entries"]} == {"HV-LAB01", "HV-LAB02"}
    assert all(e["state"] in ("removed", "gone") for e in ledger["entries"])

    # one Allure results folder with the tests of both workers
    results = [json.loads(p.read_text(encoding="utf-8")) for p in (reports / "allure-results").glob("*-result.json")]
    names = " ".join(r.get("fullName", "") + r.get("name", "") for r in results)
    assert len(results) == 3 and all(n in names for n in ("import-cm01", "import-vmm01", "import-sql01")), names
    environment = (reports / "allure-results" / "environment.properties").read_text(encoding="utf-8")
    assert RUN_ID in environment and "HV-LAB01" in environment and "HV-LAB02" in environment
    assert (reports / "allure-results" / "categories.json").is_file()
