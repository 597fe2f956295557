"""A pytest plugin for the fault tests only, loaded into ``restore-harness run -n N`` with
``-p tests.faults.kill_worker``: the pytest-xdist worker that is about to run the test whose id
contains ``$RH_KILL_WORKER_AT`` kills itself with SIGKILL, as ``kill -9`` or the kernel's OOM killer
would (no teardown, no last report). The controller and the other workers are left alone."""

from __future__ import annotations

import os
import signal

import pytest

KILL_AT = "RH_KILL_WORKER_AT"


def pytest_runtest_call(item: pytest.Item) -> None:
    at = os.environ.get(KILL_AT)
    if at and at in item.nodeid and hasattr(item.config, "workerinput"):
        os.kill(os.getpid(), signal.SIGKILL)
