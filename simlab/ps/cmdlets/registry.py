"""The Registry provider (``HKLM:\\...``) for Test-Path, Get-Item, Get-ItemProperty, Get-ItemPropertyValue.

Reads ``machine.registry`` when the machine has one (an object with ``exists(path)``, ``values(path)``
and ``subkeys(path)`` taking ``HKLM:\\...`` paths, e.g. simlab.lab.guest.RegistryModel); a machine
without one behaves as a registry in which the key does not exist. Only HKEY_LOCAL_MACHINE is modelled
(HKCU and other hives: not found). Names are shown as the script spelled the path (the model folds case).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from simlab.ps.api import Bound, ErrorRecord, Param, PSObject, UnsupportedConstruct, cmdlet
from simlab.ps.values import as_list, to_string

M = "Microsoft.PowerShell.Management"
PROVIDER = "Microsoft.PowerShell.Core\\Registry"
_HIVES = {"hklm": "HKEY_LOCAL_MACHINE", "hkcu": "HKEY_CURRENT_USER"}
_RE = re.compile(r"^(?:(?:Microsoft\.PowerShell\.Core\\)?Registry::)?(HKLM:|HKCU:|HKEY_LOCAL_MACHINE|HKEY_CURRENT_USER)"
                 r"(?:[\\/](.*))?$", re.I)


def is_registry_path(path: str) -> bool:
    """``HKLM:\\...``, ``HKCU:\\...``, ``Registry::HKEY_LOCAL_MACHINE\\...`` (with or without the provider prefix)."""
    return bool(_RE.match(path.strip()))


def _split(path: str) -> tuple[str, str]:
    """(hive long name, sub path without trailing separators)."""
    m = _RE.match(path.strip())
    assert m is not None
    hive = m.group(1).rstrip(":").upper()
    long = _HIVES.get(hive.lower(), hive)
    sub = (m.group(2) or "").replace("/", "\\").strip("\\")
    sub = re.sub(r"\\+", r"\\", sub)
    return long, sub


def _model(ctx: Any) -> Any:
    return getattr(ctx.machine, "registry", None)


def key_exists(ctx: Any, path: str) -> bool:
    hive, sub = _split(path)
    reg = _model(ctx)
    if reg is None or hive != "HKEY_LOCAL_MACHINE":
        return False
    return True if not sub else bool(reg.exists("HKLM:\\" + sub))


def not_found(path: str) -> ErrorRecord:
    return ErrorRecord(f"Cannot find path '{path}' because it does not exist.", "PathNotFound", "ObjectNotFound",
                       "System.Management.Automation.ItemNotFoundException", target=path)


def _ps_props(hive: str, sub: str) -> list[tuple[str, Any]]:
    full = hive + ("\\" + sub if sub else "")
    parent = full.rsplit("\\", 1)[0] if "\\" in full else ""
    drive = PSObject({"Name": "HKLM", "Root": "HKEY_LOCAL_MACHINE"}, ["System.Management.Automation.PSDriveInfo"],
                     to_string=lambda: "HKLM")
    provider = PSObject({"Name": "Registry"}, ["System.Management.Automation.ProviderInfo"],
                        to_string=lambda: PROVIDER)
    return [("PSPath", f"{PROVIDER}::{full}"), ("PSParentPath", f"{PROVIDER}::{parent}" if parent else ""),
            ("PSChildName", full.rsplit("\\", 1)[-1]), ("PSDrive", drive), ("PSProvider", provider)]


def get_item(ctx: Any, path: str) -> PSObject | None:
    """The RegistryKey object for ``Get-Item``, or None (after writing the not-found error)."""
    if not key_exists(ctx, path):
        ctx.write_error(not_found(path))
        return None
    hive, sub = _split(path)
    reg = _model(ctx)
    key = "HKLM:\\" + sub
    values = reg.values(key) if sub else {}
    subkeys = reg.subkeys(key) if sub else reg.subkeys("HKLM:")
    name = hive + ("\\" + sub if sub else "")
    return PSObject(
        [("Name", name), ("Property", list(values)), ("SubKeyCount", len(subkeys)), ("ValueCount", len(values)),
         *_ps_props(hive, sub), ("PSIsContainer", True)],
        ["Microsoft.Win32.RegistryKey", "System.MarshalByRefObject", "System.Object"],
        methods={"GetValue": lambda n, *default: values.get(to_string(n), default[0] if default else None),
                 "GetValueNames": lambda: list(values), "GetSubKeyNames": lambda: list(subkeys)},
        to_string=lambda: name)


def _missing_value(name: str, hive: str, sub: str) -> ErrorRecord:
    return ErrorRecord(f"Property {name} does not exist at path {hive}\\{sub}.",
                       "System.Management.Automation.PSArgumentException", "InvalidArgument",
                       "System.Management.Automation.PSArgumentException", target=name)


def _values_at(ctx: Any, path: str) -> tuple[str, str, dict[str, Any]] | None:
    if not is_registry_path(path):
        raise UnsupportedConstruct(f"Get-ItemProperty on '{path}' (only registry paths such as HKLM:\\... are "
                                   "modelled)", None)
    if not key_exists(ctx, path):
        ctx.write_error(not_found(path))
        return None
    hive, sub = _split(path)
    return hive, sub, (_model(ctx).values("HKLM:\\" + sub) if sub else {})


def expand(ctx: Any, path: str) -> list[str]:
    """``...\\Services\\*``-style paths: the existing keys whose last segment matches (others as given)."""
    head, _, leaf = path.rstrip("\\").rpartition("\\")
    if not any(c in leaf for c in "*?[") or not head or not is_registry_path(head):
        return [path]
    if not key_exists(ctx, head):
        return []
    _, sub = _split(head)
    names = _model(ctx).subkeys("HKLM:\\" + sub) if sub else _model(ctx).subkeys("HKLM:")
    from simlab.ps.values import like
    return [f"{head}\\{n}" for n in names if like(n, leaf)]


def children(ctx: Any, path: str, recurse: bool = False) -> Iterator[PSObject]:
    """Get-ChildItem on a registry key: its subkeys as RegistryKey objects (sorted as the registry lists them)."""
    if not key_exists(ctx, path):
        ctx.write_error(not_found(path))
        return
    _, sub = _split(path)
    names = _model(ctx).subkeys("HKLM:\\" + sub) if sub else _model(ctx).subkeys("HKLM:")
    for n in names:
        child = path.rstrip("\\") + "\\" + n
        key = get_item(ctx, child)
        if key is not None:
            yield key
            if recurse:
                yield from children(ctx, child, True)


@cmdlet("Get-ItemProperty", [Param("Path", "string[]", 0, from_pipeline=True, mandatory_in=("*",),
                                   aliases=("LiteralPath", "PSPath")), Param("Name", "string[]", 1)],
        module=M, pipeline="per-item", aliases=("gp",))
def get_item_property(ctx: Any, b: Bound) -> Iterator[Any]:
    for path in [x for p in b.get("Path") for x in (expand(ctx, p) if is_registry_path(p) else [p])]:
        found = _values_at(ctx, path)
        if found is None:
            continue
        hive, sub, values = found
        names = b.get("Name")
        if names is None:
            picked = list(values.items())
        else:
            picked = []
            for n in names:
                real = next((k for k in values if k.lower() == n.lower()), None)
                if real is None:
                    ctx.write_error(_missing_value(n, hive, sub))
                else:
                    picked.append((real, values[real]))
            if not picked:
                continue
        yield PSObject([*picked, *_ps_props(hive, sub)])


@cmdlet("Get-ItemPropertyValue", [Param("Path", "string[]", 0, from_pipeline=True, aliases=("LiteralPath", "PSPath")),
                                  Param("Name", "string[]", 1, mandatory_in=("*",))],
        module=M, pipeline="per-item", aliases=("gpv",))
def get_item_property_value(ctx: Any, b: Bound) -> Iterator[Any]:
    for path in b.get("Path") or [ctx.rs.cwd]:
        found = _values_at(ctx, path)
        if found is None:
            continue
        hive, sub, values = found
        for n in b.get("Name"):
            real = next((k for k in values if k.lower() == n.lower()), None)
            if real is None:
                ctx.write_error(_missing_value(n, hive, sub))
                continue
            v = values[real]
            yield from as_list(v) if isinstance(v, list) else [v]


# --------------------------------------------------------------------------- writing


def _writable(ctx: Any, path: str) -> Any:
    hive, sub = _split(path)
    reg = _model(ctx)
    if reg is None or hive != "HKEY_LOCAL_MACHINE" or not hasattr(reg, "set"):
        raise UnsupportedConstruct(f"writing the registry at '{path}'", None)
    return reg


def new_key(ctx: Any, path: str, force: bool) -> PSObject | None:
    """New-Item HKLM:\\...: create the key (its parent must exist unless -Force)."""
    reg = _writable(ctx, path)
    hive, sub = _split(path)
    parent = sub.rsplit("\\", 1)[0] if "\\" in sub else ""
    if key_exists(ctx, path) and not force:
        ctx.write_error(ErrorRecord("A key at this path already exists.", "System.IO.IOException", "ResourceExists",
                                    "System.IO.IOException", target=path))
        return None
    if parent and not reg.exists("HKLM:\\" + parent) and not force:
        ctx.write_error(not_found(path.rsplit("\\", 1)[0]))
        return None
    reg.set("HKLM:\\" + sub)
    return get_item(ctx, path)


def _set_value(ctx: Any, b: Bound, create: bool) -> Iterator[Any]:
    for path in b.get("Path"):
        reg = _writable(ctx, path)
        if not key_exists(ctx, path):
            ctx.write_error(not_found(path))
            continue
        hive, sub = _split(path)
        name = b.get("Name")
        if create and name in reg.values("HKLM:\\" + sub) and not b.switch("Force"):
            ctx.write_error(ErrorRecord("The property already exists.", "System.IO.IOException", "ResourceExists",
                                        "System.IO.IOException", target=path))
            continue
        value = b.get("Value")
        kind = to_string(b.get("PropertyType") or "").lower()
        if kind in ("dword", "qword") and value is not None:
            value = int(to_string(value), 0) if isinstance(value, str) else int(value)
        reg.set("HKLM:\\" + sub, {name: value})
        if create or b.switch("PassThru"):
            yield PSObject([(name, value), *_ps_props(hive, sub)])


@cmdlet("New-ItemProperty", [Param("Path", "string[]", 0, mandatory_in=("*",), aliases=("LiteralPath", "PSPath")),
                             Param("Name", "string", 1, mandatory_in=("*",)), Param("Value", "any", 2),
                             Param("PropertyType", "string", aliases=("Type",)), Param("Force", "switch")], module=M)
def new_item_property(ctx: Any, b: Bound) -> Iterator[Any]:
    yield from _set_value(ctx, b, True)


@cmdlet("Set-ItemProperty", [Param("Path", "string[]", 0, mandatory_in=("*",), aliases=("LiteralPath", "PSPath")),
                             Param("Name", "string", 1, mandatory_in=("*",)), Param("Value", "any", 2),
                             Param("Type", "string", aliases=("PropertyType",)), Param("PassThru", "switch"),
                             Param("Force", "switch")], module=M, aliases=("sp",))
def set_item_property(ctx: Any, b: Bound) -> Iterator[Any]:
    yield from _set_value(ctx, b, False)
