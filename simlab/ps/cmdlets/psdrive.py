"""New-PSDrive / Remove-PSDrive for the FileSystem provider (module Microsoft.PowerShell.Management).

A drive maps a name to a root (a UNC share or a folder); paths ``<Name>:\\...`` then resolve to
``<Root>\\...`` in every file-system cmdlet (:func:`resolve_drive`, used by ``filesystem.absolute``).
Drives live in the runspace (``rs.ps_drives``) until Remove-PSDrive or the end of the session.

Windows behaviour (about_PSDrives, New-PSDrive.md; captured 5.1 errors): with ``-Credential`` on a UNC root
Windows maps a network connection with that account; a refused logon is ``CouldNotMapNetworkDrive``
(InvalidOperation, Win32Exception, target ``<Name>:PSDriveInfo``) with the Win32 text, e.g. "Access is denied"
or "The user name or password is incorrect" (no trailing period in the 5.1 message). A root that does not
exist: ``DriveRootError``; a name in use: ``DriveAlreadyExists``; Remove-PSDrive of an unknown name:
``DriveNotFound``. Simplifications: drives are kept per runspace, not per scope (PowerShell removes a drive
made in a function or script scope when that scope ends unless ``-Scope Global``); only the FileSystem provider.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from simlab.ps.api import SHARE_LOGON, Bound, CmdletError, Param, PSObject, UnsupportedConstruct, cmdlet
from simlab.ps.values import SecureString, to_string

M = "Microsoft.PowerShell.Management"
SESSION_EXC = "System.Management.Automation.SessionStateException"


def _drives(ctx_or_rs: Any) -> dict[str, tuple[str, str]]:
    rs = getattr(ctx_or_rs, "rs", ctx_or_rs)
    drives = getattr(rs, "ps_drives", None)
    if drives is None:
        drives = {}
        rs.ps_drives = drives
    return drives  # name lower -> (name as created, root)


def resolve_drive(ctx_or_rs: Any, path: str) -> str:
    """``<Name>:\\rest`` on a drive made by New-PSDrive → ``<Root>\\rest``; other paths unchanged."""
    rs = getattr(ctx_or_rs, "rs", ctx_or_rs)
    drives = getattr(rs, "ps_drives", None)
    if not drives or ":" not in path:
        return path
    name, _, rest = path.partition(":")
    hit = drives.get(name.lower())
    if hit is None:
        return path
    return hit[1].rstrip("\\") + "\\" + rest.lstrip("\\/")


def _credential(cred: Any) -> tuple[str | None, str | None]:
    if cred is None:
        return None, None
    if isinstance(cred, PSObject):
        pw = cred.get("Password")
        return to_string(cred.get("UserName")), pw.reveal() if isinstance(pw, SecureString) else None
    return to_string(cred), None  # a user name alone: Windows would prompt; non-interactive sessions fail


def _drive_info(name: str, root: str, user: str | None) -> PSObject:
    return PSObject({"Name": name, "Used": None, "Free": None, "CurrentLocation": "", "Root": root,
                     "Description": "", "Provider": "Microsoft.PowerShell.Core\\FileSystem",
                     "Credential": user, "DisplayRoot": root if root.startswith("\\\\") else None},
                    ["System.Management.Automation.PSDriveInfo", "System.Object"], to_string=lambda: name)


@cmdlet("New-PSDrive", [
    Param("Name", "string", position=0, mandatory_in=("*",)),
    Param("PSProvider", "string", position=1, mandatory_in=("*",)),
    Param("Root", "string", position=2, mandatory_in=("*",)),
    Param("Description", "string"),
    Param("Scope", "string"),
    Param("Persist", "switch"),
    Param("Credential", "object"),
], module=M, command_type="Microsoft.PowerShell.Commands.NewPSDriveCommand", aliases=("mount", "ndr"))
def new_psdrive(ctx: Any, b: Bound) -> Iterator[Any]:
    name, root = str(b.get("Name")), str(b.get("Root"))
    if str(b.get("PSProvider")).lower() not in ("filesystem", "microsoft.powershell.core\\filesystem"):
        raise UnsupportedConstruct(f"New-PSDrive -PSProvider {b.get('PSProvider')}", None)
    drives = _drives(ctx)
    if name.lower() in drives or (len(name) == 1 and name.upper() + ":" in ctx.machine.fs.volumes):
        raise CmdletError(f"A drive with the name '{name}' already exists.", "DriveAlreadyExists", "ResourceExists",
                          SESSION_EXC, name)
    user, password = _credential(b.get("Credential"))
    if root.startswith("\\\\"):
        share = "\\".join(root.replace("/", "\\").split("\\")[:4])
        for hook in SHARE_LOGON:
            refusal = hook(ctx.machine, share, user, password)
            if refusal is None:
                continue
            if refusal:
                raise CmdletError(refusal, "CouldNotMapNetworkDrive", "InvalidOperation",
                                  "System.ComponentModel.Win32Exception", f"{name}:PSDriveInfo")
            # the SMB connection now holds the credential for the rest of the session
            ctx.rs.share_logons.add(share.lower())
            break
    try:
        ok = ctx.machine.fs.is_dir(root)
    except Exception:  # noqa: BLE001 - a malformed root is simply not a folder
        ok = False
    if not ok:
        raise CmdletError(f'The specified drive root "{root}" either does not exist, or it is not a folder.',
                          "DriveRootError", "ReadError", "System.IO.IOException", name)
    drives[name.lower()] = (name, root)
    yield _drive_info(name, root, user)


@cmdlet("Remove-PSDrive", [
    Param("Name", "string[]", position=0, mandatory_in=("*",), aliases=("LiteralName",)),
    Param("PSProvider", "string[]"),
    Param("Scope", "string"),
    Param("Force", "switch"),
], module=M, command_type="Microsoft.PowerShell.Commands.RemovePSDriveCommand", aliases=("rdr",))
def remove_psdrive(ctx: Any, b: Bound) -> None:
    drives = _drives(ctx)
    for name in b.get("Name") or []:
        if drives.pop(str(name).lower(), None) is None:
            ctx.write_error(CmdletError(f"Cannot find drive. A drive with the name '{name}' does not exist.",
                                        "DriveNotFound", "ObjectNotFound",
                                        "System.Management.Automation.DriveNotFoundException", name).record)
