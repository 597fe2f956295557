"""Opening the lab: one connection per inventory host. A host marked ``simulated: true`` is pointed
at its own instance of the lab provider registered as ``simulated`` (harness/labs.py), started here
and stopped on exit;
nothing else treats a simulated host differently. Used by the run, ``doctor`` and ``cleanup``."""

from __future__ import annotations

import contextlib
import os
import secrets as _random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from harness import labs as lab_providers
from harness.remote.session import connect


def simulated_secrets(inventory_path: str | Path) -> list[str]:
    """Give every environment variable that the ``simulated_lab:`` section names (``password_env``,
    ``user_env``, ...) a value when it has none: random passwords, a fixed user name. Only for a
    simulated lab (its accounts exist nowhere else); a value already set is kept. Returns the names set."""
    try:
        data = yaml.safe_load(Path(inventory_path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return []
    names: dict[str, str] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(key, str) and key.endswith("_env") and isinstance(value, str):
                    names[value] = key
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(data.get("simulated_lab") if isinstance(data, dict) else None)
    done = []
    for name, key in sorted(names.items()):
        if name not in os.environ:
            os.environ[name] = _random.token_urlsafe(18) if "pass" in key else "rh-sim-user"
            done.append(name)
    return done


@contextlib.contextmanager
def open_lab(inventory: Any, inventory_path: str | Path, *, labs: list[Any] | None = None
             ) -> Iterator[dict[str, Any]]:
    """Connections (``RemoteHost``) to every inventory host, by name; ``labs`` receives the started
    simulated labs (one per simulated host: each is its own machine, named as the inventory names
    it). Everything is closed on exit."""
    with contextlib.ExitStack() as stack:
        hosts: dict[str, Any] = {}
        if any(h.simulated for h in inventory.hosts):
            simulated_secrets(inventory_path)
        for host in inventory.hosts:
            cfg = host
            if host.simulated:
                provider = lab_providers.lab_provider("simulated")
                lab = stack.enter_context(provider.from_inventory(str(inventory_path), port=0, host=host.name))
                if labs is not None:
                    labs.append(lab)
                cfg = host.model_copy(update={"address": "127.0.0.1", "port": int(lab.port)})
            remote = connect(cfg)
            stack.callback(remote.close)
            hosts[host.name] = remote
        yield hosts
