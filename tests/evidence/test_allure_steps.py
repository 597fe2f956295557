"""harness/evidence/allure_steps.py: what a remote operation's step attaches."""

from __future__ import annotations

import hashlib
import json

from harness.evidence.allure_steps import _ledger_params

pytest_plugins = ["pytester"]


def test_a_mirrored_ledger_is_summarised_with_its_hash_not_copied_into_every_step() -> None:
    ledger = json.dumps({"run_id": "rh-1", "entries": [{"seq": 1, "state": "created"}, {"seq": 2, "state": "removed"},
                                                       {"seq": 3, "state": "removed"}]})
    params = _ledger_params({"path": "E:\\RestoreTests\\rh-1\\ledger.json", "content": ledger})
    assert params["path"] == "E:\\RestoreTests\\rh-1\\ledger.json"
    content = params["content"]
    assert content["sha256"] == hashlib.sha256(ledger.encode()).hexdigest() and content["characters"] == len(ledger)
    assert content["ledger"] == {"entries": 3, "by state": {"created": 1, "removed": 2}}
    assert "files/_run/ledger.json" in content["note"]
    assert _ledger_params({"path": "x"}) == {"path": "x"}  # nothing to summarise


def _steps(node: dict) -> list[dict]:
    out = []
    for step in node.get("steps") or []:
        out.append(step)
        out.extend(_steps(step))
    return out


def _remote_steps(results) -> list[dict]:
    """Every remote operation's step ("<host>: <template> (<s> s)") in an Allure results folder."""
    import re
    from pathlib import Path

    found = []
    for path in [*Path(results).glob("*-result.json"), *Path(results).glob("*-container.json")]:
        doc = json.loads(path.read_text(encoding="utf-8"))
        nodes = [doc] + list(doc.get("befores") or []) + list(doc.get("afters") or [])
        found += [s for n in nodes for s in _steps(n) if re.match(r"HV-LAB01: \w+ \(", s.get("name", ""))]
    return found


def _lab_with_reports(pytester, reports: dict):
    from pathlib import Path

    import yaml

    repo = Path(__file__).resolve().parents[2]
    data = yaml.safe_load((repo / "inventories" / "sim-lab.yml").read_text(encoding="utf-8"))
    data["scenarios"] = [s for s in data["scenarios"] if s["name"] == "import-cm01"]
    data["reports"].update(reports)
    path = pytester.path / "lab.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    pytester.path.joinpath("test_restored_vm.py").write_text(
        (repo / "suites" / "test_restored_vm.py").read_text(encoding="utf-8"), encoding="utf-8")
    return path


def test_the_inventory_decides_whether_scripts_and_raw_results_are_attached(pytester) -> None:
    """``reports.attach_scripts: false`` and ``reports.attach_raw_results: false`` keep the rendered
    scripts, their parameters and the raw results out of the report; every remote operation is still a
    step with its time and status. The defaults attach all three."""
    for out, reports in (("off", {"attach_scripts": False, "attach_raw_results": False}), ("on", {})):
        inv = _lab_with_reports(pytester, reports)
        result = pytester.runpytest_subprocess("--inventory", str(inv), "--reports", out, "--alluredir",
                                               f"{out}/allure", "-p", "no:cacheprovider", "-k", "test_vm_registered")
        assert result.ret == 0, result.stdout.str()
    off, on = _remote_steps(pytester.path / "off" / "allure"), _remote_steps(pytester.path / "on" / "allure")
    assert off and any(s["name"].startswith("HV-LAB01: import_vm (") for s in off)
    names_off = {a["name"] for s in off for a in s.get("attachments") or []}
    assert not names_off & {"script.ps1", "params.json", "result.json", "stdout.txt"}, names_off
    names_on = {a["name"] for s in on for a in s.get("attachments") or []}
    assert {"script.ps1", "params.json", "result.json"} <= names_on
    assert len(off) == len(on)  # the same operations, shown as steps either way
