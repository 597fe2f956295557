"""Utility cmdlets on objects and text: CSV, Add-Member, Get-Member, Compare-Object, Select-String,
New-TimeSpan, Out-File (and the ``>``/``>>`` redirection targets), Set-StrictMode, Import-Module.

Behaviour is Windows PowerShell 5.1's: ConvertTo-Csv/Export-Csv write ``#TYPE <type>`` unless
-NoTypeInformation, quote every field and leave ``$null`` fields empty; Export-Csv writes ASCII by
default; Out-File and ``>`` write the formatted text (Out-String) as UTF-16LE with a BOM ("Unicode").
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterator
from typing import Any

from simlab.ps.api import (
    Bound, CmdletError, ErrorRecord, Hashtable, Param, PSObject, UnsupportedConstruct, cmdlet, is_custom_object,
)
from simlab.ps.cmdlets.filesystem import absolute
from simlab.ps.formatting import WIDTH, out_string
from simlab.ps.members import get_member
from simlab.ps.values import as_list, equals, to_string, type_name_of
from simlab.winfs import FsError

U = "Microsoft.PowerShell.Utility"
CORE = "Microsoft.PowerShell.Core"


def _items(b: Bound) -> list[Any]:
    if b.input:
        return list(b.input)
    return as_list(b.get("InputObject")) if "InputObject" in b else []


def _prop_names(obj: Any) -> list[str]:
    if isinstance(obj, PSObject):
        return list(obj.props)
    if isinstance(obj, Hashtable):
        return ["IsReadOnly", "IsFixedSize", "IsSynchronized", "Keys", "Values", "SyncRoot", "Count"]
    if isinstance(obj, str):
        return ["Length"]
    return []


# --------------------------------------------------------------------------- CSV


def _csv_field(v: Any, delim: str) -> str:
    if v is None:
        return ""
    text = to_string(v) if not isinstance(v, _dt.datetime) else __import__(
        "simlab.ps.values", fromlist=["format_datetime"]).format_datetime(v, None)
    return '"' + text.replace('"', '""') + '"'


def _csv_type_line(obj: Any) -> str:
    if isinstance(obj, PSObject):
        return "#TYPE " + obj.type_name
    return "#TYPE " + type_name_of(obj)


def to_csv_lines(items: list[Any], delim: str = ",", type_info: bool = True) -> list[str]:
    """ConvertTo-Csv's output lines for ``items`` (5.1: the first object's properties decide the columns)."""
    items = [x for x in items if x is not None]
    if not items:
        return []
    first = items[0]
    names = _prop_names(first)
    lines = [_csv_type_line(first)] if type_info else []
    lines.append(delim.join('"' + n.replace('"', '""') + '"' for n in names))
    for it in items:
        row = []
        for n in names:
            v = it.props.get(n) if isinstance(it, PSObject) else get_member(it, n)
            row.append(_csv_field(v, delim))
        lines.append(delim.join(row))
    return lines


def _split_csv_line(line: str, delim: str) -> list[str]:
    out: list[str] = []
    cur: list[str] = []
    quoted = False
    i = 0
    while i < len(line):
        ch = line[i]
        if quoted:
            if ch == '"':
                if i + 1 < len(line) and line[i + 1] == '"':
                    cur.append('"')
                    i += 1
                else:
                    quoted = False
            else:
                cur.append(ch)
        elif ch == '"':
            quoted = True
        elif ch == delim:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
        i += 1
    out.append("".join(cur))
    return out


def from_csv_lines(lines: list[str], delim: str = ",", header: list[str] | None = None) -> list[PSObject]:
    """ConvertFrom-Csv/Import-Csv: PSCustomObjects of strings; a ``#TYPE X`` line adds the type ``CSV:X``."""
    lines = [ln for ln in lines if ln.strip() != ""]
    type_names = ["System.Management.Automation.PSCustomObject", "System.Object"]
    if lines and lines[0].startswith("#TYPE "):
        type_names = ["CSV:" + lines[0][6:].strip()] + type_names
        lines = lines[1:]
    if header is None:
        if not lines:
            return []
        header = _split_csv_line(lines[0], delim)
        lines = lines[1:]
    out = []
    for ln in lines:
        fields = _split_csv_line(ln, delim)
        props = [(h, fields[i] if i < len(fields) else None) for i, h in enumerate(header)]
        out.append(PSObject(props, type_names))
    return out


