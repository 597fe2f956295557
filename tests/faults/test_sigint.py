"""Ctrl-C (SIGINT) at each phase of a run against an outside lab, SIGTERM, and a second Ctrl-C during
teardown. The lab is slowed down (``winrm_slow``: every command's output is held back a second, as
a busy host does) so that the signal lands while a WinRM request is in flight.

What must hold afterwards (issue 13 item 1): exit code 2, the lab holds exactly what it held
before, the evidence is finished and says "interrupted", and the console says what was removed and
what is left, with the exact ``restore-harness cleanup`` command. Phases are found from the ledger
(teardown settles one entry per command) and the ``-v`` output, never from sleeps.
"""

from __future__ import annotations

import json
import signal
from collections.abc import Callable
from typing import Any

import pytest

from tests.faults.conftest import HarnessProcess, OutsideLab, verify_evidence, wait_for

SLOW = [{"fault": "winrm_slow", "seconds": 0.8}]
SCENARIO = "import-cm01"
# the restore and two checks of it: enough for every phase, without booting the VM for service checks
QUICK = ["-k", "test_import_restore or test_vm_registered or test_no_backup_checkpoint"]


def _restore_in_flight(run: HarnessProcess) -> Any:
    return run.entries(kind="vm", state="intent")  # written just before Import-VM is sent


def _checks_running(run: HarnessProcess) -> Any:
    return f"test_import_restore[{SCENARIO}] PASSED" in run.output.text


def _teardown_running(run: HarnessProcess) -> Any:
    # teardown settles one ledger entry per command: something removed while something is still open
    return run.entries(state="removed") and (run.entries(state="created") or run.entries(state="intent"))


PHASES: dict[str, Callable[[HarnessProcess], Any]] = {
    "restore": _restore_in_flight, "checks": _checks_running, "teardown": _teardown_running,
}


def _interrupt(start_lab: Any, start_run: Any, phase: str, run_id: str, sig: int = signal.SIGINT
               ) -> tuple[OutsideLab, HarnessProcess, int]:
    lab = start_lab(faults=SLOW)
    run = start_run(lab, run_id, [SCENARIO], QUICK)
    wait_for(f"the {phase} phase", lambda: PHASES[phase](run), proc=run.proc, output=run.output)
    run.signal(sig)
    return lab, run, run.wait()


def _run_record(lab: OutsideLab, run_id: str) -> dict[str, Any]:
    path = lab.reports / "evidence" / run_id / "run.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


@pytest.mark.parametrize("phase", ["restore", "checks"])
def test_sigint_leaves_the_lab_as_it_was_and_finishes_the_evidence_as_interrupted(start_lab, start_run,
                                                                                  phase: str) -> None:
    run_id = f"rh-20261201-0310-in{phase[:2]}"
    lab, run, code = _interrupt(start_lab, start_run, phase, run_id)
    assert code == 2, run.output.text[-3000:]
    text = run.output.text
    assert f"run {run_id}: interrupted (SIGINT)" in text and "nothing of this run is left on the lab" in text
    assert lab.holdings() == lab.baseline, text[-3000:]
    assert run.entries() and not run.entries(state="created") and not run.entries(state="intent")  # all settled
    assert run.entries(state="removed")  # teardown really removed something (the run folder at least)
    # the evidence: finished, "interrupted" with the signal, the safety record, and it verifies
    record = _run_record(lab, run_id)
    assert record.get("finished"), "run.json not finished"
    assert record.get("outcome") == "interrupted" or record.get("interrupted"), record
    assert record.get("status") == "interrupted" and record["interruption"]["signals"][0]["signal"] == "SIGINT"
    assert verify_evidence(lab.reports, run_id)[0] == 0, verify_evidence(lab.reports, run_id)[1]
    safety = json.loads((lab.reports / "evidence" / run_id / "files" / "_run" / "run-safety.json").read_text())
    assert safety["interrupted"] and safety["left"] == [] and not safety["teardown_abandoned"]


