from harness.hyperv.facts import SnapshotType, SwitchType, as_list, parse_host_vm_facts, parse_vm

VM_ID = "7D0C6F0E-3B0F-4A52-9D7E-2C1A5F0C0001"


def vm_data(**over):
    data = {"Id": VM_ID, "Name": "rh-x-CM01", "State": 3, "Generation": 2, "Version": "9.0", "Path": "E:\\R\\x",
            "OperationalStatus": [2], "Checkpoints": [], "Disks": {"Path": "E:\\R\\x\\CM01.vhdx", "VhdType": 3},
            "Adapters": {"Name": "Network Adapter", "SwitchName": "Lab-Isolated", "Connected": True}, "AvhdFiles": None}
    data.update(over)
    return data


def test_single_objects_and_nulls_become_lists():
    assert as_list(None) == [] and as_list("") == [] and as_list({"a": 1}) == [{"a": 1}]
    vm = parse_vm(vm_data())
    assert vm.id == VM_ID.lower()
    assert [d.path for d in vm.disks] == ["E:\\R\\x\\CM01.vhdx"]
    assert vm.adapters[0].switch == "Lab-Isolated" and vm.avhd_files == ()


def test_leftover_checkpoints_by_type_and_by_name_in_english_and_japanese():
    vm = parse_vm(vm_data(Checkpoints=[
        {"Id": "1", "Name": "CM01 - Backup - (11/21/2026 - 02:00:00)", "SnapshotType": 0},
        {"Id": "2", "Name": "whatever", "SnapshotType": 1},
        {"Id": "3", "Name": "CM01 - バックアップ - (2026/11/21 - 2:00:00)", "SnapshotType": 0},
        {"Id": "4", "Name": "before patching", "SnapshotType": 0},
    ]))
    assert [c.id for c in vm.leftover_checkpoints] == ["1", "2", "3"]
    assert vm.checkpoints[1].snapshot_type is SnapshotType.RECOVERY


def test_stray_avhd_files_are_those_no_disk_uses():
    vm = parse_vm(vm_data(Disks=[{"Path": "E:\\R\\x\\CM01_A.avhdx", "VhdType": 4, "ParentPath": "E:\\R\\x\\CM01.vhdx"}],
                          AvhdFiles=["E:\\R\\x\\cm01_a.AVHDX", "E:\\R\\x\\old_B.avhdx"]))
    assert vm.stray_avhd_files == ("E:\\R\\x\\old_B.avhdx",)
    assert vm.differencing_disks[0].parent_path == "E:\\R\\x\\CM01.vhdx"


def test_host_facts_lookup_is_case_insensitive():
    facts = parse_host_vm_facts("HV-LAB01", {"vms": vm_data(), "switches": [{"Name": "Lab-Isolated", "SwitchType": 0}],
                                             "missing": "ABC"})
    assert facts.vm(VM_ID.upper()).name == "rh-x-CM01"
    assert facts.switch("lab-isolated").switch_type is SwitchType.PRIVATE
    assert facts.missing == ("abc",)


def test_memory_and_processors_are_vm_facts() -> None:
    from harness.hyperv.facts import Memory, parse_vm

    vm = parse_vm({"Id": "AB", "Name": "x", "ProcessorCount": 4,
                   "Memory": {"Startup": 4294967296, "DynamicMemoryEnabled": True, "Minimum": 536870912,
                              "Maximum": 17179869184}})
    assert vm.processor_count == 4
    assert vm.memory == Memory(startup=4 * 1024**3, dynamic=True, minimum=512 * 1024**2, maximum=16 * 1024**3)
    bare = parse_vm({"Id": "CD", "Memory": {"Startup": 1073741824, "Minimum": None}})
    assert bare.memory.minimum is None and bare.memory.maximum is None and not bare.memory.dynamic
