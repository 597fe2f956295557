"""Facts a Windows machine answers that post-restore checks read: the CurrentVersion registry key,
the Services keys, the host's registry, boot entries of the System log.

Values follow what Windows Server writes (``HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion``:
ProductName without "Microsoft ", CurrentVersion "6.3" since Windows 8.1, CurrentMajorVersionNumber 10,
ReleaseId/DisplayVersion by build: 14393 → 1607, 17763 → 1809, 20348 → 2009/21H2).
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from simlab.lab.guest import RegistryModel

# build -> (ReleaseId, DisplayVersion or None, UBR the lab reports)
_RELEASES = {14393: ("1607", None, 7428), 17763: ("1809", None, 6532), 20348: ("2009", "21H2", 2849),
             26100: ("2009", "24H2", 2605)}
# the lab's hosts and guests were installed on this date (InstallDate, seconds since 1970 as Windows stores it)
_INSTALLED = _dt.datetime(2024, 11, 12, 9, 30, tzinfo=_dt.timezone.utc)


def current_version_values(caption: str, version: str) -> dict[str, Any]:
    """The values of ``HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion`` for an OS caption/version."""
    build = int(version.split(".")[-1]) if version.split(".")[-1].isdigit() else 20348
    release, display, ubr = _RELEASES.get(build, ("2009", None, 1))
    product = caption.replace("Microsoft ", "")
    edition = "ServerDatacenter" if "Datacenter" in product else "ServerStandard" if "Standard" in product else \
        "ServerDatacenter"
    values: dict[str, Any] = {
        "SystemRoot": "C:\\Windows", "BuildBranch": "fe_release" if build == 20348 else "rs1_release",
        "BuildLab": f"{build}.fe_release.210507-1500", "BuildLabEx": f"{build}.1.amd64fre.fe_release.210507-1500",
        "CompositionEditionID": edition, "CurrentBuild": str(build), "CurrentBuildNumber": str(build),
        "CurrentMajorVersionNumber": 10, "CurrentMinorVersionNumber": 0, "CurrentType": "Multiprocessor Free",
        "CurrentVersion": "6.3", "EditionID": edition, "InstallationType": "Server",
        "InstallDate": int((_INSTALLED - _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)).total_seconds()),
        "ProductName": product, "ReleaseId": release, "SoftwareType": "System", "UBR": ubr,
        "PathName": "C:\\Windows", "RegisteredOrganization": "", "RegisteredOwner": "Windows User",
    }
    if display:
        values["DisplayVersion"] = display
    return values


class HostRegistry:
    """The Hyper-V host's HKLM: CurrentVersion and the Services keys derived from the host model, plus
    what scripts create (``New-Item HKLM:\\...``, New-ItemProperty/Set-ItemProperty) in an overlay."""

    def __init__(self, host: Any) -> None:
        self.host = host
        self.overlay = RegistryModel()

    def _base(self) -> RegistryModel:
        reg = RegistryModel()
        h = self.host
        reg.set("HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion",
                current_version_values(h.os_caption, h.os_version))
        reg.set("HKLM:\\SYSTEM\\CurrentControlSet\\Control\\ComputerName\\ComputerName",
                {"ComputerName": h.computer_name})
        for s in getattr(h, "services", {}).values():
            start = {"Automatic": 2, "Manual": 3, "Disabled": 4}.get(str(getattr(s, "start_type", "Manual")), 3)
            reg.set(f"HKLM:\\SYSTEM\\CurrentControlSet\\Services\\{s.name}",
                    {"Start": start, "DisplayName": s.display_name, "Type": 16, "ErrorControl": 1,
                     "ObjectName": "LocalSystem"})
        reg.set("HKLM:\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server", {"fDenyTSConnections": 0})
        return reg

    def exists(self, path: str) -> bool:
        return self.overlay.exists(path) or self._base().exists(path)

    def values(self, path: str) -> dict[str, Any]:
        return {**self._base().values(path), **self.overlay.values(path)}

    def subkeys(self, path: str) -> list[str]:
        return sorted(set(self._base().subkeys(path)) | set(self.overlay.subkeys(path)), key=str.lower)

    def set(self, path: str, values: dict[str, Any] | None = None) -> None:
        self.overlay.set(path, values)


def boot_events(machine_name: str, booted_at: _dt.datetime, build: int) -> list[tuple[str, str, int, int, str, Any]]:
    """The System log entries Windows writes while it starts (log, provider, id, level, message, time)."""
    iso = booted_at.strftime("%Y-%m-%dT%H:%M:%S.%f") + "000Z"
    lrm = "\u200e"
    stamp = lrm + iso[:4] + lrm + "-" + lrm + iso[5:7] + lrm + "-" + lrm + iso[8:10] + lrm + iso[10:]
    return [
        ("System", "Microsoft-Windows-Kernel-General", 12, 4,
         f"The operating system started at system time {stamp}.", booted_at),
        ("System", "EventLog", 6009, 4,
         f"Microsoft (R) Windows (R) 10.00. {build}  Multiprocessor Free.", booted_at),
        ("System", "EventLog", 6005, 4, "The Event log service was started.", booted_at),
    ]
