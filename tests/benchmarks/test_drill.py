"""Smoke test of the drill benchmark's code path for a few VMs (no timing assertions: speed and the
figures are for `make bench`)."""

from __future__ import annotations

import pytest

from benchmarks.drill import overhead_entries, restore_estimate_s, restore_rate, run_drill
from benchmarks.drill_lab import KINDS, DrillShape, drill_inventories, drill_loads, write_drill_labs

GB = 2**30


@pytest.fixture
def secrets_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {"RH_SIM_PASSWORD": "drill-Smoke-Pa55", "RH_NAS_USER": "NAS01\\wsbreader",
                        "RH_NAS_PASSWORD": "nas-Smoke-Pa55", "RH_GUEST_PASSWORD": "guest-Smoke-Pa55"}.items():
        monkeypatch.setenv(name, value)


def test_generated_labs_spread_the_mix_over_the_hosts_and_load(tmp_path, secrets_env) -> None:
    from harness.inventory import load_inventory
    from simlab.lab.description import load_description

    paths = write_drill_labs(tmp_path, 7, 2)
    invs = [load_inventory(p) for p in paths]
    assert [[s.method for s in inv.scenarios] for inv in invs] == [
        [KINDS[i % 3] for i in range(7) if i % 2 == h] for h in range(2)]
    assert [inv.hosts[0].name for inv in invs] == ["HV-LAB01", "HV-LAB02"]
    desc = load_description(paths[0])
    assert desc.time.mode == "events" and desc.host.name == "HV-LAB01"


def test_loads_come_from_the_description() -> None:
    rates, loads = drill_loads(drill_inventories(3, 1))
    assert rates["HV-LAB01"].scratch_write == 400 * 2**20
    assert rates["HV-LAB01"].source_read == {"B:": 800 * 2**20, "\\\\nas01\\wsb": 1000 * 2**20}
    assert [(v.vm, v.restore_bytes, v.source) for v in loads] == [
        ("IMP01", 40 * GB, "B:"), ("WSB02", 40 * GB, "B:"), ("BMR03", 40 * GB, "\\\\nas01\\wsb")]
    # boot 75 s, then the delayed AppAgent: 120 s after boot + 30 s to settle
    assert {v.boot_to_healthy_s for v in loads} == {225.0}


def test_a_small_drill_restores_boots_and_checks_every_vm_and_never_beats_the_bound(tmp_path, secrets_env) -> None:
    fig = run_drill(tmp_path, 3, 1)
    assert fig["failed"] == {} and fig["ok"] == 3
    assert fig["makespan_sim_s"] >= fig["lower_bound_sim_s"] > 0
    assert fig["winrm_commands"] > 0
    # the harness's own time: some, and less than the whole wall time (the rest is waiting on the hosts)
    assert 0 < fig["harness_overhead_s"] < fig["wall_s"] * 3  # per-thread sums: 3 VMs ran side by side
    assert fig["harness_overhead_s_per_vm"] == pytest.approx(fig["harness_overhead_s"] / 3, abs=1e-3)


def test_the_plan_estimates_put_bmrs_first_and_imports_last() -> None:
    shape = DrillShape()
    n = shape.restore_gb * 2**30
    est = {m: restore_estimate_s(m, n, shape) for m in ("import", "wsb-vm", "bmr")}
    assert est["bmr"] > est["wsb-vm"] > est["import"] == n / shape.scratch_write


def test_the_rate_estimates_are_what_one_restore_reaches_alone() -> None:
    """An import copy fills the scratch volume alone; a WSB job or BMR writes at wbengine's rate, so
    the scheduler's storage-rate rule lets two of them run beside each other but no second copy."""
    from simlab.lab.wsb import THROUGHPUT

    shape = DrillShape()
    assert restore_rate("import", shape) == min(shape.scratch_write, shape.backup_volume_read) == shape.scratch_write
    assert restore_rate("wsb-vm", shape) == restore_rate("bmr", shape) == THROUGHPUT < shape.scratch_write
    slow_share = DrillShape(share_read=100 * 2**20)
    assert restore_rate("bmr", slow_share) == 100 * 2**20  # the share, when it is slower than wbengine


def test_overhead_sits_beside_the_drill_list_whose_entries_keep_their_shape() -> None:
    detail = {"harness_overhead_s_per_vm": 0.05, "harness_overhead_s": 2.5, "harness_cpu_s_per_vm": 0.03,
              "winrm_commands": 1000, "wall_s": 90.0}
    entries = [{"vms": 50, "hosts": 4, "makespan_sim_s": 1.0, "lower_bound_sim_s": 1.0, "serial_sim_s": 2.0,
                "detail": detail, "serial_detail": {**detail, "harness_overhead_s_per_vm": 0.04, "winrm_commands": 700}}]
    assert overhead_entries(entries) == [
        {"vms": 50, "hosts": 4, "harness_overhead_s_per_vm": 0.05, "harness_overhead_s": 2.5,
         "harness_cpu_s_per_vm": 0.03, "winrm_commands_per_vm": 20.0, "wall_s": 90.0},
        {"vms": 50, "hosts": 1, "serial": True, "harness_overhead_s_per_vm": 0.04, "harness_overhead_s": 2.5,
         "harness_cpu_s_per_vm": 0.03, "winrm_commands_per_vm": 14.0, "wall_s": 90.0}]
