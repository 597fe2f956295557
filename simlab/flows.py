"""Transfers that share throughput: import copies, WSB recoveries, BMR restores, checkpoint merges.

A :class:`Flow` moves a number of bytes over a set of resources (a volume's read side, another
volume's write side, the host's network link, a share's read rate), each with a capacity in bytes
per simulated second, optionally capped by the tool's own rate (wbengine, a merge). Flows that run
at the same time share each resource max-min fairly (progressive filling): every flow gets the same
share of a saturated resource unless it is held back elsewhere, and what it leaves unused goes to
the others — how a disk or a link serves several sequential streams on average. Rates are
recomputed whenever a flow starts or ends, so the simulated duration of each transfer is exact for
the model (no time steps).

The net keeps no clock; :class:`simlab.clock.SimClock` owns one and moves it forward.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

_EPS_BYTES = 1e-3
_ids = itertools.count(1)


@dataclass(eq=False)
class Flow:
    """One transfer. ``end`` is set when it finished (simulated seconds since the clock's start)."""

    nbytes: float
    resources: dict[str, float]  # resource name -> capacity (bytes per simulated second)
    max_rate: float | None = None
    label: str = ""
    started: float = 0.0
    remaining: float = 0.0
    rate: float = 0.0
    end: float | None = None
    id: int = field(default_factory=lambda: next(_ids))

    @property
    def done(self) -> bool:
        return self.end is not None


class FlowNet:
    """The flows running now and their max-min fair rates."""

    def __init__(self) -> None:
        self.active: list[Flow] = []
        self.capacity: dict[str, float] = {}

    def start(self, now: float, nbytes: float, resources: dict[str, float], *, max_rate: float | None = None,
              label: str = "", alone: bool = False) -> Flow:
        """Add a flow at ``now``. ``alone``: fix its end now at the rate it would get by itself
        (the scaled clock, which does not share)."""
        for name, cap in resources.items():
            if cap <= 0:
                raise ValueError(f"resource {name}: capacity must be positive, not {cap}")
        flow = Flow(float(nbytes), dict(resources), max_rate, label, now, float(nbytes))
        if flow.remaining <= _EPS_BYTES:
            flow.end = now
            return flow
        if alone:
            flow.rate = self.alone_rate(flow)
            flow.end = now + flow.remaining / flow.rate
            flow.remaining = 0.0
            return flow
        self.active.append(flow)
        self._rebalance()
        return flow

    def adopt(self, flow: Flow) -> None:
        """Take back a flow that is not running here (a lab loaded from a saved state)."""
        if not flow.done and flow not in self.active:
            self.active.append(flow)
            self._rebalance()

    @staticmethod
    def alone_rate(flow: Flow) -> float:
        rates = list(flow.resources.values()) + ([flow.max_rate] if flow.max_rate else [])
        if not rates:
            raise ValueError(f"flow {flow.label!r} has no resource and no rate")
        return min(rates)

    def _rebalance(self) -> None:
        """Max-min fair rates by progressive filling over the resources and the per-flow caps."""
        left: dict[str, float] = {}
        for f in self.active:
            for name, cap in f.resources.items():
                left[name] = cap  # capacity of a resource is the same for every flow naming it
        self.capacity.update(left)
        unfrozen = [f for f in self.active]
        for f in unfrozen:
            f.rate = 0.0
        while unfrozen:
            # the tightest constraint: a resource's fair share, or a flow's own cap
            best_share, best_res = None, None
            for name, cap in left.items():
                users = [f for f in unfrozen if name in f.resources]
                if users:
                    share = cap / len(users)
                    if best_share is None or share < best_share:
                        best_share, best_res = share, name
            capped = [f for f in unfrozen if f.max_rate is not None]
            cap_flow = min(capped, key=lambda f: f.max_rate or 0.0) if capped else None
            if cap_flow is not None and (best_share is None or (cap_flow.max_rate or 0.0) < best_share):
                freeze, rate = [cap_flow], float(cap_flow.max_rate or 0.0)
            elif best_res is not None and best_share is not None:
                freeze, rate = [f for f in unfrozen if best_res in f.resources], best_share
            else:  # flows with neither resource nor cap cannot exist (start() refuses them)
                break
            for f in freeze:
                f.rate = rate
                unfrozen.remove(f)
                for name in f.resources:
                    left[name] = max(0.0, left[name] - rate)

    def next_completion(self, now: float) -> float | None:
        """When the first running flow ends at today's rates."""
        ends = [now + f.remaining / f.rate for f in self.active if f.rate > 0]
        return min(ends) if ends else None

    def projected_end(self, flow: Flow, now: float) -> float | None:
        if flow.done:
            return flow.end
        if flow.rate <= 0:
            return None
        return now + flow.remaining / flow.rate

    def run_until(self, now: float, to: float) -> list[Flow]:
        """Move every flow from ``now`` to ``to`` (no flow may end strictly before ``to``: the
        clock jumps to each completion); returns the flows that finished at ``to``."""
        dt = max(0.0, to - now)
        finished = []
        for f in self.active:
            f.remaining -= f.rate * dt
            if f.remaining <= max(_EPS_BYTES, f.rate * 1e-9):
                f.remaining = 0.0
                f.end = to
                finished.append(f)
        if finished:
            self.active = [f for f in self.active if not f.done]
            self._rebalance()
        return finished
