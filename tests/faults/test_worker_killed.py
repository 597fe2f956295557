"""A pytest-xdist worker SIGKILLed part-way through ``restore-harness run -n 2`` against two outside lab
hosts (inventories/sim-lab-2hosts.yml, each host its own ``sim serve`` process, so that the lab
outlives the worker). Its host's part of the run cannot be resumed elsewhere (docs/drills.md,
"Scale-out across lab hosts"); what is checked is that it is said: the run fails as a lab problem,
the worker's tests that did not run are reported as failed naming the worker and its host (terminal,
JUnit, summary, run record), the other host's tests ran and passed, and the cleanup command the run
prints leaves nothing of the run on the dead worker's host."""

from __future__ import annotations

import copy
import json
import os
import re
import shlex
import signal
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.exitcodes import ExitCode
from harness.inventory import load_inventory
from harness.remote.session import connect
from tests.faults.conftest import CLI, FAST_RETRY, REPO, WAIT, Output, lab_env, verify_evidence, wait_for
from tests.faults.kill_worker import KILL_AT

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")

TWO_HOSTS = REPO / "inventories" / "sim-lab-2hosts.yml"
HOSTS = ("HV-LAB01", "HV-LAB02")
RUN_ID = "rh-20261201-0400-xkil"
SUITES = [REPO / "suites" / "test_import_restore.py", REPO / "suites" / "test_restored_vm.py"]
KILLED_IN = "suites/test_restored_vm.py::test_vm_registered[import-sql01]"  # gw1 runs HV-LAB02's tests
NOT_RUN = ["suites/test_restored_vm.py::test_no_backup_checkpoint[import-sql01]",
           "suites/test_restored_vm.py::test_switch_mapping[import-sql01]"]


@dataclass
class TwoHostLab:
    """Two ``sim serve`` processes (HV-LAB01, HV-LAB02) and the inventory that reaches them like a real lab."""

    inventory: Path
    reports: Path
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    outputs: list[Output] = field(default_factory=list)

    def holdings(self, host: str) -> dict[str, Any]:
        """Registered VMs and the entries under the scratch root of ``host``, asked over WinRM."""
        spec = next(h for h in load_inventory(self.inventory).hosts if h.name == host)
        with connect(spec, environ=lab_env()) as remote:
            data = remote.run("lab_holdings", {"scratch_root": spec.scratch_root}, idempotent=True, timeout=120) or {}
        return {"vms": sorted(str(v["Name"]) for v in data.get("vms") or []),
                "scratch_items": sorted(str(i) for i in data.get("scratch_items") or [])}


@pytest.fixture
def two_host_lab(tmp_path: Path) -> Iterator[TwoHostLab]:
    """sim-lab-2hosts.yml's two hosts, each served by its own ``restore-harness sim serve``."""
    data = yaml.safe_load(TWO_HOSTS.read_text(encoding="utf-8"))
    lab = TwoHostLab(tmp_path / "two-hosts.yml", tmp_path / "reports")
    ports = {}
    try:
        for host in HOSTS:  # the same machine under each host's name (as SimulatedLab does for an inventory)
            description = copy.deepcopy(data)
            description["simulated_lab"]["host"]["name"] = host
            for account in description["simulated_lab"]["accounts"]:
                account["user"] = host + account["user"][account["user"].index("\\"):]
            path = tmp_path / f"lab-{host}.yml"
            path.write_text(yaml.safe_dump(description, allow_unicode=True, sort_keys=False), encoding="utf-8")
            proc = subprocess.Popen([*CLI, "sim", "serve", "--inventory", str(path), "--state-dir",
                                     str(tmp_path / f"sim-{host}")], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    env=lab_env(), cwd=REPO, start_new_session=True)
            out = Output(proc, tmp_path / f"sim-{host}.log")
            lab.procs.append(proc)
            lab.outputs.append(out)
            listening = re.compile(r"listening on http://127\.0\.0\.1:(\d+)/wsman")
            found = wait_for(f"{host} to listen", lambda: listening.search(out.text), timeout=60, proc=proc, output=out)
            ports[host] = int(found.group(1))
        data.pop("simulated_lab")
        for host in data["hosts"]:
            host.update({"simulated": False, "address": "127.0.0.1", "port": ports[host["name"]],
                         "retry": dict(FAST_RETRY)})
        data["reports"].update({"dir": str(lab.reports), "signing_key": str(tmp_path / "keys" / "lab_ed25519")})
        lab.inventory.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        yield lab
    finally:
        for proc in lab.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=30)
        for out in lab.outputs:
            out.join()