def _delim(b: Bound) -> str:
    d = b.get("Delimiter")
    return to_string(d)[:1] if d is not None else ","


_CSV_OUT = [Param("InputObject", "any", 0, from_pipeline=True), Param("Delimiter", "string", 1),
            Param("NoTypeInformation", "switch", aliases=("NTI",)), Param("UseCulture", "switch")]


@cmdlet("ConvertTo-Csv", _CSV_OUT, module=U, pipeline="all")
def convertto_csv(ctx: Any, b: Bound) -> Iterator[Any]:
    yield from to_csv_lines(_items(b), _delim(b), not b.switch("NoTypeInformation"))


@cmdlet("ConvertFrom-Csv", [Param("InputObject", "any", 0, from_pipeline=True, mandatory_in=("*",)),
                            Param("Delimiter", "string", 1), Param("Header", "string[]"),
                            Param("UseCulture", "switch")], module=U, pipeline="all")
def convertfrom_csv(ctx: Any, b: Bound) -> Iterator[Any]:
    lines: list[str] = []
    for x in _items(b):
        lines += to_string(x).replace("\r\n", "\n").split("\n")
    yield from from_csv_lines(lines, _delim(b), b.get("Header"))


_ENCODINGS = {"unicode": ("utf-16-le", b"\xff\xfe"), "utf8": ("utf-8", b"\xef\xbb\xbf"), "ascii": ("ascii", b""),
              "default": ("cp1252", b""), "oem": ("cp437", b""), "bigendianunicode": ("utf-16-be", b"\xfe\xff"),
              "utf32": ("utf-32-le", b"\xff\xfe\x00\x00"), "utf7": ("utf-7", b""), "string": ("utf-16-le", b"\xff\xfe"),
              "unknown": ("utf-16-le", b"\xff\xfe")}
_ENCODING_NAMES = "Unknown, String, Unicode, BigEndianUnicode, UTF8, UTF7, UTF32, ASCII, Default, OEM"


def encode_text(text: str, encoding: str, append_to: bytes = b"") -> bytes:
    """Bytes as 5.1's file writers produce them (BOM only at the start of a new file)."""
    codec, bom = _ENCODINGS[encoding.lower()]
    data = text.encode(codec, errors="replace")
    return append_to + data if append_to else bom + data


def _check_encoding(enc: Any, command: str) -> str:
    name = to_string(enc)
    if name.lower() not in _ENCODINGS:
        raise CmdletError(f"Cannot bind parameter 'Encoding'. Cannot convert value \"{name}\" to type "
                          f"\"Microsoft.PowerShell.Commands.FileSystemCmdletProviderEncoding\". Error: \"Unable to match "
                          f"the identifier name {name} to a valid enumerator name. Specify one of the following "
                          f"enumerator names and try again:\r\n{_ENCODING_NAMES}\"", "CannotConvertArgumentNoMessage",
                          "InvalidArgument", "System.Management.Automation.ParameterBindingException")
    return name


def write_file(ctx: Any, path: str, text: str, encoding: str, append: bool) -> None:
    """Write or append ``text`` at ``path`` (a path the script gave) on the machine, Windows' errors on failure."""
    fs = ctx.machine.fs
    full = absolute(ctx, path)
    old = b""
    if append and fs.exists(full):
        old = fs.read(full)
    parent = full.rstrip("\\").rsplit("\\", 1)[0]
    if "\\" in full.rstrip("\\") and not fs.is_dir(parent if "\\" in parent else parent + "\\"):
        raise CmdletError(f"Could not find a part of the path '{full}'.", "FileOpenFailure", "OpenError",
                          "System.IO.DirectoryNotFoundException", target=path)
    try:
        fs.write(full, encode_text(text, encoding, old))
    except FsError as exc:
        raise CmdletError(str(exc), exc.error_id, exc.category, exc.exception_type, target=path) from None


