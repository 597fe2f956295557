"""Listeners notified of every remote operation (for Allure steps, logs, the evidence record).

Each operation produces one :class:`OperationEvent` after it finished (also when it failed). The
rendered script, the parameters and the raw output in it are already redacted. Listener errors
are logged and never break the operation.
"""

from __future__ import annotations

import datetime as _dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from harness.listeners import Listeners

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
    cpu: float = 0.0  # CPU seconds the calling thread spent in it (pywinrm, NTLM, parsing): not the host's

    @property
    def ok(self) -> bool:
        """True if the operation returned data."""
        return self.outcome == "ok"


Listener = Callable[[OperationEvent], None]
_listeners: Listeners[OperationEvent] = Listeners("operation listener", log)
add_listener = _listeners.add  # call a listener for every operation from now on (process-wide)
remove_listener = _listeners.remove  # stop calling it (no error if it was not added)
listening = _listeners.listening  # the ``with`` form of the two


def emit(event: OperationEvent, extra: list[Listener] | None = None) -> None:
    """Deliver ``event`` to the process-wide listeners and to ``extra``."""
    _listeners.deliver(event, extra or [])
