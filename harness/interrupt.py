"""Ctrl-C and SIGTERM during a run: stop the work, always tear down, never lose the teardown to an
impatient second Ctrl-C without asking, and say on the console what is left and how to remove it.

* :class:`InterruptGuard` turns SIGINT and SIGTERM into :class:`KeyboardInterrupt` in the main thread
  (pytest then stops the session with exit status 2 and runs the fixtures' teardown). SIGTERM is what
  CI runners and ``timeout`` send before SIGKILL; treated as Ctrl-C, it also gets a teardown.
* Inside ``with guard.teardown():`` a signal does not interrupt: it prints
  "press Ctrl-C again within N s to abandon teardown" once; only a second one within that window
  raises :class:`TeardownAbandoned` (a ``KeyboardInterrupt``). After the window the next signal asks
  again.
* :func:`teardown_summary` is the console text after teardown: what was removed, what is left, and
  the exact ``restore-harness cleanup`` command; :func:`show_on_console` prints it past pytest's
  output capture.

Python runs signal handlers in the main thread only, between bytecodes; a blocking socket read
resumes after the handler unless the handler raises (PEP 475), which is how the first Ctrl-C stops
a WinRM request in flight.
"""

from __future__ import annotations

import datetime as _dt
import shlex
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType, TracebackType
from typing import Any, TextIO

import pytest

DEFAULT_CONFIRM_WINDOW = 5.0
SIGNALS = (signal.SIGINT, signal.SIGTERM)


class TeardownAbandoned(KeyboardInterrupt):
    """The user confirmed (second Ctrl-C within the window) that teardown should stop."""


@dataclass
class SignalRecord:
    """One signal the run received (for the evidence: when, which, in which phase, what it did)."""

    name: str
    at: str
    phase: str
    action: str  # "interrupt", "asked", "abandon"


@dataclass
class InterruptGuard:
    """Signal handling for one run (see the module docstring). Use as a context manager around the
    run; ``with guard.teardown():`` around teardown."""

    confirm_window: float = DEFAULT_CONFIRM_WINDOW
    out: TextIO | None = None
    clock: Callable[[], float] = time.monotonic
    received: list[SignalRecord] = field(default_factory=list)
    phase: str = "run"
    _asked_at: float | None = None
    _previous: dict[int, Any] = field(default_factory=dict)

    # ------------------------------------------------------------------ install

    def install(self) -> InterruptGuard:
        """Install the handlers (main thread only; elsewhere this is a no-op, as Python requires)."""
        if threading.current_thread() is not threading.main_thread():
            return self
        for sig in SIGNALS:
            self._previous[sig] = signal.signal(sig, self.handle)
        return self

    def uninstall(self) -> None:
        """Put the previous handlers back."""
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous.clear()

    def __enter__(self) -> InterruptGuard:
        return self.install()

    def __exit__(self, *exc: object) -> None:
        self.uninstall()

    @property
    def interrupted(self) -> bool:
        """True once any signal arrived (the run's outcome is then "interrupted", exit 2)."""
        return bool(self.received)

    @contextmanager
    def teardown(self) -> Iterator[None]:
        """Teardown phase: signals ask before they abandon it."""
        before, self.phase, self._asked_at = self.phase, "teardown", None
        try:
            yield
        finally:
            self.phase, self._asked_at = before, None

    # ------------------------------------------------------------------ the handler

    def _say(self, text: str) -> None:
        stream = self.out or sys.__stderr__ or sys.stderr
        try:
            stream.write(text + "\n")
            stream.flush()
        except (OSError, ValueError):  # a closed console must not break the handler
            pass

    def handle(self, signum: int, frame: FrameType | None = None) -> None:
        """The signal handler: raise, ask, or abandon (see the class docstring)."""
        name = signal.Signals(signum).name
        at = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
        now = self.clock()
        if self.phase != "teardown":
            self.received.append(SignalRecord(name, at, self.phase, "interrupt"))
            self._say(f"\n{name} received: stopping the run; teardown removes what it created "
                      f"(Ctrl-C again during teardown asks before abandoning it)")
            raise KeyboardInterrupt(f"{name} received")
        if self._asked_at is not None and now - self._asked_at <= self.confirm_window:
            self.received.append(SignalRecord(name, at, self.phase, "abandon"))
            self._say(f"\n{name} again: abandoning teardown; what is left is listed below")
            raise TeardownAbandoned(f"{name} received twice during teardown")
        self._asked_at = now
        self.received.append(SignalRecord(name, at, self.phase, "asked"))
        self._say(f"\n{name} received during teardown: teardown continues so that nothing is left on the lab. "
                  f"Press Ctrl-C again within {self.confirm_window:g} s to abandon teardown.")