@cmdlet("Export-Csv", [Param("Path", "string", 0, aliases=("LiteralPath", "PSPath")), Param("Delimiter", "string", 1),
                       Param("InputObject", "any", from_pipeline=True, mandatory_in=("*",)),
                       Param("NoTypeInformation", "switch", aliases=("NTI",)), Param("Append", "switch"),
                       Param("Encoding", "string"), Param("Force", "switch"), Param("NoClobber", "switch"),
                       Param("UseCulture", "switch")], module=U, pipeline="all")
def export_csv(ctx: Any, b: Bound) -> None:
    encoding = _check_encoding(b.get("Encoding") or "ASCII", "Export-Csv")
    items = _items(b)
    path = b.get("Path")
    fs = ctx.machine.fs
    full = absolute(ctx, path)
    append = b.switch("Append") and fs.exists(full) and len(fs.read(full)) > 0
    lines = to_csv_lines(items, _delim(b), not b.switch("NoTypeInformation"))
    if append and lines:
        lines = lines[2:] if lines[0].startswith("#TYPE") else lines[1:]
    write_file(ctx, path, "".join(ln + "\r\n" for ln in lines), encoding, append)


@cmdlet("Import-Csv", [Param("Path", "string[]", 0, from_pipeline=True, aliases=("LiteralPath", "PSPath")),
                       Param("Delimiter", "string", 1), Param("Header", "string[]"), Param("Encoding", "string"),
                       Param("UseCulture", "switch")], module=U, pipeline="per-item")
def import_csv(ctx: Any, b: Bound) -> Iterator[Any]:
    from simlab.ps.cmdlets.filesystem import _decode
    for p in b.get("Path") or []:
        full = absolute(ctx, p)
        try:
            text = _decode(ctx.machine.fs.read(full), None)
        except FsError as exc:
            ctx.write_error(ErrorRecord(str(exc), exc.error_id, exc.category, exc.exception_type, target=p))
            continue
        yield from from_csv_lines(text.replace("\r\n", "\n").split("\n"), _delim(b), b.get("Header"))


# --------------------------------------------------------------------------- Out-File and redirection


@cmdlet("Out-File", [Param("FilePath", "string", 0, aliases=("Path", "LiteralPath", "PSPath")),
                     Param("Encoding", "string", 1), Param("Append", "switch"), Param("Force", "switch"),
                     Param("NoClobber", "switch"), Param("Width", "int"), Param("NoNewline", "switch"),
                     Param("InputObject", "any", from_pipeline=True)], module=U, pipeline="all")
def out_file(ctx: Any, b: Bound) -> None:
    encoding = _check_encoding(b.get("Encoding") or "Unicode", "Out-File")
    items = [x for x in _items(b) if x is not None]
    if b.switch("NoNewline"):
        text = "".join(to_string(x) for x in items)
    else:
        text = out_string(items, b.get("Width") or WIDTH)
    write_file(ctx, b.get("FilePath"), text, encoding, b.switch("Append"))


def redirect_to_file(ctx: Any, path: str, items: list[Any], append: bool) -> None:
    """``cmd > file`` / ``cmd >> file``: Out-File [-Append] with 5.1's defaults (Unicode, console width)."""
    write_file(ctx, path, out_string([x for x in items if x is not None], WIDTH), "Unicode", append)


# --------------------------------------------------------------------------- members


