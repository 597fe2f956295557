"""pytest glue of the evidence package: labels for each test, check messages as people read them,
and the run context files written into the Allure results directory at session end (controller
only).

The main plugin registers it::

    config.pluginmanager.register(EvidenceHooks(recorder, history_file=...), "restore_harness_evidence")

and calls :func:`apply_labels` from the fixture or hook that knows a test's scenario and check.
Every test that has not been labelled by then (a lab problem in setup, a suite that does not call
``label``) gets epic/feature/story from its ``scenario`` parameter and ``check``/``restore_method``
markers at teardown (:func:`ensure_labels`); in a simulated run every test is marked SIMULATED.
:func:`check_message` is the message the run record should get for a failed test.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import allure
import allure_commons
import pytest
from allure_commons.model2 import Label, Parameter, TestResult

from harness.evidence.allure_env import (
    build_order,
    environment_entries,
    executor_info,
    write_categories,
    write_environment,
    write_executor,
)
from harness.evidence import SIMULATED_NOTICE, SIMULATED_TAG
from harness.evidence.allure_report import default_history_file
from harness.evidence.messages import clean_message
from harness.evidence.record import RunRecorder
from harness.evidence.redaction import redact_text


_SEVERITIES = {level.value: level for level in allure.severity_level}


def apply_labels(
    *, scenario: str, method: str, system: str, check: str, severity: str, host: str, backup_version: str | None
) -> None:
    """Label the running test: title "<scenario>: <check>", epic = restore method, feature = system,
    story = check, severity, tags ``lab_host:<host>`` and ``backup:<version>``.

    The label name ``host`` is never used: allure-pytest already adds one (the controller's name).
    """
    level = _SEVERITIES.get(severity.lower())
    if level is None:
        raise ValueError(f"severity {severity!r} is not one of {', '.join(_SEVERITIES)}")
    allure.dynamic.title(redact_text(f"{scenario}: {check}"))
    allure.dynamic.epic(redact_text(method))
    allure.dynamic.feature(redact_text(system))
    allure.dynamic.story(redact_text(check))
    allure.dynamic.severity(level)
    tags = [f"lab_host:{host}"]
    if backup_version:
        tags.append(f"backup:{backup_version}")
    allure.dynamic.tag(*(redact_text(t) for t in tags))


def check_message(report: pytest.TestReport) -> str:
    """The failure message of a test for the run record and the evidence report: what the check
    said, without pytest's ``assert ...``/``+ where`` introspection and with each line once (the
    full text stays in the Allure trace)."""
    longrepr = getattr(report, "longrepr", None)
    crash = getattr(longrepr, "reprcrash", None)
    text = getattr(crash, "message", None)
    if text is None and isinstance(longrepr, tuple) and len(longrepr) == 3:
        text = longrepr[2]  # a skip: (file, line, reason)
    return clean_message(str(text or ""))[:2000]


def _current_test() -> TestResult | None:
    for plugin in allure_commons.plugin_manager.get_plugins():
        logger = getattr(plugin, "allure_logger", None)
        if logger is not None and hasattr(logger, "get_test"):
            test = logger.get_test(None)
            if isinstance(test, TestResult):
                return test
    return None


def show_parameter(name: str, value: str, *, excluded: bool = True) -> None:
    """Set a parameter of the running test as plain text (``allure.dynamic.parameter`` shows a string
    with Python quotes); ``excluded`` keeps it out of the history id. No-op when Allure is not collecting."""
    test = _current_test()
    if test is None:
        return
    test.parameters = [p for p in test.parameters if p.name != name]
    test.parameters.append(Parameter(name=name, value=redact_text(value), excluded=excluded or None))


def method_label(scenario: Any) -> str:
    """A scenario's restore method as the report's epic shows it: ``import (copy-new-id)``, ``bmr``."""
    import_type = getattr(scenario, "import_type", None)
    return str(scenario.method) + (f" ({import_type})" if import_type else "")


def default_labels(item: pytest.Item) -> dict[str, str]:
    """epic/feature/story (and a title) of a test from its ``scenario`` parameter and its ``check``
    and ``restore_method`` markers; tests without a scenario are filed under their module."""
    callspec = getattr(item, "callspec", None)
    scenario = callspec.params.get("scenario") if callspec else None
    check_marker = item.get_closest_marker("check")
    method_marker = item.get_closest_marker("restore_method")
    check = str(check_marker.args[0]) if check_marker and check_marker.args else getattr(item, "originalname", item.name)
    if scenario is not None and hasattr(scenario, "method"):
        return {"epic": method_label(scenario), "feature": str(getattr(scenario, "vm", None) or scenario.name),
                "story": check, "title": f"{scenario.name}: {check}"}
    epic = str(method_marker.args[0]) if method_marker and method_marker.args else "restore-harness"
    module = item.module.__name__.rsplit(".", 1)[-1] if getattr(item, "module", None) else item.nodeid
    return {"epic": epic, "feature": module, "story": check, "title": item.name}


def ensure_labels(item: pytest.Item, *, simulated: bool) -> None:
    """Give the running test's Allure result the labels it lacks (see :func:`default_labels`) and,
    in a simulated run, the SIMULATED tag, title prefix and description. Safe to call more than once;
    no-op when Allure is not collecting."""
    test = _current_test()
    if test is None:
        return
    present = {label.name for label in test.labels}
    defaults = default_labels(item)
    for name in ("epic", "feature", "story"):
        if name not in present:
            test.labels.append(Label(name=name, value=redact_text(defaults[name])))
    if test.name in (None, "", item.name, getattr(item, "originalname", None)):
        test.name = redact_text(defaults["title"])
    _scenario_by_name(item, test)
    if simulated:
        if not any(label.name == "tag" and label.value == SIMULATED_TAG for label in test.labels):
            test.labels.append(Label(name="tag", value=SIMULATED_TAG))
        if test.name and not test.name.startswith("[SIMULATED]"):
            test.name = f"[SIMULATED] {test.name}"
        if SIMULATED_NOTICE not in (test.description or ""):
            test.description = SIMULATED_NOTICE + (f"\n\n{test.description}" if test.description else "")


def _scenario_by_name(item: pytest.Item, test: TestResult) -> None:
    """The ``scenario`` parameter shown as the scenario's name, not the repr of its whole inventory
    entry (which repeated every setting in every test and in the report's search index; the
    scenario's settings are in the evidence's inventory copy). The history id is already computed."""
    callspec = getattr(item, "callspec", None)
    scenario = callspec.params.get("scenario") if callspec else None
    name = getattr(scenario, "name", None)
    for param in test.parameters if isinstance(name, str) else ():
        if param.name == "scenario":
            param.value = redact_text(name)


def results_dir_of(config: pytest.Config) -> Path | None:
    """The ``--alluredir`` of this session, or None when Allure is not collecting."""
    value = getattr(config.option, "allure_report_dir", None)
    return Path(value) if value else None


def is_controller(config: pytest.Config) -> bool:
    """True in the main pytest process (False in an xdist worker)."""
    return not hasattr(config, "workerinput")


def write_run_context(
    results_dir: Path, recorder: RunRecorder, *, history_file: Path | None = None,
    ci_url: str | None = None,
) -> list[Path]:
    """Write environment.properties, executor.json and categories.json for ``recorder``'s run."""
    results_dir.mkdir(parents=True, exist_ok=True)
    data = recorder.data
    env = environment_entries(
        harness_version=data["harness_version"], hosts=data["hosts"],
        inventory_sha256=data["inventory"]["sha256"], simulated=recorder.simulated, run_id=recorder.run_id,
        clock=data.get("clock"),
    )
    executor = executor_info(
        run_id=recorder.run_id, build_order=build_order(history_file), simulated=recorder.simulated,
        ci_job=data.get("ci_job"), ci_url=ci_url or (data.get("ci") or {}).get("job_url") or None,
    )
    return [
        write_environment(results_dir, env),
        write_executor(results_dir, executor),
        write_categories(results_dir),
    ]


