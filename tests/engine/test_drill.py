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
