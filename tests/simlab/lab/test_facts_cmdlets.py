"""Host facts checks read: registry CurrentVersion/Services, Get-Process, Get-HotFix, WMI, networking, ACLs."""

from __future__ import annotations

from simlab.ps import run_script
from tests.simlab.lab.labsupport import cast_host, ps, ps_json
from tests.simlab.lab.test_guest import host  # noqa: F401 - fixture

CV = "HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion"


def test_current_version_values() -> None:
    h = cast_host()
    out = ps_json(h, f"Get-ItemProperty '{CV}' | Select-Object 'ProductName', 'CurrentBuild', 'CurrentVersion', "
                     "'CurrentMajorVersionNumber', 'DisplayVersion', 'InstallationType' | ConvertTo-Json -Compress")
    assert out == {"ProductName": "Windows Server 2022 Datacenter", "CurrentBuild": "20348", "CurrentVersion": "6.3",
                   "CurrentMajorVersionNumber": 10, "DisplayVersion": "21H2", "InstallationType": "Server"}


def test_services_keys_follow_the_host_services() -> None:
    h = cast_host()
    assert ps(h, "(Get-ItemProperty 'HKLM:\\SYSTEM\\CurrentControlSet\\Services\\vmms').Start").strip() == "2"


def test_new_item_creates_a_registry_key_not_a_file() -> None:
    h = cast_host()
    out = ps(h, "New-Item -Path 'HKLM:\\SOFTWARE\\Contoso' | Out-Null\n"
                "New-ItemProperty -Path 'HKLM:\\SOFTWARE\\Contoso' -Name 'Checked' -Value 1 -PropertyType DWord | "
                "Out-Null\n(Get-ItemProperty 'HKLM:\\SOFTWARE\\Contoso').Checked")
    assert out.strip() == "1" and not h.fs.exists("C:\\Users\\rh-operator\\HKLM:\\SOFTWARE\\Contoso")
    r = run_script(h, "New-Item -Path 'HKLM:\\SOFTWARE\\Contoso'")
    assert r.errors[0].message == "A key at this path already exists."


def test_process_hotfix_and_wmi() -> None:
    h = cast_host()
    assert ps(h, "(Get-Process -Name 'vmms').ProcessName").strip() == "vmms"
    r = run_script(h, "Get-Process -Name 'nosuch'")
    assert r.errors[0].fully_qualified_error_id == "NoProcessFoundForGivenName,Microsoft.PowerShell.Commands.GetProcessCommand"
    assert ps(h, "(Get-HotFix -Id 'KB5046616').HotFixID").strip() == "KB5046616"
    assert ps(h, "(Get-WmiObject -Class Win32_ComputerSystem).Name").strip() == "HV-LAB01"
    assert ps(h, "(Get-WmiObject -Query \"SELECT * FROM Win32_LogicalDisk WHERE DeviceID = 'C:'\").DeviceID").strip() == "C:"
    assert ps(h, "(Get-CimInstance Win32_OperatingSystem).Caption").strip() == "Microsoft Windows Server 2022 Datacenter"


def test_network_users_and_acl() -> None:
    h = cast_host()
    assert ps(h, "Test-Connection -ComputerName 'localhost' -Count 1 -Quiet").strip() == "True"
    assert "127.0.0.1" in ps(h, "Get-NetIPAddress -AddressFamily IPv4 | ForEach-Object { $_.IPAddress }")
    assert ps(h, "(Get-LocalUser -Name 'Administrator').Enabled").strip() == "True"
    assert ps(h, "(Get-Acl -Path 'C:\\').Owner").strip() == "BUILTIN\\Administrators"


def test_system_log_has_boot_entries_and_guests_listen_on_rdp() -> None:
    from simlab.lab.guest import BASE_SERVICES
    h = cast_host()
    ids = ps(h, "Get-WinEvent -LogName System | ForEach-Object { $_.Id }").split()
    assert ids == ["6005", "6009", "12"]
    rdp = next(s for s in BASE_SERVICES if s.name == "TermService")
    assert rdp.ports == [3389] and rdp.start_type == "Manual" and rdp.trigger_start


def test_booted_guest_listens_on_rdp_and_reports_its_build(host) -> None:  # noqa: ANN001, F811
    from simlab.lab.guest import runtime_of
    from tests.simlab.lab.test_guest import _vm_from_export

    vm = _vm_from_export(host, "CM01")
    host.start_vm(vm)
    rt = runtime_of(host)
    host.clock.advance(rt.images["CM01"].boot_seconds + 120)
    assert host.heartbeat(vm) == "OK"
    g = rt.guest("CM01")
    r = run_script(g, "(Get-NetTCPConnection -LocalPort 3389 -State Listen).LocalPort\n"
                      f"(Get-ItemProperty '{CV}').CurrentBuildNumber\n"
                      "(Get-WinEvent -LogName System -MaxEvents 1).Id")
    assert r.stdout.split() == ["3389", "20348", "6005"], r.errors


def test_registry_children_and_wildcard_paths_keep_key_spelling() -> None:
    h = cast_host()
    auto = ps(h, "Get-ItemProperty 'HKLM:\\SYSTEM\\CurrentControlSet\\Services\\*' | Where-Object { $_.Start -eq 2 } | "
                 "ForEach-Object { $_.PSChildName }").split()
    assert "vmms" in auto and "WinRM" in auto
    assert ps(h, "(Get-ChildItem 'HKLM:\\SOFTWARE\\Microsoft\\Windows NT').PSChildName").strip() == "CurrentVersion"
    r = run_script(h, "Get-ChildItem 'HKLM:\\SOFTWARE\\NoSuchVendor'")
    assert r.errors[0].fully_qualified_error_id.startswith("PathNotFound")
