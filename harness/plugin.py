"""pytest glue for restore-harness: options, fixtures, markers, evidence wiring, exit codes.

Registered through the ``pytest11`` entry point ``restore_harness``. Suites stay short: they ask
for ``scenario`` (parametrized from the inventory by the module's ``restore_method`` marker),
``restore_run`` (run id, ledger, recorder, hosts, cached facts) and ``restored`` (the scenario's
restore, done once per scenario). See docs/plugin.md.

When an inventory host has ``simulated: true`` the lab provider registered as ``simulated``
(harness/labs.py) is started and the host pointed at it (:func:`open_lab`). Nothing else behaves
differently for a simulated host.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
import secrets as _random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from harness import naming
from harness.errors import HarnessError, InventoryError, RestoreDefect, UsageError, problem_kind

DEFAULT_INVENTORY = "inventories/sim-lab.yml"
EXIT_OK, EXIT_DEFECT, EXIT_INTERRUPTED, EXIT_LAB, EXIT_HARNESS, EXIT_EMPTY = 0, 1, 2, 3, 4, 5
_STATE = pytest.StashKey["PluginState"]()
OWN_START = {"bmr"}  # restore flows that record the scenario's start in the run record themselves


# ----------------------------------------------------------------------------- lab wiring


def simulated_secrets(inventory_path: str | Path) -> list[str]:
    """Give every environment variable that the ``simulated_lab:`` section names (``password_env``,
    ``user_env``, ...) a value when it has none: random passwords, a fixed user name. Only for a
    simulated lab (its accounts exist nowhere else); a value already set is kept. Returns the names set."""
    import yaml

    try:
        data = yaml.safe_load(Path(inventory_path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return []
    names: dict[str, str] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(key, str) and key.endswith("_env") and isinstance(value, str):
                    names[value] = key
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(data.get("simulated_lab") if isinstance(data, dict) else None)
    done = []
    for name, key in sorted(names.items()):
        if name not in os.environ:
            os.environ[name] = _random.token_urlsafe(18) if "pass" in key else "rh-sim-user"
            done.append(name)
    return done


@contextlib.contextmanager
def open_lab(inventory: Any, inventory_path: str | Path, *, labs: list[Any] | None = None
             ) -> Iterator[dict[str, Any]]:
    """Connections (``RemoteHost``) to every inventory host, by name. Hosts marked ``simulated``
    are pointed at a simulated lab started here (and stopped on exit); ``labs`` receives it."""
    from harness.labs import lab_provider
    from harness.remote.session import connect

    with contextlib.ExitStack() as stack:
        hosts: dict[str, Any] = {}
        lab = None
        for host in inventory.hosts:
            cfg = host
            if host.simulated:
                if lab is None:
                    simulated_secrets(inventory_path)
                    lab = stack.enter_context(lab_provider("simulated").from_inventory(str(inventory_path), port=0))
                    if labs is not None:
                        labs.append(lab)
                cfg = host.model_copy(update={"address": "127.0.0.1", "port": int(lab.port)})
            remote = connect(cfg)
            stack.callback(remote.close)
            hosts[host.name] = remote
        yield hosts


# ----------------------------------------------------------------------------- options, markers


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("restore_harness", "restore-harness")
    group.addoption("--inventory", default=None, help=f"inventory file (default {DEFAULT_INVENTORY})")
    group.addoption("--scenario", action="append", default=[], help="run only this scenario (repeatable)")
    group.addoption("--run-id", default=None, help="run id (default: a new one, rh-YYYYMMDD-HHMM-xxxx)")
    group.addoption("--keep", action="store_true", default=False, help="skip teardown (leave run resources on the host)")
    group.addoption("--reports", default=None, help="reports directory (default: the inventory's reports.dir)")


@dataclass
class PluginState:
    """Per-session state: inventory, classified outcomes (for the exit code)."""

    inventory_path: str
    scenarios: list[str]
    inventory: Any = None
    inventory_error: Exception | None = None
    outcomes: dict[str, int] = field(default_factory=lambda: {"passed": 0, "defect": 0, "lab": 0, "harness": 0})
    recorder: Any = None
    run: Any = None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "restore_method(name): the restore method a suite tests (import, wsb-files, wsb-vm, bmr)")
    config.addinivalue_line("markers", "check(name): the check a test performs (shown in reports and the run record)")
    config.addinivalue_line("markers", "needs_vm: the suite checks a restored VM; scenarios whose method restores "
                                       "no VM (wsb-files) are skipped with the reason, before any restore")
    state = PluginState(config.getoption("--inventory") or DEFAULT_INVENTORY, list(config.getoption("--scenario") or []))
    config.stash[_STATE] = state
    try:
        from harness.evidence.allure_steps import remote_operation_listener
        from harness.remote import events

        events.add_listener(remote_operation_listener)
        config.add_cleanup(lambda: events.remove_listener(remote_operation_listener))
    except ImportError:  # evidence part not installed: runs still work, without remote steps
        pass


def _inventory(config: pytest.Config) -> Any:
    state = config.stash[_STATE]
    if state.inventory is None and state.inventory_error is None:
        from harness.inventory import load_inventory

        try:
            inv = load_inventory(state.inventory_path)
            unknown = set(state.scenarios) - {s.name for s in inv.scenarios}
            if unknown:
                raise UsageError(f"--scenario {', '.join(sorted(unknown))}: not in {state.inventory_path} "
                                 f"(scenarios: {', '.join(s.name for s in inv.scenarios)})")
            state.inventory = inv
        except (InventoryError, UsageError, OSError) as exc:
            state.inventory_error = exc
    if state.inventory_error is not None:
        raise pytest.UsageError(str(state.inventory_error))
    return state.inventory


def selected_scenarios(config: pytest.Config, method: str | None = None) -> list[Any]:
    """Scenarios of the inventory, filtered by --scenario and (if given) the restore method."""
    state = config.stash[_STATE]
    inv = _inventory(config)
    return [s for s in inv.scenarios
            if (not state.scenarios or s.name in state.scenarios) and (method is None or s.method == method)]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "scenario" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("restore_method")
    method = marker.args[0] if marker and marker.args else None
    scenarios = selected_scenarios(metafunc.config, method)
    params: list[Any] = list(scenarios)
    if metafunc.definition.get_closest_marker("needs_vm") is not None:
        from harness.restore.methods import no_vm_reason, restores_vm

        # decided by the scenario's method before anything is restored: no restore is asked for
        params = [s if restores_vm(s) else pytest.param(s, marks=pytest.mark.skip(reason=no_vm_reason(s)))
                  for s in scenarios]
    metafunc.parametrize("scenario", params, ids=[s.name for s in scenarios])


# ----------------------------------------------------------------------------- the run


@dataclass
class Restored:
    """One scenario's restore: ``result`` on success, else ``defect`` (a RestoreDefect)."""

    scenario: Any
    result: Any = None
    defect: RestoreDefect | None = None

    def require_vm(self) -> Any:
        """The restore result of a VM-producing restore; fails the test when the restore failed and
        skips it when the method restores files (``wsb-files``: there is no VM to check)."""
        from harness.restore.methods import no_vm_reason, restores_vm

        if not restores_vm(self.scenario):
            pytest.skip(no_vm_reason(self.scenario))
        if self.result is None:
            pytest.fail(f"{self.scenario.name}: no restored VM to check: the restore failed: {self.defect}")
        return self.result


