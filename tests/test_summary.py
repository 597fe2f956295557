"""The run summary: each problem once, the cleanup command from the ledger, -v shows everything."""

from __future__ import annotations

from pathlib import Path

from harness.ledger import Ledger
from harness.outcomes import OutcomeCollector, Problem
from harness.summary import build_summary, render

RUN = "rh-20261121-2305-ab12"


def _collector() -> OutcomeCollector:
    c = OutcomeCollector("lab.yml")
    for name in ("import-cm01", "import-sql01"):
        sc = c.of(name)
        for test in ("test_restore", "test_registered", "test_checkpoints"):
            sc.problems.append(Problem("lab", test, "Lab problem: HV-LAB01 unreachable\nsecond line", "check WinRM"))
    c.of("wsb-fs01-files").passed = 3
    return c


def test_a_shared_lab_problem_is_said_once_and_scenarios_keep_their_order(tmp_path: Path) -> None:
    s = build_summary(run_id=RUN, exit_code=3, inventory="lab.yml", reports=tmp_path,
                      selected=["import-cm01", "wsb-fs01-files", "import-sql01"], collector=_collector())
    text = render(s)
    assert text.count("HV-LAB01 unreachable") == 1 and text.count("check: check WinRM") == 1
    assert "  import-cm01, import-sql01: Lab problem: HV-LAB01 unreachable\n    second line" in text
    rows = [line.split()[0] for line in text.splitlines()[1:4]]
    assert rows == ["import-cm01", "wsb-fs01-files", "import-sql01"]
    assert "wsb-fs01-files  passed" in text and "exit 3 (lab problem (the run could not audit))" in text
    assert s.cleanup_command is None and s.evidence_dir is None


def test_what_the_ledger_still_holds_and_the_cleanup_command(tmp_path: Path) -> None:
    ledger = Ledger.create(RUN, tmp_path, {"HV-LAB01": "E:\\RestoreTests"})
    for i in range(7):
        e = ledger.intend("file", "HV-LAB01", "import-cm01", path=f"E:\\RestoreTests\\{RUN}\\f{i}.txt")
        if i:
            ledger.confirm(e)
    s = build_summary(run_id=RUN, exit_code=0, inventory="lab.yml", reports=tmp_path, selected=["import-cm01"],
                      collector=OutcomeCollector())
    assert len(s.left_on_hosts) == 7 and "(intent: may or may not exist)" in s.left_on_hosts[0]
    text = render(s)
    assert f"Remove them with: restore-harness cleanup --inventory lab.yml --run-id {RUN} --reports {tmp_path}" in text
    assert "... 2 more (-v shows all)" in text and "f6.txt" not in text
    assert "f6.txt" in render(s, verbose=1)
    assert s.to_dict()["left_on_hosts"] == s.left_on_hosts and s.to_dict()["meaning"] == "every restore check passed"


def test_the_summary_says_who_signed_the_evidence_or_that_it_is_unsigned() -> None:
    from harness.summary import signature_text

    signed = {"signature": {"signed": True, "identity": "restore-lab@example.org", "fingerprint": "SHA256:abc"}}
    assert signature_text(signed) == "signed by restore-lab@example.org (SHA256:abc)"
    assert signature_text({"signature": {"signed": False}}).startswith("UNSIGNED")
    assert signature_text({}) is None
