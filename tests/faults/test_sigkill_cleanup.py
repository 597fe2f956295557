"""SIGKILL of a run against an outside lab, then `restore-harness cleanup`: the lab ends up holding
exactly what it held before, and a second cleanup finds nothing to do (issue 13: keep this working)."""

from __future__ import annotations

import signal

RUN_ID = "rh-20261201-0300-kil1"


def test_sigkill_mid_run_then_cleanup_restores_the_lab_and_is_idempotent(start_lab, start_run, cleanup) -> None:
    lab = start_lab()
    assert "LAB-DC01" in lab.baseline["vms"] and RUN_ID not in lab.baseline["scratch_items"]
    run = start_run(lab, RUN_ID, ["import-cm01"])
    # the moment: the restored VM exists (its ledger entry is confirmed)
    from tests.faults.conftest import wait_for

    wait_for("the restored VM in the ledger", lambda: run.entries(kind="vm", state="created"), proc=run.proc,
             output=run.output)
    run.signal(signal.SIGKILL)
    assert run.wait() == -signal.SIGKILL
    during = lab.holdings()
    assert any(v.startswith("rh-") for v in during["vms"]) and RUN_ID in during["scratch_items"]  # left behind

    code, out = cleanup(lab, RUN_ID)
    assert code == 0, out
    assert "removed:" in out
    assert lab.holdings() == lab.baseline

    code, out = cleanup(lab, RUN_ID)  # idempotent
    assert code == 0, out
    assert f"run {RUN_ID}: nothing left to remove" in out
    assert lab.holdings() == lab.baseline
