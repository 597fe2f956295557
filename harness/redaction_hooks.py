"""The last line of defence against secrets in pytest's and Allure's output (issue 13 item 3).

Credentials are :class:`pydantic.SecretStr` until the transport unwraps them, and every message the
harness builds is redacted, but pytest prints what it finds: ``-l`` shows every frame's locals,
``-vvv`` shows them unabridged, captured output and logs go into reports, and Allure copies all of
it into its result files. This module passes all of that through the one redactor
(:data:`harness.secrets.REDACTOR`):

* :func:`redact_report` - a test or collection report's ``longrepr`` and captured ``sections``
  (terminal summary, ``--junitxml``, Allure's ``statusDetails.trace`` all read them);
* :func:`redact_terminal` - every byte pytest's terminal writer prints (and, with ``-s``, the
  process's stdout/stderr) through :class:`RedactingStream`;
* :func:`redact_tree` - the text files of a directory (Allure results, the generated Allure
  report) rewritten in place, after they were written.

It is also a pytest plugin (``-p harness.redaction_hooks``); the restore-harness plugin calls the
same functions from its own hooks (see the module functions ``pytest_*`` below for the order).
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

import pytest

from harness.secrets import REDACTOR, Redactor

TEXT_SUFFIXES = frozenset({".json", ".txt", ".html", ".htm", ".xml", ".csv", ".log", ".properties", ".md", ".yml",
                           ".yaml", ".ps1", ".js", ".jsonl", ".uri"})


def redact_report(report: Any, redactor: Redactor | None = None) -> bool:
    """Redact ``report.longrepr`` and ``report.sections`` in place; True if anything changed.
    A structured ``longrepr`` is replaced by its redacted text only when it held a secret."""
    r = redactor or REDACTOR
    if not r.active:
        return False
    changed = False
    longrepr = getattr(report, "longrepr", None)
    if longrepr is not None and not isinstance(longrepr, tuple):  # tuple: a skip (path, line, reason)
        text = str(longrepr)
        clean = r.redact(text)
        if clean != text:
            report.longrepr = clean
            changed = True
    elif isinstance(longrepr, tuple) and len(longrepr) == 3:
        clean_reason = r.redact(str(longrepr[2]))
        if clean_reason != longrepr[2]:
            report.longrepr = (longrepr[0], longrepr[1], clean_reason)
            changed = True
    sections = getattr(report, "sections", None)
    if sections:
        new = [(r.redact(title), r.redact(content)) for title, content in sections]
        if new != list(sections):
            report.sections = new
            changed = True
    return changed


class RedactingStream(io.TextIOBase):
    """A text stream that redacts what it writes and passes it on (everything else is delegated)."""

    def __init__(self, inner: TextIO, redactor: Redactor | None = None) -> None:
        super().__init__()
        self.inner = inner
        self.redactor = redactor or REDACTOR

    def write(self, s: str) -> int:
        self.inner.write(self.redactor.redact(s))
        return len(s)

    def flush(self) -> None:
        self.inner.flush()

    def isatty(self) -> bool:
        return bool(getattr(self.inner, "isatty", lambda: False)())

    def fileno(self) -> int:
        return self.inner.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return str(getattr(self.inner, "encoding", "utf-8"))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def redact_terminal(config: pytest.Config) -> None:
    """Route pytest's terminal writer (and, with ``-s``, sys.stdout/stderr) through the redactor."""
    tw = config.get_terminal_writer()
    current = getattr(tw, "_file", None)
    if current is not None and not isinstance(current, RedactingStream):
        tw._file = RedactingStream(current)
    if getattr(config.option, "capture", "fd") == "no":
        for name in ("stdout", "stderr"):
            stream = getattr(sys, name)
            if not isinstance(stream, RedactingStream):
                setattr(sys, name, RedactingStream(stream))


def _text_files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink() and path.suffix.lower() in TEXT_SUFFIXES:
            yield path


def redact_tree(root: str | Path, redactor: Redactor | None = None) -> list[Path]:
    """Rewrite every text file under ``root`` that holds a secret; return the files changed.
    Binary attachments (screenshots) are left alone: the harness never writes secrets into them."""
    r = redactor or REDACTOR
    root = Path(root)
    if not r.active or not root.is_dir():
        return []
    changed = []
    for path in _text_files(root):
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        clean = r.redact(text)
        if clean != text:
            tmp = path.with_name(path.name + ".redacting")
            tmp.write_text(clean, encoding="utf-8")
            tmp.replace(path)
            changed.append(path)
    return changed


def alluredir(config: pytest.Config) -> Path | None:
    """The ``--alluredir`` of the session, or None."""
    value = getattr(config.option, "allure_report_dir", None)
    return Path(value) if value else None


# ----------------------------------------------------------------------------- as a pytest plugin
# The restore-harness plugin makes the same calls from its hooks:
#   pytest_configure (trylast):           redact_terminal(config)
#   pytest_runtest_makereport (wrapper, trylast: innermost, so Allure's listener sees the result):
#                                          redact_report(outcome result)
#   pytest_make_collect_report (wrapper): redact_report(outcome result)
#   pytest_unconfigure:                   redact_tree(alluredir(config)) when set


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    redact_terminal(config)


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
    outcome = yield
    redact_report(outcome.get_result())


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Iterator[None]:
    outcome = yield
    redact_report(outcome.get_result())


def pytest_unconfigure(config: pytest.Config) -> None:
    results = alluredir(config)
    if results is not None:
        redact_tree(results)
