"""Microsoft.PowerShell.Management file-system cmdlets on ``machine.fs`` (WinFS)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

from simlab.ps.api import Bound, CmdletError, ErrorRecord, Param, PSObject, UnsupportedConstruct, cmdlet
from simlab.ps.cmdlets import envdrive, psdrive, registry
from simlab.ps.values import to_string
from simlab.winfs import Directory, FsError, not_found

M = "Microsoft.PowerShell.Management"


def absolute(ctx: Any, path: str) -> str:
    p = path.strip()
    if p.lower().startswith("microsoft.powershell.core\\filesystem::"):
        p = p.split("::", 1)[1]
    p = psdrive.resolve_drive(ctx, p)  # drives made by New-PSDrive
    if len(p) >= 2 and p[1] == ":" or p.startswith(("\\\\", "//")):
        return p
    cwd = ctx.rs.cwd if hasattr(ctx, "rs") else ctx.cwd
    return cwd.rstrip("\\") + "\\" + p.lstrip(".\\")


def item_object(fs: Any, path: str, node: Any) -> PSObject:
    full = fs.canonical(path)
    name = node.name or full
    is_dir = isinstance(node, Directory)
    props: list[tuple[str, Any]] = [("Name", name), ("FullName", full), ("PSIsContainer", is_dir),
                                    ("LastWriteTime", node.modified), ("CreationTime", node.created),
                                    # DateTimes are UTC in the simulated lab, so the *Utc forms are the same
                                    ("LastWriteTimeUtc", node.modified), ("CreationTimeUtc", node.created)]
    if is_dir:
        parent = full.rstrip("\\").rsplit("\\", 1)[0] if full.count("\\") > 1 else None
        props += [("Mode", "d-----"), ("Parent", parent), ("Extension", "")]
        return PSObject(props, ["System.IO.DirectoryInfo", "System.IO.FileSystemInfo", "System.Object"],
                        ref=node, to_string=lambda: name)
    ext = "." + name.rsplit(".", 1)[1] if "." in name else ""
    # FileVersionInfo: binaries carry a version resource, other files give $null versions
    version_info = PSObject([("FileName", full), ("FileVersion", node.version), ("ProductVersion", node.version)],
                            ["System.Diagnostics.FileVersionInfo", "System.Object"])
    props += [("Length", node.size), ("Extension", ext), ("BaseName", name[: len(name) - len(ext)] if ext else name),
              ("DirectoryName", full.rsplit("\\", 1)[0]), ("Mode", "-a----"), ("VersionInfo", version_info)]
    return PSObject(props, ["System.IO.FileInfo", "System.IO.FileSystemInfo", "System.Object"], ref=node,
                    to_string=lambda: full)


@cmdlet("Test-Path", [Param("Path", "string[]", 0, from_pipeline=True, mandatory_in=("*",), aliases=("LiteralPath",)),
                      Param("PathType", "string"), Param("IsValid", "switch")], module=M, pipeline="per-item")
def test_path(ctx: Any, b: Bound) -> Iterator[Any]:
    for p in b.get("Path"):
        kind = (b.get("PathType") or "Any").lower()
        if envdrive.is_env_path(p):
            yield envdrive.exists(ctx, p) and kind != "container"
            continue
        if registry.is_registry_path(p):  # registry keys are containers
            yield registry.key_exists(ctx, p) and kind != "leaf"
            continue
        full = absolute(ctx, p)
        exists = ctx.machine.fs.exists(full)
        if exists and kind == "container":
            exists = ctx.machine.fs.is_dir(full)
        elif exists and kind == "leaf":
            exists = not ctx.machine.fs.is_dir(full)
        yield exists


@cmdlet("Get-Item", [Param("Path", "string[]", 0, from_pipeline=True, mandatory_in=("*",),
                           aliases=("LiteralPath", "FullName")), Param("Force", "switch")], module=M,
        pipeline="per-item", aliases=("gi",))
def get_item(ctx: Any, b: Bound) -> Iterator[Any]:
    for p in b.get("Path"):
        if envdrive.is_env_path(p):
            yield from envdrive.children(ctx, p)
            continue
        if registry.is_registry_path(p):
            key = registry.get_item(ctx, p)
            if key is not None:
                yield key
            continue
        full = absolute(ctx, p)
        try:
            yield item_object(ctx.machine.fs, full, ctx.machine.fs.get(full))
        except FsError as exc:
            ctx.write_error(ErrorRecord(str(exc), exc.error_id, exc.category, exc.exception_type, target=p))


@cmdlet("Get-ChildItem", [Param("Path", "string[]", 0, from_pipeline=True, aliases=("LiteralPath",)),
                          Param("Filter", "string", 1), Param("Recurse", "switch"), Param("File", "switch"),
                          Param("Directory", "switch"), Param("Include", "string[]"), Param("Force", "switch")],
        module=M, pipeline="per-item", aliases=("gci", "ls", "dir"))
def get_child_item(ctx: Any, b: Bound) -> Iterator[Any]:
    from simlab.ps.values import like
    fs = ctx.machine.fs
    for p in b.get("Path") or [ctx.rs.cwd]:
        if envdrive.is_env_path(p):
            yield from envdrive.children(ctx, p)
            continue
        if registry.is_registry_path(p):  # subkeys as RegistryKey objects
            yield from registry.children(ctx, p, b.switch("Recurse"))
            continue
        full = absolute(ctx, p)
        try:
            entries = list(fs.walk(full)) if b.switch("Recurse") else fs.listdir(full)
        except FsError as exc:
            ctx.write_error(ErrorRecord(str(exc), exc.error_id, exc.category, exc.exception_type, target=p))
            continue
        for path, node in entries:
            if b.switch("File") and isinstance(node, Directory):
                continue
            if b.switch("Directory") and not isinstance(node, Directory):
                continue
            if b.get("Filter") and not like(node.name, b.get("Filter")):
                continue
            if b.get("Include") and not any(like(node.name, pat) for pat in b.get("Include")):
                continue
            yield item_object(fs, path, node)


_ENC = {"utf8": "utf-8-sig", "unicode": "utf-16", "ascii": "ascii", "default": "cp1252", "bigendianunicode": "utf-16-be",
        "utf32": "utf-32", "oem": "cp437", "byte": None, "string": "utf-16"}


def _decode(data: bytes, encoding: str | None) -> str:
    if encoding:
        codec = _ENC.get(encoding.lower())
        if codec is None:
            raise CmdletError(f"Cannot bind parameter 'Encoding'. '{encoding}' is not supported by the simulator.",
                              "CannotConvertArgumentNoMessage", "InvalidArgument")
        return data.decode(codec, errors="replace")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith(b"\xff\xfe"):
        return data[2:].decode("utf-16-le", errors="replace")
    return data.decode("cp1252", errors="replace")  # 5.1 reads BOM-less files as the ANSI code page


@cmdlet("Get-Content", [Param("Path", "string[]", 0, from_pipeline=True, mandatory_in=("*",),
                              aliases=("LiteralPath", "FullName")), Param("Raw", "switch"),
                        Param("Encoding", "string"), Param("TotalCount", "int", aliases=("First", "Head")),
                        Param("Tail", "int")], module=M, pipeline="per-item", aliases=("gc", "cat"))
def get_content(ctx: Any, b: Bound) -> Iterator[Any]:
    for p in b.get("Path"):
        if envdrive.is_env_path(p):
            yield from (to_string(e.props["Value"]) for e in envdrive.children(ctx, p))
            continue
        full = absolute(ctx, p)
        try:
            text = _decode(ctx.machine.fs.read(full), b.get("Encoding"))
        except FsError as exc:
            ctx.write_error(ErrorRecord(str(exc), exc.error_id, exc.category, exc.exception_type, target=p))
            continue
        if b.switch("Raw"):
            yield text
            continue
        lines = text.split("\n")
        lines = [ln[:-1] if ln.endswith("\r") else ln for ln in lines]
        if lines and lines[-1] == "":
            lines.pop()
        if "TotalCount" in b:
            lines = lines[: b.get("TotalCount")]
        if "Tail" in b:
            lines = lines[-b.get("Tail"):]
        yield from lines


def _encode(text: str, encoding: str | None) -> bytes:
    enc = (encoding or "default").lower()
    if enc == "utf8":
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    if enc in ("unicode", "string"):
        return b"\xff\xfe" + text.encode("utf-16-le")
    if enc == "ascii":
        return text.encode("ascii", errors="replace")
    return text.encode("cp1252", errors="replace")


def _write(ctx: Any, b: Bound, append: bool) -> None:
    values = b.get("Value") if "Value" in b else b.input
    lines = [to_string(v) for v in (values if isinstance(values, list) else [values])]
    text = "".join(ln + ("" if b.switch("NoNewline") else "\r\n") for ln in lines)
    fs = ctx.machine.fs
    for p in b.get("Path"):
        full = absolute(ctx, p)
        parent = full.rstrip("\\").rsplit("\\", 1)[0]
        if "\\" in full.rstrip("\\") and not fs.is_dir(parent if "\\" in parent else parent + "\\"):
            # Windows does not create missing folders here, -Force or not
            verb = "Add" if append else "Set"
            ctx.write_error(ErrorRecord(f"Could not find a part of the path '{full}'.",
                                        "GetContentWriterDirectoryNotFoundError", "ObjectNotFound",
                                        "System.IO.DirectoryNotFoundException", target=p,
                                        command=f"{verb}-Content",
                                        command_type=f"Microsoft.PowerShell.Commands.{verb}ContentCommand"))
            continue
        old = fs.read(full) if append and fs.exists(full) else b""
        data = _encode(text, b.get("Encoding"))
        if old and data.startswith((b"\xef\xbb\xbf", b"\xff\xfe")):
            data = data[3:] if data.startswith(b"\xef\xbb\xbf") else data[2:]
        try:
            fs.write(full, old + data)
        except FsError as exc:
            ctx.write_error(ErrorRecord(str(exc), exc.error_id, exc.category, exc.exception_type, target=p))


_WRITE_PARAMS = [Param("Path", "string[]", 0, mandatory_in=("*",), aliases=("LiteralPath",)),
                 Param("Value", "any", 1, from_pipeline=True), Param("Encoding", "string"), Param("Force", "switch"),
                 Param("NoNewline", "switch")]


@cmdlet("Set-Content", _WRITE_PARAMS, module=M, pipeline="all", aliases=("sc",))
def set_content(ctx: Any, b: Bound) -> None:
    _write(ctx, b, False)


@cmdlet("Add-Content", _WRITE_PARAMS, module=M, pipeline="all", aliases=("ac",))
def add_content(ctx: Any, b: Bound) -> None:
    _write(ctx, b, True)


@cmdlet("New-Item", [Param("Path", "string[]", 0, mandatory_in=("*",)), Param("Name", "string"),
                     Param("ItemType", "string", aliases=("Type",)), Param("Value", "any", from_pipeline=True),
                     Param("Force", "switch")], module=M, aliases=("ni",))
def new_item(ctx: Any, b: Bound) -> Iterator[Any]:
    fs = ctx.machine.fs
    kind = (b.get("ItemType") or "File").lower()
    for p in b.get("Path"):
        if registry.is_registry_path(p):  # New-Item HKLM:\... creates a key
            key = registry.new_key(ctx, p + ("\\" + b.get("Name") if b.get("Name") else ""), b.switch("Force"))
            if key is not None:
                yield key
            continue
        full = absolute(ctx, p + ("\\" + b.get("Name") if b.get("Name") else ""))
        if fs.exists(full) and not b.switch("Force"):
            ctx.write_error(ErrorRecord(f"An item with the specified name {fs.canonical(full)} already exists.",
                                        "DirectoryExist" if kind == "directory" else "NewItemIOError",
                                        "ResourceExists", "System.IO.IOException", target=full))
            continue
        if kind == "directory":
            node = fs.mkdir(full)
        elif kind == "file":
            value = b.get("Value")
            node = fs.write(full, b"" if value is None else to_string(value).encode("cp1252", errors="replace"))
        else:
            raise CmdletError(f"The simulated lab does not support New-Item -ItemType {kind}.",
                              "SimulatorUnsupportedConstruct", "NotImplemented", "System.NotSupportedException")
        yield item_object(fs, full, node)


@cmdlet("Remove-Item", [Param("Path", "string[]", 0, from_pipeline=True, mandatory_in=("*",),
                              aliases=("LiteralPath", "FullName")), Param("Recurse", "switch"),
                        Param("Force", "switch")], module=M, pipeline="per-item", aliases=("rm", "del", "ri"))
def remove_item(ctx: Any, b: Bound) -> None:
    for p in b.get("Path"):
        full = absolute(ctx, p)
        try:
            ctx.machine.fs.remove(full, recursive=b.switch("Recurse"))
        except FsError as exc:
            ctx.write_error(ErrorRecord(str(exc), exc.error_id, exc.category, exc.exception_type, target=p))


@cmdlet("Copy-Item", [Param("Path", "string[]", 0, from_pipeline=True, mandatory_in=("*",),
                            aliases=("LiteralPath", "FullName")), Param("Destination", "string", 1),
                      Param("Recurse", "switch"), Param("Force", "switch"), Param("PassThru", "switch")],
        module=M, pipeline="per-item", aliases=("cp", "copy"))
def copy_item(ctx: Any, b: Bound) -> None:
    fs = ctx.machine.fs
    for p in b.get("Path"):
        try:
            src = absolute(ctx, p)
            if fs.is_dir(src) and not b.switch("Recurse"):
                fs.mkdir(absolute(ctx, b.get("Destination")))
                continue
            fs.copy(src, absolute(ctx, b.get("Destination")), overwrite=b.switch("Force"))
        except FsError as exc:
            ctx.write_error(ErrorRecord(str(exc), exc.error_id, exc.category, exc.exception_type, target=p))


@cmdlet("Move-Item", [Param("Path", "string[]", 0, from_pipeline=True, mandatory_in=("*",),
                            aliases=("LiteralPath", "FullName")), Param("Destination", "string", 1),
                      Param("Force", "switch")], module=M, pipeline="per-item", aliases=("mv", "move"))
def move_item(ctx: Any, b: Bound) -> None:
    for p in b.get("Path"):
        try:
            ctx.machine.fs.move(absolute(ctx, p), absolute(ctx, b.get("Destination")))
        except FsError as exc:
            ctx.write_error(ErrorRecord(str(exc), exc.error_id, exc.category, exc.exception_type, target=p))


@cmdlet("Get-FileHash", [Param("Path", "string[]", 0, from_pipeline=True, mandatory_in=("*",),
                               aliases=("LiteralPath", "FullName")), Param("Algorithm", "string")],
        module="Microsoft.PowerShell.Utility", pipeline="per-item")
def get_file_hash(ctx: Any, b: Bound) -> Iterator[Any]:
    algo = (b.get("Algorithm") or "SHA256").upper()
    if algo not in ("SHA1", "SHA256", "SHA384", "SHA512", "MD5"):
        raise CmdletError(f"Cannot validate argument on parameter 'Algorithm'. The argument \"{algo}\" does not belong "
                          "to the set \"SHA1,SHA256,SHA384,SHA512,MACTripleDES,MD5,RIPEMD160\"",
                          "ParameterArgumentValidationError", "InvalidData",
                          "System.Management.Automation.ParameterBindingValidationException")
    for p in b.get("Path"):
        full = absolute(ctx, p)
        try:
            data = ctx.machine.fs.read(full)
        except FsError as exc:
            ctx.write_error(ErrorRecord(str(exc), exc.error_id, exc.category, exc.exception_type, target=p))
            continue
        digest = hashlib.new(algo.lower().replace("sha", "sha"), data).hexdigest().upper()
        yield PSObject([("Algorithm", algo), ("Hash", digest), ("Path", ctx.machine.fs.canonical(full))],
                       ["Microsoft.Powershell.Utility.FileHash"])


@cmdlet("Join-Path", [Param("Path", "string[]", 0, mandatory_in=("*",)), Param("ChildPath", "string", 1)],
        module=M)
def join_path(ctx: Any, b: Bound) -> Iterator[Any]:
    for p in b.get("Path"):
        child = (b.get("ChildPath") or "").lstrip("\\/")
        yield p.rstrip("\\/") + "\\" + child if child else p


@cmdlet("Split-Path", [Param("Path", "string[]", 0, from_pipeline=True, mandatory_in=("*",), aliases=("LiteralPath",)),
                       Param("Parent", "switch"), Param("Leaf", "switch"), Param("Qualifier", "switch"),
                       Param("NoQualifier", "switch"), Param("IsAbsolute", "switch"), Param("Resolve", "switch")],
        module=M, pipeline="per-item")
def split_path_cmd(ctx: Any, b: Bound) -> Iterator[Any]:
    import re as _re
    for p in b.get("Path"):
        s = p.rstrip("\\") if len(p) > 3 else p
        qual = _re.match(r"^([A-Za-z][\w]*:)", s)
        if b.switch("IsAbsolute"):
            yield bool(qual) or s.startswith("\\\\")
        elif b.switch("Leaf"):
            yield s.replace("/", "\\").rsplit("\\", 1)[-1]
        elif b.switch("Qualifier"):
            if not qual:
                ctx.write_error(ErrorRecord(f"Cannot parse path because path '{p}' does not have a qualifier "
                                            "specified.", "ParsePathFormatError", "InvalidArgument",
                                            "System.Management.Automation.ParameterBindingException", target=p))
                continue
            yield qual.group(1)
        elif b.switch("NoQualifier"):
            yield s[len(qual.group(1)):] if qual else s
        else:
            head = s.replace("/", "\\").rsplit("\\", 1)[0] if "\\" in s.replace("/", "\\") else ""
            yield head + "\\" if len(head) == 2 and head[1] == ":" else head


@cmdlet("Resolve-Path", [Param("Path", "string[]", 0, from_pipeline=True, mandatory_in=("*",),
                               aliases=("LiteralPath",))], module=M, pipeline="per-item", aliases=("rvpa",))
def resolve_path(ctx: Any, b: Bound) -> Iterator[Any]:
    for p in b.get("Path"):
        full = absolute(ctx, p)
        if not ctx.machine.fs.exists(full):
            e = not_found(full)
            ctx.write_error(ErrorRecord(str(e), e.error_id, e.category, e.exception_type, target=p))
            continue
        canon = ctx.machine.fs.canonical(full)
        yield PSObject({"Path": canon, "ProviderPath": canon}, ["System.Management.Automation.PathInfo"],
                       to_string=lambda c=canon: c)


def file_static(rs: Any, low: str, name: str, args: list[Any]) -> Any:
    """[IO.File]::Exists/ReadAllText/ReadAllBytes/WriteAllText."""
    from simlab.ps.api import UnsupportedConstruct
    fs = rs.machine.fs
    path = absolute(rs, to_string(args[0])) if args else ""
    try:
        if low == "exists":
            return fs.exists(path) and not fs.is_dir(path)
        if low == "readalltext":
            return _decode(fs.read(path), None if len(args) < 2 else "utf8")
        if low == "readallbytes":
            return fs.read(path)
        if low == "writealltext":
            fs.write(path, to_string(args[1]).encode("utf-8"))
            return None
        if low == "writeallbytes":
            fs.write(path, bytes(args[1]))
            return None
    except FsError as exc:
        from simlab.ps.members import method_error
        raise method_error(name, args, str(exc), exc.exception_type) from None
    raise UnsupportedConstruct(f"the static method [System.IO.File]::{name}()", None)
