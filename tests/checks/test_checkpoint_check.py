from harness.checks.checkpoints import check_checkpoints
from harness.hyperv.facts import parse_vm


def vm(**over):
    data = {"Id": "a", "Name": "rh-x-CM01", "State": 3, "Generation": 2, "Version": "9.0",
            "Disks": [{"Path": "E:\\R\\CM01.vhdx", "VhdType": 3}]}
    data.update(over)
    return parse_vm(data)


def test_clean_vm_passes():
    result = check_checkpoints(vm(), "HV-LAB01")
    assert result.ok and "as expected" in result.message


def test_backup_checkpoint_differencing_disk_and_stray_avhdx_are_each_named():
    result = check_checkpoints(vm(
        Checkpoints=[{"Id": "c1", "Name": "CM01 - Backup - (x)", "SnapshotType": 1}],
        Disks=[{"Path": "E:\\R\\CM01_1.avhdx", "VhdType": 4, "ParentPath": "E:\\R\\CM01.vhdx"}],
        AvhdFiles=["E:\\R\\CM01_1.avhdx", "E:\\R\\stray.avhdx"]), "HV-LAB01")
    assert not result.ok
    assert "found Recovery checkpoint 'CM01 - Backup - (x)' (SnapshotType 1 Recovery, id c1)" in result.message
    assert "found differencing disk E:\\R\\CM01_1.avhdx (parent E:\\R\\CM01.vhdx)" in result.message
    assert "found E:\\R\\stray.avhdx" in result.message
    assert len(result.problems) == 3


def test_a_standard_checkpoint_named_by_the_user_is_not_a_finding():
    assert check_checkpoints(vm(Checkpoints=[{"Id": "c", "Name": "pre-patch", "SnapshotType": 0}]), "h").ok
