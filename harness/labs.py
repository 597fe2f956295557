"""Lab providers and extra sub-commands found through entry points, never imported by name.

A host marked ``simulated: true`` in an inventory is served by the provider registered under the
``restore_harness.labs`` entry point group as ``simulated`` (the simulated lab, package ``simlab``,
installed with ``pip install 'restore-harness[sim]'``). Extra CLI sub-commands (``sim serve``) come
from the ``restore_harness.commands`` group. The harness itself never imports a provider module,
so it cannot know or care whether it talks to a real host or a simulated one.
"""

from __future__ import annotations

from importlib.metadata import EntryPoint, entry_points
from typing import Any

from harness.errors import UsageError

LAB_GROUP = "restore_harness.labs"
COMMAND_GROUP = "restore_harness.commands"
SIM_EXTRA_HINT = "install it with: pip install 'restore-harness[sim]' (make demo and make test do)"


def _entry_point(group: str, name: str) -> EntryPoint | None:
    found = [ep for ep in entry_points(group=group) if ep.name == name]
    return found[0] if found else None


def lab_provider(name: str = "simulated") -> Any:
    """The class registered as lab provider ``name``; it must offer
    ``from_inventory(path, port=0, host=NAME) -> context manager with .port`` (one instance per
    simulated inventory host, the machine called NAME). A missing or broken provider is a
    usage error that says how to install it."""
    ep = _entry_point(LAB_GROUP, name)
    if ep is None:
        raise UsageError(f"the inventory has a host with `simulated: true` but no lab provider {name!r} is "
                         f"installed (entry point group {LAB_GROUP}); {SIM_EXTRA_HINT}")
    return ep.load()  # a provider that is registered but cannot load is a packaging bug: fail loudly


def command_providers() -> list[EntryPoint]:
    """Entry points that add sub-commands to ``restore-harness``: each loads to ``main(argv) -> int``
    (argv: the words after the sub-command's name)."""
    return sorted(entry_points(group=COMMAND_GROUP), key=lambda ep: ep.name)
