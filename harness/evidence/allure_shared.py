"""Show the steps of a fixture that many tests share once, not once per test.

allure-pytest writes a fixture's setup and teardown into a container whose children are every test
that used it; Allure 3 copies the container's steps into each child. The session's ``restore_run``
(host lock, preflight, clock readings, ledger; at the end the whole teardown) was therefore repeated
in all tests of a run: 36 copies, most of the single-file report's data. :func:`share_fixture_steps`
moves such steps (and their attachments) into one result of their own, "<fixture>: setup and
teardown shared by N tests", filed under epic ``restore-harness run``; every test keeps the fixture
with its status and one step naming where its steps are. Nothing is dropped but allure-pytest's
empty finalizer entries (``inventory::<lambda>``: no status, no steps), six in every test.

:func:`one_reference_per_file` then keeps each attachment file referenced once: the remote steps
share equal texts by content hash (every operation of a template runs the same script,
harness/evidence/allure_steps.py), but Allure 3 links a file to its first reference only and shows
every later one as a *missing* attachment. A later reference becomes a parameter of its step naming
the step where the file is attached.
"""

from __future__ import annotations

import hashlib
import json
import uuid as uuidlib
from pathlib import Path
from typing import Any

from harness.evidence import SIMULATED_NOTICE

SHARED_EPIC = "restore-harness run"
_ORDER = {"broken": 3, "failed": 2, "skipped": 1, "passed": 0}


def _has_content(fixture: dict[str, Any]) -> bool:
    return bool(fixture.get("steps") or fixture.get("attachments"))


def _finalizer_stub(fixture: dict[str, Any]) -> bool:
    """allure-pytest's entry for a fixture's finalizer that did nothing a reader could see: a name like
    ``inventory::<lambda>``, no status, steps or attachments (one per fixture in every test)."""
    return (str(fixture.get("name", "")).endswith("::<lambda>") and not fixture.get("status")
            and not _has_content(fixture) and not fixture.get("statusDetails"))


def _worst(statuses: list[str]) -> str:
    return max(statuses, key=lambda s: _ORDER.get(s, 3)) if statuses else "passed"


def _shared_result(name: str, fixtures: list[tuple[str, dict[str, Any]]], children: int,
                   simulated: bool) -> dict[str, Any]:
    """One Allure result holding the steps of a shared fixture: one step per setup/teardown part."""
    steps = [{"name": f"{phase}: {fx.get('name', name)}", "status": fx.get("status") or "passed",
              "statusDetails": fx.get("statusDetails") or {}, "steps": fx.get("steps") or [],
              "attachments": fx.get("attachments") or [], "parameters": fx.get("parameters") or [],
              "start": fx.get("start"), "stop": fx.get("stop")} for phase, fx in fixtures]
    status = _worst([s["status"] for s in steps])
    failed = next((s["statusDetails"] for s in steps if s["status"] != "passed" and s["statusDetails"]), {})
    title = f"{name}: setup and teardown shared by {children} tests"
    history = hashlib.md5(f"shared-fixture:{name}".encode()).hexdigest()  # noqa: S324 - an id, not security
    labels = [{"name": "epic", "value": SHARED_EPIC}, {"name": "feature", "value": "shared fixtures"},
              {"name": "story", "value": name}, {"name": "severity", "value": "normal"}]
    result = {"uuid": str(uuidlib.uuid4()), "historyId": history, "testCaseId": history,
              "fullName": f"fixture:{name}", "name": title, "status": status, "statusDetails": failed,
              "stage": "finished", "steps": steps, "attachments": [], "parameters": [], "labels": labels,
              "start": min((s["start"] for s in steps if s["start"]), default=None),
              "stop": max((s["stop"] for s in steps if s["stop"]), default=None),
              "description": (f"The steps of the fixture {name}, which {children} tests share, shown once here; "
                              "each of those tests lists the fixture with its status and a pointer to this page.")}
    if simulated:
        result["name"] = f"[SIMULATED] {title}"
        result["description"] = f"{SIMULATED_NOTICE}\n\n{result['description']}"
        labels.append({"name": "tag", "value": "SIMULATED"})
    return result


