"""harness.labs: lab providers found through entry points, with an install hint when missing."""

from __future__ import annotations

import pytest

from harness import labs
from harness.errors import UsageError


def test_the_simulated_lab_is_found_through_its_entry_point() -> None:
    provider = labs.lab_provider("simulated")
    assert provider.__name__ == "SimulatedLab" and hasattr(provider, "from_inventory")


def test_an_unknown_provider_is_a_usage_error_with_the_install_hint() -> None:
    with pytest.raises(UsageError, match=r"no lab provider 'nope'.*restore-harness\[sim\]"):
        labs.lab_provider("nope")


def test_sim_serve_is_offered_as_a_command_provider() -> None:
    assert [ep.name for ep in labs.command_providers()] == ["sim"]


def test_no_harness_module_imports_the_simulated_lab() -> None:
    import ast
    from pathlib import Path

    root = Path(labs.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{path.relative_to(root)}: {n}" for n in names if n.split(".")[0] == "simlab"]
    assert offenders == []