def test_a_killed_worker_fails_the_run_names_its_tests_and_host_and_its_cleanup_works(two_host_lab: TwoHostLab,
                                                                                       tmp_path: Path) -> None:
    lab = two_host_lab
    before = {host: lab.holdings(host) for host in HOSTS}
    junit = tmp_path / "junit.xml"
    argv = [*CLI, "--debug", "run", str(lab.inventory), "-n", "2", "--reports", str(lab.reports), "--run-id", RUN_ID,
            "--scenario", "import-cm01", "--scenario", "import-sql01", "--junitxml", str(junit)]
    for suite in SUITES:
        argv += ["--suite", str(suite)]
    argv += ["--", "-p", "tests.faults.kill_worker", "-p", "no:randomly"]
    run = subprocess.run(argv, env=lab_env({KILL_AT: KILLED_IN, "RH_ALLURE_DIR": str(tmp_path / "no-allure")}),
                         cwd=REPO, capture_output=True, text=True, timeout=WAIT, check=False)
    out = run.stdout + run.stderr
    (tmp_path / "run.log").write_text(out, encoding="utf-8")

    # the run failed, as a lab problem (the run could not audit those tests), not as a restore defect
    assert run.returncode == ExitCode.LAB, out
    assert f"Run {RUN_ID}: exit 3 (lab problem" in out
    # the other host's tests ran, in gw0, and passed
    passed = re.findall(r"\[gw0\] \[ *\d+%\] PASSED (\S+)", out)
    assert len(passed) == 4 and all(t.endswith("[import-cm01]") for t in passed), out
    assert re.search(r"^  import-cm01 +passed ", out, re.M) and re.search(r"^  import-sql01 +lab problem ", out, re.M)
    # the test gw1 was running is xdist's crash; each test it did not reach is a failed test that says why
    dead = "worker gw1 (lab host HV-LAB02) died"
    assert f"worker 'gw1' crashed while running '{KILLED_IN}'" in out and f"did not end: {dead}" in out
    for test in NOT_RUN:
        assert re.search(rf"\[gw1\] \[ *\d+%\] FAILED {re.escape(test)}", out), out
    assert out.count(f"not run: {dead}") >= len(NOT_RUN)
    cases = {f"{c.get('classname')}.{c.get('name')}": c for c in ET.parse(junit).getroot().iter("testcase")}
    for test in NOT_RUN:
        (failure,) = cases[test.replace(".py::", ".").replace("/", ".")].findall("failure")
        assert failure.get("message", "").startswith(f"not run: {dead}")

    # the Allure results hold those tests too, as lab problems, beside gw0's own results
    results = [json.loads(f.read_text(encoding="utf-8")) for f in (lab.reports / "allure-results").glob("*-result.json")]
    lost = sorted((r["fullName"], r["statusDetails"]["message"]) for r in results if r["status"] != "passed")
    assert [n for n, _ in lost] == sorted("suites.test_restored_vm#" + t.split("::")[1].split("[")[0]
                                          for t in [KILLED_IN, *NOT_RUN]), lost
    assert all(m.startswith(f"Lab problem: did not run to its end: {dead}") for _, m in lost)
    assert all(r["status"] == "broken" and {"name": "scenario", "value": "import-sql01"} in r["parameters"]
               for r in results if r["status"] != "passed")
    # besides: gw0's four tests of import-cm01 and what gw1 ran before it was killed
    passed = [r for r in results if r["status"] == "passed"]
    assert sum("import-cm01" in json.dumps(r.get("parameters")) for r in passed) == 4

    # once, after the run: the lost part and the exact cleanup command
    assert out.count("parts of the run lost with their worker") == 1
    (command,) = re.findall(r"^remove what the run left: (restore-harness cleanup .*)$", out, re.M)
    assert f"--run-id {RUN_ID}" in command and str(lab.inventory) in command

    # the merged record does not present gw1's part as complete
    record = json.loads((lab.reports / "evidence" / RUN_ID / "run.json").read_text(encoding="utf-8"))
    assert record["status"] == "interrupted" and "gw1: worker gw1 (lab host HV-LAB02) died" in record["interrupted"]
    assert record["interruption"]["gw1"]["not_run"] == [KILLED_IN, *NOT_RUN]
    outcomes = {s["scenario"]: s["outcome"] for s in record["scenarios"]}
    assert outcomes == {"import-cm01": "passed", "import-sql01": "broken"}
    (sql01,) = [s for s in record["scenarios"] if s["scenario"] == "import-sql01"]
    assert [c["outcome"] for c in sql01["checks"]] == ["passed", "broken", "broken", "broken"]
    assert "files/_run/ledger-gw1.json" in [e["path"] for e in record["run_evidence"]]
    assert not (lab.reports / "parts").exists()
    code, text = verify_evidence(lab.reports, RUN_ID)
    assert code == 0, text

    # gw0 tore its host down; gw1's host holds the run's leftovers until the printed command removes them
    assert lab.holdings("HV-LAB01") == before["HV-LAB01"]
    assert RUN_ID in lab.holdings("HV-LAB02")["scratch_items"]
    cleanup = subprocess.run([*CLI, *shlex.split(command)[1:]], env=lab_env(), cwd=REPO, capture_output=True, text=True,
                             timeout=WAIT, check=False)
    assert cleanup.returncode == 0 and "removed:" in cleanup.stdout, cleanup.stdout + cleanup.stderr
    assert lab.holdings("HV-LAB02") == before["HV-LAB02"]
