"""The Environment provider (``Env:``) and Get-PSDrive.

``Get-ChildItem Env:`` gives DictionaryEntry objects (Name/Key, Value), sorted by name as the provider
returns them, shown in the Name/Value table; ``Get-Item Env:X``/``Test-Path Env:X``/``Get-Content Env:X``
read the runspace's environment (the same dictionary ``$env:`` uses).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from simlab.ps.api import Bound, ErrorRecord, Param, PSObject, cmdlet
from simlab.ps.values import like

_ENV = re.compile(r"^(?:Microsoft\.PowerShell\.Core\\)?(?:Environment::|env:)\\?(.*)$", re.I)


def is_env_path(path: str) -> bool:
    return bool(_ENV.match(path or ""))


def _name(path: str) -> str:
    m = _ENV.match(path)
    return m.group(1) if m else ""


def entry(name: str, value: str) -> PSObject:
    return PSObject([("Name", name), ("Key", name), ("Value", value)],
                    ["System.Collections.DictionaryEntry", "System.ValueType", "System.Object"])


def _env(ctx: Any) -> dict[str, str]:
    return ctx.rs.env


def not_found(path: str) -> ErrorRecord:
    return ErrorRecord(f"Cannot find path '{path}' because it does not exist.", "PathNotFound", "ObjectNotFound",
                       "System.Management.Automation.ItemNotFoundException", target=path)


def children(ctx: Any, path: str) -> Iterator[PSObject]:
    pattern = _name(path) or "*"
    env = _env(ctx)
    hits = sorted((k for k in env if like(k, pattern)), key=str.lower)
    if not hits and not any(c in pattern for c in "*?["):
        ctx.write_error(not_found(pattern))
        return
    for k in hits:
        yield entry(k, env[k])


def exists(ctx: Any, path: str) -> bool:
    name = _name(path)
    if not name:
        return True
    return any(like(k, name) for k in _env(ctx))


@cmdlet("Get-PSDrive", [Param("Name", "string[]", 0), Param("PSProvider", "string[]"), Param("Scope", "string")],
        module="Microsoft.PowerShell.Management", aliases=("gdr",))
def get_psdrive(ctx: Any, b: Bound) -> Iterator[Any]:
    """The drives of a 5.1 session: Alias, Cert, Env, Function, HKCU, HKLM, Variable, WSMan and the volumes."""
    drives: list[tuple[str, str, str, Any, Any]] = []
    fs = ctx.machine.fs
    for letter in sorted(getattr(fs, "volumes", {}) or {}):
        vol = fs.volumes[letter]
        used, free = vol.used(), vol.free()
        drives.append((letter.rstrip(":"), "FileSystem", letter.rstrip(":") + ":\\", used, free))
    drives += [("Alias", "Alias", "", None, None), ("Cert", "Certificate", "\\", None, None),
               ("Env", "Environment", "", None, None), ("Function", "Function", "", None, None),
               ("HKCU", "Registry", "HKEY_CURRENT_USER", None, None),
               ("HKLM", "Registry", "HKEY_LOCAL_MACHINE", None, None), ("Variable", "Variable", "", None, None),
               ("WSMan", "WSMan", "", None, None)]
    drives.sort(key=lambda d: d[0].lower())
    names = b.get("Name")
    providers = b.get("PSProvider")
    found = False
    for name, provider, root, used, free in drives:
        if names and not any(like(name, n) for n in names):
            continue
        if providers and not any(like(provider, p) for p in providers):
            continue
        found = True
        yield PSObject([("Used", used), ("Free", free), ("CurrentLocation", ""), ("Name", name),
                        ("Provider", PSObject([("Name", provider)], ["System.Management.Automation.ProviderInfo"],
                                              to_string=lambda p=provider: f"Microsoft.PowerShell.Core\\{p}")),
                        ("Root", root), ("Description", ""), ("MaximumSize", None), ("Credential", None),
                        ("DisplayRoot", None)],
                       ["System.Management.Automation.PSDriveInfo", "System.Object"], to_string=lambda n=name: n)
    if names and not found:
        for n in names:
            if not any(c in n for c in "*?["):
                ctx.write_error(ErrorRecord(f"Cannot find drive. A drive with the name '{n}' does not exist.",
                                            "GetLocationNoMatchingDrive", "ObjectNotFound",
                                            "System.Management.Automation.DriveNotFoundException", target=n))

