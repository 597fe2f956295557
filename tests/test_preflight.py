import pytest

from harness.errors import TransportError
from harness.inventory import parse_inventory
from harness.preflight import GiB, PreflightFailed, judge_host, needed_bytes, run_preflight, with_margin
from tests.restore.fake_host import FakeHost

RUN = "rh-20261121-0900-ab12"
INVENTORY = r"""
version: 1
hosts:
  - name: HV-LAB01
    address: 127.0.0.1
    scheme: http
    credentials: {username: 'HV-LAB01\rh-operator', password_env: RH_TEST_PW}
    lab_only: true
    scratch_root: 'E:\RestoreTests'
    isolated_switches: [{name: Lab-Isolated, type: Private}, {name: Lab-Internal, type: Internal}]
backup_sources:
  - {name: exports, kind: hyperv-export, path: 'B:\Exports'}
scenarios:
  - {name: cm01, source: exports, vm: CM01, method: import, import_type: copy-new-id, switch_map: {Corp-LAN: Lab-Isolated}}
"""


@pytest.fixture
def inventory():
    return parse_inventory(INVENTORY, "test.yml")


def facts(free=1500 * GiB, **over):
    data = {
        "ComputerName": "HV-LAB01", "OsVersion": "10.0.20348.0", "HyperVModule": True, "WsbFeature": True,
        "Switches": [{"Name": "Lab-Isolated", "SwitchType": 0}, {"Name": "Lab-Internal", "SwitchType": 1},
                     {"Name": "Corp-External", "SwitchType": 2}],
        "Scratch": {"Root": "E:\\RestoreTests", "DriveLetter": "E", "SizeRemaining": free, "Size": 2000 * GiB},
        "Prefixed": [], "Sources": [{"Name": "exports", "Path": "B:\\Exports", "Readable": True}],
        "Exports": {"Scenario": "cm01", "Folder": "B:\\Exports\\CM01", "Readable": True, "Vmcx": "x.vmcx",
                    "Vhds": [{"MaxSize": 127 * GiB, "FileSize": 58 * GiB}, {"MaxSize": 500 * GiB, "FileSize": 210 * GiB}],
                    "OtherBytes": 2 * GiB},
    }
    data.update(over)
    return data


def test_sizing_uses_vhdx_maximum_sizes_plus_checkpoints_and_a_margin():
    need = needed_bytes(facts()["Exports"])
    assert need == 629 * GiB
    assert with_margin(need) == int(629 * GiB * 1.1) + GiB


def test_healthy_host_passes_and_reports_needed_vs_free(inventory):
    hp = judge_host(inventory.hosts[0], facts(), RUN)
    assert hp.ok, hp.problems
    assert any("needed 692.9 GiB" in line and "free 1,500.0 GiB" in line for line in hp.lines)


def test_too_little_space_is_a_problem_naming_needed_and_free(inventory):
    hp = judge_host(inventory.hosts[0], facts(free=5 * GiB), RUN)
    assert [p for p in hp.problems if p.startswith("not enough space") and "free 5.0 GiB" in p]


@pytest.mark.parametrize("change, expected", [
    ({"HyperVModule": False}, "Hyper-V PowerShell module is missing"),
    ({"WsbFeature": False}, "Windows-Server-Backup feature is not installed"),
    ({"Switches": [{"Name": "Lab-Isolated", "SwitchType": 2}]}, "'Lab-Isolated' is listed as isolated but is External"),
    ({"Switches": [{"Name": "Lab-Isolated", "SwitchType": 0}]}, "isolated switch 'Lab-Internal' does not exist"),
    ({"Prefixed": ["VM rh-20261121-0900-ab12-cm01"]}, "already carries the run prefix"),
    ({"Sources": [{"Name": "exports", "Path": "B:\\Exports", "Readable": False}]}, "is not readable"),
])
def test_each_lab_problem_is_named(inventory, change, expected):
    hp = judge_host(inventory.hosts[0], facts(**change), RUN)
    assert any(expected in p for p in hp.problems), hp.problems


def test_unreachable_host_fails_preflight_as_a_lab_error(inventory):
    host = FakeHost({"preflight": TransportError("connection refused", host="HV-LAB01")})
    report = run_preflight(inventory, {"HV-LAB01": host}, inventory.scenarios, RUN)
    with pytest.raises(PreflightFailed, match="HV-LAB01: unreachable or authentication failed: connection refused"):
        report.require_ok()


def test_preflight_asks_for_the_scenario_export_folder_and_run_names(inventory):
    host = FakeHost({"preflight": facts()})
    report = run_preflight(inventory, {"HV-LAB01": host}, inventory.scenarios, RUN)
    report.require_ok()
    params = host.calls[0][1]
    assert params["exports"] == [{"scenario": "cm01", "folder": "B:\\Exports\\CM01"}]
    assert params["run_dir"] == f"E:\\RestoreTests\\{RUN}" and params["run_prefix"] == f"{RUN}-"
