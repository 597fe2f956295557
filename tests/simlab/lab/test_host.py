"""The host model in Python: disk models follow copies, WSB recovery registration, vmcx round trip."""

from __future__ import annotations

import datetime as dt
import json

from simlab.lab.model import VM
from tests.simlab.lab.labsupport import CM01_VMCX, cast_host


def test_vmcx_holds_the_configuration_as_json_and_round_trips() -> None:
    h = cast_host()
    data = json.loads(h.fs.read(CM01_VMCX))
    assert data["Name"] == "CM01" and data["Version"] == "9.0" and data["NetworkAdapters"][0]["SwitchName"] == "Corp-LAN"
    vm = VM.from_config(data)
    assert vm.config() == data


def test_copy_file_clones_the_disk_model_and_takes_time() -> None:
    h = cast_host()
    src = "B:\\Exports\\VMM01\\Virtual Hard Disks\\VMM01.vhdx"
    t0 = h.now()
    h.copy_file(src, "E:\\c\\VMM01.vhdx")
    d = h.disk("E:\\c\\VMM01.vhdx")
    assert d.file_size == 41 * 2**30 and d.size == 127 * 2**30 and d.volumes
    assert d.volumes[0] is not h.disk(src).volumes[0]  # an independent copy of the content
    assert (h.now() - t0).total_seconds() >= 41 * 2**30 / (400 * 2**20)


def test_register_recovered_vm_with_backup_checkpoint() -> None:
    h = cast_host()
    root = "E:\\Recovered\\CM01"
    h.fs.write(f"{root}\\Virtual Hard Disks\\CM01.vhdx", None, 50 * 2**30)
    h.fs.write(f"{root}\\Virtual Hard Disks\\CM01_AB.avhdx", None, 64 * 2**20)
    vm = h.register_recovered_vm(
        {"name": "CM01", "id": "7d0c6f0e-3b0f-4a52-9d7e-2c1a5f0c0001", "generation": 2, "version": "9.0",
         "path": root, "disks": [{"path": f"{root}\\Virtual Hard Disks\\CM01.vhdx", "size_gb": 127}],
         "adapters": [{"name": "Network Adapter", "switch": "Corp-LAN"}]},
        {"name": "CM01 - Backup - (11/20/2026 - 01:00:00)", "type": "Recovery",
         "created": dt.datetime(2026, 11, 20, 1, tzinfo=dt.timezone.utc),
         "avhdx": [f"{root}\\Virtual Hard Disks\\CM01_AB.avhdx"]})
    assert vm.hard_drives[0].path.endswith("CM01_AB.avhdx") and vm.checkpoints[0].snapshot_type == "Recovery"
    assert h.disk(vm.hard_drives[0].path).parent_path.endswith("CM01.vhdx")
    assert json.loads(h.fs.read(vm.config_file))["Name"] == "CM01"  # a configuration Import-VM could read
    h.restart_vmms()
    h.clock.advance(600)
    h.poll()
    assert not vm.checkpoints and vm.hard_drives[0].path.endswith("CM01.vhdx")
