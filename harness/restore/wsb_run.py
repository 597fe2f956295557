"""WSB restores as the plugin runs them: ``RestoreRun.restore`` calls :func:`restore_scenario` for
``wsb-files`` and ``wsb-vm`` scenarios (once per run, cached there) and the run record gets the
backup used, the restore start/end and the backup-set evidence.

The suites take the outcome from the plugin's ``restored`` fixture, like every other suite.
"""

from __future__ import annotations

import datetime as _dt
import json
from typing import Any

from harness.errors import HarnessError, RestoreDefect


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
