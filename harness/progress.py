"""Progress of long waits (copy, recovery, WinPE, boot, services) for the console.

The run (the restore engine) calls :func:`publish` while it waits on a host (or wraps one long remote
operation in :func:`tracking`); listeners added with
:func:`add_listener` receive one :class:`ProgressEvent` per call. :class:`ConsoleProgress` is the
listener ``restore-harness run`` installs: on a terminal it keeps one updating line, otherwise (CI
logs) it writes plain timestamped lines, at most one per scenario and step every ``interval``
seconds, plus one when a step changes.

:class:`RemoteProgress` turns the remote-operation events (harness/remote/events.py) of the polling
templates into progress, so waits are visible before the engine publishes its own events. The
listeners live in a :class:`harness.listeners.Listeners` registry, as the remote events' do: errors
are logged and never break the run.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import logging
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TextIO

from harness import naming
from harness.listeners import Listeners

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProgressEvent:
    """One progress report: ``elapsed`` seconds since the step began; ``percent`` only when the host
    reports one (else None)."""

    scenario: str
    step: str
    elapsed: float
    percent: float | None = None


Listener = Callable[[ProgressEvent], None]
_listeners: Listeners[ProgressEvent] = Listeners("progress listener", log)
add_listener = _listeners.add  # call a listener for every published event from now on (process-wide)
remove_listener = _listeners.remove  # stop calling it (no error if it was not added)
listening = _listeners.listening  # the ``with`` form of the two


def publish(scenario: str, step: str, elapsed: float, percent: float | None = None) -> None:
    """Report that ``scenario`` has been in ``step`` for ``elapsed`` seconds (``percent`` done, when
    known). Cheap when nobody listens; a failing listener is logged, never raised."""
    if not _listeners.current():
        return
    _listeners.deliver(ProgressEvent(scenario, step, max(0.0, float(elapsed)),
                                     None if percent is None else max(0.0, min(100.0, float(percent)))))


@contextlib.contextmanager
def tracking(scenario: str, step: str, *, every: float = 5.0,
             clock: Callable[[], float] = time.monotonic) -> Iterator[Callable[[float | None], None]]:
    """Publish ``step`` of ``scenario`` now, then every ``every`` seconds until the block ends: for a
    wait that is ONE long remote operation (the copy of an import), where no poll reports on its
    own. The block gets a function to call with a percentage when one becomes known."""
    start = clock()
    stop = threading.Event()
    last: list[float | None] = [None]

    def report(percent: float | None = None) -> None:
        if percent is not None:
            last[0] = percent
        publish(scenario, step, clock() - start, last[0])

    def tick() -> None:
        while not stop.wait(every):
            report()

    report()
    ticker = threading.Thread(target=tick, name=f"progress {scenario}", daemon=True)
    ticker.start()
    try:
        yield report
    finally:
        stop.set()
        ticker.join()
        report()


def format_elapsed(seconds: float) -> str:
    """``75`` → ``1m15s``; ``3725`` → ``1h02m05s``."""
    s = int(seconds)
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    if h:
        return f"{h}h{m:02d}m{sec:02d}s"
    return f"{m}m{sec:02d}s" if m else f"{sec}s"


def describe(event: ProgressEvent) -> str:
    """``import-cm01: boot (heartbeat): 2m05s, 40 %``."""
    pct = "" if event.percent is None else f", {event.percent:.0f} %"
    return f"{event.scenario}: {event.step}: {format_elapsed(event.elapsed)}{pct}"


class ConsoleProgress:
    """Renders progress on ``stream``: one updating line on a terminal, else plain timestamped lines
    at most every ``interval`` seconds per scenario and step (and whenever the step changes).

    A drill runs several scenarios at once: the terminal line then shows each scenario that reported
    in the last ``interval`` seconds, newest first, separated by `` | `` and cut to ``width``
    characters; plain lines always name their scenario."""

    def __init__(self, stream: TextIO, *, tty: bool | None = None, interval: float = 30.0,
                 clock: Callable[[], float] = time.monotonic,
                 now: Callable[[], _dt.datetime] = lambda: _dt.datetime.now(_dt.UTC),
                 width: int | None = None) -> None:
        self.stream = stream
        self.tty = bool(getattr(stream, "isatty", lambda: False)()) if tty is None else tty
        self.interval = interval
        self.columns = width or max(40, shutil.get_terminal_size().columns - 1)
        self._clock = clock
        self._now = now
        self._last: dict[tuple[str, str], float] = {}
        self._step: dict[str, str] = {}
        self._live: dict[str, tuple[float, str]] = {}  # terminal: scenario -> (when, its latest text)
        self._width = 0
        self._lock = threading.Lock()

    def _line(self, event: ProgressEvent, text: str) -> str:
        t = self._clock()
        self._live.pop(event.scenario, None)
        self._live[event.scenario] = (t, text)
        live = [txt for when, txt in reversed(self._live.values()) if t - when <= self.interval]
        line = " | ".join(live)
        return line if len(line) <= self.columns else line[: self.columns - 1] + "…"

    def __call__(self, event: ProgressEvent) -> None:
        text = describe(event)
        with self._lock:
            if self.tty:
                text = self._line(event, text)
                pad = " " * max(0, self._width - len(text))
                self.stream.write(f"\r{text}{pad}")
                self._width = len(text)
            else:
                key = (event.scenario, event.step)
                t = self._clock()
                changed = self._step.get(event.scenario) != event.step
                if not changed and key in self._last and t - self._last[key] < self.interval:
                    return
                self._last[key] = t
                self._step[event.scenario] = event.step
                self.stream.write(f"{self._now().strftime('%H:%M:%S')} {text}\n")
            self.stream.flush()

    def close(self) -> None:
        """End the updating line (terminal only) so that later output starts on a new line."""
        with self._lock:
            if self.tty and self._width:
                self.stream.write("\n")
                self.stream.flush()
                self._width = 0


# Which polling template is which wait, as the step name the console shows.
POLL_STEPS: Mapping[str, str] = {
    "wsb_job": "recovery (WSB job)",
    "bmr_vm_state": "WinPE recovery / boot",
    "vm_heartbeat": "boot (heartbeat)",
    "guest_services": "services",
    "guest_probe": "guest answers",
}
# Operations that name the scenario's resources; they tell which scenario a host is working on.
_NAME_KEYS = ("name", "vm_name", "target_path", "run_dir", "copy_to", "vm_path", "path")
_PERCENT = re.compile(r"(\d{1,3}(?:[.,]\d+)?)\s*%")


class RemoteProgress:
    """A remote-operation listener (harness/remote/events.py) that publishes progress for the polls
    of long waits. The scenario is read from the run-prefixed names and run-folder paths the
    operations carry (``<run id>-<scenario>``, ``<scratch>\\<run id>\\<scenario>``); a poll that
    names nothing (``wsb_job``) belongs to the scenario the same thread last worked on with that host
    (a drill restores several scenarios on one host at once, each in its own worker thread and
    shell). ``percent`` is taken from the host's own text when it carries one (Get-WBJob's
    CurrentOperation)."""

    def __init__(self, run_id: str, scenarios: list[str], *, emit: Callable[..., None] = publish) -> None:
        self.run_id = run_id
        self.scenarios = {s.lower(): s for s in scenarios}
        self._emit = emit
        self._host_scenario: dict[tuple[str, int], str] = {}  # (host, thread) -> scenario
        self._began: dict[tuple[str, str], _dt.datetime] = {}

    def scenario_of(self, value: Any) -> str | None:
        """The scenario a run-prefixed name or a run-folder path belongs to, if any."""
        text = str(value or "")
        if naming.belongs_to_run(text, self.run_id):
            return self.scenarios.get(naming.base_name(text).lower())
        parts = [p for p in re.split(r"[\\/]", text) if p]
        lowered = [p.lower() for p in parts]
        if self.run_id.lower() in lowered:
            for p in lowered[lowered.index(self.run_id.lower()) + 1:]:
                if p in self.scenarios:
                    return self.scenarios[p]
        return None

    def _find(self, event: Any) -> str | None:
        for source in (event.params, event.data):
            if isinstance(source, Mapping):
                for key in _NAME_KEYS:
                    for k, v in source.items():
                        if str(k).lower() == key and (found := self.scenario_of(v)):
                            return found
        return None

    def __call__(self, event: Any) -> None:
        found = self._find(event)
        key = (event.host, threading.get_ident())  # listeners run on the thread that ran the operation
        if found:
            self._host_scenario[key] = found
        step = POLL_STEPS.get(str(event.template).removesuffix(".ps1"))
        scenario = found or self._host_scenario.get(key)
        if step is None or scenario is None:
            return
        began = self._began.setdefault((scenario, step), event.started_at)
        finished = event.started_at + _dt.timedelta(seconds=float(event.duration or 0))
        self._emit(scenario, step, (finished - began).total_seconds(), percent_in(event.data))


def percent_in(data: Any) -> float | None:
    """The percentage in a WSB job's ``CurrentOperation`` text (``... 35% done.``), if any."""
    current = data.get("Current") if isinstance(data, Mapping) else None
    text = str(current.get("CurrentOperation") or "") if isinstance(current, Mapping) else ""
    m = _PERCENT.search(text)
    return float(m.group(1).replace(",", ".")) if m else None