class RestoreRun:
    """Session object: run id, inventory, hosts, ledger, recorder; restores, boots and facts, cached.

    Each scenario is started in the run record ONCE, restored ONCE and booted ONCE, whichever suite
    asks first; an error is cached and re-raised for every later test of the scenario."""

    def __init__(self, config: pytest.Config, inventory: Any, hosts: Mapping[str, Any], run_id: str,
                 reports: Path, ledger: Any, recorder: Any, simulated_labs: list[Any]) -> None:
        self.config = config
        self.inventory = inventory
        self.hosts = dict(hosts)
        self.run_id = run_id
        self.reports = reports
        self.ledger = ledger
        self.recorder = recorder
        self.simulated_labs = simulated_labs
        self.preflight: Any = None
        self._restored: dict[str, Restored | BaseException] = {}
        self._booted: dict[str, Any] = {}
        self._facts: dict[str, Any] = {}
        self.fact_commands = 0

    def host_of(self, scenario: Any) -> Any:
        return self.inventory.scenario_host(scenario)

    # -- run record

    def start_scenario(self, scenario: Any) -> None:
        """Record the scenario's start in the run record (once per run, whoever asks first)."""
        if any(sc.get("scenario") == scenario.name for sc in self.recorder.data["scenarios"]):
            return
        self.recorder.scenario_started(scenario.name, system=scenario.vm, method=scenario.method,
                                       import_type=scenario.import_type, host=self.host_of(scenario).name,
                                       rto_target_minutes=scenario.rto_minutes)

    def _started_elsewhere(self, scenario: Any) -> bool:
        return any(sc.get("scenario") == scenario.name for sc in self.recorder.data["scenarios"])

    def backup_version(self, scenario: Any) -> str | None:
        """The version id of the backup the scenario restored (None before/without a restore)."""
        for sc in self.recorder.data["scenarios"]:
            if sc.get("scenario") == scenario.name and sc.get("backup"):
                return sc["backup"].get("version_id")
        return None

    def label(self, scenario: Any, check: str, severity: str = "critical") -> None:
        """Allure labels of the running test (title, epic/feature/story, tags ``lab_host:`` and
        ``backup:<version restored>``); no-op without the evidence part."""
        try:
            from harness.evidence.pytest_hooks import apply_labels
        except ImportError:
            return
        method = scenario.method + (f" ({scenario.import_type})" if scenario.import_type else "")
        apply_labels(scenario=scenario.name, method=method, system=scenario.vm, check=check, severity=severity,
                     host=self.host_of(scenario).name, backup_version=self.backup_version(scenario))

    # -- restores

    def restore(self, scenario: Any) -> Restored:
        """Restore ``scenario`` once; later calls return the same outcome (or re-raise its error)."""
        cached = self._restored.get(scenario.name)
        if isinstance(cached, BaseException):
            raise cached
        if cached is not None:
            return cached
        if scenario.method in OWN_START:
            if self._started_elsewhere(scenario):
                raise UsageError(
                    f"scenario {scenario.name} was already restored outside the plugin (a suite fixture that does "
                    f"not use restore_run.restore); the restore is done once per run, so the plugin cannot redo it. "
                    f"Fix: the suite's fixture must return restore_run.restore(scenario)")
        else:
            self.start_scenario(scenario)
        started = _dt.datetime.now(_dt.UTC)
        try:
            outcome = self._restore(scenario)
        except Exception as exc:  # cached: the restore is never retried within a run
            self._restored[scenario.name] = exc
            self._record_failed_restore(scenario, started, exc)
            raise
        self._restored[scenario.name] = outcome
        self._facts.pop(self.host_of(scenario).name, None)
        return outcome

    def _record_failed_restore(self, scenario: Any, started: _dt.datetime, exc: BaseException) -> None:
        """A restore flow that stopped without recording its end (a bug, or an error it did not
        expect) still leaves an honest record: not ok, with the error."""
        for sc in self.recorder.data["scenarios"]:
            if sc.get("scenario") == scenario.name and sc.get("restore") is None:
                self.recorder.restore_finished(scenario.name, started=started, finished=_dt.datetime.now(_dt.UTC),
                                               ok=False, message=f"{type(exc).__name__}: {exc}")

    def _restore(self, scenario: Any) -> Restored:
        if scenario.method in ("wsb-files", "wsb-vm"):
            from harness.restore.wsb_run import restore_scenario

            return restore_scenario(self, scenario)
        if scenario.method == "bmr":
            return self._restore_bmr(scenario)
        if scenario.method != "import":
            raise UsageError(f"scenario {scenario.name}: restore method {scenario.method!r} is not known")
        return self._restore_import(scenario)

    def _restore_bmr(self, scenario: Any) -> Restored:
        try:
            from harness.restore.bmr import restore_from_run
        except ImportError as exc:
            raise UsageError(f"scenario {scenario.name}: bare-metal recovery (harness.restore.bmr) is not "
                             f"available in this installation: {exc}") from None
        outcome = restore_from_run(self, scenario)  # records the scenario's start itself
        return Restored(scenario, result=outcome.result, defect=outcome.defect)

    def _restore_import(self, scenario: Any) -> Restored:
        import allure

        from harness.restore.import_vm import import_vm, plan_import

        plan = plan_import(self.inventory, scenario, self.run_id)
        started = _dt.datetime.now(_dt.UTC)
        try:
            result = import_vm(self.hosts[plan.host], plan, self.ledger, step=allure.step)
        except RestoreDefect as exc:
            self.recorder.restore_finished(scenario.name, started=started, finished=_dt.datetime.now(_dt.UTC),
                                           ok=False, message=str(exc))
            return Restored(scenario, defect=exc)
        except HarnessError as exc:
            self.recorder.restore_finished(scenario.name, started=started, finished=_dt.datetime.now(_dt.UTC),
                                           ok=False, message=str(exc))
            raise
        written = _parse_time(result.vmcx_written)
        age = (_dt.datetime.now(_dt.UTC) - written).total_seconds() / 86400 if written else None
        self.recorder.backup_used(scenario.name, version_id=result.vmcx, backup_time=written,
                                  target=plan.folder, age_days=age)
        self.recorder.restore_finished(scenario.name, started=result.started, finished=result.finished, ok=True,
                                       message=f"imported as {result.vm_name} ({result.vm_id})")
        return Restored(scenario, result=result)

    # -- boot (isolation guard, Start-VM, heartbeat)

    def boot(self, scenario: Any) -> Any:
        """Start the scenario's restored VM once (isolation guard first, then Start-VM, then wait
        for the heartbeat with progress steps); returns ``harness.restore.boot.BootResult``.
        A guard failure is a lab problem, a guest that never answers a restore defect; both are
        cached and re-raised for every later test of the scenario."""
        cached = self._booted.get(scenario.name)
        if isinstance(cached, BaseException):
            raise cached
        if cached is not None:
            return cached
        result = self.restore(scenario).require_vm()
        try:
            booted = self._boot(scenario, result)
        except Exception as exc:
            self._booted[scenario.name] = exc
            raise
        self._booted[scenario.name] = booted
        return booted

    def _boot(self, scenario: Any, result: Any) -> Any:
        import allure

        from harness.restore.boot import boot_timeout_sec, boot_vm

        host_cfg = self.host_of(scenario)
        listed = [s.name for s in host_cfg.isolated_switches]
        facts = self.facts(host_cfg.name, refresh=True)
        with allure.step(f"Isolation guard, Start-VM and heartbeat of {result.vm_name} on {host_cfg.name}"):
            progress: list[str] = []
            booted = boot_vm(self.hosts[host_cfg.name], result.vm_id, facts, listed,
                             timeout_sec=boot_timeout_sec(scenario), progress=_progress_step(progress))
            allure.attach(booted.summary(), "boot", allure.attachment_type.TEXT)
        self._facts.pop(host_cfg.name, None)
        return booted

    def services_healthy(self, scenario: Any, at: _dt.datetime | None = None) -> None:
        """Record the end of the RTO interval (restore start → services healthy)."""
        self.recorder.services_healthy(scenario.name, at or _dt.datetime.now(_dt.UTC))

    # -- facts (ONE remote command per host per phase)

    def facts(self, host_name: str, *, refresh: bool = False) -> Any:
        """Facts of every VM this run restored on ``host_name``; cached until ``refresh``."""
        if refresh or host_name not in self._facts:
            from harness.hyperv.operations import gather_vm_facts

            vms = []
            for r in self._restored.values():
                res = r.result if isinstance(r, Restored) else None
                if res is None or not getattr(res, "vm_id", None) or res.plan.host != host_name:
                    continue
                vms.append((res.vm_id, res.plan.run_dir))
            self._facts[host_name] = gather_vm_facts(self.hosts[host_name], host_name, vms)
            self.fact_commands += 1
        return self._facts[host_name]


