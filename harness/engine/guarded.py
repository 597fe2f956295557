"""The guarded edges of a run (issue 13): what happens before the first thing is created on a lab
host and after the last check, whatever stopped the run.

Start (:func:`lock_connections`, then ``RunSafety.start`` from harness/run_safety.py, called by
:func:`harness.engine.run.open_run`): trust warnings, the run-id check, the host locks and their
lease renewal, all before the ledger and the recorder exist.

End (:func:`end_run`), also after errors, Ctrl-C and SIGTERM:

1. teardown under the interrupt guard (a Ctrl-C asks; a second one within the window abandons it),
   on fresh connections when the run was interrupted or failed, or a connection failed during it
   (``reconnect_all``: a shell broken mid-request is never reused); each ledger entry is settled as it is removed (harness/cleanup.py);
2. the evidence finished (signals held back while it is written): the ledger, the safety record
   (warnings, lock takeovers, signals) and, when a signal arrived, the status "interrupted";
3. the host locks released (not on a host that did not answer a fresh connection: its lock stays
   until its lease expires, and ``cleanup`` of this run takes it back);
4. a console summary of what was removed and what is left, with the exact ``restore-harness
   cleanup`` command, whenever the run was interrupted, kept, or left something.
"""

from __future__ import annotations

import contextlib
import json
import logging
import signal
import threading
from collections.abc import Iterator, Mapping
from typing import Any

from harness.cleanup import teardown
from harness.errors import HarnessError
from harness.interrupt import TeardownAbandoned
from harness.ledger import GONE, REMOVED
from harness.remote.session import RemoteHost, connect

log = logging.getLogger(__name__)


@contextlib.contextmanager
def lock_connections(hosts: Mapping[str, Any], names: list[str]) -> Iterator[dict[str, Any]]:
    """A second connection to each of ``names`` for the host lock: a lease renewal must not wait
    behind a long command (a WSB recovery can hold the run's connection for an hour). Anything but a
    :class:`RemoteHost` (a test double) is shared instead."""
    out: dict[str, Any] = {}
    try:
        for name in names:
            remote = hosts[name]
            out[name] = connect(remote.config) if isinstance(remote, RemoteHost) else remote
        yield out
    finally:
        for name, conn in out.items():
            if conn is not hosts[name]:
                with contextlib.suppress(Exception):
                    conn.close()


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM held back (delivered on exit) while the evidence files are written, so
    that an impatient Ctrl-C cannot leave half an evidence folder. Where Python cannot mask
    signals (Windows, a thread other than the main one) nothing is held back."""
    mask = getattr(signal, "pthread_sigmask", None)
    if mask is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    old = mask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        mask(signal.SIG_SETMASK, old)


def end_run(run: Any, *, keep: bool, failed: bool) -> None:
    """Teardown, evidence, lock release and console summary of ``run`` (see the module docstring).
    ``failed``: the run ended with an error (its connections may be broken)."""
    safety = run.safety
    guard = safety.guard
    abandoned = False
    unreachable: dict[str, str] = {}
    with guard.teardown():
        if not keep:
            fresh = failed or guard.interrupted or run.transport_failed
            try:
                outcome = safety.teardown(
                    lambda live: teardown(run.ledger, live, unreachable=_why(safety, live)), fresh=fresh)
                abandoned, unreachable = outcome.abandoned, dict(outcome.unreachable)
            except HarnessError as exc:  # e.g. a certificate error on reconnect: say it, keep going
                unreachable = {"*": str(exc)}
                log.warning("teardown of run %s failed: %s", run.run_id, exc)
        removed = [e.describe() for e in run.ledger if e.state in (REMOVED, GONE)]
        left = [e.describe() for e in run.ledger.open_entries()]
        record = {**safety.evidence(), "teardown_abandoned": abandoned, "unreachable_at_teardown": unreachable,
                  "kept": keep, "left": left}
        try:
            with signals_held():  # a signal held back here arrives on exit: it may still abandon what follows
                run.finish(safety_record=record)
        except TeardownAbandoned:
            pass
        problems = [f"the lock on {lock.host} stays until its lease expires ({lock.held.lease_expires}): the host "
                    f"could not be reached; `restore-harness cleanup --run-id {run.run_id}` takes it back"
                    for lock in safety.locks if lock.host in unreachable and lock.held is not None]
        for lock in safety.locks:
            if lock.host in unreachable:
                lock.held = None  # nothing is sent to a host that did not answer a fresh connection
        try:
            problems += safety.finish()
        except TeardownAbandoned:
            problems.append("lock release abandoned by a second Ctrl-C: the locks stay until their lease expires")
        except HarnessError as exc:
            problems.append(str(exc))
        lines: list[str] = []
        if guard.interrupted or keep or left or abandoned or unreachable:
            lines = [safety.summary(removed, left, abandoned=abandoned, kept=keep)]
            lines += [f"no fresh connection to {host} for teardown: {why}" for host, why in unreachable.items()]
        lines += [f"warning: {p}" for p in problems]
        if lines:
            try:
                with signals_held():
                    run.notice("\n" + "\n".join(lines))
            except TeardownAbandoned:
                pass


def _why(safety: Any, live: Mapping[str, Any]) -> dict[str, str]:
    """Hosts left out of ``live`` (no fresh connection could be made)."""
    return {name: "no fresh connection could be made" for name in safety.hosts if name not in live}


def safety_json(record: Mapping[str, Any]) -> str:
    """The safety record as the evidence file ``run-safety.json``."""
    return json.dumps(record, indent=2, ensure_ascii=False)
