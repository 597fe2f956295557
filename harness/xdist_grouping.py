"""Each lab host's tests in one pytest-xdist worker (harness/xdist_hosts.py; docs/drills.md,
"Scale-out across lab hosts"): which scenario a test id names, which worker gets which host, and the
scheduler that sends every worker all of its hosts' tests up front (xdist's ``Scheduling`` protocol,
xdist/scheduler/protocol.py). It replaces ``--dist loadgroup``, whose grouping depends on pytest
taking over a changed node id, which pytest 9.2 no longer does (pytest-xdist issue #1386)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest


def scenario_in_nodeid(nodeid: str, names: Sequence[str]) -> str | None:
    """The scenario a test id names in its parameters (``suites/x.py::test_y[import-cm01]``): the
    longest scenario name that is a run of whole dash-separated words of the parameter id."""
    if not nodeid.endswith("]") or "[" not in nodeid:
        return None
    padded = f"-{nodeid[nodeid.index('[') + 1:-1]}-"
    found = [n for n in names if f"-{n}-" in padded]
    return max(found, key=len) if found else None


def assign(nodeids: Sequence[str], host_of: Callable[[str], str | None], workers: int) -> list[list[int]]:
    """Test indices per worker: every test of a host to one worker (host *i* of the sorted hosts to
    worker *i mod workers*), tests without a host to worker 0; collection order kept."""
    hosts = sorted({h for h in map(host_of, nodeids) if h is not None})
    worker_of = {h: i % workers for i, h in enumerate(hosts)}
    out: list[list[int]] = [[] for _ in range(max(workers, 1))]
    for index, nodeid in enumerate(nodeids):
        host = host_of(nodeid)
        out[worker_of[host] if host is not None else 0].append(index)
    return out


def worker_index(worker_id: str) -> int:
    """``gw3`` → 3 (xdist's worker ids)."""
    return int(worker_id[2:]) if worker_id.startswith("gw") and worker_id[2:].isdigit() else -1


class HostScheduling:
    """xdist scheduler: each lab host's tests in one worker (see the module docstring). Implements
    xdist's ``Scheduling`` protocol (xdist/scheduler/protocol.py)."""

    def __init__(self, config: pytest.Config, log: Any = None, host_of: Callable[[str], str | None] | None = None,
                 numnodes: int | None = None, interrupted: Callable[[], bool] = lambda: False) -> None:
        if numnodes is None:
            from xdist.workermanage import parse_tx_spec_config

            numnodes = len(parse_tx_spec_config(config))
        self.numnodes = numnodes
        self.config = config
        self.host_of = host_of or (lambda nodeid: None)
        self.interrupted = interrupted  # True once a Ctrl-C was passed on to the workers
        self.log = log.hostsched if log is not None else (lambda *args: None)
        self.collection: list[str] | None = None
        self.collections: dict[Any, list[str]] = {}
        self.pending: dict[Any, list[int]] = {}
        self.assigned: dict[str, list[int]] = {}  # worker id -> the indices of the tests it was given
        self.dropped: dict[str, list[str]] = {}  # worker id -> its tests that it stopped before running

    @property
    def nodes(self) -> list[Any]:
        return list(self.pending)

    @property
    def collection_is_completed(self) -> bool:
        return len(self.collections) >= self.numnodes

    @property
    def tests_finished(self) -> bool:
        return self.collection_is_completed and not any(self.pending.values())

    @property
    def has_pending(self) -> bool:
        return any(self.pending.values())

    def add_node(self, node: Any) -> None:
        assert node not in self.pending
        self.pending[node] = []

    def add_node_collection(self, node: Any, collection: Sequence[str]) -> None:
        self.collections[node] = list(collection)

    def mark_test_complete(self, node: Any, item_index: int, duration: float = 0) -> None:
        self.pending[node].remove(item_index)

    def mark_test_pending(self, item: str) -> None:
        raise NotImplementedError("a host's tests are never moved to another worker")

    def remove_pending_tests_from_node(self, node: Any, indices: Sequence[int]) -> None:
        raise NotImplementedError("a host's tests are never moved to another worker")

    def remove_node(self, node: Any) -> str | None:
        """A worker stopped. Its tests that did not run are not given to another worker (its hosts'
        part of the run ended with it) but kept in ``dropped``, in order; the first, the one it was
        running, is xdist's crash item (``DSession.handle_crashitem`` reports it, and the controller's
        ``pytest_handlecrashitem``, harness/xdist_hosts.py, the others), unless the run was interrupted
        (then the worker stopped because it was told to)."""
        pending = self.pending.pop(node)
        if not pending or self.collection is None:
            return None
        names = [self.collection[i] for i in pending]
        self.dropped[node.gateway.id] = names
        return None if self.interrupted() else names[0]

    def hosts_of(self, worker: str) -> list[str]:
        """The lab hosts whose tests a worker was given (sorted)."""
        if self.collection is None:
            return []
        hosts = (self.host_of(self.collection[i]) for i in self.assigned.get(worker, []))
        return sorted({h for h in hosts if h is not None})

    def schedule(self) -> None:
        """Send every worker all of its tests, then tell it to stop after them."""
        assert self.collection_is_completed
        if self.collection is None:
            if not self._same_collections():
                return
            self.collection = next(iter(self.collections.values()))
            plan = assign(self.collection, self.host_of, self.numnodes)
        else:  # a worker added later (restarted): it gets nothing
            plan = []
        for node in self.nodes:
            index = worker_index(node.gateway.id)
            indices = plan[index] if 0 <= index < len(plan) else []
            if indices and not self.pending[node]:
                self.pending[node] = list(indices)
                self.assigned[node.gateway.id] = list(indices)
                node.send_runtest_some(indices)
            node.shutdown()

    def _same_collections(self) -> bool:
        from xdist.report import report_collection_diff

        nodes = list(self.collections)
        first = self.collections[nodes[0]]
        for node in nodes[1:]:
            other = self.collections[node]
            if other != first:
                msg = report_collection_diff(first, other, nodes[0].gateway.id, node.gateway.id)
                self.log(msg)
                report = pytest.CollectReport(node.gateway.id, "failed", longrepr=msg, result=[])
                self.config.hook.pytest_collectreport(report=report)
                for each in self.nodes:
                    each.shutdown()
                return False
        return True
