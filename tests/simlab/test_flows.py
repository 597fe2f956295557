"""Throughput sharing (simlab/flows.py): max-min fair rates and exact completion times."""

from __future__ import annotations

import pytest

from simlab.flows import FlowNet

MB = 2**20


def _run_to_end(net: FlowNet, now: float = 0.0) -> float:
    while net.active:
        nxt = net.next_completion(now)
        assert nxt is not None
        net.run_until(now, nxt)
        now = nxt
    return now


def test_two_flows_on_one_resource_share_it_equally_and_end_together() -> None:
    net = FlowNet()
    a = net.start(0.0, 400 * MB, {"write E:": 400 * MB})
    b = net.start(0.0, 400 * MB, {"write E:": 400 * MB})
    assert a.rate == b.rate == 200 * MB
    assert _run_to_end(net) == pytest.approx(2.0)
    assert a.end == pytest.approx(2.0) and b.end == pytest.approx(2.0)


def test_a_flow_that_joins_later_slows_the_first_and_both_get_the_rest_when_one_ends() -> None:
    net = FlowNet()
    a = net.start(0.0, 800 * MB, {"write E:": 400 * MB})
    net.run_until(0.0, 1.0)  # A alone for 1 s: 400 MB left
    b = net.start(1.0, 200 * MB, {"write E:": 400 * MB})
    assert a.rate == b.rate == 200 * MB
    end_b = net.next_completion(1.0)
    assert end_b == pytest.approx(2.0)
    net.run_until(1.0, end_b)
    assert b.end == pytest.approx(2.0) and not a.done
    assert a.rate == 400 * MB  # alone again: 200 MB left at full rate
    assert _run_to_end(net, 2.0) == pytest.approx(2.5)


def test_a_capped_flow_leaves_the_rest_of_the_resource_to_the_others() -> None:
    net = FlowNet()
    slow = net.start(0.0, 100 * MB, {"write E:": 400 * MB}, max_rate=100 * MB)
    fast = net.start(0.0, 300 * MB, {"write E:": 400 * MB})
    assert slow.rate == 100 * MB and fast.rate == 300 * MB


def test_a_flow_held_back_on_one_resource_leaves_bandwidth_on_the_other() -> None:
    net = FlowNet()
    share = net.start(0.0, 1, {"read \\\\nas01\\wsb": 100 * MB, "write E:": 400 * MB})
    local = net.start(0.0, 1, {"read B:": 400 * MB, "write E:": 400 * MB})
    assert share.rate == 100 * MB and local.rate == 300 * MB


def test_alone_fixes_the_end_at_the_single_flow_rate_and_does_not_join_the_net() -> None:
    net = FlowNet()
    f = net.start(10.0, 800 * MB, {"read B:": 400 * MB, "write E:": 500 * MB}, max_rate=200 * MB, alone=True)
    assert f.end == pytest.approx(14.0) and not net.active


def test_an_empty_transfer_is_done_at_once_and_a_zero_capacity_is_refused() -> None:
    net = FlowNet()
    assert net.start(3.0, 0, {"write E:": MB}).end == 3.0
    with pytest.raises(ValueError, match="capacity must be positive"):
        net.start(0.0, MB, {"write E:": 0})
