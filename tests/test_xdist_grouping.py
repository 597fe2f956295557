"""harness/xdist_grouping.py without xdist processes: which scenario a test id names, which worker
gets which host, and the scheduler driven with stand-in worker nodes."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from harness.xdist_grouping import HostScheduling, assign, scenario_in_nodeid

NAMES = ["import-cm01", "import-sql01", "cm01", "bmr-fs01"]
HOST_OF = {"import-cm01": "HV-LAB01", "cm01": "HV-LAB01", "import-sql01": "HV-LAB02", "bmr-fs01": "HV-LAB03"}


def _host(nodeid: str) -> str | None:
    name = scenario_in_nodeid(nodeid, NAMES)
    return HOST_OF[name] if name else None


@pytest.mark.parametrize(("nodeid", "expected"), [
    ("suites/test_import_restore.py::test_registered[import-cm01]", "import-cm01"),
    ("suites/test_x.py::TestA::test_b[cm01]", "cm01"),  # a name that is part of a longer one
    ("suites/test_x.py::test_b[import-sql01-critical]", "import-sql01"),  # with another parameter
    ("suites/test_x.py::test_b[fast-bmr-fs01]", "bmr-fs01"),
    ("suites/test_x.py::test_run_level", None),
    ("suites/test_x.py::test_b[import-cm011]", None),  # not a whole word
])
def test_the_scenario_a_test_id_names(nodeid: str, expected: str | None) -> None:
    assert scenario_in_nodeid(nodeid, NAMES) == expected


IDS = ["s.py::t1[import-sql01]", "s.py::t1[import-cm01]", "s.py::t0", "s.py::t2[import-sql01]",
       "s.py::t2[bmr-fs01]", "s.py::t2[import-cm01]"]


def test_each_host_goes_to_one_worker_in_collection_order() -> None:
    # hosts sorted: HV-LAB01 -> gw0, HV-LAB02 -> gw1, HV-LAB03 -> gw0 (2 workers); no scenario -> gw0
    assert assign(IDS, _host, 2) == [[1, 2, 4, 5], [0, 3]]
    assert assign(IDS, _host, 4) == [[1, 2, 5], [0, 3], [4], []]
    assert assign(IDS, _host, 1) == [[0, 1, 2, 3, 4, 5]]


class _Node:
    def __init__(self, worker: str) -> None:
        self.gateway = SimpleNamespace(id=worker)
        self.sent: list[int] = []
        self.shut = False

    def send_runtest_some(self, indices: list[int]) -> None:
        self.sent += indices

    def shutdown(self) -> None:
        self.shut = True


def _scheduler(workers: int) -> tuple[HostScheduling, list[_Node]]:
    config: Any = SimpleNamespace(stash={}, hook=SimpleNamespace(pytest_collectreport=lambda report: None))
    sched = HostScheduling(config, None, _host, numnodes=workers)
    nodes = [_Node(f"gw{i}") for i in range(workers)]
    for node in reversed(nodes):  # workers become ready in any order
        sched.add_node(node)
        sched.add_node_collection(node, IDS)
    return sched, nodes


def test_the_scheduler_sends_each_worker_its_hosts_tests_then_stops_it() -> None:
    config: Any = SimpleNamespace(stash={})
    partial = HostScheduling(config, None, _host, numnodes=3)
    partial.add_node(_Node("gw1"))
    partial.add_node_collection(partial.nodes[0], IDS)
    assert not partial.collection_is_completed and not partial.tests_finished  # waits for every worker
    sched, (gw0, gw1, gw2) = _scheduler(3)
    assert sched.collection_is_completed
    sched.schedule()
    assert (gw0.sent, gw1.sent, gw2.sent) == ([1, 2, 5], [0, 3], [4])
    assert gw0.shut and gw1.shut and gw2.shut  # all of its tests are queued: the worker ends after them
    assert sched.has_pending and not sched.tests_finished
    for node in (gw0, gw1, gw2):
        for index in list(node.sent):
            sched.mark_test_complete(node, index)
    assert sched.tests_finished and not sched.has_pending
    assert sched.remove_node(gw0) is None  # a worker that ran everything


def test_a_worker_without_a_host_gets_nothing_and_stops() -> None:
    sched, nodes = _scheduler(5)
    sched.schedule()
    assert [n.sent for n in nodes] == [[1, 2, 5], [0, 3], [4], [], []]
    assert all(n.shut for n in nodes)


def test_a_worker_that_dies_keeps_its_tests_and_names_the_crashed_one() -> None:
    sched, (gw0, gw1) = _scheduler(2)
    sched.schedule()
    sched.mark_test_complete(gw1, 0)
    assert sched.remove_node(gw1) == IDS[3]  # the test it was running: xdist reports it as crashed
    assert sched.dropped == {"gw1": [IDS[3]]}  # never moved to gw0, which holds HV-LAB01's part of the run
    assert gw0.sent == [1, 2, 4, 5]
    assert sched.hosts_of("gw1") == ["HV-LAB02"]  # its part of the run, for what the controller says


def test_a_worker_that_dies_early_keeps_every_test_it_did_not_run_in_order() -> None:
    sched, (gw0, gw1) = _scheduler(2)
    sched.schedule()
    sched.mark_test_complete(gw0, 1)
    assert sched.remove_node(gw0) == IDS[2]
    assert sched.dropped == {"gw0": [IDS[i] for i in (2, 4, 5)]}
    assert sched.hosts_of("gw0") == ["HV-LAB01", "HV-LAB03"] and sched.hosts_of("gw1") == ["HV-LAB02"]
    assert sched.has_pending and not sched.tests_finished  # gw1 still runs HV-LAB02's tests
    for index in list(gw1.sent):
        sched.mark_test_complete(gw1, index)
    assert sched.remove_node(gw1) is None and sched.dropped == {"gw0": [IDS[i] for i in (2, 4, 5)]}
    assert sched.tests_finished


def test_a_worker_stopped_by_ctrl_c_is_not_a_crash() -> None:
    sched, (gw0, _gw1) = _scheduler(2)
    sched.interrupted = lambda: True  # the controller passed a Ctrl-C on
    sched.schedule()
    assert sched.remove_node(gw0) is None
    assert sched.dropped == {"gw0": [IDS[i] for i in (1, 2, 4, 5)]}  # kept, but no crash to report


def test_different_collections_stop_the_workers_with_a_collection_error() -> None:
    seen = []
    config: Any = SimpleNamespace(stash={}, hook=SimpleNamespace(pytest_collectreport=lambda report: seen.append(report)))
    sched = HostScheduling(config, None, _host, numnodes=2)
    gw0, gw1 = _Node("gw0"), _Node("gw1")
    for node, ids in ((gw0, IDS), (gw1, IDS[:-1])):
        sched.add_node(node)
        sched.add_node_collection(node, ids)
    sched.schedule()
    assert len(seen) == 1 and seen[0].failed and gw0.shut and gw1.shut and not gw0.sent
    assert sched.tests_finished
