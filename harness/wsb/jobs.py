"""Wait for a WSB job started with ``-Async``: poll ``Get-WBJob`` (``wsb_job.ps1``), log progress,
stop at the scenario's timeout, turn a failed job into :class:`WsbJobFailed` with its code.

The job runs in the Block Level Backup Engine service, so it outlives the PowerShell that started
it; each poll is one short remote command. The final status comes from ``Get-WBJob -Previous 1``
(reference §4.1), matched to our job by its start time on the host's clock.
"""

from __future__ import annotations

import datetime as _dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from harness.hyperv.operations import RemoteRunner
from harness.wsb.errors import WsbJobFailed, WsbJobTimeout
from harness.wsb.facts import RUNNING_STATE_NAMES, WbJob, parse_job, parse_time

log = logging.getLogger(__name__)
START_SKEW = _dt.timedelta(seconds=120)  # tolerance between "now" read before the start and the job's StartTime


@dataclass
class JobWait:
    """The polls of one job wait: progress lines (also logged) and the final job."""

    what: str
    progress: list[str] = field(default_factory=list)
    job: WbJob | None = None
    polls: int = 0


CHECK_SECONDS = 2.0
"""How often the host looks at the job while a poll waits there (``wsb_job.ps1``'s ``check_seconds``)."""


def wait_for_job(
    host: RemoteRunner, *, what: str, started_at: _dt.datetime, timeout_sec: float, poll_sec: float,
    sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
    on_progress: Callable[[str], None] | None = None,
) -> JobWait:
    """Poll until the job started at ``started_at`` (host clock) has finished; return it.

    Each poll after the first waits on the host while the job runs, up to ``poll_sec``, looking
    every :data:`CHECK_SECONDS`: the job's end is seen within seconds, not up to a whole poll
    later (on a host with one WSB job at a time, the next recovery waits for exactly that), and one
    command does what a wait and a poll did. ``sleep`` is called with 0 between polls: the caller's
    point to give up the wait (a drill that is stopping raises there).

    Raises :class:`WsbJobFailed` (HResult/DetailedHResult and their meaning in the message) or
    :class:`WsbJobTimeout` after ``timeout_sec`` of real time.
    """
    wait = JobWait(what)
    deadline = clock() + timeout_sec
    last_line = ""
    params: dict[str, object] = {}
    while True:
        data = host.run("wsb_job", params, idempotent=True) or {}
        wait.polls += 1
        current = parse_job(data.get("Current"))
        previous = parse_job(data.get("Previous"))
        host_now = parse_time(data.get("Now"))
        if current is not None and current.running:
            line = f"{what}: {current.job_type} {current.state}: {current.current_operation}".rstrip(": ")
            if line != last_line:
                wait.progress.append(line)
                log.info("%s", line)
                if on_progress:
                    on_progress(line)
                last_line = line
        elif previous is not None and previous.start is not None and previous.start >= started_at - START_SKEW:
            wait.job = previous
            line = f"{what}: {previous.job_type} {previous.state} at {previous.end or host_now}"
            wait.progress.append(line)
            log.info("%s", line)
            if previous.failed:
                raise WsbJobFailed(f"{what}: {previous.describe_failure()}", previous.code, previous)
            return wait
        if clock() >= deadline:
            state = f"last state: {current.state} ({current.current_operation})" if current else "no job seen"
            raise WsbJobTimeout(
                f"{what}: the WSB job did not finish within {timeout_sec / 60:g} minute(s) ({state}); it may still "
                f"run on the host (raise wsb.timeout_minutes if the backup is large)")
        sleep(0.0)
        params = {"wait_seconds": round(min(max(float(poll_sec), 0.0), max(0.0, deadline - clock()), 3600.0), 3),
                  "check_seconds": CHECK_SECONDS, "running_states": sorted(RUNNING_STATE_NAMES)}
