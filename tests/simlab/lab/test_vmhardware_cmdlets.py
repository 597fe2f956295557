"""Get-/Set-VMProcessor and Get-/Set-VMBios (simlab/lab/vmhardware_cmdlets.py) through run_script on the
cast's lab host, asserting on 5.1 JSON."""

from __future__ import annotations

import pytest

from tests.simlab.lab.labsupport import cast_host, ps_error, ps_json


@pytest.fixture
def host():
    h = cast_host()
    h.new_vm("rh-gen1", generation=1, path="E:\\RestoreTests")
    h.new_vm("rh-gen2", generation=2, path="E:\\RestoreTests")
    return h


def test_set_vmprocessor_count_shows_in_get_vmprocessor_and_get_vm(host):
    out = ps_json(host, "Set-VMProcessor -VMName 'rh-gen2' -Count 4\n"
                        "$p = Get-VMProcessor -VMName 'rh-gen2'\n"
                        "Get-VM -Name 'rh-gen1' | Set-VMProcessor -Count 2\n"
                        "[pscustomobject]@{ P = $p.Count; VM = (Get-VM -Name 'rh-gen2').ProcessorCount; "
                        "G1 = (Get-VMProcessor -VMName 'rh-gen1').Count; Name = $p.VMName } | ConvertTo-Json -Compress")
    assert out == {"P": 4, "VM": 4, "G1": 2, "Name": "rh-gen2"}


def test_set_vmprocessor_refuses_more_than_the_host_and_a_running_vm(host):
    assert "failed to modify device 'Processor'" in ps_error(host, "Set-VMProcessor -VMName 'rh-gen2' -Count 999")["message"]
    err = ps_error(host, "Set-VMProcessor -VMName 'LAB-DC01' -Count 7")
    assert "running" in err["message"] and err["fqid"].endswith(",Microsoft.HyperV.PowerShell.Commands.SetVMProcessor")


def test_set_vmbios_startup_order_on_gen1(host):
    out = ps_json(host, "$before = (Get-VMBios -VMName 'rh-gen1').StartupOrder\n"
                        "Set-VMBios -VMName 'rh-gen1' -StartupOrder @('IDE', 'CD', 'LegacyNetworkAdapter', 'Floppy')\n"
                        "$after = Get-VMBios -VMName 'rh-gen1'\n"
                        "[pscustomobject]@{ Before = @($before); After = @($after.StartupOrder); "
                        "Text = ($after.StartupOrder -join ',') } | ConvertTo-Json -Compress")
    assert out == {"Before": [1, 2, 3, 0], "After": [2, 1, 3, 0], "Text": "IDE,CD,LegacyNetworkAdapter,Floppy"}


def test_set_vmbios_on_gen2_is_refused(host):
    err = ps_error(host, "Set-VMBios -VMName 'rh-gen2' -StartupOrder @('CD', 'IDE')")
    assert "generation 2 virtual machine 'rh-gen2'" in err["message"]
    assert err["fqid"] == "InvalidOperation,Microsoft.HyperV.PowerShell.Commands.SetVMBios"
    assert err["type"] == "Microsoft.HyperV.PowerShell.VirtualizationException"


def test_get_vmmemory_measure_vm_and_dvd_drives() -> None:
    from tests.simlab.lab.labsupport import cast_host, ps_json

    h = cast_host()
    mem = ps_json(h, "Get-VMMemory -VMName 'LAB-DC01' | Select-Object 'VMName', 'Startup', 'DynamicMemoryEnabled' | "
                     "ConvertTo-Json -Compress")
    vm = next(v for v in h.vms.values() if v.name == "LAB-DC01")
    assert mem == {"VMName": "LAB-DC01", "Startup": vm.memory_startup, "DynamicMemoryEnabled": vm.dynamic_memory}
    total = ps_json(h, "(Measure-VM -VMName 'LAB-DC01').TotalDisk")
    assert total == sum(h.disks[d.path.lower()].size for d in vm.hard_drives) // 2**20
    assert ps_json(h, "@(Get-VMDvdDrive -VMName 'LAB-DC01').Count") == len(vm.dvd_drives)
