"""The safety steps around one run, in the order the engine calls them (issue 13).

    safety = RunSafety(run_id, inventory_path, reports, hosts, host_cfgs, take_over_stale=opt)
    safety.start()                     # before anything is created: trust warnings, run-id check, locks
    ...                                # the run (ledger, restores, checks)
    outcome = safety.teardown(lambda live: teardown(ledger, live), fresh=safety.guard.interrupted)
    safety.finish()                    # stop renewing, release the locks
    text = safety.summary(outcome.removed, outcome.left)   # → show_on_console(text, config)
    recorder.add_evidence(..., safety.evidence())          # warnings, takeovers, signals

The pieces are :mod:`harness.remote.tls`, :mod:`harness.hostlock`, :mod:`harness.interrupt` and
:func:`harness.remote.session.reconnect_all`; this class only fixes their order, so that the engine
cannot take a lock after creating something or tear down over a broken connection.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import HarnessError
from harness.hostlock import HostLock, LeaseKeeper, Takeover, acquire_all, check_run_id_unused
from harness.interrupt import InterruptGuard, TeardownAbandoned, teardown_summary
from harness.remote.session import reconnect_all
from harness.remote.tls import trust_warnings


@dataclass
class TeardownOutcome:
    """What teardown returned (``report``, the caller's object), whether a second Ctrl-C abandoned
    it, and the hosts that could not be reached on a fresh connection (nothing was sent to them)."""

    report: Any = None
    abandoned: bool = False
    unreachable: dict[str, str] = field(default_factory=dict)


class RunSafety:
    """Trust warnings, run-id check, host locks with lease renewal, signal handling, teardown on
    fresh connections, and the console summary for one run. ``hosts``: host name → ``RemoteHost``;
    ``host_cfgs``: the inventory hosts the run uses (name, scratch_root, scheme, cert settings)."""

    def __init__(self, run_id: str, inventory_path: str, reports: Path, hosts: Mapping[str, Any],
                 host_cfgs: Iterable[Any], *, take_over_stale: bool = False, guard: InterruptGuard | None = None,
                 lease_seconds: float | None = None, environ: Mapping[str, str] | None = None,
                 lock_hosts: Mapping[str, Any] | None = None) -> None:
        self.run_id = run_id
        self.inventory_path = inventory_path
        self.reports = Path(reports)
        self.hosts = dict(hosts)
        self.host_cfgs = list(host_cfgs)
        self.take_over_stale = take_over_stale
        self.guard = guard or InterruptGuard()
        self.lease_seconds = lease_seconds
        self.environ = environ
        # the locks may go over connections of their own, so that renewing a lease never waits
        # behind a long command (a restore) on the run's connection to the same host
        self.lock_hosts = dict(lock_hosts) if lock_hosts is not None else self.hosts
        self.warnings: list[str] = []
        self.takeovers: list[Takeover] = []
        self.locks: list[HostLock] = []
        self.keeper: LeaseKeeper | None = None

    def start(self) -> list[str]:
        """Warnings first (returned: print them), then refuse a used run id, then lock every host.
        Raises :class:`~harness.errors.UsageError` (run id) or :class:`~harness.errors.LabBusyError`."""
        self.warnings = trust_warnings(self.host_cfgs, self.environ)
        roots = {h.name: h.scratch_root for h in self.host_cfgs}
        check_run_id_unused(self.run_id, self.reports, roots, self.hosts)
        kw = {"lease_seconds": self.lease_seconds} if self.lease_seconds else {}
        self.locks = [HostLock(self.lock_hosts[h.name], h.name, h.scratch_root, self.run_id, **kw) for h in self.host_cfgs]
        self.takeovers = acquire_all(self.locks, take_over_stale=self.take_over_stale)
        self.keeper = LeaseKeeper(self.locks).start()
        return self.warnings

    def teardown(self, remove: Callable[[Mapping[str, Any]], Any], *, fresh: bool = True) -> TeardownOutcome:
        """Run ``remove(live_hosts)`` under the teardown guard (a second Ctrl-C asks first). With
        ``fresh`` (after an interrupt or a transport failure) every host gets a new connection
        first; hosts that cannot be reached are left out of ``live_hosts``."""
        outcome = TeardownOutcome()
        with self.guard.teardown():
            try:
                if fresh:
                    outcome.unreachable = reconnect_all(self.hosts)
                live = {n: h for n, h in self.hosts.items() if n not in outcome.unreachable}
                outcome.report = remove(live)
            except TeardownAbandoned:
                outcome.abandoned = True
        return outcome

    def finish(self) -> list[str]:
        """Stop renewing and release every lock this run still holds; returns problems (not raised:
        the run's result stands, and a stale lock is reported by the next run)."""
        problems: list[str] = []
        if self.keeper is not None:
            self.keeper.stop()
            problems += self.keeper.errors
        for lock in self.locks:
            try:
                lock.release()
            except HarnessError as exc:
                problems.append(f"{lock.host}: could not release the lock {lock.path}: {exc}")
        return problems

    def summary(self, removed: Iterable[str], left: Iterable[str], *, abandoned: bool = False,
                kept: bool = False) -> str:
        """The console text after teardown (see :func:`harness.interrupt.teardown_summary`)."""
        first = self.guard.received[0].name if self.guard.received else None
        reports = str(self.reports) if self.reports != Path("reports") else None
        return teardown_summary(self.run_id, self.inventory_path, list(removed), list(left), reports=reports,
                                interrupted=first, abandoned=abandoned, kept=kept)

    def evidence(self) -> dict[str, Any]:
        """What the evidence records: trust warnings, lock takeovers and the signals received."""
        return {
            "trust_warnings": list(self.warnings),
            "lock_takeovers": [t.as_dict() for t in self.takeovers],
            "signals": [{"signal": s.name, "at": s.at, "phase": s.phase, "action": s.action}
                        for s in self.guard.received],
            "interrupted": self.guard.interrupted,
        }