def _short_type(v: Any) -> str:
    names = {"System.Int32": "int", "System.Int64": "long", "System.String": "string", "System.Boolean": "bool",
             "System.Double": "double", "System.DateTime": "datetime", "System.Object[]": "Object[]",
             "System.Management.Automation.PSCustomObject": "System.Management.Automation.PSCustomObject",
             "System.Collections.Hashtable": "hashtable", "System.Guid": "guid", "System.Decimal": "decimal",
             "System.TimeSpan": "timespan", "System.Char": "char", "System.Byte": "byte"}
    if v is None:
        return "object"
    t = type_name_of(v)
    return names.get(t, t)


def _note_definition(name: str, v: Any) -> str:
    text = to_string(v) if not isinstance(v, PSObject) or v.to_string is not None else (
        "@{" + "; ".join(f"{k}={to_string(x)}" for k, x in v.props.items()) + "}")
    if v is None:
        return f"object {name}=null"
    return f"{_short_type(v)} {name}={text}"


def _member(type_name: str, name: str, kind: str, definition: str) -> PSObject:
    return PSObject([("TypeName", type_name), ("Name", name), ("MemberType", kind), ("Definition", definition)],
                    ["Microsoft.PowerShell.Commands.MemberDefinition", "System.Object"],
                    to_string=lambda: name)


_OBJECT_METHODS = [("Equals", "bool Equals(System.Object obj)"), ("GetHashCode", "int GetHashCode()"),
                   ("GetType", "type GetType()"), ("ToString", "string ToString()")]


def members_of(obj: Any) -> list[PSObject]:
    """Get-Member's rows for one object: methods, then properties, each sorted by name."""
    tname = obj.type_name if isinstance(obj, PSObject) else type_name_of(obj)
    rows: list[PSObject] = []
    if isinstance(obj, PSObject):
        methods = list(_OBJECT_METHODS) if is_custom_object(obj) else list(_OBJECT_METHODS) + [
            (str(m), f"{m}()") for m in obj.methods]
        kind = "NoteProperty" if is_custom_object(obj) or tname.startswith(("CSV:", "Deserialized.")) else "Property"
        props = []
        for k, v in obj.props.items():
            if kind == "NoteProperty":
                props.append(_member(tname, k, "NoteProperty", _note_definition(k, v)))
            else:
                props.append(_member(tname, k, "Property", f"{_short_type(v)} {k} {{get;}}"))
        rows += [_member(tname, n, "Method", d) for n, d in sorted(dict(methods).items(), key=lambda x: x[0].lower())]
        rows += sorted(props, key=lambda m: to_string(m.props["Name"]).lower())
        return rows
    if isinstance(obj, str):
        rows += [_member(tname, n, "Method", d) for n, d in _OBJECT_METHODS]
        rows.append(_member(tname, "Length", "Property", "int Length {get;}"))
        return rows
    rows += [_member(tname, n, "Method", d) for n, d in _OBJECT_METHODS]
    return rows


@cmdlet("Get-Member", [Param("Name", "string[]", 0), Param("MemberType", "string[]", aliases=("Type",)),
                       Param("InputObject", "any", from_pipeline=True), Param("Static", "switch"),
                       Param("Force", "switch"), Param("View", "string")], module=U, pipeline="all",
        aliases=("gm",))
def get_member_cmd(ctx: Any, b: Bound) -> Iterator[Any]:
    from simlab.ps.values import like
    items = b.input if b.input else as_list(b.get("InputObject"))
    if not items:
        raise CmdletError("You must specify an object for the Get-Member cmdlet.", "NoObjectInGetMember",
                          "CloseError", "System.InvalidOperationException")
    seen: set[str] = set()
    kinds = [to_string(k).lower() for k in as_list(b.get("MemberType"))] if b.get("MemberType") else None
    for obj in items:
        tname = obj.type_name if isinstance(obj, PSObject) else type_name_of(obj)
        if tname in seen:
            continue
        seen.add(tname)
        for m in members_of(obj):
            mk = to_string(m.props["MemberType"]).lower()
            if kinds and not any(k == mk or (k == "properties" and mk.endswith("property"))
                                 or (k == "methods" and mk.endswith("method")) or k == "all" for k in kinds):
                continue
            if b.get("Name") and not any(like(to_string(m.props["Name"]), n) for n in b.get("Name")):
                continue
            yield m


