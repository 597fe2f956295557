"""Services, Win32_OperatingSystem, Windows features on the lab host (PS 5.1 JSON)."""

from __future__ import annotations

import pytest

from simlab.lab.host import HyperVHost
from tests.simlab.lab.labsupport import cast_host, ps, ps_error, ps_json


@pytest.fixture
def host() -> HyperVHost:
    return cast_host()


def test_get_service_json(host: HyperVHost) -> None:
    s = ps_json(host, "Get-Service -Name vmms | ConvertTo-Json -Depth 1 -Compress")
    assert s["Name"] == "vmms" and s["DisplayName"] == "Hyper-V Virtual Machine Management"
    assert s["Status"] == 4 and s["StartType"] == 2
    wb = ps_json(host, "Get-Service -Name wbengine | ConvertTo-Json -Depth 1 -Compress")
    assert wb["Status"] == 1 and wb["StartType"] == 3


def test_get_service_unknown_name(host: HyperVHost) -> None:
    err = ps_error(host, "Get-Service -Name NoSuchSvc")
    assert err["message"] == "Cannot find any service with service name 'NoSuchSvc'."
    assert err["fqid"] == "NoServiceFoundForGivenName,Microsoft.PowerShell.Commands.GetServiceCommand"
    assert err["category"] == "ObjectNotFound"


def test_stop_start_restart_and_disabled_service(host: HyperVHost) -> None:
    assert ps(host, "(Start-Service -Name wbengine -PassThru).Status.ToString()").strip() == "Running"
    assert ps(host, "Stop-Service -Name wbengine\n(Get-Service wbengine).Status.ToString()").strip() == "Stopped"
    host.services["W32Time"].start_type = "Disabled"
    ps(host, "Stop-Service -Name W32Time")
    err = ps_error(host, "Start-Service -Name W32Time")
    assert err["message"] == ("Service 'Windows Time (W32Time)' cannot be started due to the following error: "
                              "Cannot start service W32Time on computer '.'.")
    assert err["fqid"] == "CouldNotStartService,Microsoft.PowerShell.Commands.StartServiceCommand"


def test_win32_operatingsystem(host: HyperVHost) -> None:
    os_ = ps_json(host, "Get-CimInstance -ClassName Win32_OperatingSystem | ConvertTo-Json -Depth 1 -Compress")
    assert os_["Caption"] == "Microsoft Windows Server 2022 Datacenter" and os_["Version"] == "10.0.20348"
    assert os_["BuildNumber"] == "20348" and os_["CSName"] == "HV-LAB01"
    assert os_["LastBootUpTime"].startswith("/Date(")


def test_free_memory_follows_running_vms(host: HyperVHost) -> None:
    before = host.free_memory()
    host.boot_hooks.clear()
    ps(host, "Start-VM -Name LAB-JUMP01")
    assert before - host.free_memory() == 4 * 2**30


def test_vmms_restart_through_restart_service(host: HyperVHost) -> None:
    ps(host, "Restart-Service -Name vmms")
    assert host.counters["vmms_restart"] == 1 and host.services["vmms"].status == "Running"


def test_get_windowsfeature(host: HyperVHost) -> None:
    feats = ps_json(host, "Get-WindowsFeature -Name 'Hyper-V*' | ConvertTo-Json -Depth 1 -Compress")
    by = {f["Name"]: f for f in feats}
    assert by["Hyper-V"]["Installed"] is True and by["Hyper-V"]["InstallState"] == 1
    assert by["Hyper-V"]["DisplayName"] == "Hyper-V" and by["Hyper-V-PowerShell"]["Installed"] is True


def test_get_date_follows_the_simulated_clock(host: HyperVHost) -> None:
    import datetime as dt

    t0 = dt.datetime.fromisoformat(ps(host, "(Get-Date).ToString('o')").strip()[:26])
    host.clock.advance(3600)
    t1 = dt.datetime.fromisoformat(ps(host, "(Get-Date).ToString('o')").strip()[:26])
    assert t0.date() == dt.date(2026, 11, 21) and 3600 <= (t1 - t0).total_seconds() < 3700


def test_win32_operatingsystem_memory_in_kb_follows_running_vms(host: HyperVHost) -> None:
    q = "Get-CimInstance Win32_OperatingSystem | Select-Object 'TotalVisibleMemorySize','FreePhysicalMemory' | ConvertTo-Json -Compress"
    before = ps_json(host, q)
    assert before["TotalVisibleMemorySize"] == host.memory_bytes // 1024  # KB, as Windows reports
    assert before["FreePhysicalMemory"] == host.free_memory() // 1024
    host.boot_hooks.clear()
    ps(host, "Start-VM -Name LAB-JUMP01")
    after = ps_json(host, q)
    assert before["FreePhysicalMemory"] - after["FreePhysicalMemory"] == 4 * 1024 * 1024  # 4 GB in KB
