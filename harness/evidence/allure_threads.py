"""Allure steps written off the test thread: kept, then shown in the test that takes the work.

allure-pytest (2.16) keeps the open test, fixtures and steps per thread, and a thread other than the
one running the tests starts from a copy of that thread's innermost item the first time it writes
(``ThreadContextItems`` in allure_commons/reporter.py). A drill's worker restoring a scenario
(harness/engine/drill.py) therefore wrote its steps into whatever test or fixture the test thread
was in at that moment, or failed (``StopIteration``, ``KeyError``) between two tests.

The harness's own writers (harness/evidence/allure_steps.py: the remote operations and the engine's
progress) write through :func:`writer`:

* on the test thread (pytest's main thread, also in a pytest-xdist worker): straight to Allure;
* inside :func:`capture` (the engine around the work a worker does for one scenario): into a
  :class:`Recording` (steps with their own times, status and nesting; attachments with their
  bytes), kept under the capture's key when it ends; :func:`hand_over`, called on the test thread
  when a test takes that work's outcome, adds it to the test's current step or fixture as one step
  holding the original ones, once;
* on any other thread (a host lock's lease renewal): each step is kept under ``thread <name>``.

:func:`hand_over_rest`, at the end of the run, shows what no test took (a scenario whose tests did
not get that far, a lease renewal) in one step of the run's teardown, so nothing is dropped and
nothing lands in a test it does not belong to. Attachment files are written when their recording is
shown (a recording never shown leaves no file); an attachment shared by content keeps its SHA-256
file name (:func:`shared_source`, see harness/evidence/allure_shared.py). Nothing is redacted here:
the writers hand over text that is already redacted, as they do when writing to Allure directly.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
from collections.abc import Iterator

import allure
import allure_commons
from allure_commons.model2 import ATTACHMENT_PATTERN, Attachment, ExecutableItem, Status, TestStepResult
from allure_commons.reporter import AllureReporter
from allure_commons.utils import now, uuid4
from allure_pytest.utils import get_status, get_status_details

log = logging.getLogger(__name__)

REST_TITLE = "steps of other threads that no test took"
WAIT_POLL_S = 0.2  # a hand-over waiting for a capture to end stays responsive to Ctrl-C

_local = threading.local()


def _reporter() -> AllureReporter | None:
    """allure-pytest's reporter, or None when Allure is not collecting (no ``--alluredir``)."""
    for plugin in allure_commons.plugin_manager.get_plugins():
        logger = getattr(plugin, "allure_logger", None)
        if isinstance(logger, AllureReporter):
            return logger
    return None


def _on_test_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def shared_source(text: str, kind: allure.attachment_type) -> str:
    """The file name of an attachment shared by content: its SHA-256, so equal texts are one file."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return (f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
            f"-attachment.{kind.extension}")


class Direct:
    """Straight to Allure: the writer of the test thread (and of every thread when Allure is not
    collecting, where writing does nothing)."""

    @contextlib.contextmanager
    def step(self, title: str) -> Iterator[TestStepResult | None]:
        """An Allure step; yields its result object (None when Allure is not collecting)."""
        with allure.step(title):
            reporter = _reporter()
            item = reporter.get_last_item(TestStepResult) if reporter is not None else None
            yield item if isinstance(item, TestStepResult) else None

    def attach(self, body: str | bytes, name: str, kind: allure.attachment_type) -> None:
        allure.attach(body, name=name, attachment_type=kind)

    def attach_shared(self, step: TestStepResult | None, text: str, name: str, kind: allure.attachment_type) -> None:
        """Attach ``text`` to ``step`` under its content's file name (:func:`shared_source`)."""
        if step is None:
            self.attach(text, name, kind)
            return
        source = shared_source(text, kind)
        allure_commons.plugin_manager.hook.report_attached_data(body=text.encode("utf-8"), file_name=source)
        step.attachments.append(Attachment(name=name, source=source, type=kind.mime_type))


DIRECT = Direct()


