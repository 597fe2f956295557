"""pytest glue of the evidence package: labels for each test, and the run context files written into
the Allure results directory at session end (controller only).

The main plugin registers it::

    config.pluginmanager.register(EvidenceHooks(recorder, history_file=...), "restore_harness_evidence")

and calls :func:`apply_labels` from the fixture or hook that knows a test's scenario and check.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import allure
import pytest

from harness.evidence.allure_env import (
    build_order,
    environment_entries,
    executor_info,
    write_categories,
    write_environment,
    write_executor,
)
from harness.evidence.allure_report import default_history_file
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
    )
    executor = executor_info(
        run_id=recorder.run_id, build_order=build_order(history_file), simulated=recorder.simulated,
        ci_job=data.get("ci_job"), ci_url=ci_url,
    )
    return [
        write_environment(results_dir, env),
        write_executor(results_dir, executor),
        write_categories(results_dir),
    ]


class EvidenceHooks:
    """pytest plugin object: at session end (controller only) writes the run context into the Allure
    results directory. ``history_file`` is the Allure history JSONL (for buildOrder; default
    ``<reports>/history/history.jsonl``, where :func:`harness.evidence.allure_report.generate` is meant
    to keep it)."""

    def __init__(self, recorder: RunRecorder, *, history_file: Path | None = None, ci_url: str | None = None) -> None:
        self.recorder = recorder
        self.history_file = history_file or default_history_file(recorder.reports_dir)
        self.ci_url = ci_url
        self.written: list[Path] = []

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: Any) -> None:
        config = session.config
        results = results_dir_of(config)
        if results is None or not is_controller(config):
            return
        self.written = write_run_context(results, self.recorder, history_file=self.history_file, ci_url=self.ci_url)
