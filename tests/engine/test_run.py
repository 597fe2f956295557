"""The engine's run without pytest in the way: restore once (also from threads), the record the
engine keeps for every method, plan errors per scenario, the VM/no-VM outcomes, and a whole run
against the simulated lab through ``open_run`` as a CLI would drive it."""

from __future__ import annotations

import threading
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from harness.engine.run import Run, open_run
from harness.errors import LabError, UsageError
from harness.evidence.record import RunRecorder
from harness.restore import registry
from harness.restore.restored import NoVmToCheck, RestoreFailed
from tests.engine.fake_method import FakeMethod

REPO = Path(__file__).resolve().parents[2]
RUN_ID = "rh-20261121-0900-ab12"


@contextmanager
def registered(method: FakeMethod):
    """``method`` in the registry's table for the duration (one table entry is all a method needs)."""
    registry.METHODS[method.name] = method
    try:
        yield method
    finally:
        del registry.METHODS[method.name]


def scenario(name: str = "fake-cm01", method: str = "fake", vm: str = "CM01") -> SimpleNamespace:
    return SimpleNamespace(name=name, vm=vm, method=method, import_type=None, rto_minutes=120, source="exports")


class Progress:
    def __init__(self) -> None:
        self.steps: list[str] = []
        self.attachments: list[str] = []
        self.kept: list[tuple[str, str]] = []  # (key, title) of each elsewhere()
        self.handed: list[tuple[str, bool, str | None]] = []  # (key, wait, after) of each hand_over()

    @contextmanager
    def step(self, title: str):
        self.steps.append(title)
        yield

    def attach(self, text: str, name: str, kind: str = "text") -> None:
        self.attachments.append(name)

    def elsewhere(self, key: str, title: str):
        self.kept.append((key, title))
        return nullcontext()

    def hand_over(self, key: str, *, wait: bool = True, after: str | None = None) -> None:
        self.handed.append((key, wait, after))

    def hand_over_rest(self) -> None:
        pass


class LabClockHost:
    """A lab host whose clock (``host_clock``) starts at ``start`` and moves ``step`` seconds per reading:
    lab time that has nothing to do with the controller's."""

    def __init__(self, start: datetime = datetime(2026, 11, 21, 0, 0, tzinfo=UTC), step: float = 115.0) -> None:
        self.time, self.step, self.calls = start, step, []

    def run(self, template: str, params: dict, **kw) -> dict:
        self.calls.append(template)
        assert template == "host_clock" and kw.get("idempotent") is True
        now, self.time = self.time, self.time + timedelta(seconds=self.step)
        return {"Utc": now.strftime("%Y-%m-%dT%H:%M:%S.0000000Z")}


def make_run(tmp_path: Path, scenarios: list[SimpleNamespace], host: LabClockHost | None = None,
             **recorder_options) -> Run:
    inv_file = tmp_path / "lab.yml"
    inv_file.write_text("version: 1\n", encoding="utf-8")
    recorder = RunRecorder(RUN_ID, tmp_path / "reports", inv_file, simulated=True, **recorder_options)
    inventory = SimpleNamespace(scenarios=scenarios, hosts=[SimpleNamespace(name="HV-LAB01")],
                                scenario_host=lambda s: SimpleNamespace(name="HV-LAB01", isolated_switches=[]))
    return Run(inventory, {"HV-LAB01": host or LabClockHost()}, RUN_ID, tmp_path, None, recorder, progress=Progress())


def test_restore_start_end_and_services_healthy_are_read_from_the_lab_hosts_clock(tmp_path: Path) -> None:
    host = LabClockHost(step=115.0)  # every reading 115 s later in lab time; milliseconds pass here
    with registered(FakeMethod()):
        run = make_run(tmp_path, [scenario()], host)
        run.restore(scenario())
        run.services_healthy(scenario())
    (sc,) = run.recorder.data["scenarios"]
    assert sc["restore"]["started"] == "2026-11-21T00:00:00Z" and sc["started"] == "2026-11-21T00:00:00Z"
    assert sc["restore"]["finished"] == "2026-11-21T00:01:55Z" and sc["services_healthy_at"] == "2026-11-21T00:03:50Z"
    assert sc["rto_minutes"] == round(230 / 60, 2) and sc["rto_met"] is True
    clock = run.recorder.data["clock"]
    assert clock["reference_host"] == "HV-LAB01" and clock["hosts"]["HV-LAB01"]["readings"] == 3
    assert host.calls == ["host_clock"] * 3 and sc["restores_vm"] is True


