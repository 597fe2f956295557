"""The lower bound of a restore drill's makespan, computed from the lab description (issue 16 item 4).

No schedule can finish a host's share of the drill faster than its busiest storage path allows, and
the last VM restored still has to boot and get its services healthy after its last byte lands:

    bound(host) = max( bytes the host restores / its scratch volume's write rate,
                       max over sources s: bytes read from s / s's read rate )
                  + the longest boot-to-services-healthy time of a VM on that host
    bound(drill) = max over hosts of bound(host)

A share's read rate is the smaller of what the file server sends and the host's network link (every
byte from a share crosses it). Fixed costs (Compare-VM, WSB's start, WinPE's boot, Start-VM) and
per-operation rate caps are left out, which keeps it a bound. Pure functions: the benchmark derives
the inputs from its generated lab description, never from the run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class HostRates:
    """Throughput of one host's storage paths, in bytes per (simulated) second."""

    scratch_write: float
    source_read: Mapping[str, float] = field(default_factory=dict)  # source name -> read rate


@dataclass(frozen=True)
class VmLoad:
    """One VM of the drill: where it is restored, how many bytes from which source, and how long from
    its start until its services are healthy."""

    host: str
    restore_bytes: int
    source: str
    boot_to_healthy_s: float
    vm: str = ""  # for the reader; not used by the bound
    chain_s: float = 0.0  # its time in the host's chain of WSB jobs (one at a time per host), 0: not in it


def host_bound_s(rates: HostRates, loads: Iterable[VmLoad]) -> float:
    """The bound for one host's VMs (0 for none)."""
    loads = list(loads)
    if not loads:
        return 0.0
    if rates.scratch_write <= 0:
        raise ValueError("scratch_write must be a positive rate")
    total = sum(v.restore_bytes for v in loads)
    storage = total / rates.scratch_write
    by_source: dict[str, int] = {}
    for v in loads:
        by_source[v.source] = by_source.get(v.source, 0) + v.restore_bytes
    for source, nbytes in by_source.items():
        rate = rates.source_read.get(source)
        if rate is None:
            raise ValueError(f"source {source!r} has no read rate for this host")
        if rate <= 0:
            raise ValueError(f"source {source!r}: the read rate must be positive")
        storage = max(storage, nbytes / rate)
    return storage + max(v.boot_to_healthy_s for v in loads)


def host_chain_bound_s(rates: HostRates, loads: Iterable[VmLoad]) -> float:
    """:func:`host_bound_s`, or the host's chain of WSB jobs if that is longer: Windows Server Backup
    runs one job per machine, so a host's WSB restores follow each other, each at most at wbengine's
    own rate (``VmLoad.chain_s``), and the last one's VM still boots after it (0 for no VMs)."""
    loads = list(loads)
    if not loads:
        return 0.0
    chain = [v for v in loads if v.chain_s > 0]
    by_chain = sum(v.chain_s for v in chain) + max((v.boot_to_healthy_s for v in chain), default=0.0)
    return max(host_bound_s(rates, loads), by_chain if chain else 0.0)


def lower_bound_s(hosts: Mapping[str, HostRates], loads: Iterable[VmLoad], *, chains: bool = False) -> float:
    """The drill's bound: the largest host bound (``chains``: with each host's chain of WSB jobs,
    :func:`host_chain_bound_s`). A VM on a host with no rates is an error."""
    per_host: dict[str, list[VmLoad]] = {}
    for v in loads:
        if v.host not in hosts:
            raise ValueError(f"VM load on host {v.host!r}, which has no rates")
        per_host.setdefault(v.host, []).append(v)
    bound = host_chain_bound_s if chains else host_bound_s
    return max((bound(hosts[h], vs) for h, vs in per_host.items()), default=0.0)


def share_rate(server_read: float, network: float) -> float:
    """What a host can read from a share: the file server's rate or the host's link, whichever is less."""
    return min(server_read, network)