class Recording:
    """Steps and attachments kept for later, below one step titled ``title`` (:attr:`root`); the
    attachments' files in :attr:`files` (written when the recording is shown). Used by one thread
    at a time."""

    def __init__(self, title: str) -> None:
        self.root = TestStepResult(name=title, start=now(), status=Status.PASSED)
        self.files: list[tuple[str, str | bytes]] = []
        self._open: list[TestStepResult] = [self.root]

    @contextlib.contextmanager
    def step(self, title: str) -> Iterator[TestStepResult]:
        """A step below the innermost open one, with its times and status as Allure gives them."""
        step = TestStepResult(name=title, start=now())
        self._open[-1].steps.append(step)
        self._open.append(step)
        try:
            yield step
        except BaseException as exc:
            step.status = get_status(exc)
            step.statusDetails = get_status_details(type(exc), exc, exc.__traceback__)
            raise
        else:
            step.status = Status.PASSED
        finally:
            step.stop = now()
            self._open.remove(step)

    def attach(self, body: str | bytes, name: str, kind: allure.attachment_type) -> None:
        source = ATTACHMENT_PATTERN.format(prefix=uuid4(), ext=kind.extension)
        self._open[-1].attachments.append(Attachment(name=name, source=source, type=kind.mime_type))
        self.files.append((source, body))

    def attach_shared(self, step: TestStepResult | None, text: str, name: str, kind: allure.attachment_type) -> None:
        source = shared_source(text, kind)
        (step or self._open[-1]).attachments.append(Attachment(name=name, source=source, type=kind.mime_type))
        self.files.append((source, text.encode("utf-8")))

    def end(self, exc: BaseException | None = None) -> None:
        """The work ended (``exc``: how it failed)."""
        self.root.stop = now()
        if exc is not None:
            self.root.status = get_status(exc)
            self.root.statusDetails = get_status_details(type(exc), exc, exc.__traceback__)

    def empty(self) -> bool:
        return not self.root.steps and not self.root.attachments and self.root.status == Status.PASSED

    def merge(self, later: Recording) -> None:
        """Add what ``later`` recorded under the same key (a second piece of the same work)."""
        self.root.steps += later.root.steps
        self.root.attachments += later.root.attachments
        self.files += later.files
        self.root.stop = max(self.root.stop or 0, later.root.stop or 0)
        if later.root.status != Status.PASSED:
            self.root.status, self.root.statusDetails = later.root.status, later.root.statusDetails


class Stray:
    """The writer of a thread that is neither the test thread nor capturing: each of its steps (or
    attachments outside a step) is recorded on its own and kept under ``thread <name>``."""

    def __init__(self, store: Store) -> None:
        self._store = store

    @contextlib.contextmanager
    def step(self, title: str) -> Iterator[TestStepResult]:
        with self._store.capture(self._key(), self._title()) as rec, rec.step(title) as step:
            yield step

    def attach(self, body: str | bytes, name: str, kind: allure.attachment_type) -> None:
        with self._store.capture(self._key(), self._title()) as rec:
            rec.attach(body, name, kind)

    def attach_shared(self, step: TestStepResult | None, text: str, name: str, kind: allure.attachment_type) -> None:
        with self._store.capture(self._key(), self._title()) as rec:
            rec.attach_shared(step, text, name, kind)

    @staticmethod
    def _key() -> str:
        return f"thread {threading.current_thread().name}"

    @staticmethod
    def _title() -> str:
        return f"steps of the thread {threading.current_thread().name}"