class EvidenceHooks:
    """pytest plugin object: at session end (controller only) writes the run context into the Allure
    results directory; on Ctrl+C calls ``on_interrupt``. ``history_file`` is the Allure history JSONL (for buildOrder; default
    ``<reports>/history/history.jsonl``, where :func:`harness.evidence.allure_report.generate` is meant
    to keep it)."""

    def __init__(self, recorder: RunRecorder, *, history_file: Path | None = None, ci_url: str | None = None,
                 on_interrupt: Callable[[str], None] | None = None) -> None:
        self.recorder = recorder
        self.on_interrupt = on_interrupt
        self.history_file = history_file or default_history_file(recorder.reports_dir)
        self.ci_url = ci_url
        self.written: list[Path] = []

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
        outcome = yield
        report = outcome.get_result()
        if report.when == "teardown" or (report.when == "setup" and not report.passed):
            ensure_labels(item, simulated=self.recorder.simulated)

    def pytest_keyboard_interrupt(self, excinfo: Any) -> None:
        """Ctrl+C: the run is recorded as interrupted (``on_interrupt``, the engine's ``Run.interrupted``)
        before the session's teardown finishes and signs the folder."""
        if self.on_interrupt is not None:
            self.on_interrupt("interrupted (Ctrl+C)")

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: Any) -> None:
        config = session.config
        results = results_dir_of(config)
        if results is None or not is_controller(config):
            return
        self.written = write_run_context(results, self.recorder, history_file=self.history_file, ci_url=self.ci_url)
