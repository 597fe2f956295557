"""The lab host goes down in the middle of a run (its WinRM endpoint stops answering while the
restore is in flight) and comes back later: the run ends as a lab problem (exit 3) without hanging,
says what it could not remove and how to remove it, and finishes its evidence; once the host is
back, `restore-harness cleanup` leaves it holding exactly what it held before."""

from __future__ import annotations

from pathlib import Path

from tests.faults.conftest import verify_evidence, wait_for

RUN_ID = "rh-20261201-0330-down"
SCENARIO = "import-cm01"
QUICK = ["-k", "test_import_restore or test_vm_registered or test_no_backup_checkpoint"]


def test_the_lab_going_down_mid_restore_then_cleanup_once_it_is_back(start_lab, start_run, cleanup,
                                                                      tmp_path: Path) -> None:
    lab = start_lab(faults=[{"fault": "winrm_slow", "seconds": 0.8}])
    run = start_run(lab, RUN_ID, [SCENARIO], QUICK)
    wait_for("the restore in flight", lambda: run.entries(kind="vm"), proc=run.proc, output=run.output)
    lab.stop()
    code = run.wait()
    text = run.output.text
    assert code == 3, text[-4000:]
    # the run's summary states the lab problem once for the scenario (the tracebacks above it are
    # there because the fault tests run with --debug)
    assert "Lab problems (the run could not audit" in text and text.count("  import-cm01: Lab problem:") == 1
    assert "LEFT on the lab" in text and "no fresh connection to HV-LAB01" in text
    assert f"restore-harness cleanup --inventory {lab.inventory} --run-id {RUN_ID}" in text
    assert verify_evidence(lab.reports, RUN_ID)[0] == 0
    assert run.entries() and not run.entries(state="removed")  # nothing could be removed: all still open

    lab.restart(tmp_path)
    assert RUN_ID in lab.holdings()["scratch_items"]  # what the run left is still there
    code, out = cleanup(lab, RUN_ID)  # also takes back the run's lock (its process is gone)
    assert code == 0, out
    assert lab.holdings() == lab.baseline