def _progress_step(lines: list[str]) -> Any:
    """A progress callback that logs each line and shows it as an Allure step."""
    import logging

    import allure

    log = logging.getLogger("harness.plugin")

    def say(line: str) -> None:
        lines.append(line)
        log.info(line)
        with allure.step(line):
            pass

    return say


def _parse_time(text: Any) -> _dt.datetime | None:
    if not text:
        return None
    try:
        value = _dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=_dt.UTC)


@pytest.fixture(scope="session")
def inventory(pytestconfig: pytest.Config) -> Any:
    """The validated inventory (``--inventory``)."""
    return _inventory(pytestconfig)


@pytest.fixture(scope="session")
def restore_run(pytestconfig: pytest.Config, inventory: Any) -> Iterator[RestoreRun]:
    """Opens the lab, runs the preflight, creates ledger and recorder; tears down at the end."""
    from harness.cleanup import HostMirror, teardown
    from harness.ledger import Ledger
    from harness.preflight import run_preflight

    try:
        from harness.evidence.pytest_hooks import EvidenceHooks
        from harness.evidence.record import RunRecorder
    except ImportError as exc:
        raise UsageError(f"the evidence part (harness.evidence.record) is not available: {exc}") from None
    state = pytestconfig.stash[_STATE]
    run_id = pytestconfig.getoption("--run-id") or naming.new_run_id()
    try:
        naming.validate_run_id(run_id)
    except ValueError as exc:
        raise UsageError(f"--run-id: {exc}") from None
    reports = Path(pytestconfig.getoption("--reports") or inventory.reports.dir)
    scenarios = selected_scenarios(pytestconfig)
    used_hosts = sorted({inventory.scenario_host(s).name for s in scenarios}) or [h.name for h in inventory.hosts]
    labs: list[Any] = []
    with open_lab(inventory, state.inventory_path, labs=labs) as hosts:
        recorder = RunRecorder(run_id, reports, Path(state.inventory_path), simulated=bool(labs),
                               operator=os.environ.get("USER"), ci_job=os.environ.get("CI_JOB_ID"),
                               retest_interval_months=inventory.policies.retest_interval_months)
        state.recorder = recorder
        pytestconfig.pluginmanager.register(EvidenceHooks(recorder), "restore_harness_evidence")
        ledger = Ledger.create(run_id, reports, {h.name: h.scratch_root for h in inventory.hosts})
        run = RestoreRun(pytestconfig, inventory, hosts, run_id, reports, ledger, recorder, labs)
        state.run = run
        try:
            import allure

            with allure.step(f"Preflight of {', '.join(used_hosts)} (run {run_id})"):
                run.preflight = run_preflight(inventory, hosts, scenarios, run_id)
                allure.attach(run.preflight.text(), "preflight", allure.attachment_type.TEXT)
            for name, hp in run.preflight.hosts.items():
                recorder.host_facts(name, {"computer_name": hp.facts.get("ComputerName"),
                                           "preflight": "ok" if hp.ok else "failed", "needed_bytes": hp.needed,
                                           "free_bytes": hp.free})
            run.preflight.require_ok()
            for name in used_hosts:
                recorder.host_facts(name, read_host_facts(hosts[name]))
            mirror = HostMirror(hosts)
            mirror.prepare(ledger, used_hosts)
            ledger.add_listener(mirror)
            mirror(ledger)
            yield run
        finally:
            if pytestconfig.getoption("--keep"):
                print(f"\n--keep: run {run_id} resources left on the hosts; ledger {ledger.path}; "
                      f"remove later with `restore-harness cleanup --inventory {state.inventory_path} --run-id {run_id}`")
            else:
                report = teardown(ledger, hosts)
                if not report.ok:
                    print(f"\nteardown of run {run_id} left resources:\n{report.text()}\n"
                          f"finish with `restore-harness cleanup --inventory {state.inventory_path} --run-id {run_id}`")
            recorder.add_evidence(None, "ledger.json", ledger.to_json(), kind="json")
            recorder.finish()


