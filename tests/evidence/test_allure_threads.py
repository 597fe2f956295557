"""harness/evidence/allure_threads.py: steps written on a worker thread are kept and shown in the test
that takes the work, once; nothing a worker writes reaches the test the main thread is in."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import allure
import allure_commons
import pytest
from allure_commons.logger import AllureMemoryLogger
from allure_commons import model2
from allure_commons.model2 import Status
from allure_commons.reporter import AllureReporter
from allure_commons.utils import uuid4
from allure_pytest.listener import AllureListener

from harness.evidence import allure_threads
from harness.evidence.allure_steps import AllureProgress, remote_operation_listener
from harness.evidence.allure_threads import REST_TITLE, Store


@dataclass
class Allure:
    """allure-pytest's listener collecting in memory, as under ``--alluredir``."""

    reporter: AllureReporter
    files: AllureMemoryLogger
    opened: list[str] = field(default_factory=list)

    def open_test(self, name: str) -> model2.TestResult:
        """A test the main thread is running now (the innermost open item)."""
        uuid = uuid4()
        self.opened.append(uuid)
        test = model2.TestResult(name=name, uuid=uuid)
        self.reporter.schedule_test(uuid, test)
        return test

    def close_test(self, test: model2.TestResult) -> None:
        self.reporter.drop_test(test.uuid)
        self.opened.remove(test.uuid)


@pytest.fixture
def collecting(pytestconfig: pytest.Config) -> Iterator[Allure]:
    listener, files = AllureListener(pytestconfig), AllureMemoryLogger()
    allure_commons.plugin_manager.register(listener)
    allure_commons.plugin_manager.register(files)
    state = Allure(listener.allure_logger, files)
    try:
        yield state
    finally:
        for uuid in list(state.opened):
            state.reporter.drop_test(uuid)
        allure_commons.plugin_manager.unregister(files)
        allure_commons.plugin_manager.unregister(listener)


def _in_thread(work: Callable[[], Any], name: str = "drill-HV-LAB01-import-cm01") -> None:
    """Run ``work`` in a thread of its own and re-raise what it raised."""
    failed: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            failed.append(exc)

    t = threading.Thread(target=run, name=name)
    t.start()
    t.join()
    if failed:
        raise failed[0]


def _titles(node: Any) -> list[str]:
    return [t for step in node.steps for t in (step.name, *_titles(step))]


HANG = 60.0  # seconds before a test gives up on a thread that never got there (it failed): no timing is checked

OPERATION = {"host": "HV-LAB01", "template": "import_vm", "script": "Import-VM -Path $p.vmcx",
             "params": {"vmcx": "B:\\Exports\\CM01\\cm01.vmcx"}, "duration": 2.5, "ok": True, "outcome": "ok",
             "data": {"VmId": "7d0c6f0e"}}


def _restore_in_a_worker(store: Store, key: str = "restore import-cm01") -> None:
    """What a drill's worker does for one scenario: engine steps, an attachment, a remote operation."""
    progress = AllureProgress()

    def work() -> None:
        with store.capture(key, "restore of import-cm01 (ran concurrently in the drill)"):
            out = store.writer()
            with out.step("Pre-check copy-new-id import of CM01"):
                out.attach("precheck text", "precheck", allure.attachment_type.TEXT)
            with progress.step("Import CM01"):
                remote_operation_listener(OPERATION)

    _in_thread(work)