def test_sigterm_is_handled_like_ctrl_c(start_lab, start_run) -> None:
    lab, run, code = _interrupt(start_lab, start_run, "restore", "rh-20261201-0311-term", sig=signal.SIGTERM)
    assert lab.holdings() == lab.baseline, run.output.text[-3000:]
    assert code == 2, run.output.text[-3000:]
    assert "run rh-20261201-0311-term: interrupted (SIGTERM)" in run.output.text
    assert verify_evidence(lab.reports, "rh-20261201-0311-term")[0] == 0


def test_sigint_during_teardown_asks_and_teardown_still_finishes(start_lab, start_run) -> None:
    lab, run, code = _interrupt(start_lab, start_run, "teardown", "rh-20261201-0312-intd")
    assert "Press Ctrl-C again within" in run.output.text
    assert code == 2
    assert lab.holdings() == lab.baseline
    assert "nothing of this run is left on the lab" in run.output.text and not run.entries(state="created")
    assert verify_evidence(lab.reports, "rh-20261201-0312-intd")[0] == 0


def test_a_second_ctrl_c_abandons_teardown_and_says_what_is_left(start_lab, start_run, cleanup) -> None:
    run_id = "rh-20261201-0313-abnd"
    lab = start_lab(faults=SLOW)
    run = start_run(lab, run_id, [SCENARIO], QUICK)
    wait_for("the teardown phase", lambda: _teardown_running(run), proc=run.proc, output=run.output)
    run.signal(signal.SIGINT)
    wait_for("the question", lambda: "Press Ctrl-C again within" in run.output.text, proc=run.proc,
             output=run.output, timeout=30)
    run.signal(signal.SIGINT)
    assert run.wait() == 2
    text = run.output.text
    assert "teardown ABANDONED" in text and "LEFT on the lab" in text
    assert f"restore-harness cleanup --inventory {lab.inventory} --run-id {run_id}" in text
    assert verify_evidence(lab.reports, run_id)[0] == 0
    assert run.entries(state="removed") and (run.entries(state="created") or run.entries(state="intent"))  # exact
    code, out = cleanup(lab, run_id)
    assert code == 0, out
    assert lab.holdings() == lab.baseline


def test_a_second_concurrent_run_is_refused_at_once_naming_the_holder(start_lab, start_run) -> None:
    lab = start_lab(faults=SLOW)
    first = start_run(lab, "rh-20261201-0315-one1", [SCENARIO], QUICK)
    wait_for("the first run's restore", lambda: _restore_in_flight(first), proc=first.proc, output=first.output)
    second = start_run(lab, "rh-20261201-0315-two2", [SCENARIO], QUICK)
    # refused: it ends; not refused: it starts restoring beside the first run (then it is stopped)
    wait_for("the second run to end or to start restoring",
             lambda: second.proc.poll() is not None or second.entries(kind="vm"), output=second.output)
    if second.proc.poll() is None:
        second.signal(signal.SIGINT)
    code = second.wait()
    assert code == 3, second.output.text[-3000:]
    assert "held by run rh-20261201-0315-one1" in second.output.text
    assert not second.entries()  # it created nothing
    first.signal(signal.SIGINT)
    assert first.wait() == 2
    assert lab.holdings() == lab.baseline
    assert verify_evidence(lab.reports, "rh-20261201-0315-one1")[0] == 0
    assert not (lab.reports / "evidence" / "rh-20261201-0315-two2").exists()  # refused: no run, no record


def test_the_same_run_id_twice_is_refused(start_lab, start_run) -> None:
    lab = start_lab()
    run_id = "rh-20261201-0316-same"
    first = start_run(lab, run_id, [SCENARIO], QUICK)
    assert first.wait() == 0, first.output.text[-3000:]
    second = start_run(lab, run_id, [SCENARIO], QUICK)
    wait_for("the second run to end or to start its tests",
             lambda: second.proc.poll() is not None or f"test_import_restore[{SCENARIO}] PASSED" in second.output.text,
             output=second.output)
    if second.proc.poll() is None:
        second.signal(signal.SIGINT)
    code = second.wait()
    assert code == 4 and f"run id {run_id} was used before" in second.output.text, second.output.text[-3000:]