@cmdlet("Add-Member", [Param("MemberType", "string", 0, sets=("TypeSet",)), Param("Name", "string", 1, sets=("TypeSet",)),
                       Param("Value", "any", 2, sets=("TypeSet",)), Param("SecondValue", "any", 3, sets=("TypeSet",)),
                       Param("NotePropertyName", "string", 0, sets=("NotePropertySingleMemberSet",)),
                       Param("NotePropertyValue", "any", 1, sets=("NotePropertySingleMemberSet",)),
                       Param("NotePropertyMembers", "hashtable", 0, sets=("NotePropertyMultiMemberSet",)),
                       Param("InputObject", "any", from_pipeline=True, mandatory_in=("*",)),
                       Param("PassThru", "switch"), Param("Force", "switch"), Param("TypeName", "string")],
        module=U, pipeline="per-item", default_set="TypeSet")
def add_member(ctx: Any, b: Bound) -> Iterator[Any]:
    obj = b.get("InputObject")
    if not isinstance(obj, PSObject):  # members on a .NET value's PSObject wrapper are not modelled
        raise UnsupportedConstruct(f"Add-Member on a value of type {type_name_of(obj)}", None)
    pairs: list[tuple[str, Any]] = []
    if "NotePropertyMembers" in b:
        pairs = [(to_string(k), v) for k, v in b.get("NotePropertyMembers").items()]
    elif "NotePropertyName" in b:
        pairs = [(b.get("NotePropertyName"), b.get("NotePropertyValue"))]
    else:
        kind = to_string(b.get("MemberType")).lower()
        if kind not in ("noteproperty", "aliasproperty"):
            raise CmdletError(f"Cannot bind parameter 'MemberType' to the target. Exception setting \"MemberType\": "
                              f"\"The member type '{b.get('MemberType')}' is not available here.\"",
                              "ParameterArgumentTransformationError", "InvalidArgument",
                              "System.Management.Automation.ParameterBindingException")
        if kind == "aliasproperty":
            pairs = [(b.get("Name"), get_member(obj, to_string(b.get("Value"))))]
        else:
            pairs = [(b.get("Name"), b.get("Value"))]
    if isinstance(obj, PSObject):
        for name, value in pairs:
            if name in obj.props and not b.switch("Force"):
                ctx.write_error(ErrorRecord(
                    f"Cannot add a member with the name \"{name}\" because a member with that name already exists. "
                    "To overwrite the member anyway, add the Force parameter to your command.",
                    "MemberAlreadyExists", "InvalidOperation", "System.InvalidOperationException", target=obj))
                continue
            obj.props[name] = value
        if b.get("TypeName"):
            obj.type_names.insert(0, b.get("TypeName"))
    if b.switch("PassThru"):
        yield obj


# --------------------------------------------------------------------------- Compare-Object


@cmdlet("Compare-Object", [Param("ReferenceObject", "object[]", 0, mandatory_in=("*",)),
                           Param("DifferenceObject", "object[]", 1, from_pipeline=True, mandatory_in=("*",)),
                           Param("Property", "object[]"), Param("IncludeEqual", "switch"),
                           Param("ExcludeDifferent", "switch"), Param("PassThru", "switch"),
                           Param("CaseSensitive", "switch"), Param("SyncWindow", "int")],
        module=U, pipeline="all", aliases=("compare", "diff"))