def test_a_workers_steps_wait_for_the_test_that_takes_them_not_the_test_running_meanwhile(collecting, monkeypatch):
    store = Store()
    monkeypatch.setattr(allure_threads, "STORE", store)
    monkeypatch.setattr(allure_threads, "writer", store.writer)  # AllureProgress and the listener use it
    running = collecting.open_test("import-sql01: restore")  # the main thread's test while the worker works
    _restore_in_a_worker(store)
    assert running.steps == [] and running.attachments == []  # not a step of another scenario's test
    assert collecting.files.attachments == {}  # nor a file yet
    collecting.close_test(running)

    taker = collecting.open_test("import-cm01: restore")
    assert store.hand_over("restore import-cm01") is True
    (root,) = taker.steps
    assert root.name == "restore of import-cm01 (ran concurrently in the drill)" and root.status == Status.PASSED
    assert _titles(root) == ["Pre-check copy-new-id import of CM01", "Import CM01", "HV-LAB01: import_vm (2.50 s)"]
    precheck, imported = root.steps
    assert root.start <= precheck.start <= precheck.stop <= imported.start <= imported.stop <= root.stop
    (op,) = imported.steps
    assert op.stop - op.start == 2500  # the operation's own duration, as on the main thread
    assert [a.name for a in op.attachments] == ["script.ps1", "params.json", "result.json"]
    written = collecting.files.attachments
    assert {a.source for a in [*precheck.attachments, *op.attachments]} == set(written)
    assert written[precheck.attachments[0].source] == "precheck text"
    assert b"Import-VM -Path $p.vmcx" == written[op.attachments[0].source]
    assert op.attachments[0].source == allure_threads.shared_source("Import-VM -Path $p.vmcx",
                                                                    allure.attachment_type.TEXT)  # one file per text

    assert store.hand_over("restore import-cm01") is False  # once
    assert len(taker.steps) == 1


def test_without_the_recorder_a_workers_steps_would_land_in_the_test_running_meanwhile(collecting):
    """What this module prevents, shown with Allure alone (allure-pytest 2.16): the worker's step goes
    into the main thread's current test."""
    running = collecting.open_test("import-sql01: restore")

    def work() -> None:
        with allure.step("Import CM01"):
            pass

    _in_thread(work)
    assert [s.name for s in running.steps] == ["Import CM01"]


def test_a_failed_work_is_shown_failed_with_its_error(collecting):
    store = Store()

    def work() -> None:
        with store.capture("restore import-vmm01", "restore of import-vmm01"):
            with store.writer().step("Import VMM01"):
                raise RuntimeError("switch Corp-Storage is not mapped")

    with pytest.raises(RuntimeError):
        _in_thread(work)
    taker = collecting.open_test("import-vmm01: restore")
    assert store.hand_over("restore import-vmm01")
    (root,) = taker.steps
    assert root.status == Status.BROKEN and "Corp-Storage" in root.statusDetails.message
    assert root.steps[0].status == Status.BROKEN and "Corp-Storage" in root.steps[0].statusDetails.message


def test_a_hand_over_lets_a_capture_still_writing_end_first(collecting):
    """The worker returns the outcome just before its capture ends: a test that got the outcome waits
    for the rest of the steps instead of showing half of them."""
    store = Store()
    written, go = threading.Event(), threading.Event()

    class Cond(threading.Condition):
        def wait(self, timeout: float | None = None) -> bool:
            go.set()  # the test thread waits: let the worker finish
            return super().wait(timeout)

    store._cond = Cond()

    def work() -> None:
        with store.capture("boot import-cm01", "boot of import-cm01"):
            with store.writer().step("Start-VM"):
                pass
            written.set()
            assert go.wait(HANG)
            with store.writer().step("heartbeat"):
                pass

    worker = threading.Thread(target=work, name="drill-HV-LAB01-import-cm01")
    worker.start()
    assert written.wait(HANG)
    taker = collecting.open_test("import-cm01: console screenshot")
    assert store.hand_over("boot import-cm01")
    worker.join()
    assert _titles(taker.steps[0]) == ["Start-VM", "heartbeat"]


def test_without_wait_or_before_after_nothing_is_shown_yet(collecting):
    store = Store()
    for key in ("boot import-cm01", "settle import-cm01"):
        _in_thread(lambda key=key: _one_step(store, key))
    taker = collecting.open_test("import-cm01: restore")
    assert not store.hand_over("settle import-cm01", wait=False, after="boot import-cm01")  # the boot comes first
    assert store.hand_over("boot import-cm01")
    assert store.hand_over("settle import-cm01", wait=False, after="boot import-cm01")
    assert [s.name for s in taker.steps] == ["boot import-cm01", "settle import-cm01"]


def _one_step(store: Store, key: str) -> None:
    with store.capture(key, key), store.writer().step(f"a step of {key}"):
        pass


def test_two_pieces_of_the_same_work_are_shown_as_one(collecting):
    store = Store()
    _in_thread(lambda: _one_step(store, "boot import-cm01"))
    _in_thread(lambda: _one_step(store, "boot import-cm01"))
    taker = collecting.open_test("import-cm01: console screenshot")
    assert store.hand_over("boot import-cm01")
    (root,) = taker.steps
    assert _titles(root) == ["a step of boot import-cm01"] * 2


