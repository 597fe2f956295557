"""Threads with a large stack for the PowerShell interpreter.

PowerShell 5.1 recurses about 4700 script calls deep (PowerShell issue #25869); each call takes a few
dozen Python frames here, so scripts run on a thread with a large stack and a high recursion limit.
A WinRS command's worker thread is started big (simlab/server/shells.py), so a script runs on the very
thread that holds the command's place on the lab's clock (simlab/clock.py ``activity``); only a script
started on an ordinary thread (tests, the stand-alone interpreter) hops to a big one.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any

STACK_BYTES = 512 * 1024 * 1024
sys.setrecursionlimit(max(sys.getrecursionlimit(), 400_000))
_LOCK = threading.Lock()
_BIG = threading.local()


def start_big_thread(target: Callable[[], None], name: str) -> threading.Thread:
    """Start a daemon thread with the large stack (the size applies at start), whose body counts as
    on a big stack; returns it."""

    def body() -> None:
        _BIG.on = True
        target()

    with _LOCK:
        old = threading.stack_size(STACK_BYTES)
        try:
            thread = threading.Thread(target=body, name=name, daemon=True)
            thread.start()
        finally:
            threading.stack_size(old)
    return thread


def on_big_stack(fn: Callable[[], Any]) -> Any:
    """``fn()`` on a thread with a large stack: here if this thread is one, else on a fresh one
    (its result returned, its exception re-raised here)."""
    if getattr(_BIG, "on", False):
        return fn()
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["value"] = fn()
        except BaseException as exc:  # re-raised in the calling thread
            result["error"] = exc

    start_big_thread(target, "powershell").join()
    if "error" in result:
        raise result["error"]
    return result.get("value")