@pytest.fixture
def restored(restore_run: RestoreRun, scenario: Any) -> Restored:
    """The scenario's restore (done once, by the first test that asks)."""
    return restore_run.restore(scenario)


@pytest.fixture
def booted(restore_run: RestoreRun, restored: Restored) -> Any:
    """The scenario's restored VM, started after the isolation guard and answering the heartbeat
    (``harness.restore.boot.BootResult``; done once per scenario)."""
    return restore_run.boot(restored.scenario)


HOST_FACT_KEYS = {"OsCaption": "os_caption", "OsVersion": "os_version", "OsBuild": "os_build",
                  "HyperVVersion": "hyperv_version", "ComputerName": "computer_name", "PsVersion": "ps_version"}


def read_host_facts(host: Any) -> dict[str, Any]:
    """OS caption/version/build and Hyper-V version of a lab host (``host_facts.ps1``) in the run
    record's names; a fact the host does not report is "unknown"."""
    data = host.run("host_facts", {}, idempotent=True) or {}
    facts = {ours: data.get(theirs) for theirs, ours in HOST_FACT_KEYS.items()}
    return {k: (v if v not in (None, "") else "unknown") for k, v in facts.items()}


# ----------------------------------------------------------------------------- outcomes


def _classify(excinfo: pytest.ExceptionInfo[BaseException] | None) -> str:
    if excinfo is None:
        return "passed"
    exc = excinfo.value
    if isinstance(exc, pytest.fail.Exception):
        return "defect"
    return problem_kind(exc)


