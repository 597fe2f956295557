"""The host's throughput resources (simlab/lab/io.py) and the long operations that use them, on the
cast's lab with the events clock: concurrent import copies share the volumes, Start-VM respects the
host's memory with Windows' error."""

from __future__ import annotations

import threading
import time

import pytest
import yaml

from simlab.stacks import start_big_thread

from simlab.lab import io
from simlab.lab.build import build_host
from simlab.lab.description import load_description
from simlab.lab.model import GB, MB
from tests.simlab.lab.labsupport import CM01_VMCX, ENV, INVENTORY, SQL01_VMCX, ps, ps_error


def _events_host(tmp_path, **host_changes):  # type: ignore[no-untyped-def]
    doc = yaml.safe_load(INVENTORY.read_text(encoding="utf-8"))
    lab = doc["simulated_lab"]
    lab["time"] = {"start": "2026-11-21T09:00:00+09:00", "mode": "events", "quiet": 0.005}
    for v in lab["host"]["volumes"]:
        if v["letter"] == "B":
            v["read"] = "300MB"
    lab["host"].update(host_changes)
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "lab.yml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return build_host(load_description(path), dict(ENV))


IMPORT = ("$r = Compare-VM -Path '{vmcx}' -Copy -GenerateNewId -VhdDestinationPath 'E:\\rh\\{name}'\n"
          "$r.Incompatibilities | ForEach-Object {{ $_.Source | Disconnect-VMNetworkAdapter }}\n"
          "Import-VM -CompatibilityReport $r | Out-Null\n")


def _import_in_thread(host, vmcx: str, name: str, took: dict[str, float]) -> threading.Thread:  # type: ignore[no-untyped-def]
    def run() -> None:
        with host.clock.activity():
            t0 = host.clock.seconds()
            ps(host, IMPORT.format(vmcx=vmcx, name=name))
            took[name] = host.clock.seconds() - t0
    return start_big_thread(run, f"import-{name}")  # as a WinRS command runs: the script on this thread


def _alone(tmp_path, vmcx: str, name: str) -> float:  # type: ignore[no-untyped-def]
    host = _events_host(tmp_path)
    took: dict[str, float] = {}
    t = _import_in_thread(host, vmcx, name, took)
    t.join(60)
    return took[name]


def test_resources_name_the_read_and_write_sides_and_the_network_for_a_share(tmp_path) -> None:  # type: ignore[no-untyped-def]
    host = _events_host(tmp_path, network="1000MB")
    assert io.resources(host, read="B:\\Exports\\x.vhdx", write="E:\\rh\\x.vhdx") == {
        "read B:": 300 * MB, "write E:": io.DEFAULT_VOLUME_RATE}
    assert io.resources(host, read="\\\\NAS01\\wsb\\WindowsImageBackup", write="e:\\x") == {
        "read \\\\nas01\\wsb": io.DEFAULT_SHARE_RATE, "network": 1000 * MB, "write E:": io.DEFAULT_VOLUME_RATE}


def test_two_import_copies_at_once_share_the_backup_volume(tmp_path) -> None:  # type: ignore[no-untyped-def]
    alone_cm = _alone(tmp_path / "a", CM01_VMCX, "CM01")
    alone_sql = _alone(tmp_path / "b", SQL01_VMCX, "SQL01")
    host = _events_host(tmp_path / "c")
    took: dict[str, float] = {}
    threads = [_import_in_thread(host, CM01_VMCX, "CM01", took), _import_in_thread(host, SQL01_VMCX, "SQL01", took)]
    for t in threads:
        t.join(60)
    makespan = host.clock.seconds()
    # each copy is slower than alone (they share B:'s 300 MB/s), together faster than one after the other
    assert took["CM01"] > alone_cm and took["SQL01"] > alone_sql
    assert max(alone_cm, alone_sql) < makespan < alone_cm + alone_sql


def test_start_vm_fails_like_windows_when_the_host_memory_is_used_up(tmp_path) -> None:  # type: ignore[no-untyped-def]
    host = _events_host(tmp_path, memory="24GB")  # 8 GB stay with the host: 16 GB for VMs
    ps(host, "New-VM -Name A -MemoryStartupBytes 12GB -Generation 2 | Out-Null\n"
             "New-VM -Name B -MemoryStartupBytes 8GB -Generation 2 | Out-Null\nStart-VM -Name A")
    err = ps_error(host, "Start-VM -Name B")
    assert err["fqid"] == "OutOfMemory,Microsoft.HyperV.PowerShell.Commands.StartVM"
    assert "Not enough memory in the system to start the virtual machine B with ram size 8192 megabytes." in err["message"]
    assert err["message"].startswith("'B' failed to start.")
    ps(host, "Stop-VM -Name A -TurnOff -Force\nStart-VM -Name B")  # memory back: B starts
    assert "Running" in ps(host, "(Get-VM -Name B).State.ToString()")


def test_a_checkpoint_merge_ends_when_its_bytes_are_through(tmp_path) -> None:  # type: ignore[no-untyped-def]
    host = _events_host(tmp_path)
    host.new_vhd("E:\\m\\M.vhdx", 10 * GB)
    vm = host.new_vm("M", memory=2 * GB, vhd_path="E:\\m\\M.vhdx")
    host.create_checkpoint(vm, "cp", avhdx_size=1000 * MB)
    assert vm.hard_drives[0].path.lower().endswith(".avhdx")
    t0 = host.now()
    merge = host.remove_checkpoint(vm, vm.checkpoints[0])
    # alone: 1000 MB at the merge's own 200 MB/s, then 5 s to finish
    assert (merge.done_at - t0).total_seconds() == pytest.approx(5 + 1000 / 200)
    end = time.monotonic() + 10
    while vm.merges and time.monotonic() < end:  # the idle lab moves to the merge's end by itself
        host.poll()
        time.sleep(0.005)
    assert not vm.merges and vm.hard_drives[0].path == "E:\\m\\M.vhdx"
