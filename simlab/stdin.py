"""The standard input of a simulated process, fed by WinRS ``Send`` requests.

Chunks arrive as bytes (pywinrm encodes text stdin in code page 437; the harness sends ASCII);
``end=True`` closes the stream (EOF). Readers block until data or EOF, as a process reading a pipe
does. ``close()`` (Signal terminate / Ctrl+C, shell deletion) wakes every reader with EOF.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import ContextManager


class StdinStream:
    """Bytes appended by ``feed``; blocking text reads decoded with the console ``encoding``."""

    def __init__(self, encoding: str = "utf-8") -> None:
        self.encoding = encoding
        self._buf = bytearray()
        self._ended = False
        self._cond = threading.Condition()
        # entered while a reader blocks for the client (the lab's model lock is let go meanwhile;
        # simlab/clock.py SimClock.unlocked, set by simlab/server/shells.py)
        self.waiting: Callable[[], ContextManager[object]] = contextlib.nullcontext

    @property
    def ended(self) -> bool:
        with self._cond:
            return self._ended

    def feed(self, data: bytes, end: bool = False) -> None:
        """Append a chunk; ``end`` marks end of input. Data after the end is ignored."""
        with self._cond:
            if not self._ended:
                self._buf.extend(data)
                self._ended = end
            self._cond.notify_all()

    def close(self) -> None:
        """End of input now (the writer went away)."""
        with self._cond:
            self._ended = True
            self._cond.notify_all()

    def read_all_bytes(self, timeout: float | None = None) -> bytes:
        """Everything until EOF (blocks until the End flag or close)."""
        with self.waiting(), self._cond:
            self._cond.wait_for(lambda: self._ended, timeout)
            data = bytes(self._buf)
            self._buf.clear()
            return data

    def read_all(self, timeout: float | None = None) -> str:
        return self.read_all_bytes(timeout).decode(self.encoding, errors="replace")

    def readline(self, timeout: float | None = None) -> str:
        """One line including its ``\\n`` (``\\r\\n`` kept), the rest at EOF, or '' at EOF."""
        with self.waiting(), self._cond:
            self._cond.wait_for(lambda: b"\n" in self._buf or self._ended, timeout)
            idx = self._buf.find(b"\n")
            cut = idx + 1 if idx >= 0 else len(self._buf)
            line = bytes(self._buf[:cut])
            del self._buf[:cut]
            return line.decode(self.encoding, errors="replace")
