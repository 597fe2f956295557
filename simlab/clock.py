"""Simulated time: minutes of Windows work pass in milliseconds of real time.

The simulated clock starts at a fixed instant from the lab description and moves forward only
when simulated work "takes time" (``advance``) or real time passes (scaled by ``scale``), so a
boot that takes 90 s on Windows takes 90/scale s here and ``Get-Date`` follows it.
"""

from __future__ import annotations

import datetime as _dt
import threading
import time


class SimClock:
    """A monotonic simulated clock; ``scale`` simulated seconds pass per real second."""

    def __init__(self, start: _dt.datetime, scale: float = 600.0) -> None:
        if start.tzinfo is None:
            start = start.replace(tzinfo=_dt.timezone.utc)
        self._start = start
        self._real0 = time.monotonic()
        self._offset = 0.0  # simulated seconds added by advance()
        self.scale = scale
        self._lock = threading.Lock()

    def now(self) -> _dt.datetime:
        with self._lock:
            elapsed = (time.monotonic() - self._real0) * self.scale + self._offset
        return self._start + _dt.timedelta(seconds=elapsed)

    def advance(self, seconds: float) -> None:
        """Jump the clock forward without waiting (for work whose duration the model decides)."""
        with self._lock:
            self._offset += max(0.0, seconds)

    def sleep(self, seconds: float) -> None:
        """Let ``seconds`` of simulated time pass, waiting the scaled real time (so other threads see it)."""
        real = max(0.0, seconds) / self.scale
        if real > 0.05:
            time.sleep(0.05)
            self.advance(seconds - 0.05 * self.scale)
        else:
            time.sleep(real)

    def state(self) -> dict[str, float | str]:
        return {"now": self.now().isoformat(), "scale": self.scale}
