"""The package's shape, checked: nothing in the harness imports the pytest plugin (no cycles back
into the glue), no ``except ImportError`` hides a missing part of the harness, the plugin stays thin
and the engine does not know pytest or Allure."""

from __future__ import annotations

import ast
from pathlib import Path

import harness

ROOT = Path(harness.__file__).parent


def _modules() -> list[tuple[Path, ast.Module]]:
    return [(p, ast.parse(p.read_text(encoding="utf-8"))) for p in sorted(ROOT.rglob("*.py"))]


def _imports(tree: ast.AST) -> list[str]:
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.append(node.module or "")
            names += [f"{node.module}.{a.name}" for a in node.names]
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr == "import_module" and node.args and isinstance(node.args[0], ast.Constant)):
            names.append(str(node.args[0].value))
    return names


def test_nothing_in_the_harness_imports_the_plugin() -> None:
    offenders = [f"{p.relative_to(ROOT)}: {n}" for p, tree in _modules() if p.name != "plugin.py"
                 for n in _imports(tree) if n == "harness.plugin" or n.startswith("harness.plugin.")]
    assert offenders == []


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return handler.type is None or any(isinstance(t, ast.Name) and t.id in ("ImportError", "ModuleNotFoundError")
                                       for t in types)


def _imports_own_module(body: list[ast.stmt]) -> bool:
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "harness" for a in node.names):
                return True
            if isinstance(node, ast.ImportFrom) and (node.level > 0 or (node.module or "").split(".")[0] == "harness"):
                return True
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "import_module":
                return True  # a computed module name: the CLI loading its own commands
    return False


def test_no_import_error_guard_around_the_harness_own_modules() -> None:
    offenders = []
    for path, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Try) and any(_catches_import_error(h) for h in node.handlers) \
                    and _imports_own_module(node.body):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_the_guard_check_finds_a_guard() -> None:
    tree = ast.parse("try:\n    from harness.evidence import record\nexcept ImportError:\n    record = None\n")
    (node,) = [n for n in ast.walk(tree) if isinstance(n, ast.Try)]
    assert _catches_import_error(node.handlers[0]) and _imports_own_module(node.body)


def test_the_plugin_is_thin() -> None:
    lines = (ROOT / "plugin.py").read_text(encoding="utf-8").count("\n")
    assert lines <= 260, f"harness/plugin.py has {lines} lines: move logic to the engine (harness/engine/)"


def test_the_engine_and_the_restore_layer_know_neither_pytest_nor_allure() -> None:
    offenders = []
    for path, tree in _modules():
        rel = path.relative_to(ROOT)
        if rel.parts[0] not in ("engine", "restore", "exitcodes.py"):
            continue
        offenders += [f"{rel}: {n}" for n in _imports(tree) if n.split(".")[0] in ("pytest", "allure", "_pytest")]
    assert offenders == []


# Modules that write to Allure themselves: the one that routes writes by thread, its writers, and
# code that runs only on the tests' thread (checks, their records, a test's screenshot). Anything a
# drill's worker or another thread may run writes through harness/evidence/allure_threads.py (steps
# written on another thread land in whatever test the tests' thread is in). evidence/allure_lost.py
# writes whole results files in the xdist controller, after the run (tests a dead worker took along).
ALLURE_WRITERS = {"evidence/allure_threads.py", "evidence/allure_steps.py", "evidence/pytest_hooks.py",
                  "evidence/allure_lost.py", "check_records.py", "checks/remediation.py", "console.py"}


def test_only_known_modules_write_to_allure_directly() -> None:
    writers = {str(p.relative_to(ROOT)) for p, tree in _modules()
               if any(n.split(".")[0] in ("allure", "allure_commons", "allure_pytest") for n in _imports(tree))}
    assert writers == ALLURE_WRITERS
