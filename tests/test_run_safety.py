"""The safety steps around a run (harness/run_safety.py) against the simulated lab over real WinRM."""

from __future__ import annotations

import io
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.errors import LabBusyError, UsageError
from harness.hostlock import lock_path
from harness.interrupt import InterruptGuard
from harness.inventory import load_inventory
from harness.ledger import Ledger
from harness.remote.session import connect
from harness.run_safety import RunSafety

sim = pytest.importorskip("simlab")

INVENTORY = "inventories/sim-lab.yml"
ROOT = "E:\\RestoreTests"


@pytest.fixture(scope="module")
def lab() -> Iterator[Any]:
    mp = pytest.MonkeyPatch()
    for k, v in {"RH_SIM_PASSWORD": "rs-sim-pass-1", "RH_GUEST_PASSWORD": "g-1", "RH_NAS_USER": "wsb-reader",
                 "RH_NAS_PASSWORD": "nas-2"}.items():
        mp.setenv(k, v)
    with sim.SimulatedLab.from_inventory(INVENTORY) as lab:
        yield lab
    mp.undo()


@pytest.fixture
def host_cfg(lab: Any) -> Any:
    return load_inventory(INVENTORY).hosts[0].model_copy(update={"address": "127.0.0.1", "port": int(lab.port)})


@pytest.fixture
def remote(host_cfg: Any) -> Iterator[Any]:
    with connect(host_cfg) as host:
        yield host


def _safety(remote: Any, host_cfg: Any, run_id: str, reports: Path, **kw: Any) -> RunSafety:
    return RunSafety(run_id, "inventories/sim-lab.yml", reports, {"HV-LAB01": remote}, [host_cfg], environ={}, **kw)


def test_start_locks_the_host_and_finish_releases_it(remote: Any, host_cfg: Any, tmp_path: Path) -> None:
    first = _safety(remote, host_cfg, "rh-20261201-0400-rsa1", tmp_path)
    assert first.start() == []
    assert remote.run("host_lock", {"action": "read", "path": lock_path(ROOT)})["exists"]
    with pytest.raises(LabBusyError, match="held by run rh-20261201-0400-rsa1"):
        _safety(remote, host_cfg, "rh-20261201-0400-rsb2", tmp_path).start()
    assert first.finish() == []
    assert not remote.run("host_lock", {"action": "read", "path": lock_path(ROOT)})["exists"]


def test_a_used_run_id_is_refused_before_any_lock(remote: Any, host_cfg: Any, tmp_path: Path) -> None:
    Ledger.create("rh-20261201-0401-used", tmp_path, {"HV-LAB01": ROOT})
    with pytest.raises(UsageError, match="was used before"):
        _safety(remote, host_cfg, "rh-20261201-0401-used", tmp_path).start()
    assert not remote.run("host_lock", {"action": "read", "path": lock_path(ROOT)})["exists"]


def test_warnings_and_evidence(remote: Any, host_cfg: Any, tmp_path: Path) -> None:
    shown = host_cfg.model_copy(update={"scheme": "https", "cert_validation": False})
    s = RunSafety("rh-20261201-0402-warn", "inv.yml", tmp_path, {"HV-LAB01": remote}, [shown], environ={})
    warnings = s.start()
    s.finish()
    assert len(warnings) == 1 and "cert_validation: false" in warnings[0]
    assert s.evidence() == {"trust_warnings": warnings, "lock_takeovers": [], "signals": [], "interrupted": False}


def test_teardown_runs_on_fresh_connections(remote: Any, host_cfg: Any, tmp_path: Path) -> None:
    s = _safety(remote, host_cfg, "rh-20261201-0403-tear", tmp_path)
    before = remote.transport.shells_opened
    seen: list[list[str]] = []
    out = s.teardown(lambda live: seen.append(sorted(live)) or "report", fresh=True)
    assert out.report == "report" and not out.abandoned and out.unreachable == {}
    assert seen == [["HV-LAB01"]] and remote.transport.shells_opened == before + 1


def test_a_second_ctrl_c_abandons_teardown_and_the_summary_says_so(remote: Any, host_cfg: Any, tmp_path: Path) -> None:
    guard = InterruptGuard(out=io.StringIO())
    s = _safety(remote, host_cfg, "rh-20261201-0404-abdn", tmp_path, guard=guard)

    def remove(live: Any) -> str:
        signal.raise_signal(signal.SIGINT)  # asks
        signal.raise_signal(signal.SIGINT)  # confirms: abandoned
        return "never"

    with guard:
        out = s.teardown(remove, fresh=False)
    assert out.abandoned and out.report is None
    text = s.summary([], ["#1 folder E:\\RestoreTests\\rh-20261201-0404-abdn on HV-LAB01 [created]"], abandoned=True)
    assert "run rh-20261201-0404-abdn: interrupted (SIGINT)" in text and "teardown ABANDONED" in text
    assert f"--run-id rh-20261201-0404-abdn --reports {tmp_path}" in text
    assert [e["action"] for e in s.evidence()["signals"]] == ["asked", "abandon"]