LAB_PROBLEM = "Lab problem:"


def _mark_lab_problem(exc: BaseException) -> None:
    """Put "Lab problem:" at the front of a lab error's message (once), so that the report category
    rule (harness.evidence.allure_env.CATEGORIES) and the run record tell it from a harness error."""
    if problem_kind(exc) != "lab" or not exc.args or not isinstance(exc.args[0], str):
        return
    if not exc.args[0].startswith(LAB_PROBLEM):
        exc.args = (f"{LAB_PROBLEM} {exc.args[0]}", *exc.args[1:])


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    try:
        return (yield)
    except Exception as exc:
        _mark_lab_problem(exc)
        raise


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    try:
        return (yield)
    except Exception as exc:
        _mark_lab_problem(exc)
        raise


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    state = item.config.stash.get(_STATE, None)
    if state is None or report.skipped:
        return
    if report.when == "call" or (report.when == "setup" and report.failed):
        kind = _classify(call.excinfo if report.failed else None)
        state.outcomes[kind] += 1
        _record_check(item, state, kind, report)


def _record_check(item: pytest.Item, state: PluginState, kind: str, report: pytest.TestReport) -> None:
    callspec = getattr(item, "callspec", None)
    scenario = callspec.params.get("scenario") if callspec else None
    marker = item.get_closest_marker("check")
    if state.recorder is None or scenario is None or marker is None:
        return
    if not any(sc.get("scenario") == scenario.name for sc in state.recorder.data["scenarios"]):
        return  # the scenario never started (e.g. preflight failed): nothing to attach the check to
    outcome = {"passed": "passed", "defect": "failed", "lab": "broken", "harness": "broken"}[kind]
    message = ""
    if report.failed and call_message(report):
        message = call_message(report)
    with contextlib.suppress(Exception):
        state.recorder.check(scenario.name, marker.args[0], outcome, message)


