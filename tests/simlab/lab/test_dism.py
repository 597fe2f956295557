"""Dism module: Add-WindowsDriver / Get-WindowsDriver on an offline image (a mounted VHD's volume)."""

from __future__ import annotations

import pytest

from simlab.lab import dism, dism_cmdlets  # noqa: F401 - registers the cmdlets
from simlab.lab.guest import GuestImage, build_windows_volume
from simlab.ps.api import CmdletError
from tests.simlab.lab.simcall import Host, call


def _inf(cls: str, provider: str, cat: str | None = "x.cat") -> bytes:
    text = f"[Version]\r\nClass={cls}\r\nProvider={provider}\r\nDriverVer=06/14/2019,7.705.16.0\r\n"
    if cat:
        text += f"CatalogFile={cat}\r\n"
    return text.encode()


@pytest.fixture
def host() -> Host:
    h = Host()
    vol = build_windows_volume(GuestImage("FS01", "FS01"), h.clock.now)
    vol.root_name = "F:"
    h.fs.volumes["F:"] = vol  # as Mount-VHD would give the restored system disk a letter
    h.fs.write("B:\\Drivers\\Storage\\lsisas3.inf", _inf("SCSIAdapter", "Broadcom", "lsisas3.cat"))
    h.fs.write("B:\\Drivers\\Storage\\lsisas3.cat", b"cat")
    h.fs.write("B:\\Drivers\\Storage\\lsisas3.sys", b"sys")
    h.fs.write("B:\\Drivers\\NIC\\e1r68x64.inf", _inf("Net", "Intel", "e1r68x64.cat"))
    h.fs.write("B:\\Drivers\\NIC\\e1r68x64.cat", b"cat")
    h.fs.write("B:\\Drivers\\Broken\\readme.inf", b"not an inf")
    return h


def test_add_driver_recurse_renames_to_oem_and_skips_invalid_with_warning(host: Host) -> None:
    from tests.simlab.lab.simcall import Ctx

    ctx = Ctx(host)
    out = call(host, "Add-WindowsDriver", ctx, Path="F:\\", Driver="B:\\Drivers", Recurse=True)
    assert [o["Driver"] for o in out] == ["oem0.inf", "oem1.inf"]
    assert {o["OriginalFileName"].rsplit("\\", 1)[1] for o in out} == {"lsisas3.inf", "e1r68x64.inf"}
    assert any("readme.inf" in w for w in ctx.warnings)
    assert host.fs.exists("F:\\Windows\\INF\\oem0.inf")


def test_get_windows_driver_lists_third_party_with_driverstore_path(host: Host) -> None:
    call(host, "Add-WindowsDriver", Path="F:\\", Driver="B:\\Drivers\\Storage", Recurse=True)
    drivers = call(host, "Get-WindowsDriver", Path="F:\\")
    assert len(drivers) == 1
    d = drivers[0]
    assert d["Driver"] == "oem0.inf"
    assert d["OriginalFileName"].lower().startswith(
        "f:\\windows\\system32\\driverstore\\filerepository\\lsisas3.inf_amd64_")
    assert d["OriginalFileName"].endswith("\\lsisas3.inf")
    assert (d["ProviderName"], d["ClassName"], d["Version"], d["BootCritical"], d["Inbox"]) == (
        "Broadcom", "SCSIAdapter", "7.705.16.0", True, False)
    assert d["Date"].year == 2019
    all_drivers = call(host, "Get-WindowsDriver", Path="F:\\", All=True)
    assert any(x["Inbox"] and x["Driver"] == "storvsc.inf" for x in all_drivers)
    assert dism.has_driver(host.fs, "F:\\", "LSISAS3.INF")


def test_adding_the_same_package_twice_keeps_its_oem_name(host: Host) -> None:
    call(host, "Add-WindowsDriver", Path="F:\\", Driver="B:\\Drivers\\Storage\\lsisas3.inf")
    again = call(host, "Add-WindowsDriver", Path="F:\\", Driver="B:\\Drivers\\Storage\\lsisas3.inf")
    assert again[0]["Driver"] == "oem0.inf"
    assert len(call(host, "Get-WindowsDriver", Path="F:\\")) == 1


def test_unsigned_needs_force_unsigned(host: Host) -> None:
    host.fs.write("B:\\Drivers\\Unsigned\\foo.inf", _inf("Net", "Contoso", cat=None))
    with pytest.raises(CmdletError, match="not signed"):
        call(host, "Add-WindowsDriver", Path="F:\\", Driver="B:\\Drivers\\Unsigned")
    out = call(host, "Add-WindowsDriver", Path="F:\\", Driver="B:\\Drivers\\Unsigned", ForceUnsigned=True)
    assert out[0]["DriverSignature"] == 1


def test_path_without_windows_is_refused_like_dism(host: Host) -> None:
    with pytest.raises(CmdletError, match="Unable to access the image"):
        call(host, "Get-WindowsDriver", Path="E:\\")
