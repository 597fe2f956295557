"""Show the steps of a fixture that many tests share once, not once per test.

allure-pytest writes a fixture's setup and teardown into a container whose children are every test
that used it; Allure 3 copies the container's steps into each child. The session's ``restore_run``
(host lock, preflight, clock readings, ledger; at the end the whole teardown) was therefore repeated
in all tests of a run: 36 copies, most of the single-file report's data. :func:`share_fixture_steps`
keeps such steps (and their attachments) with the first test that used the fixture; every other
test keeps the fixture with its status and one step naming that test. No result is added (the
report's counts stay the tests that ran) and nothing is dropped but allure-pytest's empty finalizer
entries (``inventory::<lambda>``: no status, no steps), six in every test.

:func:`one_reference_per_file` then keeps each attachment file referenced once: the remote steps
share equal texts by content hash (every operation of a template runs the same script,
harness/evidence/allure_steps.py; the file name: allure_threads.shared_source), but Allure 3 links a
file to its first reference only and shows every later one as a *missing* attachment. A later
reference becomes a parameter of its step naming the step where the file is attached.
"""

from __future__ import annotations

import copy
import json
import uuid as uuidlib
from pathlib import Path
from typing import Any



def _has_content(fixture: dict[str, Any]) -> bool:
    return bool(fixture.get("steps") or fixture.get("attachments"))


def _finalizer_stub(fixture: dict[str, Any]) -> bool:
    """allure-pytest's entry for a fixture's finalizer that did nothing a reader could see: a name like
    ``inventory::<lambda>``, no status, steps or attachments (one per fixture in every test)."""
    return (str(fixture.get("name", "")).endswith("::<lambda>") and not fixture.get("status")
            and not _has_content(fixture) and not fixture.get("statusDetails"))


def share_fixture_steps(results_dir: Path, *, min_children: int = 2) -> list[str]:
    """Rewrite the containers in ``results_dir`` (a copy made for report generation) so a fixture
    used by ``min_children`` or more tests shows its steps in the first of them only. Returns the
    fixtures so treated, as ``"<fixture>: <first test>"``."""
    results = {}
    for path in Path(results_dir).glob("*-result.json"):
        doc = json.loads(path.read_text(encoding="utf-8"))
        results[doc.get("uuid")] = (doc.get("start") or 0, str(doc.get("name", "")))
    done = []
    for path in sorted(Path(results_dir).glob("*-container.json")):
        container = json.loads(path.read_text(encoding="utf-8"))
        if any(_finalizer_stub(fx) for fx in container.get("afters") or []):
            container["afters"] = [fx for fx in container["afters"] if not _finalizer_stub(fx)]
            path.write_text(json.dumps(container), encoding="utf-8")
        children = [c for c in container.get("children") or [] if c in results]
        fixtures = (container.get("befores") or []) + (container.get("afters") or [])
        if len(children) < min_children or not any(_has_content(fx) for fx in fixtures):
            continue
        first = min(children, key=lambda c: results[c])
        name = str(fixtures[0].get("name", "fixture")).split("::", 1)[0]
        kept = {**copy.deepcopy(container), "uuid": str(uuidlib.uuid4()), "children": [first]}
        (Path(results_dir) / f"{kept['uuid']}-container.json").write_text(json.dumps(kept), encoding="utf-8")
        for fx in fixtures:
            if _has_content(fx):
                fx["steps"] = [{"name": f"steps shown once, in the test '{results[first][1]}'",
                                "status": fx.get("status") or "passed", "start": fx.get("start"),
                                "stop": fx.get("stop") or fx.get("start")}]
                fx["attachments"] = []
        container["children"] = [c for c in container.get("children") or [] if c != first]
        path.write_text(json.dumps(container), encoding="utf-8")
        done.append(f"{name}: {results[first][1]}")
    return done


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