def test_a_worker_asking_for_an_outcome_shows_nothing(collecting):
    """A worker's boot asks for the restore too: the restore's steps stay for the test that takes it."""
    store = Store()
    _in_thread(lambda: _one_step(store, "restore import-cm01"))
    running = collecting.open_test("import-sql01: restore")
    shown: list[bool] = []

    def boot() -> None:
        with store.capture("boot import-cm01", "boot of import-cm01"):
            shown.append(store.hand_over("restore import-cm01"))

    _in_thread(boot)
    _in_thread(lambda: shown.append(store.hand_over("restore import-cm01")), name="another thread")
    assert shown == [False, False] and running.steps == []
    assert store.pending() == ["restore import-cm01"]


def test_a_capture_inside_a_capture_writes_into_the_outer_one(collecting):
    store = Store()

    def work() -> None:
        with store.capture("restore import-cm01", "restore of import-cm01"):
            _one_step(store, "boot import-cm01")

    _in_thread(work)
    assert store.pending() == ["restore import-cm01"]


def test_an_empty_capture_is_not_kept(collecting):
    """A worker whose boot found the VM booted already (a test booted it first) recorded nothing."""
    store = Store()

    def work() -> None:
        with store.capture("boot import-cm01", "boot of import-cm01"):
            pass

    _in_thread(work)
    assert store.pending() == []


def test_steps_of_a_thread_without_a_capture_are_shown_at_the_end_in_one_step(collecting):
    """A lease renewal (a thread of its own, working for no test): kept, and shown with whatever no
    test took when the run ends, never in the test running meanwhile."""
    store = Store()
    running = collecting.open_test("import-cm01: restore")

    def renew() -> None:
        with store.writer().step("HV-LAB01: host_lock (0.10 s)"):
            store.writer().attach("{}", "result.json", allure.attachment_type.JSON)
        store.writer().attach("outside a step", "note", allure.attachment_type.TEXT)

    _in_thread(renew, name="rh-lease")
    _in_thread(lambda: _one_step(store, "settle import-sql01"))
    assert running.steps == [] and running.attachments == []
    collecting.close_test(running)
    teardown = collecting.open_test("restore_run teardown")
    store.hand_over_rest()
    (rest,) = teardown.steps
    assert rest.name == f"{REST_TITLE} (2)"
    lease, settle = rest.steps
    assert lease.name == "steps of the thread rh-lease" and settle.name == "settle import-sql01"
    assert [s.name for s in lease.steps] == ["HV-LAB01: host_lock (0.10 s)"]
    assert [a.name for a in lease.attachments] == ["note"]
    assert len(collecting.files.attachments) == 2
    assert store.pending() == []


def test_a_capture_that_ends_after_the_run_ended_is_not_kept(collecting):
    store = Store()
    inside, go = threading.Event(), threading.Event()

    def late() -> None:
        with store.capture("restore import-cm01", "restore"):
            inside.set()
            assert go.wait(HANG)
            with store.writer().step("after the end"):
                pass

    worker = threading.Thread(target=late)
    worker.start()
    assert inside.wait(HANG)
    collecting.open_test("restore_run teardown")
    store.hand_over_rest()
    go.set()
    worker.join()
    assert store.pending() == []


def test_the_test_thread_writes_straight_to_allure(collecting):
    store = Store()
    test = collecting.open_test("import-cm01: vm registered")
    assert store.writer() is allure_threads.DIRECT
    with store.writer().step("HV-LAB01: vm_facts (0.2 s)") as step:
        assert isinstance(step, model2.TestStepResult)
    assert [s.name for s in test.steps] == ["HV-LAB01: vm_facts (0.2 s)"]


def test_without_allure_collecting_nothing_is_kept() -> None:
    if allure_threads._reporter() is not None:
        pytest.skip("this session collects Allure results (--alluredir)")
    store = Store()

    def work() -> None:
        assert store.writer() is allure_threads.DIRECT
        _one_step(store, "restore import-cm01")

    _in_thread(work)
    assert store.pending() == [] and store.hand_over("restore import-cm01") is False
