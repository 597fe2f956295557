"""Smoke test of the benchmark's code paths for N=1 (no timing assertions: speed is for `make bench`)."""

from __future__ import annotations

import json

import pytest

from benchmarks import import_suite
from benchmarks.labgen import checked_vms, lab_inventory, write_lab


@pytest.fixture
def sim_password(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("RH_SIM_PASSWORD", "bench-smoke-Passw0rd")
    return "bench-smoke-Passw0rd"


def test_generated_lab_has_n_exports_scenarios_and_restored_copies(tmp_path, sim_password):
    from harness.inventory import load_inventory
    from simlab.lab.description import load_description

    path = write_lab(tmp_path, 4, scale=1000)
    inv = load_inventory(path)
    desc = load_description(path)
    assert [s.name for s in inv.scenarios] == ["import-cm01", "import-vmm02", "import-sql03", "import-cm04"]
    assert {s.import_type for s in inv.scenarios} == {"copy-new-id", "restore", "register"}
    assert [e.name for e in desc.exports] == ["CM01", "VMM02", "SQL03", "CM04"]
    assert len({e.id for e in desc.exports}) == 4
    assert {v.name for v in desc.vms} >= {vm.name for vm in checked_vms(4)}
    assert desc.time.scale == 1000
    with pytest.raises(ValueError, match="at least 1"):
        lab_inventory(0, scale=1)


def test_one_vm_suite_and_check_comparison_are_measured(tmp_path, sim_password):
    result = import_suite.measure(1, tmp_path, scale=100000)
    suite = result["suite"]
    # Every harness remote operation is one WinRS command: the probe's events and the server agree.
    assert suite["remote_operations"] > 0
    assert suite["winrm_commands"] == suite["remote_operations"]
    assert suite["http_requests"] > suite["winrm_commands"]
    assert suite["operations_by_template"].get("preflight") == 1
    assert suite["exit_code"] == 0 and suite["tests_passed"] == 4, suite.get("first_failure")
    assert suite["operations_by_template"].get("vm_facts") == 1  # one check phase, one command
    checks = result["checks"]
    assert checks["verdicts_agree"], checks
    assert checks["harness"]["winrm_commands"] == 1  # vm_facts: one command for all VMs of the host
    assert checks["naive"]["winrm_commands"] == 8  # one per fact (the VM's adapter is on one switch)
    assert checks["harness"]["failed_checks"] == ["bench-CM01:checkpoints"]  # the planted leftover checkpoint
    assert "vm_facts" in import_suite.table([result])
    json.dumps(result)  # what latest.json holds


def test_sizes_argument_is_validated():
    with pytest.raises(SystemExit):
        import_suite.main(["--sizes", "0"])


def test_the_drill_figures_in_latest_json_are_kept_when_the_import_suite_runs_alone(tmp_path):
    """`make bench` runs the import suite, then the drill; run alone, the import suite must not drop
    the drill's entries from the same file (benchmarks/drill.py keeps the import suite's)."""
    import json

    from benchmarks.import_suite import _other_figures

    out = tmp_path / "latest.json"
    assert _other_figures(out) == {}
    out.write_text(json.dumps({"benchmark": "import suite", "results": [], "drill": [{"vms": 50}],
                               "drill_overhead": [{"vms": 50}]}), encoding="utf-8")
    assert _other_figures(out) == {"drill": [{"vms": 50}], "drill_overhead": [{"vms": 50}]}
    out.write_text("not json", encoding="utf-8")
    assert _other_figures(out) == {}
