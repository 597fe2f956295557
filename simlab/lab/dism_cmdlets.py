"""Module "Dism": Add-WindowsDriver / Get-WindowsDriver against an offline image in ``machine.fs``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from simlab.lab import dism
from simlab.ps.api import Bound, CmdletError, Context, Param, PSObject, cmdlet
from simlab.winfs import FsError

MODULE = "Dism"
_TYPE = "Microsoft.Dism.Commands.BasicDriverObject"


def driver_object(d: dism.DriverInfo, image: str) -> PSObject:
    """A BasicDriverObject as Get-WindowsDriver / Add-WindowsDriver write it."""
    return PSObject(
        [("Driver", d.driver), ("OriginalFileName", d.original_file_name), ("Inbox", d.inbox),
         ("ClassName", d.class_name), ("BootCritical", d.boot_critical), ("ProviderName", d.provider),
         ("Date", d.date), ("Version", d.version), ("CatalogFile", d.driver.replace(".inf", ".cat")),
         ("DriverSignature", 2 if d.signed else 1), ("Path", image), ("Online", False),
         ("RestartNeeded", False)],
        type_names=(_TYPE, "Microsoft.Dism.Commands.BaseDismObject", "System.Object"),
        ref=d,
    )


def _fail(err: Exception, image: str) -> CmdletError:
    if isinstance(err, dism.DismError):
        return CmdletError(err.args[0], "Microsoft.Dism.Commands." + ("AddWindowsDriverCommand" if err.code == 50
                                                                   else "ImageCommand"),
                           "NotSpecified", "System.Runtime.InteropServices.COMException", image,
                           hresult=0x80004005)
    assert isinstance(err, FsError)
    return CmdletError(str(err), err.error_id, err.category, err.exception_type, image)


@cmdlet("Add-WindowsDriver", [
    Param("Path", "string", aliases=("PSPath",), mandatory_in=("*",)),
    Param("Driver", "string", aliases=("DriverFolderPath", "FolderPath", "DP"), mandatory_in=("*",)),
    Param("Recurse", "switch"), Param("ForceUnsigned", "switch"),
    Param("WindowsDirectory", "string"), Param("SystemDrive", "string"), Param("LogPath", "string"),
    Param("ScratchDirectory", "string"), Param("LogLevel", "any"),
], module=MODULE, command_type="Microsoft.Dism.Commands.AddWindowsDriverCommand")
def add_windows_driver(ctx: Context, b: Bound) -> Iterator[Any]:
    image = b.get("Path")
    try:
        added, warnings = dism.add_drivers(ctx.machine.fs, image, b.get("Driver"), b.switch("Recurse"),
                                           b.switch("ForceUnsigned"))
    except (dism.DismError, FsError) as err:
        raise _fail(err, image) from None
    for w in warnings:
        ctx.write_warning(w)
    for d in added:
        yield driver_object(d, image)


@cmdlet("Get-WindowsDriver", [
    Param("Path", "string", sets=("Offline",), mandatory_in=("Offline",)),
    Param("Online", "switch", sets=("Online",), mandatory_in=("Online",)),
    Param("All", "switch"), Param("Driver", "string"),
    Param("WindowsDirectory", "string"), Param("LogPath", "string"), Param("ScratchDirectory", "string"),
    Param("LogLevel", "any"),
], module=MODULE, command_type="Microsoft.Dism.Commands.GetWindowsDriverCommand", default_set="Offline")
def get_windows_driver(ctx: Context, b: Bound) -> Iterator[Any]:
    image = "C:\\" if b.switch("Online") else b.get("Path")
    try:
        drivers = dism.get_drivers(ctx.machine.fs, image, b.switch("All"))
    except (dism.DismError, FsError) as err:
        raise _fail(err, image) from None
    want = b.get("Driver")
    for d in drivers:
        if want and want.lower() not in (d.driver.lower(), d.original_file_name.lower()):
            continue
        yield driver_object(d, image)
