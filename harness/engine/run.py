"""The restore engine's run: plan → preflight → restore → record → teardown, without pytest.

A :class:`Run` holds what one run shares: run id, inventory, host connections, ledger, recorder,
the preflight report, a facts cache per host (one ``vm_facts`` command per host per phase) and the
restore-once and boot-once caches. :func:`open_run` builds one and owns its order:

1. guard SIGINT/SIGTERM (harness/interrupt.py), open the lab (harness/engine/lab.py), then, before
   anything is created on a host: trust warnings, the run-id check and the host locks with their
   lease renewal (harness/run_safety.py); then create recorder and ledger;
2. plan every selected scenario (the method's ``plan``, from harness/restore/registry.py; a plan
   error belongs to its scenario and is raised when that scenario is restored);
3. preflight the hosts (harness/preflight.py); a failure is a lab problem and nothing is restored;
4. yield the run: callers (the pytest plugin, a CLI, later a scheduler) call :meth:`Run.restore`
   and :meth:`Run.boot`, each done once per scenario whoever asks first, safe to call from
   several threads at once; the engine records start, backup version and end for every method;
5. the end, also after errors, Ctrl-C and SIGTERM (harness/engine/guarded.py ``end_run``):
   teardown on fresh connections under the guard, the run record finished (status "interrupted"
   after a signal), the locks released, a console summary through ``notice``.

Progress goes through a :class:`Progress` object passed in (the plugin's shows Allure steps and
attachments; :class:`LogProgress` logs), so the engine knows neither pytest nor Allure.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol

from harness import naming
from harness.cleanup import HostMirror
from harness.engine.drill import host_sleep
from harness.engine.guarded import end_run, lock_connections, safety_json
from harness.engine.host_facts import read_host_facts
from harness.engine import recording
from harness.engine.lab import open_lab
from harness.engine.once import Once
from harness.errors import HarnessError, LabBusyError, RestoreDefect, UsageError
from harness.hyperv.facts import HostVMFacts
from harness.hyperv.operations import gather_vm_facts
from harness.interrupt import InterruptGuard
from harness.ledger import Ledger
from harness.preflight import PreflightReport, run_preflight
from harness.restore.boot import BootResult, boot_timeout_sec, boot_vm
from harness.restore.protocol import MethodOutcome
from harness.restore.registry import method_of, restores_vm
from harness.restore.restored import Restored
from harness.run_safety import RunSafety

log = logging.getLogger(__name__)


class Progress(Protocol):
    """Where the engine reports progress: named steps and text attachments."""

    def step(self, title: str) -> AbstractContextManager[Any]:
        """A context manager around one named step of the run."""

    def attach(self, text: str, name: str, kind: str = "text") -> None:
        """Show ``text`` under ``name`` (``kind``: text, json, csv, html)."""

    def elsewhere(self, key: str, title: str) -> AbstractContextManager[Any]:
        """Around work a thread does for a caller on another thread (a drill's worker): what it
        reports inside is kept under ``key``, to be shown as one step ``title`` by :meth:`hand_over`."""

    def hand_over(self, key: str, *, wait: bool = True, after: str | None = None) -> None:
        """Show what is kept under ``key`` where the calling thread reports now, once (``wait``: let a
        thread still reporting under ``key`` end first; ``after``: only once ``after`` was shown)."""

    def hand_over_rest(self) -> None:
        """At the end of the run: show what was kept and never handed over."""


class LogProgress:
    """Progress outside pytest: steps are log lines; attachments are not shown (the run record keeps
    the evidence files)."""

    def step(self, title: str) -> AbstractContextManager[Any]:
        log.info(title)
        return contextlib.nullcontext()

    def attach(self, text: str, name: str, kind: str = "text") -> None:
        log.debug("%s (%s, %d characters)", name, kind, len(text))

    def elsewhere(self, key: str, title: str) -> AbstractContextManager[Any]:
        return contextlib.nullcontext()  # log lines name their thread; nothing to keep

    def hand_over(self, key: str, *, wait: bool = True, after: str | None = None) -> None:
        pass

    def hand_over_rest(self) -> None:
        pass


class Run:
    """One run's shared state and its operations (see the module docstring)."""

    def __init__(self, inventory: Any, hosts: Mapping[str, Any], run_id: str, reports: Path, ledger: Any,
                 recorder: Any, *, scenarios: Sequence[Any] | None = None, labs: Sequence[Any] = (),
                 progress: Progress | None = None, inventory_path: str | Path | None = None,
                 notice: Callable[[str], None] = print, safety: RunSafety | None = None) -> None:
        self.inventory = inventory
        self.hosts = dict(hosts)
        self.run_id = run_id
        self.reports = Path(reports)
        self.ledger = ledger
        self.recorder = recorder
        self.scenarios = list(inventory.scenarios if scenarios is None else scenarios)
        self.simulated_labs = list(labs)
        self.progress: Progress = progress or LogProgress()
        self.inventory_path = str(inventory_path) if inventory_path is not None else None
        self.notice = notice
        self.safety = safety
        self.transport_failed = False  # a connection failed during the run: teardown starts on fresh ones
        self.signs = True  # False for one part of a scaled-out run: the merged record is signed instead
        for remote in self.hosts.values():
            listeners = getattr(remote, "listeners", None)
            if isinstance(listeners, list):
                listeners.append(self._saw_operation)
        self.preflight_report: PreflightReport | None = None
        self.plans: dict[str, Any] = {}
        self.fact_commands = 0
        self._restores = Once()
        self._boots = Once()
        self._facts: dict[str, HostVMFacts] = {}
        self._facts_lock = threading.Lock()
        self._record_lock = threading.RLock()
        self._backup_versions: dict[str, str | None] = {}
        # how polls of long operations (WSB jobs, WinPE, boots, service settling) wait, given the host
        # connection: on the host itself (host_wait.ps1), so the wait passes on the clock that times
        # the work and runs in the caller's own shell (a drill's worker, the run's own otherwise)
        self.poll_sleep: Callable[[Any], Callable[[float], None]] = host_sleep
        self._configs: set[str] = set()
        self._healthy: set[str] = set()  # scenarios whose services-healthy time is recorded
        self._seen_healthy: dict[str, Any] = {}  # scenario -> host time a drill worker saw them healthy
        self._measured: dict[str, tuple[Any, Any]] = {}

    # -- what methods may use (harness.restore.protocol.RestoreContext)

    def step(self, title: str) -> AbstractContextManager[Any]:
        """A named progress step."""
        return self.progress.step(title)

    def evidence(self, scenario: str | None, name: str, text: str, kind: str = "text", *, title: str | None = None
                 ) -> None:
        """Keep ``text`` as an evidence file of ``scenario`` and show it as an attachment (``title``)."""
        self.progress.attach(text, title or name, kind)
        with self._record_lock:
            self.recorder.add_evidence(scenario, name if "." in name else f"{name}.txt", text, kind=kind)

    def poll_wait(self, host: str) -> Callable[[float], None]:
        """How a poll of a long operation on ``host`` waits before its next read: a wait on the host
        (``host_wait.ps1``) over the calling thread's connection (harness/engine/drill.py host_sleep)."""
        return self.poll_sleep(self.hosts[host])

    def now(self, host: str) -> Any:
        """The current time on ``host``'s clock, read from the host (``host_clock.ps1``) and recorded
        with its offset to the controller: the run's one clock (harness/engine/recording.py)."""
        with self._record_lock:
            return recording.read_clock(self.recorder, host, self.hosts[host])

    # -- plan

    def host_of(self, scenario: Any) -> Any:
        """The inventory host a scenario runs on."""
        return self.inventory.scenario_host(scenario)

    def used_hosts(self) -> list[str]:
        """Names of the hosts the selected scenarios use (all hosts when none is selected)."""
        return sorted({self.host_of(s).name for s in self.scenarios}) or [h.name for h in self.inventory.hosts]

    def plan(self) -> dict[str, Any]:
        """Plan every selected scenario; a plan that cannot work is kept as its error (a UsageError),
        raised when that scenario is restored, so one bad scenario does not stop the others."""
        for scenario in self.scenarios:
            try:
                self.plans[scenario.name] = method_of(scenario).plan(self.inventory, scenario, self.run_id)
            except (ValueError, UsageError) as exc:
                self.plans[scenario.name] = exc if isinstance(exc, UsageError) else UsageError(str(exc))
        return self.plans

    def plan_of(self, scenario: Any) -> Any:
        """The scenario's plan (planned now if it was not selected up front); raises its plan error."""
        if scenario.name not in self.plans:
            try:
                self.plans[scenario.name] = method_of(scenario).plan(self.inventory, scenario, self.run_id)
            except ValueError as exc:
                raise UsageError(str(exc)) from None
        plan = self.plans[scenario.name]
        if isinstance(plan, Exception):
            raise plan
        return plan

    # -- preflight

    def preflight(self) -> PreflightReport:
        """Preflight the used hosts, record their facts, require every host ready (``PreflightFailed``,
        a lab problem), then start mirroring the ledger to the hosts."""
        used = self.used_hosts()
        with self.step(f"Preflight of {', '.join(used)} (run {self.run_id})"):
            report = run_preflight(self.inventory, self.hosts, self.scenarios, self.run_id)
            self.progress.attach(report.text(), "preflight", "text")
        self.preflight_report = report
        with self._record_lock:
            for name, hp in report.hosts.items():
                self.recorder.host_facts(name, {"computer_name": hp.facts.get("ComputerName"),
                                                "preflight": "ok" if hp.ok else "failed", "needed_bytes": hp.needed,
                                                "free_bytes": hp.free})
        report.require_ok()
        for name in used:
            self.now(name)  # each host's clock once, before anything is timed
            facts = read_host_facts(self.hosts[name])
            with self._record_lock:
                self.recorder.host_facts(name, facts)
        mirror = HostMirror(self.hosts)
        mirror.prepare(self.ledger, used)
        self.ledger.add_listener(mirror)
        mirror(self.ledger)
        return report

    # -- restore (once per scenario)

    def restore(self, scenario: Any) -> Restored:
        """Restore ``scenario`` once; later calls (from any thread) get the same :class:`Restored`
        or the same error re-raised. A restore defect comes back in ``Restored.defect``. The first
        caller on the tests' side also gets the restore's steps when a drill's worker did it
        (:meth:`hand_over`)."""
        try:
            restored = self._restores.get(scenario.name, lambda: self._restore(scenario))
        except Exception:
            self.hand_over(scenario, "restore")
            raise
        self.hand_over(scenario, "restore")
        return restored

    def _restore(self, scenario: Any) -> Restored:
        self.require_lock()
        method = method_of(scenario)
        host = self.host_of(scenario).name
        started = self._host_time(host)
        self._timed("restore started", host, started)
        with self._record_lock:
            self.recorder.scenario_started(scenario.name, system=scenario.vm, method=scenario.method,
                                           import_type=scenario.import_type, host=host,
                                           rto_target_minutes=scenario.rto_minutes, restores_vm=restores_vm(scenario),
                                           max_backup_age_days=recording.backup_age_override(scenario), at=started)
        for path, name in recording.profile_files(self.inventory, scenario):
            self.config_used(path, name)
        try:
            outcome: MethodOutcome = method.run(self, scenario, self.plan_of(scenario))
        except RestoreDefect as exc:
            self._finished(scenario, started, self._host_time(host), False, str(exc))
            return Restored(scenario, defect=exc)
        except Exception as exc:  # recorded, then raised (and cached: never retried within the run)
            message = str(exc) if isinstance(exc, HarnessError) else f"{type(exc).__name__}: {exc}"
            self._finished(scenario, started, self._host_time(host), False, message)
            raise
        finished = self._host_time(host)
        if outcome.backup is not None:
            b = outcome.backup
            self._backup_versions[scenario.name] = b.version_id
            with self._record_lock:
                self.recorder.backup_used(scenario.name, version_id=b.version_id, backup_time=b.backup_time,
                                          target=b.target, age_days=b.age_days)
        self._finished(scenario, started, finished, True, outcome.message)
        self._forget_facts(self.host_of(scenario).name)
        return Restored(scenario, result=outcome.result, backup=outcome.backup)

    def _finished(self, scenario: Any, started: Any, finished: Any, ok: bool, message: str) -> None:
        self._timed("restore finished", self.host_of(scenario).name, finished)
        with self._record_lock:
            self.recorder.restore_finished(scenario.name, started=started, finished=finished, ok=ok, message=message)

    def backup_version(self, scenario: Any) -> str | None:
        """The version id of the backup the scenario restored (None before/without a restore)."""
        return self._backup_versions.get(scenario.name)

    # -- boot (once per scenario)

    def boot(self, scenario: Any) -> BootResult:
        """Start the scenario's restored VM once: isolation guard on fresh facts, Start-VM, heartbeat.
        A guard failure (lab problem) or a guest that never answers (restore defect) is cached and
        re-raised for every later caller."""
        result = self.restore(scenario).require_vm()
        try:
            booted = self._boots.get(scenario.name, lambda: self._boot(scenario, result))
        except Exception:
            self.hand_over(scenario, "boot")
            raise
        self.hand_over(scenario, "boot")
        return booted

    def _boot(self, scenario: Any, result: Any) -> BootResult:
        self.require_lock()
        host_cfg = self.host_of(scenario)
        listed = [s.name for s in host_cfg.isolated_switches]
        facts = self.facts(host_cfg.name, refresh=True)
        with self.step(f"Isolation guard, Start-VM and heartbeat of {result.vm_name} on {host_cfg.name}"):
            remote = self.hosts[host_cfg.name]
            booted = boot_vm(remote, result.vm_id, facts, listed, timeout_sec=boot_timeout_sec(scenario),
                             progress=self._progress_line, sleep=self.poll_sleep(remote))
            self.progress.attach(booted.summary(), "boot", "text")
        self._forget_facts(host_cfg.name)
        return booted

    # -- work a drill's worker did (harness/engine/drill.py), shown where a test takes its outcome

    ELSEWHERE = {"restore": "restore of {}", "boot": "boot of {}", "settle": "services of {} settling"}

    def elsewhere(self, scenario: Any, phase: str) -> AbstractContextManager[Any]:
        """Around ``phase`` of ``scenario`` (``restore``, ``boot``, ``settle``: :data:`ELSEWHERE`)
        done by a drill's worker thread: its steps are kept, not shown in whichever test runs
        meanwhile, until a test takes the outcome (:meth:`hand_over`)."""
        title = f"{self.ELSEWHERE[phase].format(scenario.name)} (ran concurrently in the drill)"
        return self.progress.elsewhere(f"{phase} {scenario.name}", title)

    def hand_over(self, scenario: Any, phase: str) -> None:
        """Show in the calling test what a worker kept for ``phase`` of ``scenario`` (the restore to
        the first test that gets it, the boot to the first that gets the VM booted), once; then the
        services' settling, once the boot was shown and the settling is over (not waited for).
        Nothing happens on a worker's own thread, nor when no worker did that work."""
        if phase != "settle":
            self.progress.hand_over(f"{phase} {scenario.name}")
        self.progress.hand_over(f"settle {scenario.name}", wait=False, after=f"boot {scenario.name}")

    def _progress_line(self, line: str) -> None:
        log.info(line)
        with self.step(line):
            pass

    def _host_time(self, host: str) -> Any:
        """The host's time read now, or, when its clock cannot be read (a host lost mid-run), the time
        from its last measured offset: a lost clock must not hide what is being recorded."""
        try:
            return self.now(host)
        except Exception as exc:  # noqa: BLE001 - the restore's own outcome is what matters
            log.warning("could not read the clock of %s (%s); using its last measured offset", host, exc)
            with self._record_lock:
                return self.recorder.now(host)

    def services_seen_healthy(self, scenario: Any) -> None:
        """A drill's worker saw the scenario's services settled and healthy (now, on the host's clock):
        if the service test then passes, the RTO interval ends here, not when the test got to look."""
        at = self._host_time(self.host_of(scenario).name)
        with self._record_lock:
            self._seen_healthy.setdefault(scenario.name, at)

    def services_healthy(self, scenario: Any, at: Any = None) -> None:
        """Record the end of the RTO interval (restore start → services healthy), on the scenario's
        host's clock: ``at`` (a host time) if given, else the time a drill's worker first saw them
        healthy (:meth:`services_seen_healthy`), else now. Called by the service test once its check
        passed; recorded once per scenario."""
        with self._record_lock:
            if scenario.name in self._healthy:
                return
            self._healthy.add(scenario.name)
            at = at or self._seen_healthy.get(scenario.name)
        at = at or self._host_time(self.host_of(scenario).name)
        self._timed("services healthy (end of RTO)", self.host_of(scenario).name, at)
        with self._record_lock:
            self.recorder.services_healthy(scenario.name, at)

    def _timed(self, what: str, host: str, at: Any) -> None:
        """A step naming a recorded moment with its zone and clock (Allure shows its own times in the
        browser's zone, unnamed)."""
        with self._record_lock:
            label = self.recorder.time_label(host, at)
        with self.step(f"{what} at {label}"):
            pass

    def measured(self, scenario: Any, result: Any) -> Any:
        """Hand a check's :class:`harness.checks.result.CheckResult` to the run record: its expected
        and found values go into the check's line (passed or failed) when the test's outcome is
        recorded. Returns ``result``, so a suite writes ``outcome = restore_run.measured(scenario, ...)``."""
        with self._record_lock:
            self._measured[scenario.name] = result.measured()
        return result

    def take_measured(self, scenario: Any) -> tuple[Any, Any]:
        """The (expected, found) a check of ``scenario`` handed over last, forgotten once taken."""
        with self._record_lock:
            return self._measured.pop(scenario.name, (None, None))

    def config_used(self, path: str | Path, name: str) -> None:
        """Keep a redacted copy of a configuration file the run used (a service profile) in the
        evidence, once per ``name`` (e.g. ``profiles/configmgr-site.yml``)."""
        with self._record_lock:
            if name not in self._configs:
                self._configs.add(name)
                self.recorder.config_copy(Path(path), name)

    def interrupted(self, reason: str) -> None:
        """Record that the run was interrupted (Ctrl+C): the one place the record learns it; the
        folder is still finished and signed, and scenarios that did not end show as interrupted."""
        with self._record_lock:
            self.recorder.mark_interrupted(reason)

    # -- facts (ONE remote command per host per phase)

    def facts(self, host_name: str, *, refresh: bool = False) -> HostVMFacts:
        """Facts of every VM this run restored on ``host_name``; cached until ``refresh`` or until a
        restore or boot on that host changes them."""
        with self._facts_lock:
            if refresh or host_name not in self._facts:
                vms = [(r.result.vm_id, r.result.plan.run_dir) for r in self._restores.values()
                       if r.result is not None and getattr(r.result, "vm_id", None) and r.result.plan.host == host_name]
                self._facts[host_name] = gather_vm_facts(self.hosts[host_name], host_name, vms)
                self.fact_commands += 1
            return self._facts[host_name]

    def _forget_facts(self, host_name: str) -> None:
        with self._facts_lock:
            self._facts.pop(host_name, None)

    # -- report labels

    def labels(self, scenario: Any, check: str, severity: str = "critical") -> dict[str, Any]:
        """What a check on ``scenario`` is labelled with in reports (method, system, host, backup version)."""
        return self.labels_for(self.inventory, scenario, check, severity, self.backup_version(scenario))

    @staticmethod
    def labels_for(inventory: Any, scenario: Any, check: str, severity: str, backup_version: str | None
                   ) -> dict[str, Any]:
        """The report labels of a check (also before or without a run: no backup version then)."""
        method = scenario.method + (f" ({scenario.import_type})" if scenario.import_type else "")
        return {"scenario": scenario.name, "method": method, "system": scenario.vm, "check": check,
                "severity": severity, "host": inventory.scenario_host(scenario).name,
                "backup_version": backup_version}

    # -- the host locks, the interruption, the end of the record

    @property
    def signalled(self) -> bool:
        """True once SIGINT or SIGTERM arrived (the run then ends with exit code 2)."""
        return bool(self.safety and self.safety.guard.interrupted)

    def _saw_operation(self, event: Any) -> None:
        if event.outcome in ("transport-error", "timeout", "protocol-error"):
            self.transport_failed = True

    def require_lock(self) -> None:
        """Stop before the next restore or boot when the run lost a host lock (another run took it
        over as stale while this one still worked): :class:`~harness.errors.LabBusyError`."""
        keeper = self.safety.keeper if self.safety else None
        if keeper is not None and keeper.lost.is_set():
            raise LabBusyError(f"run {self.run_id} lost its lab host lock: {'; '.join(keeper.errors)}")

    def finish(self, safety_record: Mapping[str, Any] | None = None) -> None:
        """Close the run record: the ledger and the safety record (trust warnings, lock takeovers,
        signals) as evidence, the status "interrupted" when a signal arrived, then the report and
        its manifest."""
        with self._record_lock:
            self.recorder.add_evidence(None, "ledger.json", self.ledger.to_json(), kind="json")
            if safety_record is not None:
                self.recorder.add_evidence(None, "run-safety.json", safety_json(safety_record), kind="json")
                if safety_record.get("interrupted"):
                    self.recorder.mark_interrupted(
                        "interrupted (signal)", {k: safety_record.get(k) for k in ("signals", "teardown_abandoned", "left")})
            self.recorder.finish()
        for line in recording.finish_notes(self.recorder) if self.signs else ():
            self.notice(line)


@contextlib.contextmanager
def open_run(inventory: Any, inventory_path: str | Path, *, scenarios: Sequence[Any] | None = None,
             run_id: str | None = None, reports: str | Path | None = None, keep: bool = False,
             progress: Progress | None = None, on_open: Callable[[Run], None] | None = None,
             notice: Callable[[str], None] = print, signing_key: str | None = None,
             take_over_stale_lock: bool = False, guard: InterruptGuard | None = None,
             lease_seconds: float | None = None, sign: bool = True) -> Iterator[Run]:
    """Open the lab, lock its hosts, plan and preflight, yield the :class:`Run`; on exit, also after
    errors, Ctrl-C and SIGTERM: teardown, evidence, lock release, summary (harness/engine/guarded.py).

    Before anything is created: the signing key is loaded (``signing_key``: path or
    ``keyring:NAME``; default ``$RH_SIGNING_KEY``, then the inventory's ``reports.signing_key``; a bad
    key stops the run), trust warnings are ``notice``d and recorded, a run id that has a ledger
    locally or on a host is refused (:class:`~harness.errors.UsageError`), and every used host is
    locked (:class:`~harness.errors.LabBusyError` naming the holder; a stale lock only with
    ``take_over_stale_lock``, recorded). ``guard`` (default: a new one) turns SIGINT/SIGTERM into
    KeyboardInterrupt while the run is open (main thread only). ``on_open`` sees the run before the
    preflight (the plugin registers its evidence hooks there). ``sign=False``: the run is one part of
    a run scaled out over several processes (harness/xdist_hosts.py): its record is left unsigned and
    says nothing about signing; the process that merges the parts signs the one record."""
    run_id = run_id or naming.new_run_id()
    try:
        naming.validate_run_id(run_id)
    except ValueError as exc:
        raise UsageError(f"run id: {exc}") from None
    reports_dir = Path(reports or inventory.reports.dir)
    chosen = list(inventory.scenarios if scenarios is None else scenarios)
    used = sorted({inventory.scenario_host(s).name for s in chosen}) or [h.name for h in inventory.hosts]
    key = recording.signing_key(inventory, signing_key, notice=notice) if sign else None  # a bad key stops the run
    guard = guard or InterruptGuard()
    labs: list[Any] = []
    with guard, open_lab(inventory, inventory_path, labs=labs) as hosts, lock_connections(hosts, used) as lock_hosts:
        safety = RunSafety(run_id, str(inventory_path), reports_dir, {n: hosts[n] for n in used},
                           [h for h in inventory.hosts if h.name in used], take_over_stale=take_over_stale_lock,
                           guard=guard, lease_seconds=lease_seconds, lock_hosts=lock_hosts)
        try:
            warnings = safety.start()
            for line in [*warnings, *(t.text() for t in safety.takeovers)]:
                notice(f"WARNING: {line}")
            recorder = recording.open_recorder(inventory, inventory_path, run_id, reports_dir, simulated=bool(labs),
                                               key=key)
            ledger = Ledger.create(run_id, reports_dir, {h.name: h.scratch_root for h in inventory.hosts})
        except BaseException:
            safety.finish()  # give back the locks taken so far
            raise
        run = Run(inventory, hosts, run_id, reports_dir, ledger, recorder, scenarios=chosen, labs=labs,
                  progress=progress, inventory_path=inventory_path, notice=notice, safety=safety)
        run.signs = sign
        failed = False
        try:
            if on_open is not None:
                on_open(run)
            run.plan()
            run.preflight()
            yield run
        except KeyboardInterrupt:
            failed = True
            run.interrupted("interrupted (Ctrl+C)")
            raise
        except BaseException:
            failed = True
            raise
        finally:
            try:
                end_run(run, keep=keep, failed=failed)
            finally:
                run.progress.hand_over_rest()  # steps of other threads no test took: in the run's end
