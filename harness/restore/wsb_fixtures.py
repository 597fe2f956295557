"""pytest glue for the WSB suites: restore a ``wsb-files``/``wsb-vm`` scenario once per run and
record it in the run record (backup used, restore start/end, evidence files).

Until the plugin dispatches these methods itself, suites use the :func:`wsb_restored` fixture
(import it into the suite module). It shares the plugin's per-run cache (``RestoreRun._restored``)
so that the plugin records the suites' checks and computes VM facts for recovered VMs. The plugin
owner can replace the ``UsageError`` branch of ``RestoreRun._restore`` with::

    if scenario.method in ("wsb-files", "wsb-vm"):
        from harness.restore.wsb_fixtures import restore_scenario
        return restore_scenario(self, scenario)

(``restore_scenario`` expects ``scenario_started`` to have been recorded, as ``_restore`` does).
"""

from __future__ import annotations

import datetime as _dt
import json
import weakref
from typing import Any

import pytest

from harness.errors import HarnessError, LabError, RestoreDefect


def _step(title: str) -> Any:
    import allure

    return allure.step(title)


def restore_scenario(run: Any, scenario: Any) -> Any:
    """Restore one WSB scenario; returns the plugin's ``Restored`` (result or defect)."""
    from harness.plugin import Restored
    from harness.restore.wsb_items import plan_file_restore, restore_files
    from harness.restore.wsb_vm import plan_vm_restore, restore_vm

    host = run.host_of(scenario)
    remote = run.hosts[host.name]
    started = _dt.datetime.now(_dt.UTC)
    try:
        if scenario.method == "wsb-files":
            plan: Any = plan_file_restore(run.inventory, scenario, run.run_id)
            result: Any = restore_files(remote, run.inventory, scenario, plan, run.ledger, step=_step)
            message = (f"{len(result.found)} file(s) recovered from {result.chosen.backup.version_id} to "
                       f"{plan.restore_root}")
        elif scenario.method == "wsb-vm":
            plan = plan_vm_restore(run.inventory, scenario, run.run_id)
            result = restore_vm(remote, run.inventory, scenario, plan, run.ledger, step=_step)
            message = f"recovered {result.caption} as {result.vm_name} ({result.vm_id})"
        else:
            raise ValueError(f"scenario {scenario.name}: method {scenario.method} is not a WSB method")
    except ValueError as exc:  # bad scenario settings: a usage error, named by the planner
        from harness.errors import UsageError

        raise UsageError(str(exc)) from None
    except RestoreDefect as exc:
        run.recorder.restore_finished(scenario.name, started=started, finished=_dt.datetime.now(_dt.UTC),
                                      ok=False, message=str(exc))
        return Restored(scenario, defect=exc)
    except HarnessError as exc:
        run.recorder.restore_finished(scenario.name, started=started, finished=_dt.datetime.now(_dt.UTC),
                                      ok=False, message=str(exc))
        raise
    record_backup(run, scenario, result.chosen)
    run.recorder.restore_finished(scenario.name, started=result.started, finished=result.finished or
                                  _dt.datetime.now(_dt.UTC), ok=True, message=message)
    return Restored(scenario, result=result)


def record_backup(run: Any, scenario: Any, chosen: Any) -> None:
    """Backup version, time, target, items and age into the run record, plus an attachment."""
    import allure

    b, d = chosen.backup, chosen.discovery
    run.recorder.backup_used(scenario.name, version_id=b.version_id, backup_time=b.backup_time, target=b.target or
                             d.target, age_days=chosen.age_days)
    doc = {"chosen": b.evidence(d.now), "host_time": d.now.isoformat(),
           "all_sets": [s.evidence(d.now) for s in d.sets]}
    text = json.dumps(doc, indent=2, ensure_ascii=False)
    run.recorder.add_evidence(scenario.name, "wsb-backup-sets.json", text, kind="json")
    allure.attach(text, "WSB backup sets", allure.attachment_type.JSON)


_FILE_RESULTS: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()


def wsb_restore_once(run: Any, scenario: Any) -> Any:
    """The scenario's WSB restore, done once per run (shares the plugin's cache).

    A file restore is cached for the plugin WITHOUT its result (``RestoreRun.facts`` treats every
    result as a VM); the full outcome is kept here for the suite."""
    cache = run._restored  # the plugin's per-run cache: lets it record our checks and gather VM facts
    files = _FILE_RESULTS.setdefault(run, {})
    if scenario.name in files:
        return files[scenario.name]
    cached = cache.get(scenario.name)
    if isinstance(cached, BaseException):
        raise cached
    if cached is not None:
        return cached
    host = run.host_of(scenario)
    run.recorder.scenario_started(scenario.name, system=scenario.vm, method=scenario.method, import_type=None,
                                  host=host.name, rto_target_minutes=scenario.rto_minutes)
    try:
        outcome = restore_scenario(run, scenario)
    except LabError as exc:
        cache[scenario.name] = exc
        raise
    if scenario.method == "wsb-files":
        from harness.plugin import Restored

        files[scenario.name] = outcome
        cache[scenario.name] = Restored(scenario, defect=outcome.defect)
    else:
        cache[scenario.name] = outcome
    run._facts.pop(host.name, None)
    return outcome


@pytest.fixture
def wsb_restored(restore_run: Any, scenario: Any) -> Any:
    """The WSB restore of ``scenario`` (``Restored``: ``.result`` or ``.defect``)."""
    return wsb_restore_once(restore_run, scenario)
