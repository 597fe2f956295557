"""The WinPE batch interpreter (simlab/lab/winpe.py): percent expansion as cmd.exe does it in a batch file
(``%%`` is a literal ``%``, ``set "VAR=value"`` then ``%VAR%``, a value holding ``%`` survives), checked by
booting WinPE on the cast's host with an automation disk and a share password that contains ``%``."""

from __future__ import annotations

from pathlib import Path

import pytest

import simlab.lab  # noqa: F401 - registers cmdlets, builders and faults
from simlab.lab.build import build_host
from simlab.lab.description import load_description
from simlab.lab.model import DvdDrive, HardDiskDrive
from simlab.winfs import Directory, Volume

INVENTORY = Path(__file__).resolve().parents[3] / "inventories" / "sim-lab.yml"
GB = 2**30
NAS_PASSWORD = "50%off%PATH%x"  # looks like %off% and %PATH%: must reach net use as written


@pytest.fixture
def host(monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    for k, v in {"RH_SIM_PASSWORD": "op-pw", "RH_NAS_USER": "NAS01\\wsbreader", "RH_NAS_PASSWORD": NAS_PASSWORD,
                 "RH_GUEST_PASSWORD": "guest-pw"}.items():
        monkeypatch.setenv(k, v)
    h = build_host(load_description(INVENTORY))
    h.guest_runtime.start_endpoints = False
    return h


def _boot(host, files: dict[str, str]):  # noqa: ANN001, ANN202
    disk = host.new_vhd("E:\\RestoreTests\\auto.vhdx", 4 * GB)
    vol = Volume("", 4 * GB, 0, "RH-AUTO")
    vol.root = Directory("", host.now(), host.now())
    disk.volumes = [vol]
    fs = host.disk_fs(disk)
    for name, text in files.items():
        fs.write(f"V:\\restore-harness\\{name}", text.replace("\n", "\r\n").encode("ascii"))
    for path, node in host.fs.listdir("B:\\Drivers\\NIC"):
        fs.write(f"V:\\restore-harness\\nic\\{node.name}", node.content, node.declared_size)
    host.new_vhd("E:\\RestoreTests\\sys.vhdx", 80 * GB)
    vm = host.new_vm("rh-pe", generation=2, path="E:\\RestoreTests", switch_name="Lab-Internal",
                     vhd_path="E:\\RestoreTests\\sys.vhdx")
    vm.hard_drives.append(HardDiskDrive(disk.path, "SCSI", 0, 1))
    vm.dvd_drives = [DvdDrive("B:\\ISO\\WinPE_amd64.iso")]
    host.start_vm(vm)
    fs = host.disk_fs(disk)
    read = lambda p: fs.read(f"V:\\restore-harness\\{p}").decode("utf-8")  # noqa: E731
    return read


def test_double_percent_set_quoted_and_percent_in_values(host) -> None:  # noqa: ANN001
    params = ('@echo off\nset "RH_SHARE_USER=NAS01\\wsbreader"\nset "RH_SHARE_PASSWORD='
              + NAS_PASSWORD.replace("%", "%%") + '"\nset "RH_EMPTY=x"\nset "RH_EMPTY="\n')
    run = r"""@echo off
call C:\restore-harness\params.cmd
echo 100%% done
echo [%RH_SHARE_PASSWORD%] [%RH_EMPTY%] [%RH_UNDEFINED%]
set RH_PLAIN=a b %%c
echo [%RH_PLAIN%]
set "RH_TAIL=quoted" ignored
echo [%RH_TAIL%]
for %%d in (C D) do if exist %%d:\restore-harness\params.cmd set "RH_AUTO=%%d:"
echo auto=%RH_AUTO%
drvload C:\restore-harness\nic\e1r68x64.inf > nul
net use \\NAS01\wsb "%RH_SHARE_PASSWORD%" /user:"%RH_SHARE_USER%"
echo net=%ERRORLEVEL%
exit /b 0
"""
    read = _boot(host, {"params.cmd": params, "run.cmd": run})
    log = read("logs\\run.log").splitlines()
    assert read("logs\\exitcode.txt").strip() == "0"
    assert "100% done" in log
    assert f"[{NAS_PASSWORD}] [] []" in log
    assert "[a b %c]" in log and "[quoted]" in log and "auto=C:" in log
    assert "net=0" in log and "The command completed successfully." in log


def test_single_percent_password_is_mangled_as_cmd_would(host) -> None:  # noqa: ANN001
    # Without doubling, cmd reads %off% and %PATH% as variables: the password arrives wrong and net use fails.
    params = '@echo off\nset "RH_SHARE_PASSWORD=' + NAS_PASSWORD + '"\n'
    run = r"""@echo off
call C:\restore-harness\params.cmd
echo [%RH_SHARE_PASSWORD%]
drvload C:\restore-harness\nic\e1r68x64.inf > nul
net use \\NAS01\wsb "%RH_SHARE_PASSWORD%" /user:NAS01\wsbreader
exit /b %ERRORLEVEL%
"""
    read = _boot(host, {"params.cmd": params, "run.cmd": run})
    log = read("logs\\run.log")
    # cmd reads %off% (undefined: nothing), then "PATH", then a lone % (dropped): the password arrives wrong
    assert "[50PATHx]" in log
    assert "Access is denied." in log and read("logs\\exitcode.txt").strip() == "2"
