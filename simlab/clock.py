"""Simulated time: hours of Windows work pass in milliseconds of real time.

Two modes (the lab description's ``time.mode``):

* ``scaled`` (the default): the clock runs at ``scale`` simulated seconds per real second and an
  operation that "takes time" jumps it forward (:meth:`SimClock.advance`). Simple, but concurrent
  operations add up instead of overlapping, and the time a client spends between commands counts.
* ``events``: a discrete-event clock. Time never moves with real time; it jumps to the next event
  (a waiting operation's end, a transfer's completion, a scheduled instant such as a guest's boot)
  when every command the lab is running is waiting for simulated time. Operations that run at once
  overlap, transfers share throughput (:mod:`simlab.flows`), and each operation's simulated duration
  is exact for the model; a drill's total does not depend on how fast this machine is as long as the
  clients keep within the hold times below.

What "every command is waiting" means: a WinRS command (the server wraps it in :meth:`activity`)
counts as busy from start to end, except while it waits for simulated time (``advance``, ``sleep``,
``wait_until``, a transfer). A client thinking between two commands is not a command, so the server
tells the clock about clients: after a shell is opened or a command's end is delivered, that shell
is *held* (:meth:`hold`) until its next command or its deletion, at most ``think`` real seconds; and
after any request the clock waits ``quiet`` real seconds (:meth:`touch`). A client that sends its next
command within those times never sees simulated time pass while it thinks. Callers outside any
activity (the lab's own set-up, tests driving the model from Python) jump at once.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import heapq
import threading
import time
from collections.abc import Iterator
from typing import Any

from simlab.flows import Flow, FlowNet

MODES = ("scaled", "events")
DEFAULT_QUIET = 0.03  # real seconds the event clock waits after a command starts/ends before jumping
DEFAULT_THINK = 2.0  # real seconds a client may take between a command's end and its next one on a shell


class SimClock:
    """A monotonic simulated clock (see the module docstring for the two modes)."""

    def __init__(self, start: _dt.datetime, scale: float = 600.0, *, mode: str = "scaled",
                 quiet: float = DEFAULT_QUIET, think: float = DEFAULT_THINK) -> None:
        if start.tzinfo is None:
            start = start.replace(tzinfo=_dt.timezone.utc)
        if mode not in MODES:
            raise ValueError(f"clock mode {mode!r}: use one of {', '.join(MODES)}")
        self._start = start
        self._real0 = time.monotonic()
        self._offset = 0.0  # simulated seconds: advance() in scaled mode, the whole clock in events mode
        self.scale = scale
        self.mode = mode
        self.quiet = quiet
        self.think = think
        self._holds: dict[str, float] = {}  # key (a shell) -> real deadline: a client is between two commands
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self.flows = FlowNet()
        self._active: dict[int, int] = {}  # thread id -> nesting depth of activity()
        self._waiting: dict[int, float] = {}  # thread id -> simulated deadline it waits for
        self._flow_waits: dict[int, Flow] = {}  # thread id -> transfer it waits for
        self._instants: list[float] = []  # heap of scheduled instants (lazy model events)
        self._changed = time.monotonic()  # real time of the last activity start/end
        self._ticker: threading.Thread | None = None
        self.jumps = 0
        # events mode: one command works on the lab's model at a time; a command lets go of it while
        # it waits (for simulated time or for its client), so commands interleave only at waits
        self._model = threading.RLock()
        self._held: dict[int, int] = {}  # thread id -> how often it holds the model lock

    # ------------------------------------------------------------------ reading
    @property
    def events(self) -> bool:
        return self.mode == "events"

    def seconds(self) -> float:
        """Simulated seconds since the clock's start."""
        with self._lock:
            if self.events:
                return self._offset
            return (time.monotonic() - self._real0) * self.scale + self._offset

    def now(self) -> _dt.datetime:
        return self._start + _dt.timedelta(seconds=self.seconds())

    def to_seconds(self, when: _dt.datetime) -> float:
        return (when - self._start).total_seconds()

    # ------------------------------------------------------------------ spending time
    def advance(self, seconds: float) -> None:
        """This operation takes ``seconds`` of simulated time (scaled: jump now; events: wait, so
        that operations running at the same time overlap)."""
        seconds = max(0.0, float(seconds))
        if not self.events:
            with self._lock:
                self._offset += seconds
            return
        if seconds > 0:
            with self._lock:
                target = self._offset + seconds
            self._wait_for(target)

    def sleep(self, seconds: float) -> None:
        """Let ``seconds`` of simulated time pass (Start-Sleep)."""
        if self.events:
            self.advance(seconds)
            return
        real = max(0.0, seconds) / self.scale
        if real > 0.05:
            time.sleep(0.05)
            self.advance(seconds - 0.05 * self.scale)
        else:
            time.sleep(real)

    def wait_until(self, when: _dt.datetime) -> None:
        """Wait until the clock reaches ``when`` (scaled: jump there)."""
        self.advance(max(0.0, (when - self.now()).total_seconds()))

    def at(self, when: _dt.datetime) -> None:
        """Something happens at ``when`` (a guest answers, a service runs, a merge ends): an idle
        events-mode lab moves there when nothing else comes first. No-op in scaled mode."""
        if not self.events:
            return
        with self._cond:
            s = self.to_seconds(when)
            if s > self._offset:
                heapq.heappush(self._instants, s)
                self._ensure_ticker()
                self._cond.notify_all()

    # ------------------------------------------------------------------ throughput
    def start_flow(self, nbytes: float, resources: dict[str, float], *, max_rate: float | None = None,
                   label: str = "") -> Flow:
        """Start a transfer of ``nbytes`` over ``resources`` ({name: bytes per second}); it shares
        each resource with the transfers running at the same time (events mode). In scaled mode its
        end is fixed now, at the rate it would get alone."""
        with self._cond:
            flow = self.flows.start(self.seconds(), nbytes, resources, max_rate=max_rate, label=label,
                                    alone=not self.events)
            if self.events:
                self._ensure_ticker()
                self._cond.notify_all()
            return flow

    def transfer(self, nbytes: float, resources: dict[str, float], *, max_rate: float | None = None,
                 label: str = "") -> float:
        """Move ``nbytes`` and return when done; returns the simulated seconds it took."""
        t0 = self.seconds()
        flow = self.start_flow(nbytes, resources, max_rate=max_rate, label=label)
        self.wait_flow(flow)
        return self.seconds() - t0

    def wait_flow(self, flow: Flow) -> None:
        """Block until ``flow`` has moved all its bytes."""
        if not self.events:
            with self._lock:
                self._offset += max(0.0, (flow.end or 0.0) - self.seconds())
            return
        me = threading.get_ident()
        with self.unlocked(), self._cond:
            self.flows.adopt(flow)
            self._flow_waits[me] = flow
            try:
                self._cond.notify_all()
                while not flow.done:
                    self._step_or_wait()
            finally:
                self._flow_waits.pop(me, None)

    def flow_end(self, flow: Flow) -> _dt.datetime | None:
        """When ``flow`` ends (known for a finished flow, else projected at today's rates)."""
        with self._lock:
            if self.events:
                self.flows.adopt(flow)
            end = flow.end if flow.done else self.flows.projected_end(flow, self.seconds())
        return None if end is None else self._start + _dt.timedelta(seconds=end)

    # ------------------------------------------------------------------ commands
    @contextlib.contextmanager
    def activity(self) -> Iterator[None]:
        """A command runs: in events mode the clock does not move while it works (only while it waits)."""
        if not self.events:
            yield
            return
        me = threading.get_ident()
        with self._cond:
            self._active[me] = self._active.get(me, 0) + 1
            self._changed = time.monotonic()
        try:
            self._model.acquire()
            self._held[me] = self._held.get(me, 0) + 1
            try:
                yield
            finally:
                self._held[me] -= 1
                if not self._held[me]:
                    del self._held[me]
                self._model.release()
        finally:
            with self._cond:
                depth = self._active.get(me, 1) - 1
                if depth:
                    self._active[me] = depth
                else:
                    self._active.pop(me, None)
                self._changed = time.monotonic()
                self._cond.notify_all()

    def hold(self, key: str) -> None:
        """A client has just got a command's end (or opened a shell) and will likely send its next
        command on it: the clock waits for that command, at most ``think`` real seconds."""
        if self.events:
            with self._cond:
                self._holds[key] = time.monotonic() + self.think

    def unhold(self, key: str) -> None:
        """The client's next command arrived (or it closed the shell)."""
        if self.events:
            with self._cond:
                if self._holds.pop(key, None) is not None:
                    self._changed = time.monotonic()
                    self._cond.notify_all()

    def _hold_left(self) -> float:
        now = time.monotonic()
        for key, until in list(self._holds.items()):
            if until <= now:
                del self._holds[key]
        return max(self._holds.values(), default=now) - now

    def touch(self) -> None:
        """A client did something (the WS-Man server calls this for every request but Receive): the
        events clock waits ``quiet`` real seconds before its next jump."""
        if self.events:
            with self._cond:
                self._changed = time.monotonic()

    @contextlib.contextmanager
    def unlocked(self) -> Iterator[None]:
        """Let go of the model lock while this thread waits (for simulated time, or for its client's
        stdin), and take it back afterwards."""
        me = threading.get_ident()
        depth = self._held.pop(me, 0)
        for _ in range(depth):
            self._model.release()
        try:
            yield
        finally:
            for _ in range(depth):
                self._model.acquire()
            if depth:
                self._held[me] = depth

    # ------------------------------------------------------------------ the event loop
    def _wait_for(self, target: float) -> None:
        me = threading.get_ident()
        with self.unlocked(), self._cond:
            self._waiting[me] = target
            try:
                self._cond.notify_all()
                while self._offset < target - 1e-9:
                    self._step_or_wait()
            finally:
                self._waiting.pop(me, None)

    def _recently_touched(self) -> bool:
        return time.monotonic() - self._changed < self.quiet

    def _busy(self) -> bool:
        """Some running command is not waiting for simulated time."""
        return any(t not in self._waiting and t not in self._flow_waits for t in self._active)

    def _next_event(self) -> float | None:
        now = self._offset
        while self._instants and self._instants[0] <= now + 1e-9:
            heapq.heappop(self._instants)
        cands = [t for t in self._waiting.values() if t > now]
        if self._instants:
            cands.append(self._instants[0])
        nxt = self.flows.next_completion(now)
        if nxt is not None:
            cands.append(max(nxt, now))
        return min(cands) if cands else None

    def _step_or_wait(self) -> None:
        """Called with the lock held: jump to the next event if allowed, else wait a little."""
        if self._busy():
            self._cond.wait(0.05)
            return
        if self._hold_left() > 0:
            self._cond.wait(min(0.05, self._hold_left()))
            return
        if self._active or self._recently_touched():
            hold = self.quiet - (time.monotonic() - self._changed)
            if hold > 0:
                self._cond.wait(hold)
                return
        nxt = self._next_event()
        if nxt is None:
            self._cond.wait(0.05)
            return
        self._jump(nxt)

    def _jump(self, to: float) -> None:
        to = max(to, self._offset)
        self.flows.run_until(self._offset, to)
        self._offset = to
        self.jumps += 1
        # the threads whose wait is over are runnable from now on (before they get the lock back), so
        # no other thread jumps past them
        for tid, target in list(self._waiting.items()):
            if target <= to + 1e-9:
                del self._waiting[tid]
        for tid, flow in list(self._flow_waits.items()):
            if flow.done:
                del self._flow_waits[tid]
        self._cond.notify_all()

    def _ensure_ticker(self) -> None:
        """Events mode: a daemon thread moves an idle clock to scheduled instants and transfer ends
        that no thread waits for (asynchronous work: merges, WSB -Async jobs, guest boots)."""
        if self._ticker is not None and self._ticker.is_alive() and self._ticker is not threading.current_thread():
            return
        self._ticker = threading.Thread(target=self._tick, name="simclock", daemon=True)
        self._ticker.start()

    def _tick(self) -> None:
        while True:
            with self._cond:
                if self._waiting or self._flow_waits:
                    self._cond.wait(0.2)  # waiting threads drive the clock themselves
                    continue
                if self._busy():
                    self._cond.wait(0.05)
                    continue
                if self._hold_left() > 0:
                    self._cond.wait(min(0.05, self._hold_left()))
                    continue
                hold = self.quiet - (time.monotonic() - self._changed)
                if hold > 0:
                    self._cond.wait(hold)
                    continue
                nxt = self._next_event()
                if nxt is None:  # nothing scheduled: end; the next at()/start_flow() starts a new ticker
                    self._ticker = None
                    return
                self._jump(nxt)

    # ------------------------------------------------------------------ persistence / state
    def state(self) -> dict[str, Any]:
        return {"now": self.now().isoformat(), "scale": self.scale, "mode": self.mode,
                "flows": len(self.flows.active)}


def clock_args(clock: SimClock) -> tuple[str, float, str, float, float]:
    """What a saved lab keeps of its clock (simlab.lab.persist): the instant, scale, mode and quiet
    time. Transfers in flight are not kept; the models that own them restart what is left."""
    return (clock.now().isoformat(), clock.scale, clock.mode, clock.quiet, clock.think)


def restore_clock(now_iso: str, scale: float, mode: str = "scaled", quiet: float = DEFAULT_QUIET,
                  think: float = DEFAULT_THINK) -> SimClock:
    return SimClock(_dt.datetime.fromisoformat(now_iso), scale, mode=mode, quiet=quiet, think=think)