def share_fixture_steps(results_dir: Path, *, simulated: bool = False, min_children: int = 2) -> list[str]:
    """Rewrite the containers in ``results_dir`` (a copy made for report generation) so a fixture
    used by ``min_children`` or more tests keeps its steps in one result of its own. Returns the
    titles of the results written."""
    written = []
    for path in sorted(Path(results_dir).glob("*-container.json")):
        container = json.loads(path.read_text(encoding="utf-8"))
        children = container.get("children") or []
        parts = [("setup", fx) for fx in container.get("befores") or []]
        parts += [("teardown", fx) for fx in container.get("afters") or []]
        stubs = [fx for fx in container.get("afters") or [] if _finalizer_stub(fx)]
        if stubs:
            container["afters"] = [fx for fx in container["afters"] if not _finalizer_stub(fx)]
            path.write_text(json.dumps(container), encoding="utf-8")
            parts = [(phase, fx) for phase, fx in parts if not _finalizer_stub(fx)]
        shared = [(phase, fx) for phase, fx in parts if _has_content(fx)]
        if len(children) < min_children or not shared:
            continue
        name = str(shared[0][1].get("name", "fixture")).split("::", 1)[0]
        result = _shared_result(name, shared, len(children), simulated)
        for _phase, fx in shared:
            fx["steps"] = [{"name": f"steps shown once in '{result['name']}' (epic {SHARED_EPIC})",
                            "status": fx.get("status") or "passed", "start": fx.get("start"),
                            "stop": fx.get("stop") or fx.get("start")}]
            fx["attachments"] = []
        path.write_text(json.dumps(container), encoding="utf-8")
        (Path(results_dir) / f"{result['uuid']}-result.json").write_text(json.dumps(result), encoding="utf-8")
        written.append(result["name"])
    return written


def _walk_steps(node: dict[str, Any], path: list[str], seen: dict[str, str]) -> int:
    """Replace every attachment whose file was referenced before by a parameter naming where it is
    attached; returns how many were replaced."""
    kept, replaced = [], 0
    for att in node.get("attachments") or []:
        source = att.get("source")
        if source in seen:
            node.setdefault("parameters", []).append(
                {"name": att.get("name", "attachment"), "value": f"as attached to {seen[source]}", "excluded": True})
            replaced += 1
            continue
        seen[source] = f"'{path[-1]}' of '{path[0]}'" if len(path) > 1 else f"'{path[0]}'"
        kept.append(att)
    node["attachments"] = kept
    for step in node.get("steps") or []:
        replaced += _walk_steps(step, [*path, str(step.get("name", ""))], seen)
    return replaced


def one_reference_per_file(results_dir: Path) -> int:
    """Make every attachment file of ``results_dir`` referenced once, in the order the tests ran
    (see the module docstring). Returns the number of references turned into parameters."""
    docs = []
    for path in Path(results_dir).glob("*-result.json"):
        doc = json.loads(path.read_text(encoding="utf-8"))
        docs.append((doc.get("start") or 0, str(path), path, doc, [(str(doc.get("name", "")), doc)]))
    for path in Path(results_dir).glob("*-container.json"):
        doc = json.loads(path.read_text(encoding="utf-8"))
        fixtures = (doc.get("befores") or []) + (doc.get("afters") or [])
        docs.append((doc.get("start") or 0, str(path), path, doc,
                     [(f"fixture {fx.get('name', '')}", fx) for fx in fixtures]))
    seen: dict[str, str] = {}
    replaced = 0
    for _start, _name, path, doc, parts in sorted(docs, key=lambda d: (d[0], d[1])):
        changed = sum(_walk_steps(node, [title], seen) for title, node in parts)
        if changed:
            path.write_text(json.dumps(doc), encoding="utf-8")
        replaced += changed
    return replaced
