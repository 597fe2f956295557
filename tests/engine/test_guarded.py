"""The guarded edges of a run (harness/engine/guarded.py, through open_run) against the simulated
lab: the host lock is held while the run is open, a used run id is refused before anything is
created, and a Ctrl-C tears down, finishes the evidence as interrupted and says so."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

from harness.engine.run import open_run
from harness.errors import LabBusyError, UsageError
from harness.hostlock import HostLock, lock_path
from harness.inventory import load_inventory

pytest.importorskip("simlab")

REPO = Path(__file__).resolve().parents[2]
INV = REPO / "inventories" / "sim-lab.yml"
ROOT = "E:\\RestoreTests"


def test_the_run_holds_its_host_lock_until_the_end(tmp_path: Path) -> None:
    inventory = load_inventory(INV)
    chosen = [inventory.scenario("import-cm01")]
    with open_run(inventory, INV, scenarios=chosen, reports=tmp_path, notice=print) as run:
        other = HostLock(run.hosts["HV-LAB01"], "HV-LAB01", ROOT, "rh-20261201-0500-othr", controller="ci-2")
        with pytest.raises(LabBusyError, match=f"is in use: .* held by run {run.run_id}"):
            other.acquire(take_over_stale=True)
        assert run.safety.keeper is not None and not run.safety.keeper.lost.is_set()
        assert [lk.held is not None for lk in run.safety.locks] == [True]
    assert [lk.held for lk in run.safety.locks] == [None]  # released at the end
    assert run.safety.locks[0].path == lock_path(ROOT)


def test_a_used_run_id_is_refused_before_anything_is_created(tmp_path: Path) -> None:
    inventory = load_inventory(INV)
    with open_run(inventory, INV, scenarios=[], run_id="rh-20261201-0501-used", reports=tmp_path) as run:
        assert run.ledger.path.exists()
    evidence = sorted((tmp_path / "evidence").iterdir())
    with pytest.raises(UsageError, match="run id rh-20261201-0501-used was used before"):
        with open_run(inventory, INV, scenarios=[], run_id="rh-20261201-0501-used", reports=tmp_path):
            pass
    assert sorted((tmp_path / "evidence").iterdir()) == evidence  # no second record either


def test_ctrl_c_tears_down_finishes_the_evidence_as_interrupted_and_says_so(tmp_path: Path) -> None:
    inventory = load_inventory(INV)
    chosen = [inventory.scenario("import-cm01")]
    notices: list[str] = []
    with pytest.raises(KeyboardInterrupt):
        with open_run(inventory, INV, scenarios=chosen, reports=tmp_path, notice=notices.append) as run:
            assert run.restore(chosen[0]).result is not None
            signal.raise_signal(signal.SIGINT)  # the guard turns it into KeyboardInterrupt
    assert run.signalled and run.ledger.entries and not run.ledger.open_entries()
    (summary,) = [n for n in notices if f"run {run.run_id}: interrupted (SIGINT)" in n]  # said once
    assert "nothing of this run is left on the lab" in summary and "VM 'rh-" in summary
    record = json.loads((tmp_path / "evidence" / run.run_id / "run.json").read_text(encoding="utf-8"))
    assert record["status"] == "interrupted" and record["finished"]
    assert [s["phase"] for s in record["interruption"]["signals"]] == ["run"]
    assert (tmp_path / "evidence" / run.run_id / "MANIFEST.sha256").is_file()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # the guard is gone again