def compare_object(ctx: Any, b: Bound) -> Iterator[Any]:
    ref = [x for x in as_list(b.get("ReferenceObject"))]
    dif = list(b.input) if b.input else [x for x in as_list(b.get("DifferenceObject"))]
    props = [to_string(p) for p in as_list(b.get("Property"))] if b.get("Property") else None
    case = b.switch("CaseSensitive")

    def key(o: Any) -> Any:
        if props is None:
            return [o]
        return [get_member(o, p) for p in props]

    def same(a: Any, c: Any) -> bool:
        return all(equals(x, y, case) for x, y in zip(key(a), key(c)))

    unmatched_ref = list(range(len(ref)))
    equal: list[Any] = []
    dif_only: list[Any] = []
    for d in dif:
        hit = next((i for i in unmatched_ref if same(ref[i], d)), None)
        if hit is None:
            dif_only.append(d)
        else:
            unmatched_ref.remove(hit)
            equal.append(d)
    ref_only = [ref[i] for i in unmatched_ref]

    def result(o: Any, side: str) -> Any:
        if b.switch("PassThru"):
            return o
        if props is None:
            return PSObject([("InputObject", o), ("SideIndicator", side)])
        return PSObject([(p, get_member(o, p)) for p in props] + [("SideIndicator", side)])

    out: list[Any] = []
    if b.switch("IncludeEqual"):
        out += [result(o, "==") for o in equal]
    if not b.switch("ExcludeDifferent"):
        out += [result(o, "=>") for o in dif_only] + [result(o, "<=") for o in ref_only]
    yield from out


# --------------------------------------------------------------------------- Select-String


def _match_info(line: str, number: int, filename: str, path: str, pattern: str, matches: list[Any]) -> PSObject:
    text = line if filename == "InputStream" else f"{path}:{number}:{line}"
    return PSObject([("IgnoreCase", True), ("LineNumber", number), ("Line", line), ("Filename", filename),
                     ("Path", path), ("Pattern", pattern), ("Context", None), ("Matches", matches)],
                    ["Microsoft.PowerShell.Commands.MatchInfo", "System.Object"], to_string=lambda: text)


@cmdlet("Select-String", [Param("Pattern", "string[]", 0, mandatory_in=("*",)),
                          Param("Path", "string[]", 1, aliases=("LiteralPath", "PSPath")),
                          Param("InputObject", "any", from_pipeline=True), Param("SimpleMatch", "switch"),
                          Param("CaseSensitive", "switch"), Param("NotMatch", "switch"), Param("AllMatches", "switch"),
                          Param("Quiet", "switch"), Param("List", "switch"), Param("Encoding", "string")],
        module=U, pipeline="all", aliases=("sls",))
def select_string(ctx: Any, b: Bound) -> Iterator[Any]:
    from simlab.ps.cmdlets.filesystem import _decode
    from simlab.ps.values import dotnet_regex
    patterns = [to_string(p) for p in b.get("Pattern")]
    case = b.switch("CaseSensitive")
    regexes = [re.compile(re.escape(p), 0 if case else re.I) if b.switch("SimpleMatch") else dotnet_regex(p, case)
               for p in patterns]
    sources: list[tuple[str, str, list[str]]] = []
    if b.get("Path"):
        for p in b.get("Path"):
            full = absolute(ctx, p)
            try:
                text = _decode(ctx.machine.fs.read(full), b.get("Encoding"))
            except FsError as exc:
                ctx.write_error(ErrorRecord(str(exc), exc.error_id, exc.category, exc.exception_type, target=p))
                continue
            lines = text.replace("\r\n", "\n").split("\n")
            if lines and lines[-1] == "":
                lines.pop()
            sources.append((full.rsplit("\\", 1)[-1], full, lines))
    else:
        items = b.input if b.input else as_list(b.get("InputObject"))
        sources.append(("InputStream", "InputStream", [to_string(x) for x in items if x is not None]))
    found = False
    for filename, path, lines in sources:
        for i, line in enumerate(lines, 1):
            hit_rx = next((rx for rx in regexes if rx.search(line)), None)
            if (hit_rx is None) != b.switch("NotMatch"):
                continue
            found = True
            if b.switch("Quiet"):
                continue
            ms: list[Any] = []
            if hit_rx is not None:
                found_ms = list(hit_rx.finditer(line)) if b.switch("AllMatches") else [hit_rx.search(line)]
                ms = [_regex_match(m) for m in found_ms if m is not None]
            yield _match_info(line, i if filename != "InputStream" else i, filename, path,
                              hit_rx.pattern if hit_rx is not None else patterns[0], ms)
            if b.switch("List"):
                break
    if b.switch("Quiet"):
        yield found


