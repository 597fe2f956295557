"""Where a long operation's bytes go: the throughput resources of the lab host.

Every local volume has a read and a write rate (``host.volumes[].read/write`` in the description,
default :data:`DEFAULT_VOLUME_RATE`); every share a read rate (``backup_targets[].read``, default
:data:`DEFAULT_SHARE_RATE`) and reading a share also crosses the host's network link
(``host.network``, default :data:`DEFAULT_NETWORK_RATE`). :func:`resources` names the resources a
transfer from one path to another uses, for :meth:`simlab.clock.SimClock.transfer`; concurrent
transfers share them (simlab/flows.py). Sources: none for the numbers — they are the lab
description's, defaults chosen to keep the simulator's old single-operation times (a copy alone at
400 MB/s, a WSB recovery at wbengine's 150 MB/s).
"""

from __future__ import annotations

from typing import Any

from simlab.lab.model import MB
from simlab.winfs import split_path

DEFAULT_VOLUME_RATE = 400 * MB  # bytes per simulated second, each of read and write
DEFAULT_SHARE_RATE = 1000 * MB  # what the file server can send
DEFAULT_NETWORK_RATE = 1250 * MB  # 10 GbE


def root_of(path: str) -> str:
    """``E:`` for ``E:\\VMs\\x.vhdx``, ``\\\\nas01\\wsb`` (lower case) for a UNC path."""
    root = split_path(path)[0]
    return root.lower() if root.startswith("\\\\") else root.upper()


def _rates(host: Any) -> dict[str, tuple[float, float]]:
    rates = getattr(host, "io_rates", None)
    if rates is None:
        rates = {}
        host.io_rates = rates
    return rates


def set_volume_rates(host: Any, root: str, read: float | None, write: float | None) -> None:
    _rates(host)[root_of(root)] = (
        float(read or DEFAULT_VOLUME_RATE), float(write or DEFAULT_VOLUME_RATE))


def set_share_rate(host: Any, root: str, read: float | None) -> None:
    _rates(host)[root_of(root)] = (float(read or DEFAULT_SHARE_RATE), float(read or DEFAULT_SHARE_RATE))


def network_rate(host: Any) -> float:
    return float(getattr(host, "network_rate", None) or DEFAULT_NETWORK_RATE)


def read_rate(host: Any, path: str) -> float:
    root = root_of(path)
    default = DEFAULT_SHARE_RATE if root.startswith("\\\\") else DEFAULT_VOLUME_RATE
    return _rates(host).get(root, (default, default))[0]


def write_rate(host: Any, path: str) -> float:
    root = root_of(path)
    return _rates(host).get(root, (DEFAULT_VOLUME_RATE, DEFAULT_VOLUME_RATE))[1]


def resources(host: Any, *, read: str | None = None, write: str | None = None) -> dict[str, float]:
    """The resources of a transfer that reads ``read`` and writes ``write`` on ``host``."""
    res: dict[str, float] = {}
    if read:
        root = root_of(read)
        res[f"read {root}"] = read_rate(host, read)
        if root.startswith("\\\\"):
            res["network"] = network_rate(host)
    if write:
        res[f"write {root_of(write)}"] = write_rate(host, write)
    return res
