from harness.checks.switches import check_switch_mapping, isolation_violations
from harness.hyperv.facts import parse_host_vm_facts

SWITCHES = [{"Name": "Lab-Isolated", "SwitchType": 0}, {"Name": "Lab-Internal", "SwitchType": 1},
            {"Name": "Corp-External", "SwitchType": 2}, {"Name": "Other-Internal", "SwitchType": 1}]
LISTED = ["Lab-Isolated", "Lab-Internal"]


def facts(*adapters):
    vm = {"Id": "a", "Name": "rh-x-cm01", "State": 3, "Generation": 2, "Version": "9.0", "Adapters": list(adapters)}
    f = parse_host_vm_facts("HV-LAB01", {"vms": [vm], "switches": SWITCHES})
    return f, f.vm("a")


def nic(switch, name="Network Adapter", connected=True):
    return {"Name": name, "SwitchName": switch, "Connected": connected}


def test_mapped_isolated_switch_passes():
    f, vm = facts(nic("Lab-Isolated"))
    assert check_switch_mapping(vm, f, {"Network Adapter": "Lab-Isolated"}, LISTED).ok


def test_external_and_unlisted_internal_switches_fail_isolation():
    f, vm = facts(nic("Corp-External", "A"), nic("Other-Internal", "B"), nic("Lab-Internal", "C"))
    problems = isolation_violations(vm, f, LISTED)
    assert problems == ["adapter 'A': switch 'Corp-External' is External (reaches the production network)",
                        "adapter 'B': switch 'Other-Internal' is Internal but not listed in the host's isolated_switches"]


def test_wrong_switch_and_disconnected_adapter_are_reported():
    f, vm = facts(nic("Lab-Internal", "A"), nic(None, "B", connected=False))
    result = check_switch_mapping(vm, f, {"A": "Lab-Isolated", "B": "Lab-Isolated"}, LISTED)
    assert "adapter 'A': expected switch 'Lab-Isolated', found 'Lab-Internal'" in result.message
    assert "adapter 'B': expected connected to 'Lab-Isolated', found not connected" in result.message
