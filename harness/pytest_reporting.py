"""How the restore-harness plugin shows what the user must see: lab problems in one message, once
(not a growing traceback in every test that meets the same cached error), and the real terminal for
the interrupt question and the teardown summary, past pytest's output capture."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any, TextIO

import pytest
from _pytest._code.code import ReprFileLocation, TerminalRepr

from harness.errors import mark_lab_problem
from harness.interrupt import show_on_console
from harness.redaction_hooks import RedactingStream


def open_console(config: pytest.Config) -> TextIO | None:
    """The real terminal (stderr) for what the user must see whatever pytest captures: the
    question after a Ctrl-C during teardown, the teardown summary. Session fixtures are torn down
    inside the last test's teardown, where pytest captures fd 1 and 2; at configure time its
    capture is suspended, so a duplicate of fd 2 taken here is the terminal."""
    try:
        fd = os.dup(sys.__stderr__.fileno())  # type: ignore[union-attr]
    except (AttributeError, OSError, ValueError):
        return None
    stream = os.fdopen(fd, "w", encoding="utf-8", errors="replace", buffering=1)
    config.add_cleanup(stream.close)
    return RedactingStream(stream)  # type: ignore[return-value]


class OneLineRepr(TerminalRepr):
    """A failure shown as its message only (a lab problem is no bug in the harness: its frames
    help nobody, and the same cached error must not repeat its growing traceback in every test)."""

    def __init__(self, text: str, item: pytest.Item) -> None:
        self.text = text
        path, lineno, _ = item.location
        self.reprcrash = ReprFileLocation(path, (lineno or 0) + 1, text.splitlines()[0] if text else "")

    def toterminal(self, tw: Any) -> None:
        for line in self.text.splitlines() or [""]:
            tw.line(line, red=True, bold=True)


def shorten_lab_problem(item: pytest.Item, report: pytest.TestReport, exc: BaseException, kind: str,
                        seen: dict[int, tuple[BaseException, str]], *, refused: bool = False) -> None:
    """A lab problem (or a refused run) is reported once, in one message: the first test that meets
    it shows it; every later test that meets the same error (the restore and boot caches and a
    failed session fixture raise the very same object) says where it was shown. With an explicit
    ``--tb`` other than auto, pytest's own report is kept. ``seen``: the errors shown so far (per
    session); ``refused``: the error that kept the run from starting (shown the same way)."""
    if item.config.getoption("tbstyle", "auto") != "auto":
        return
    if kind != "lab" and not refused:
        return
    first = seen.get(id(exc))
    if first is not None and first[0] is exc:
        line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        report.longrepr = OneLineRepr(f"{type(exc).__name__}: the same problem as in {first[1]} (shown there): "
                                      f"{line}", item)
        return
    seen[id(exc)] = (exc, item.nodeid)
    report.longrepr = OneLineRepr(f"{type(exc).__name__}: {exc}", item)


def console_notice(config: pytest.Config, console: TextIO | None) -> Callable[[str], None]:
    """The engine's ``notice``: text the user must see, on the real terminal (see :func:`open_console`)."""
    def notice(text: str) -> None:
        if console is not None:
            show_on_console(text, stream=console)
        else:
            show_on_console(text, config)
    return notice


def stop_session(session: pytest.Session, run_id: str, exc: BaseException) -> None:
    """The run could not start (host in use or unreachable, run id used before): nothing was
    created and no test can run, so the session stops after the test that met it, with its one line."""
    mark_lab_problem(exc)
    first_line = (str(exc).splitlines() or [type(exc).__name__])[0]
    session.shouldfail = f"run {run_id} did not start: {first_line}"
