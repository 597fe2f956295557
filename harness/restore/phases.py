"""What a running restore tells whoever started it about its phases, without knowing who that is.

Today one thing: its bytes are in place (:func:`bytes_in_place`). A BMR's restore goes on for minutes
after WinPE wrote the disk (DISM's log read, the recovered system's boot and heartbeat) without moving
a byte; the drill scheduler (harness/engine/scheduler.py) gives the restore's storage slot to the next
restore at that moment instead of at the end. Thread-local: the scheduler runs each restore on its own
worker thread and installs the callback there (:func:`on_bytes_in_place`); elsewhere it is a no-op.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator

_local = threading.local()


@contextlib.contextmanager
def on_bytes_in_place(callback: Callable[[], None]) -> Iterator[None]:
    """Call ``callback`` (at most once, on this thread) when the restore run inside says its bytes are in place."""
    previous = getattr(_local, "callback", None)
    _local.callback = callback
    try:
        yield
    finally:
        _local.callback = previous


def bytes_in_place() -> None:
    """The calling restore's bytes are written: what is left of it moves none (boot, checks, logs)."""
    callback = getattr(_local, "callback", None)
    _local.callback = None
    if callback is not None:
        callback()
