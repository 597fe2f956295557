"""Listeners notified of every remote operation (for Allure steps, logs, the evidence record).

Each operation produces one :class:`OperationEvent` after it finished (also when it failed). The
rendered script, the parameters and the raw output in it are already redacted. Listener errors
are logged and never break the operation.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

log = logging.getLogger(__name__)

Outcome = Literal["ok", "script-error", "protocol-error", "timeout", "transport-error", "harness-error"]


@dataclass(frozen=True)
class OperationEvent:
    """One finished remote operation. Text fields are redacted."""

    host: str
    template: str
    script: str  # rendered PowerShell (redacted)
    params: Any  # parameters as sent (redacted)
    started_at: _dt.datetime  # UTC
    duration: float  # seconds
    outcome: Outcome
    exit_code: int | None = None
    stdout: str = ""  # redacted
    stderr: str = ""  # redacted, CLIXML decoded to text
    error: str | None = None  # redacted message of the exception raised to the caller
    data: Any = field(default=None, repr=False)  # the normalised result (ok outcome only)

    @property
    def ok(self) -> bool:
        """True if the operation returned data."""
        return self.outcome == "ok"


Listener = Callable[[OperationEvent], None]

_listeners: list[Listener] = []
_lock = threading.Lock()


def add_listener(listener: Listener) -> None:
    """Call ``listener`` for every operation from now on (process-wide)."""
    with _lock:
        if listener not in _listeners:
            _listeners.append(listener)


def remove_listener(listener: Listener) -> None:
    """Stop calling ``listener`` (no error if it was not added)."""
    with _lock:
        if listener in _listeners:
            _listeners.remove(listener)


@contextlib.contextmanager
def listening(listener: Listener) -> Iterator[Listener]:
    """Context manager form of :func:`add_listener` / :func:`remove_listener`."""
    add_listener(listener)
    try:
        yield listener
    finally:
        remove_listener(listener)


def emit(event: OperationEvent, extra: list[Listener] | None = None) -> None:
    """Deliver ``event`` to the process-wide listeners and to ``extra``."""
    with _lock:
        targets = list(_listeners)
    for listener in targets + list(extra or []):
        try:
            listener(event)
        except Exception:  # a broken listener must not fail the restore test
            log.exception("operation listener %r failed", listener)