def _regex_match(m: Any) -> PSObject:
    return PSObject([("Groups", [m.group(0)] + list(m.groups())), ("Success", True), ("Captures", [m.group(0)]),
                     ("Index", m.start()), ("Length", len(m.group(0))), ("Value", m.group(0))],
                    ["System.Text.RegularExpressions.Match", "System.Object"], to_string=lambda: m.group(0))


# --------------------------------------------------------------------------- New-TimeSpan, Set-StrictMode, Import-Module


@cmdlet("New-TimeSpan", [Param("Start", "datetime", 0, sets=("Date",), aliases=("LastWriteTime",)),
                         Param("End", "datetime", 1, sets=("Date",)),
                         Param("Days", "int", sets=("Time",)), Param("Hours", "int", sets=("Time",)),
                         Param("Minutes", "int", sets=("Time",)), Param("Seconds", "int", sets=("Time",))],
        module=U, default_set="Date")
def new_timespan(ctx: Any, b: Bound) -> Iterator[Any]:
    if any(k in b for k in ("Days", "Hours", "Minutes", "Seconds")):
        yield _dt.timedelta(days=b.get("Days", 0), hours=b.get("Hours", 0), minutes=b.get("Minutes", 0),
                            seconds=b.get("Seconds", 0))
        return
    now = ctx.machine.clock.now()
    start = b.get("Start") if "Start" in b else now
    end = b.get("End") if "End" in b else now
    yield end - start


@cmdlet("Set-StrictMode", [Param("Version", "string", sets=("Version",), aliases=("v",)),
                           Param("Off", "switch", sets=("Off",))], module=CORE)
def set_strict_mode(ctx: Any, b: Bound) -> None:
    """Recorded on the runspace (``rs.strict_mode``: None or the version text) for the interpreter."""
    rs = getattr(ctx, "rs", None)
    if rs is not None:
        rs.strict_mode = None if b.switch("Off") else to_string(b.get("Version"))


@cmdlet("Import-Module", [Param("Name", "string[]", 0, mandatory_in=("*",)), Param("Force", "switch"),
                          Param("PassThru", "switch"), Param("Global", "switch"), Param("DisableNameChecking", "switch"),
                          Param("MinimumVersion", "string"), Param("RequiredVersion", "string"),
                          Param("Prefix", "string"), Param("Function", "string[]"), Param("Cmdlet", "string[]")],
        module=CORE, aliases=("ipmo",))
def import_module(ctx: Any, b: Bound) -> Iterator[Any]:
    from simlab.ps.api import CORE_MODULES
    from simlab.ps.cmdlets.core import _module_info
    available = {m.lower(): m for m in set(CORE_MODULES) | set(ctx.machine.modules())}
    for name in b.get("Name"):
        real = available.get(to_string(name).lower())
        if real is None:
            ctx.write_error(ErrorRecord(
                f"The specified module '{name}' was not loaded because no valid module file was found in any module "
                "directory.", "Modules_ModuleNotFound", "ResourceUnavailable", "System.IO.FileNotFoundException",
                target=name))
            continue
        if b.switch("PassThru"):
            yield _module_info(real)


@cmdlet("Invoke-Expression", [Param("Command", "string", 0, from_pipeline=True, mandatory_in=("*",))], module=U,
        pipeline="per-item", aliases=("iex",))
def invoke_expression(ctx: Any, b: Bound) -> Iterator[Any]:
    """Runs the text in the caller's scope, as Invoke-Expression does."""
    block = ctx.rs.create_script_block(to_string(b.get("Command")))
    yield from ctx.rs.invoke_block(block, [], scope=ctx.scope)
