"""The pytest plugin: options, ids, markers, exit codes (the suites against the simulated lab are
in tests/suites/)."""

import socket
import textwrap

import pytest

from harness.plugin import exit_code

pytest_plugins = ["pytester"]

INVENTORY = textwrap.dedent(r"""
    version: 1
    hosts:
      - name: HV-LAB01
        address: 127.0.0.1
        port: {port}
        scheme: http
        credentials: {{username: 'HV-LAB01\rh-operator', password_env: RH_TEST_PLUGIN_PW}}
        lab_only: true
        scratch_root: 'E:\RestoreTests'
        isolated_switches: [{{name: Lab-Isolated, type: Private}}]
        operation_timeout_sec: 2
        read_timeout_sec: 4
        default_timeout_sec: 3
    backup_sources:
      - {{name: exports, kind: hyperv-export, path: 'B:\Exports'}}
    scenarios:
      - {{name: cm01-copy-new-id, source: exports, vm: CM01, method: import, import_type: copy-new-id}}
      - {{name: sql01-register, source: exports, vm: SQL01, method: import, import_type: register}}
""")

SUITE = textwrap.dedent("""
    import pytest
    pytestmark = [pytest.mark.restore_method("import")]

    @pytest.mark.check("vm registered")
    def test_vm_registered(scenario, restored):
        assert restored.result is not None
""")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def lab_dir(pytester, monkeypatch):
    monkeypatch.setenv("RH_TEST_PLUGIN_PW", "not-a-real-password")
    pytester.makefile(".yml", lab=INVENTORY.format(port=_free_port()))
    pytester.makepyfile(test_suite=SUITE)
    return pytester


@pytest.mark.parametrize("status, outcomes, expected", [
    (0, {}, 0), (1, {"defect": 1}, 1), (1, {"defect": 1, "lab": 1}, 3), (1, {"lab": 1, "harness": 1}, 4),
    (5, {}, 5), (2, {"defect": 1}, 2), (4, {}, 4), (3, {}, 4),
])
def test_exit_codes(status, outcomes, expected):
    assert exit_code(status, outcomes) == expected


def test_scenarios_become_readable_test_ids(lab_dir):
    result = lab_dir.runpytest("--inventory", "lab.yml", "--collect-only", "-q")
    result.stdout.fnmatch_lines(["*test_vm_registered[[]cm01-copy-new-id[]]*", "*test_vm_registered[[]sql01-register[]]*"])


def test_scenario_option_selects(lab_dir):
    result = lab_dir.runpytest("--inventory", "lab.yml", "--scenario", "sql01-register", "--collect-only", "-q")
    assert "cm01-copy-new-id" not in result.stdout.str() and "sql01-register" in result.stdout.str()


def test_unknown_scenario_and_bad_inventory_are_usage_errors(lab_dir):
    result = lab_dir.runpytest("--inventory", "lab.yml", "--scenario", "nope")
    assert result.ret == 4
    assert "--scenario nope: not in lab.yml" in result.stderr.str() + result.stdout.str()
    lab_dir.makefile(".yml", bad="version: 1\nhosts: []\n")
    assert lab_dir.runpytest("--inventory", "bad.yml").ret == 4


def test_nothing_collected_exits_5(lab_dir):
    assert lab_dir.runpytest("--inventory", "lab.yml", "-k", "nothing_matches_this").ret == 5


def test_unreachable_host_is_a_lab_problem_exit_3_and_reports_written(lab_dir):
    result = lab_dir.runpytest("--inventory", "lab.yml", "--reports", "out", "--run-id", "rh-20261121-0900-ab12")
    assert result.ret == 3, result.stdout.str()
    result.stdout.fnmatch_lines(["*PreflightFailed: Lab problem: preflight failed (lab problem, not a restore defect):*",
                                 "*HV-LAB01: unreachable or authentication failed*"])
    assert (lab_dir.path / "out" / "ledger" / "rh-20261121-0900-ab12.json").is_file()


# ----------------------------------------------------------------------------- restore once, classification

from types import SimpleNamespace  # noqa: E402

from harness.errors import LabError, RemoteNotInstalled, RestoreDefect, UsageError, problem_kind  # noqa: E402
from harness.evidence.record import RunRecorder  # noqa: E402
from harness.plugin import RestoreRun, _mark_lab_problem  # noqa: E402


def _run(tmp_path, monkeypatch, restore):
    inv_file = tmp_path / "lab.yml"
    inv_file.write_text("version: 1\n", encoding="utf-8")
    recorder = RunRecorder("rh-20261121-0900-ab12", tmp_path / "reports", inv_file, simulated=True)
    inventory = SimpleNamespace(scenario_host=lambda s: SimpleNamespace(name="HV-LAB01", isolated_switches=[]))
    run = RestoreRun(None, inventory, {}, "rh-20261121-0900-ab12", tmp_path, None, recorder, [])
    calls = []

    def fake(scenario):
        calls.append(scenario.name)
        return restore(scenario)
    monkeypatch.setattr(run, "_restore", fake)
    return run, recorder, calls


