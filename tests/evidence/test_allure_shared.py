"""harness/evidence/allure_shared.py: a shared fixture's steps shown once, each attachment file
referenced once (Allure 3 shows a file's later references as missing)."""

from __future__ import annotations

import json
from pathlib import Path

from harness.evidence.allure_shared import one_reference_per_file, share_fixture_steps


def _write(folder: Path, name: str, doc: dict) -> None:
    (folder / name).write_text(json.dumps(doc), encoding="utf-8")


def _results(tmp_path: Path) -> Path:
    att = {"name": "script.ps1", "source": "s1-attachment.txt", "type": "text/plain"}
    (tmp_path / "s1-attachment.txt").write_text("Get-VM", encoding="utf-8")
    preflight = {"name": "HV-LAB01: preflight (0.2 s)", "status": "passed", "attachments": [att], "steps": []}
    _write(tmp_path, "c1-container.json", {
        "uuid": "c1", "children": ["t1", "t2", "t3"], "start": 1,
        "befores": [{"name": "restore_run", "status": "passed", "steps": [preflight], "start": 1, "stop": 2}],
        "afters": [{"name": "restore_run::1", "status": "passed", "steps": [dict(preflight, name="teardown")],
                    "start": 9, "stop": 10}, {"name": "restore_run::<lambda>", "start": 10}]})
    _write(tmp_path, "c2-container.json", {"uuid": "c2", "children": ["t1"], "start": 3, "befores": [
        {"name": "restored", "status": "passed", "steps": [dict(preflight, name="restore")], "start": 3, "stop": 4}]})
    for n in (1, 2, 3):
        _write(tmp_path, f"t{n}-result.json", {"uuid": f"t{n}", "name": f"test {n}", "start": 4 + n, "status": "passed",
                                               "steps": [{"name": "vm_facts", "attachments": [att], "steps": []}]})
    return tmp_path


def test_a_fixture_shared_by_many_tests_shows_its_steps_in_the_first_test_only(tmp_path: Path) -> None:
    results = _results(tmp_path)
    assert share_fixture_steps(results) == ["restore_run: test 1"]
    containers = [json.loads(p.read_text(encoding="utf-8")) for p in results.glob("*-container.json")]
    assert len(list(results.glob("*-result.json"))) == 3  # no result added: the report counts the tests that ran
    (first,) = [c for c in containers if c["children"] == ["t1"] and c["befores"][0]["name"] == "restore_run"]
    (rest,) = [c for c in containers if c["children"] == ["t2", "t3"]]
    assert first["befores"][0]["steps"][0]["name"] == "HV-LAB01: preflight (0.2 s)"  # the steps, with test 1
    assert first["afters"][0]["steps"][0]["name"] == "teardown"
    before, after = rest["befores"][0], rest["afters"][0]
    assert before["status"] == "passed" and before["attachments"] == []
    assert [s["name"] for s in before["steps"]] == ["steps shown once, in the test 'test 1'"] == [
        s["name"] for s in after["steps"]]
    # allure-pytest's empty finalizer entry (restore_run::<lambda>) is gone from both
    assert len(first["afters"]) == 1 and len(rest["afters"]) == 1
    # a fixture of one test (the scenario's restore) stays where it is
    c2 = json.loads((results / "c2-container.json").read_text(encoding="utf-8"))
    assert c2["befores"][0]["steps"][0]["name"] == "restore"


def test_each_attachment_file_is_referenced_once_and_later_uses_say_where_it_is(tmp_path: Path) -> None:
    results = _results(tmp_path)
    assert one_reference_per_file(results) == 5  # 6 references to one file: the first keeps it
    refs, params = [], []

    def walk(node: dict) -> None:
        refs.extend(a["source"] for a in node.get("attachments") or [])
        params.extend(p["value"] for p in node.get("parameters") or [] if p["name"] == "script.ps1")
        for step in node.get("steps") or []:
            walk(step)

    for path in results.glob("*.json"):
        doc = json.loads(path.read_text(encoding="utf-8"))
        for node in [doc, *(doc.get("befores") or []), *(doc.get("afters") or [])]:
            walk(node)
    assert refs == ["s1-attachment.txt"] and len(params) == 5
    assert set(params) == {"as attached to 'HV-LAB01: preflight (0.2 s)' of 'fixture restore_run'"}