class Store:
    """The recordings of this process, kept by key until the test thread takes them."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._open: dict[str, int] = {}
        self._kept: dict[str, Recording] = {}
        self._generation = 0  # moved on by hand_over_rest: a capture of a run that ended is not kept

    def writer(self) -> Direct | Recording | Stray:
        """Where the calling thread's Allure steps and attachments go (see the module docstring)."""
        rec = getattr(_local, "recording", None)
        if rec is not None:
            return rec
        if _on_test_thread() or _reporter() is None:
            return DIRECT
        return Stray(self)

    @contextlib.contextmanager
    def capture(self, key: str, title: str) -> Iterator[Recording]:
        """Record what the calling thread writes inside the block, and keep it under ``key`` (with
        what was kept under it before and not taken yet). Inside another capture, or where Allure is
        not collecting, nothing changes (the outer capture, or Allure, gets it)."""
        outer = getattr(_local, "recording", None)
        if outer is not None or _reporter() is None:
            yield outer if outer is not None else Recording(title)
            return
        rec = Recording(title)
        with self._cond:
            self._open[key] = self._open.get(key, 0) + 1
            generation = self._generation
        _local.recording = rec
        try:
            yield rec
        except BaseException as exc:
            rec.end(exc)
            raise
        else:
            rec.end()
        finally:
            _local.recording = None
            with self._cond:
                self._open[key] -= 1
                if not self._open[key]:
                    del self._open[key]
                if generation == self._generation and not rec.empty():
                    if key in self._kept:
                        self._kept[key].merge(rec)
                    else:
                        self._kept[key] = rec
                self._cond.notify_all()

    def hand_over(self, key: str, *, wait: bool = True, after: str | None = None) -> bool:
        """On the test thread: add what is kept under ``key`` to the current test's innermost open
        step or fixture, once; with ``wait``, first let a capture of ``key`` still writing end (a
        worker returns the outcome just before its capture ends). With ``after``: only once nothing is
        kept or being captured under that key any more (it was shown first). Elsewhere (a worker
        asking for an outcome it will not consume) nothing happens. True when something was shown."""
        if getattr(_local, "recording", None) is not None or not _on_test_thread():
            return False
        with self._cond:
            if after is not None and (after in self._open or after in self._kept):
                return False
            while wait and key in self._open:
                self._cond.wait(WAIT_POLL_S)
            rec = self._kept.pop(key, None)
        if rec is None:
            return False
        if _show(rec):
            return True
        with self._cond:  # no test or fixture open: kept for the next one
            if key in self._kept:
                rec.merge(self._kept[key])
            self._kept[key] = rec
        return False

    def hand_over_rest(self) -> None:
        """At the end of the run, on the test thread: show everything no test took as one step
        (:data:`REST_TITLE`) in the current fixture (the run's teardown), then forget it; captures
        still open belong to the run that ended and are not kept."""
        if not _on_test_thread():
            return
        with self._cond:
            rest = list(self._kept.values())
            self._kept.clear()
            self._generation += 1
        if not rest:
            return
        whole = Recording(f"{REST_TITLE} ({len(rest)})")
        whole.root.start = min(r.root.start for r in rest)
        whole.root.stop = max(r.root.stop or r.root.start for r in rest)
        for rec in rest:
            whole.root.steps.append(rec.root)
            whole.files += rec.files
        if not _show(whole):
            log.info("%d recording(s) of other threads dropped: no Allure test or fixture is open", len(rest))

    def pending(self) -> list[str]:
        """Keys of what is kept and not shown yet."""
        with self._cond:
            return list(self._kept)


def _show(rec: Recording) -> bool:
    """Write ``rec``'s attachment files and add its step to the calling thread's innermost open
    test, fixture or step; False when there is none. Showing evidence never fails the caller (a
    test taking a restore): a file that cannot be written is logged, the step still shown."""
    reporter = _reporter()
    if reporter is None:
        return True  # Allure stopped collecting: nothing to show it in
    target = reporter.get_last_item(ExecutableItem)
    if target is None:
        return False
    for source, body in rec.files:
        try:
            allure_commons.plugin_manager.hook.report_attached_data(body=body, file_name=source)
        except Exception as exc:  # noqa: BLE001 - see the docstring
            log.warning("Allure attachment %s of '%s' not written: %s", source, rec.root.name, exc)
    target.steps.append(rec.root)
    return True


STORE = Store()
writer = STORE.writer
capture = STORE.capture
hand_over = STORE.hand_over
hand_over_rest = STORE.hand_over_rest