SCENARIO = SimpleNamespace(name="import-cm01", vm="CM01", method="import", import_type="copy-new-id", rto_minutes=120)


def test_a_failed_restore_is_started_once_recorded_once_and_reraised(tmp_path, monkeypatch):
    error = RemoteNotInstalled("The term 'Rename-VM' is not recognized", host="HV-LAB01", template="import_vm")

    def boom(scenario):
        raise error
    run, recorder, calls = _run(tmp_path, monkeypatch, boom)
    for _ in range(3):  # three suites ask for the same scenario
        with pytest.raises(RemoteNotInstalled) as info:
            run.restore(SCENARIO)
        assert info.value is error
    assert calls == ["import-cm01"]
    (sc,) = recorder.data["scenarios"]
    assert sc["restore"]["ok"] is False and "Rename-VM" in sc["restore"]["message"]


def test_a_successful_restore_is_shared(tmp_path, monkeypatch):
    from harness.plugin import Restored

    run, recorder, calls = _run(tmp_path, monkeypatch, lambda s: Restored(s, result=SimpleNamespace(vm_id="")))
    assert run.restore(SCENARIO) is run.restore(SCENARIO)
    assert calls == ["import-cm01"] and len(recorder.data["scenarios"]) == 1


@pytest.mark.parametrize("exc, kind", [
    (LabError("unreachable"), "lab"), (RemoteNotInstalled("Windows Server Backup is not installed"), "lab"),
    (RestoreDefect("VM not registered"), "defect"), (AssertionError("expected Running"), "defect"),
    (UsageError("bad option"), "harness"), (KeyError("x"), "harness"),
])
def test_problem_kind_is_the_one_classification(exc, kind):
    assert problem_kind(exc) == kind


def test_lab_problems_carry_the_category_mark_once():
    exc = RemoteNotInstalled("Get-WBSummary is not recognized", host="HV-LAB01", template="wsb_backup_sets")
    _mark_lab_problem(exc)
    _mark_lab_problem(exc)  # re-raised from the cache for the next test: not marked twice
    assert str(exc).startswith("Lab problem: wsb_backup_sets on HV-LAB01:") and str(exc).count("Lab problem:") == 1
    defect = RestoreDefect("VM not registered")
    _mark_lab_problem(defect)
    assert str(defect) == "VM not registered"


VM_SUITE = textwrap.dedent("""
    import pytest
    pytestmark = [pytest.mark.needs_vm]

    def test_guest(scenario, restored):
        restored.require_vm()
""")


def test_needs_vm_skips_file_restores_by_method_before_any_restore(lab_dir):
    # the host is unreachable: a restore (or even the session's preflight) would be a lab problem, exit 3
    inv = lab_dir.path.joinpath("lab.yml").read_text()
    inv = inv.replace("backup_sources:\n", "backup_sources:\n  - {name: wsb, kind: wsb-volume, machine: FS01, "
                      "volume: 'B:'}\n", 1)
    inv = inv.replace("scenarios:\n", "scenarios:\n  - {name: fs01-files, source: wsb, vm: FS01, method: wsb-files, "
                      "wsb: {items: ['D:\\Data'], manifest: m.json}}\n", 1)
    assert "fs01-files" in inv and "kind: wsb-volume" in inv
    lab_dir.makefile(".yml", vmlab=inv)
    lab_dir.makepyfile(test_vm_suite=VM_SUITE)
    result = lab_dir.runpytest("test_vm_suite.py", "--inventory", "vmlab.yml", "--scenario", "fs01-files", "-rs",
                               "--reports", "out")
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(["*SKIPPED*fs01-files: method wsb-files restores files, not a VM*"])


@pytest.mark.parametrize("method, vm", [("import", True), ("wsb-vm", True), ("bmr", True), ("wsb-files", False)])
def test_restores_vm_is_decided_by_method(method, vm):
    from harness.restore.methods import restores_vm

    assert restores_vm(method) is vm


def test_host_facts_give_hyperv_version_and_unknown_for_missing_facts():
    from harness.plugin import read_host_facts
    from tests.restore.fake_host import FakeHost

    host = FakeHost({"host_facts": {"OsCaption": "Microsoft Windows Server 2022 Datacenter", "OsVersion": "10.0.20348",
                                    "OsBuild": "20348", "HyperVVersion": "10.0.20348.1", "ComputerName": "HV-LAB01"}})
    facts = read_host_facts(host)
    assert facts["hyperv_version"] == "10.0.20348.1" and facts["os_build"] == "20348"
    assert facts["ps_version"] == "unknown"
    assert read_host_facts(FakeHost({"host_facts": {"HyperVVersion": ""}}))["hyperv_version"] == "unknown"