def call_message(report: pytest.TestReport) -> str:
    longrepr = getattr(report, "longrepr", None)
    crash = getattr(longrepr, "reprcrash", None)
    return str(getattr(crash, "message", "") or "")[:2000]


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Map outcomes to the harness exit codes (docs/architecture.md)."""
    state = session.config.stash.get(_STATE, None)
    if state is None:
        return
    if state.inventory_error is not None:  # raised as a collection error; it is a usage error
        session.exitstatus = EXIT_HARNESS
        return
    session.exitstatus = exit_code(int(exitstatus), state.outcomes)


def exit_code(pytest_status: int, outcomes: Mapping[str, int]) -> int:
    """0 all passed · 1 restore defect · 3 lab problem · 4 harness/usage error · 5 nothing collected
    · 2 interrupted (teardown still ran)."""
    if pytest_status == pytest.ExitCode.NO_TESTS_COLLECTED:
        return EXIT_EMPTY
    if pytest_status == pytest.ExitCode.INTERRUPTED:
        return EXIT_INTERRUPTED
    if pytest_status in (pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR):
        return EXIT_HARNESS
    if outcomes.get("harness"):
        return EXIT_HARNESS
    if outcomes.get("lab"):
        return EXIT_LAB
    if outcomes.get("defect") or pytest_status == pytest.ExitCode.TESTS_FAILED:
        return EXIT_DEFECT
    return EXIT_OK
