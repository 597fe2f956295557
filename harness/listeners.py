"""A thread-safe registry of listeners, shared by the remote-operation events
(harness/remote/events.py) and the console progress (harness/progress.py).

Both need the same things: add a callback once, remove it, a ``with`` form for a block, and a
delivery that calls every listener and logs, never raises, what one of them raises, so that a broken
report or console can never fail a restore.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Generic, TypeVar

E = TypeVar("E")


class Listeners(Generic[E]):
    """Callbacks that receive one event each; ``what`` names them in the log when one fails."""

    def __init__(self, what: str, log: logging.Logger) -> None:
        self._what = what
        self._log = log
        self._items: list[Callable[[E], None]] = []
        self._lock = threading.Lock()

    def add(self, listener: Callable[[E], None]) -> None:
        """Call ``listener`` for every event from now on (once, however often it is added)."""
        with self._lock:
            if listener not in self._items:
                self._items.append(listener)

    def remove(self, listener: Callable[[E], None]) -> None:
        """Stop calling ``listener`` (no error if it was not added)."""
        with self._lock:
            if listener in self._items:
                self._items.remove(listener)

    @contextlib.contextmanager
    def listening(self, listener: Callable[[E], None]) -> Iterator[Callable[[E], None]]:
        """Context manager form of :meth:`add` / :meth:`remove`."""
        self.add(listener)
        try:
            yield listener
        finally:
            self.remove(listener)

    def current(self) -> list[Callable[[E], None]]:
        """The listeners now registered (a copy: delivery runs outside the lock)."""
        with self._lock:
            return list(self._items)

    def deliver(self, event: E, extra: Iterable[Callable[[E], None]] = ()) -> None:
        """Call every registered listener, then ``extra``, with ``event``; a failing one is logged."""
        for listener in self.current() + list(extra):
            try:
                listener(event)
            except Exception:  # a broken listener must not fail the run
                self._log.exception("%s %r failed", self._what, listener)
