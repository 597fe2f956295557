from harness.checks.registration import RegistrationExpectation, check_registration
from harness.hyperv.facts import parse_host_vm_facts

SRC = "7d0c6f0e-3b0f-4a52-9d7e-2c1a5f0c0001"


def facts(vm_id, **over):
    vm = {"Id": vm_id, "Name": "rh-x-cm01", "State": 3, "Generation": 2, "Version": "9.0"}
    vm.update(over)
    return parse_host_vm_facts("HV-LAB01", {"vms": [vm]})


def exp(vm_id, keeps_id):
    return RegistrationExpectation(vm_id=vm_id, vm_name="rh-x-cm01", source_id=SRC, keeps_id=keeps_id,
                                   generation=2, version="9.0")


def test_existing_id_import_keeps_the_backup_id():
    assert check_registration(facts(SRC), exp(SRC, True)).ok


def test_copy_with_new_id_must_differ_from_the_backup():
    result = check_registration(facts(SRC), exp(SRC, False))
    assert not result.ok and "expected a new VM id (copy with new ID), found the backup's id" in result.message
    assert check_registration(facts("11111111-0000-0000-0000-000000000000"),
                              exp("11111111-0000-0000-0000-000000000000", False)).ok


def test_missing_vm_and_wrong_generation_say_expected_and_found():
    assert "expected a VM with id" in check_registration(facts(SRC), exp("ffff", True)).message
    result = check_registration(facts(SRC, Generation=1, Version="8.0"), exp(SRC, True))
    assert "expected generation 2, found 1" in result.message
    assert "expected configuration version 9.0, found 8.0" in result.message


def test_a_vm_the_run_created_is_checked_by_id_name_and_generation_without_an_id_rule():
    # bare-metal recovery: New-VM made the VM, there is no backed-up VM id to keep or to differ from
    vm_id = "22222222-0000-0000-0000-000000000000"
    created = RegistrationExpectation(vm_id=vm_id, vm_name="rh-x-cm01", source_id="", keeps_id=False, generation=2)
    result = check_registration(facts(vm_id), created)
    assert result.ok and result.evidence["expected"]["id_rule"] == "created by the run"
    wrong = check_registration(facts(vm_id, Name="other", Generation=1), created)
    assert "expected the name rh-x-cm01, found other" in wrong.message
    assert "expected generation 2, found 1" in wrong.message
    assert "expected a VM with id" in check_registration(facts(SRC), created).message