def test_the_rto_ends_when_a_drill_worker_first_saw_the_services_healthy_once_the_test_passes(tmp_path: Path) -> None:
    """A drill's worker sees the services settle; the service test gets to look later (the tests take
    the scenarios in turn). The passing test records the RTO's end at the worker's moment, once."""
    with registered(FakeMethod()):
        run = make_run(tmp_path, [scenario()], LabClockHost(step=115.0))
        run.restore(scenario())  # readings at 00:00:00 and 00:01:55
        run.services_seen_healthy(scenario())  # 00:03:50
        (sc,) = run.recorder.data["scenarios"]
        assert sc["services_healthy_at"] is None  # no service test has passed yet: no RTO
        run.services_healthy(scenario())  # the test passes later: the worker's moment counts
        run.services_healthy(scenario())  # and only once
    (sc,) = run.recorder.data["scenarios"]
    assert sc["services_healthy_at"] == "2026-11-21T00:03:50Z" and sc["rto_minutes"] == round(230 / 60, 2)


def test_the_engine_records_start_backup_and_finish_for_a_method(tmp_path: Path) -> None:
    with registered(FakeMethod()) as method:
        run = make_run(tmp_path, [scenario()])
        run.plan()
        restored = run.restore(scenario())
    assert restored.result.plan.scenario == "fake-cm01" and restored.backup.version_id == "v-42"
    (sc,) = run.recorder.data["scenarios"]
    assert sc["method"] == "fake" and sc["backup"]["version_id"] == "v-42"
    assert sc["restore"]["ok"] is True and sc["restore"]["message"] == "restored"
    assert [e["name"] for e in sc["evidence"]] == ["fake.json"]
    # the recorded moments are steps too, each named with its ISO 8601 time, offset, clock and zone
    started, step, finished = run.progress.steps
    assert step == "restore fake-cm01" and run.progress.attachments == ["fake.json"]
    assert started.startswith(f"restore started at {sc['restore']['started'][:19]}")
    assert finished.startswith(f"restore finished at {sc['restore']['finished'][:19]}")
    assert "+00:00 (HV-LAB01 clock, host zone" in finished and "controller offset" in finished
    assert method.runs == ["fake-cm01"] and run.backup_version(scenario()) == "v-42"


def test_a_failed_restore_is_started_once_recorded_once_and_reraised(tmp_path: Path) -> None:
    error = LabError("The term 'Rename-VM' is not recognized")
    with registered(FakeMethod(outcome=error)) as method:
        run = make_run(tmp_path, [scenario()])
        for _ in range(3):  # three suites ask for the same scenario
            with pytest.raises(LabError) as info:
                run.restore(scenario())
            assert info.value is error
    assert method.runs == ["fake-cm01"]
    (sc,) = run.recorder.data["scenarios"]
    assert sc["restore"]["ok"] is False and "Rename-VM" in sc["restore"]["message"] and sc["backup"] is None


def test_a_restore_defect_is_an_outcome_and_require_vm_says_why(tmp_path: Path) -> None:
    with registered(FakeMethod(outcome="defect")):
        run = make_run(tmp_path, [scenario()])
        restored = run.restore(scenario())
        assert restored.result is None and "does not start" in str(restored.defect)
        with pytest.raises(RestoreFailed, match="no restored VM to check: the restore failed: .*does not start"):
            restored.require_vm()
    assert run.recorder.data["scenarios"][0]["restore"]["ok"] is False


def test_a_method_without_a_vm_has_no_vm_to_check(tmp_path: Path) -> None:
    with registered(FakeMethod(name="fake-files", restores_vm=False)):
        run = make_run(tmp_path, [scenario(method="fake-files")])
        restored = run.restore(scenario(method="fake-files"))
        with pytest.raises(NoVmToCheck, match="method fake-files restores files, not a VM"):
            restored.require_vm()
    assert restored.require_result().plan.scenario == "fake-cm01"


