"""The drill scheduler's engine side (harness/engine/drill.py): host-side waits and one host
connection per worker thread."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from harness.engine.drill import ThreadHosts, host_sleep, stoppable
from harness.engine.scheduler import Cancelled

WAIT = 10.0


def test_host_sleep_waits_on_the_host_with_the_host_wait_template() -> None:
    calls: list[tuple[str, dict[str, Any], bool]] = []

    class Host:
        def run(self, template: str, params: dict[str, Any], *, idempotent: bool = False) -> Any:
            calls.append((template, params, idempotent))

    sleep = host_sleep(Host())
    sleep(15)
    sleep(7200)  # one wait is at most an hour (the template refuses more)
    assert calls == [("host_wait", {"seconds": 15.0}, True), ("host_wait", {"seconds": 3600.0}, True)]


def test_a_stopping_drill_gives_up_its_waits_instead_of_keeping_teardown_waiting() -> None:
    waited: list[float] = []

    class Sched:
        stopping = False

    sched = Sched()
    wait = stoppable(lambda host: waited.append, sched)("HV-LAB01")  # type: ignore[arg-type]
    wait(5)
    sched.stopping = True
    with pytest.raises(Cancelled, match="stopping"):
        wait(5)
    assert waited == [5]


def test_thread_hosts_give_each_worker_thread_its_own_connection() -> None:
    opened: list[Any] = []

    class Conn:
        def __init__(self, name: str) -> None:
            self.name, self.closed = name, False

        def close(self) -> None:
            self.closed = True

    def opener(base: Any) -> Any:
        conn = Conn(f"{base.name}-worker{len(opened)}")
        opened.append(conn)
        return conn

    main = Conn("HV1")
    hosts = ThreadHosts({"HV1": main}, opener)
    seen: list[Any] = []

    def worker() -> None:
        seen.append(hosts["HV1"])
        seen.append(hosts["HV1"])  # the same one again in the same thread
        hosts.close_thread()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT)
    assert hosts["HV1"] is main and list(hosts) == ["HV1"]
    assert len(opened) == 2 and seen[0] is seen[1] and seen[2] is seen[3] and seen[0] is not seen[2]
    assert all(c.closed for c in opened) and not main.closed


def test_engine_work_keeps_what_a_worker_reports_by_scenario_and_phase() -> None:
    """The restore, the boot (with the memory read before it) and the settling each run inside
    ``Run.elsewhere`` for their phase, so that a worker's steps wait for the test that takes them."""
    from types import SimpleNamespace

    from harness.engine.drill import EngineWork

    phase: list[str | None] = [None]
    seen: list[tuple[str, str | None]] = []

    class Run:
        inventory = None

        def elsewhere(self, scenario: Any, name: str) -> Any:
            from contextlib import contextmanager

            @contextmanager
            def inside() -> Any:
                phase[0] = f"{name} {scenario.name}"
                try:
                    yield
                finally:
                    phase[0] = None

            return inside()

        def restore(self, scenario: Any) -> Any:
            seen.append(("restore", phase[0]))
            return SimpleNamespace(result=SimpleNamespace(vm_id="7d0c", plan=SimpleNamespace(run_dir="E:\\rt")))

        def boot(self, scenario: Any) -> Any:
            seen.append(("boot", phase[0]))
            return "booted"

        def host_of(self, scenario: Any) -> Any:
            return SimpleNamespace(name="HV-LAB01")

    class Host:
        def run(self, template: str, params: dict[str, Any], **kw: Any) -> Any:
            seen.append((template, phase[0]))
            return {"vms": []}

    class Hosts(dict):
        def close_thread(self) -> None:
            seen.append(("close", phase[0]))

    work = EngineWork(Run(), Hosts({"HV-LAB01": Host()}))  # type: ignore[arg-type]
    work.settle = lambda scenario, restored: seen.append(("settle", phase[0]))  # type: ignore[method-assign]
    cm01 = SimpleNamespace(name="import-cm01")
    restored = work.restore_one(cm01)
    work.memory_of(cm01, restored)
    assert work.boot_one(cm01, restored) == "booted"
    assert seen == [("restore", "restore import-cm01"), ("vm_facts", "boot import-cm01"), ("boot", "boot import-cm01"),
                    ("settle", "settle import-cm01"), ("close", None)]