# ----------------------------------------------------------------------------- console summary


def cleanup_command(inventory: str, run_id: str, reports: str | None = None) -> str:
    """The exact command that finishes the teardown of ``run_id`` (shell-quoted)."""
    parts = ["restore-harness", "cleanup", "--inventory", inventory, "--run-id", run_id]
    if reports:
        parts += ["--reports", reports]
    return " ".join(shlex.quote(p) for p in parts)


def teardown_summary(run_id: str, inventory: str, removed: Sequence[str], left: Sequence[str], *,
                     reports: str | None = None, interrupted: str | None = None, abandoned: bool = False,
                     kept: bool = False) -> str:
    """What the console shows after teardown (also when it was abandoned or skipped by ``--keep``)."""
    lines: list[str] = []
    head = f"run {run_id}"
    if interrupted:
        head += f": interrupted ({interrupted})"
    lines.append(head)
    if kept:
        lines.append("teardown skipped (--keep): the run's resources stay on the lab")
    elif abandoned:
        lines.append("teardown ABANDONED by a second Ctrl-C")
    if removed:
        lines.append(f"removed ({len(removed)}):")
        lines += [f"  - {r}" for r in removed]
    if left:
        lines.append(f"LEFT on the lab ({len(left)}):")
        lines += [f"  - {r}" for r in left]
        lines.append(f"remove them with: {cleanup_command(inventory, run_id, reports)}")
    elif not kept:
        lines.append("nothing of this run is left on the lab")
    return "\n".join(lines)


def show_on_console(text: str, config: Any = None, stream: TextIO | None = None) -> None:
    """Print ``text`` where the user sees it: with a pytest ``config``, past pytest's output capture
    (``CaptureManager.global_and_fixture_disabled``; to the terminal's stdout, beside pytest's own
    report), else to ``stream`` or the real stderr."""
    capman = config.pluginmanager.getplugin("capturemanager") if config is not None else None
    if capman is not None:
        with capman.global_and_fixture_disabled():
            out = stream or sys.stdout  # looked up here: the real stdout while capture is off
            out.write(text + "\n")
            out.flush()
        return
    out = stream or sys.__stderr__ or sys.stderr
    out.write(text + "\n")
    out.flush()


# ----------------------------------------------------------------------------- pytest and CPython 3.11


def repair_traceback(tb: Any) -> TracebackType | None:
    """A copy of the traceback chain ``tb`` in which every entry has a line number.

    On CPython 3.11+ a signal can arrive at an instruction that has no line number (exception-handler
    clean-up, for one); that traceback entry then has ``tb_lineno = None`` and pytest, formatting the
    KeyboardInterrupt (``TracebackEntry.lineno`` is ``tb_lineno - 1``), fails with
    ``TypeError: unsupported operand type(s) for -: 'NoneType' and 'int'``: the run ends as an
    internal error (exit 4) instead of "interrupted" (exit 2). The entry gets the frame's current
    line, else the function's first line."""
    entries = []
    while tb is not None:
        entries.append(tb)
        tb = tb.tb_next
    rebuilt: TracebackType | None = None
    for entry in reversed(entries):
        frame = entry.tb_frame
        lineno = entry.tb_lineno
        if lineno is None:
            lineno = frame.f_lineno if frame.f_lineno is not None else frame.f_code.co_firstlineno
        rebuilt = TracebackType(rebuilt, frame, entry.tb_lasti, lineno)
    return rebuilt


def needs_repair(tb: Any) -> bool:
    """True if an entry of the traceback chain ``tb`` has no line number."""
    while tb is not None:
        if tb.tb_lineno is None:
            return True
        tb = tb.tb_next
    return False


@pytest.hookimpl(tryfirst=True)
def pytest_keyboard_interrupt(excinfo: pytest.ExceptionInfo[BaseException]) -> None:
    """Give the interrupt's traceback line numbers before pytest's terminal reporter formats it
    (the restore-harness plugin registers this hook; see :func:`repair_traceback`)."""
    value = excinfo.value
    if not needs_repair(value.__traceback__):
        return
    fixed = repair_traceback(value.__traceback__)
    value.__traceback__ = fixed
    try:  # ExceptionInfo keeps its own (type, value, tb) and a cached Traceback
        excinfo._excinfo = (excinfo.type, value, fixed)  # type: ignore[attr-defined]
        excinfo._traceback = None  # type: ignore[attr-defined]
    except AttributeError:
        pass