def test_a_plan_error_belongs_to_its_scenario(tmp_path: Path) -> None:
    bad, good = scenario("fake-bad", vm=""), scenario("fake-good")
    with registered(FakeMethod()) as method:
        run = make_run(tmp_path, [bad, good])
        plans = run.plan()  # does not raise: the other scenarios still run
        assert isinstance(plans["fake-bad"], UsageError)
        with pytest.raises(UsageError, match="vm is empty"):
            run.restore(bad)
        assert run.restore(good).result is not None
    assert method.runs == ["fake-good"]
    records = {sc["scenario"]: sc["restore"] for sc in run.recorder.data["scenarios"]}
    assert records["fake-bad"]["ok"] is False and "vm is empty" in records["fake-bad"]["message"]


def test_an_unknown_method_is_a_usage_error(tmp_path: Path) -> None:
    run = make_run(tmp_path, [scenario(method="tape")])
    with pytest.raises(UsageError, match="restore method 'tape' is not known"):
        run.restore(scenario(method="tape"))


def test_a_restore_done_elsewhere_is_offered_to_its_callers_and_the_settling_only_after_the_boot(tmp_path: Path
                                                                                                ) -> None:
    """A drill's worker restores inside ``Run.elsewhere``; every later caller (a test) is offered what
    it kept (the progress shows it once), also when the restore failed; the services' settling is
    offered without waiting, and only after the boot."""
    error = LabError("The term 'Rename-VM' is not recognized")
    with registered(FakeMethod()), registered(FakeMethod(name="fake-bad", outcome=error)):
        run = make_run(tmp_path, [scenario(), scenario("fake-bad", method="fake-bad")])
        with run.elsewhere(scenario(), "restore"):
            run.restore(scenario())
        run.restore(scenario())
        with pytest.raises(LabError):
            run.restore(scenario("fake-bad", method="fake-bad"))
    assert run.progress.kept == [("restore fake-cm01", "restore of fake-cm01 (ran concurrently in the drill)")]
    settle = [("settle fake-cm01", False, "boot fake-cm01")]
    assert run.progress.handed == [("restore fake-cm01", True, None), *settle] * 2 + [
        ("restore fake-bad", True, None), ("settle fake-bad", False, "boot fake-bad")]
    run.elsewhere(scenario(), "boot")
    run.elsewhere(scenario(), "settle")
    assert [title for _, title in run.progress.kept[1:]] == [
        "boot of fake-cm01 (ran concurrently in the drill)",
        "services of fake-cm01 settling (ran concurrently in the drill)"]


def test_concurrent_callers_share_one_restore(tmp_path: Path) -> None:
    gate = threading.Event()
    with registered(FakeMethod(gate=gate)) as method:
        run = make_run(tmp_path, [scenario()])
        results: list[object] = []
        threads = [threading.Thread(target=lambda: results.append(run.restore(scenario()))) for _ in range(6)]
        for t in threads:
            t.start()
        gate.set()
        for t in threads:
            t.join(timeout=30)
    assert method.runs == ["fake-cm01"] and len(results) == 6 and all(r is results[0] for r in results)
    assert len(run.recorder.data["scenarios"]) == 1


def test_a_whole_run_against_the_simulated_lab_without_pytest(tmp_path: Path) -> None:
    from harness.inventory import load_inventory

    inv_path = REPO / "inventories" / "sim-lab.yml"
    inventory = load_inventory(inv_path)
    chosen = [inventory.scenario("import-cm01")]
    notices: list[str] = []
    with open_run(inventory, inv_path, scenarios=chosen, reports=tmp_path, notice=notices.append) as run:
        assert run.preflight_report is not None and run.preflight_report.ok
        restored = run.restore(chosen[0])
        assert restored.defect is None and restored.result.vm_name.startswith(run.run_id)
        vm = run.facts(restored.result.plan.host).vm(restored.result.vm_id)
        assert vm is not None and vm.processor_count >= 1 and vm.memory.startup > 0  # vm_facts.ps1 on the lab
        assert run.boot(chosen[0]).heartbeat.lower().startswith("ok")
        assert run.boot(chosen[0]) is run.boot(chosen[0])
    assert not [n for n in notices if "left" in n or "WARNING" in n]  # teardown removed everything; signed
    assert any(n.startswith(f"Evidence {run.recorder.dir} signed by tests@restore-harness") for n in notices)
    assert run.ledger.entries and not run.ledger.open_entries()
    (sc,) = run.recorder.data["scenarios"]
    assert sc["backup"]["version_id"].endswith(".vmcx") and sc["restore"]["ok"] is True
