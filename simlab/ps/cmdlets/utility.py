"""Microsoft.PowerShell.Utility cmdlets."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator
from typing import Any

from simlab.ps.api import Bound, CmdletError, ErrorRecord, Hashtable, Param, PSError, PSObject, cmdlet
from simlab.ps.jsonfmt import CmdletDateTime, convert_from_json, convert_to_json, pipeline_json_value
from simlab.ps.members import get_member
from simlab.ps.values import with_kind
from simlab.ps.values import (
    ArrayList, SecureString, as_list, compare, equals, format_datetime, to_number, to_string, type_name_of, unwrap,
)

U = "Microsoft.PowerShell.Utility"


@cmdlet("Write-Output", [Param("InputObject", "any", 0, from_pipeline=True, remaining=True),
                         Param("NoEnumerate", "switch")],
        module=U, pipeline="all", aliases=("echo", "write"))
def write_output(ctx: Any, b: Bound) -> Iterator[Any]:
    if "InputObject" in b:
        v = b.get("InputObject")
        if b.switch("NoEnumerate"):
            yield v
        else:
            yield from as_list(v) if isinstance(v, list) else [v]
    yield from b.input


@cmdlet("Write-Host", [Param("Object", "any", 0, from_pipeline=True, remaining=True), Param("NoNewline", "switch"),
                       Param("ForegroundColor", "string"), Param("BackgroundColor", "string"),
                       Param("Separator", "any")], module=U, pipeline="all")
def write_host(ctx: Any, b: Bound) -> None:
    parts = as_list(b.get("Object")) if "Object" in b else b.input
    sep = to_string(b.get("Separator")) if "Separator" in b else " "
    ctx.write_host(sep.join(to_string(p) for p in parts))
    return None


@cmdlet("Write-Error", [Param("Message", "string", 0, from_pipeline=True), Param("ErrorRecord", "any"),
                        Param("Exception", "any"), Param("Category", "string"), Param("ErrorId", "string"),
                        Param("TargetObject", "any")], module=U)
def write_error(ctx: Any, b: Bound) -> None:
    if b.get("ErrorRecord") is not None:
        ctx.write_error(b.get("ErrorRecord"))
        return None
    msg = b.get("Message") or (to_string(b.get("Exception")) if b.get("Exception") is not None else "")
    rec = ErrorRecord(msg, b.get("ErrorId") or "Microsoft.PowerShell.Commands.WriteErrorException",
                      b.get("Category") or "NotSpecified", "Microsoft.PowerShell.Commands.WriteErrorException",
                      target=b.get("TargetObject"))
    rec.command = "Write-Error"
    rec.command_type = None
    ctx.write_error(rec)
    return None


@cmdlet("Write-Warning", [Param("Message", "string", 0, from_pipeline=True)], module=U)
def write_warning(ctx: Any, b: Bound) -> None:
    ctx.write_warning(b.get("Message") or "")


@cmdlet("Write-Verbose", [Param("Message", "string", 0, from_pipeline=True)], module=U)
def write_verbose(ctx: Any, b: Bound) -> None:
    ctx.write_verbose(b.get("Message") or "")


@cmdlet("Write-Debug", [Param("Message", "string", 0, from_pipeline=True)], module=U)
def write_debug(ctx: Any, b: Bound) -> None:
    return None


@cmdlet("Write-Progress", [Param("Activity", "string", 0), Param("Status", "string", 1), Param("Id", "int"),
                           Param("PercentComplete", "int"), Param("Completed", "switch"),
                           Param("CurrentOperation", "string"), Param("SecondsRemaining", "int"),
                           Param("ParentId", "int")], module=U)
def write_progress(ctx: Any, b: Bound) -> None:
    ctx.write_progress(b.get("Activity") or "", b.get("Status") or "Processing", b.get("PercentComplete", -1))


@cmdlet("Out-Null", [Param("InputObject", "any", from_pipeline=True)], module="Microsoft.PowerShell.Core",
        pipeline="all")
def out_null(ctx: Any, b: Bound) -> None:
    return None


@cmdlet("ConvertTo-Json", [Param("InputObject", "any", 0, from_pipeline=True), Param("Depth", "int"),
                           Param("Compress", "switch")], module=U, pipeline="all")
def convertto_json(ctx: Any, b: Bound) -> Iterator[Any]:
    depth = b.get("Depth", 2)
    if "InputObject" in b and not b.input:
        value = b.get("InputObject")
    else:
        # what arrives through the pipeline is wrapped in a PSObject, which 5.1 serializes with its
        # extended properties ({"value":..,"Count":..} for an array sent as one object, Guid, DateTime)
        items = [pipeline_json_value(x) for x in b.input]
        if not items:
            return
        value = items[0] if len(items) == 1 else list(items)
    if value is None:
        return
    yield convert_to_json(value, depth, b.switch("Compress"))


@cmdlet("ConvertFrom-Json", [Param("InputObject", "string", 0, from_pipeline=True, mandatory_in=("*",))],
        module=U, pipeline="all")
def convertfrom_json(ctx: Any, b: Bound) -> Iterator[Any]:
    texts = [to_string(x) for x in b.input] if b.input else [b.get("InputObject")]
    text = "\n".join(t for t in texts if t is not None)
    if not text.strip():
        return
    yield convert_from_json(text)  # 5.1: a JSON array is ONE pipeline object


def _prop(ctx: Any, item: Any, prop: Any) -> Any:
    if getattr(prop, "ps_text", None) is not None:
        return unwrap(ctx.invoke_dot(prop, item))
    return get_member(item, to_string(prop))


@cmdlet("ForEach-Object", [Param("Process", "any", 0), Param("Begin", "any"), Param("End", "any"),
                           Param("MemberName", "string"), Param("InputObject", "any", from_pipeline=True),
                           Param("ArgumentList", "object[]", aliases=("Args",)),
                           Param("RemainingScripts", "any", remaining=True)],
        module="Microsoft.PowerShell.Core", pipeline="all", aliases=("%", "foreach"))
def foreach_object(ctx: Any, b: Bound) -> Iterator[Any]:
    from simlab.ps.members import call_method
    items = b.input if b.input or "InputObject" not in b else as_list(b.get("InputObject"))
    proc = b.get("Process")
    if b.get("Begin") is not None:
        yield from ctx.invoke_dot(b.get("Begin"), None)
    if isinstance(proc, list):
        if len(proc) > 1:
            yield from ctx.invoke_dot(proc[0], None)
            proc = proc[1]
        else:
            proc = proc[0]
    for item in items:
        if proc is None and b.get("MemberName") is None:
            continue
        if b.get("MemberName") is not None or isinstance(proc, str):
            name = b.get("MemberName") or proc
            # `ForEach-Object Split "."`: the words after the member name are its arguments
            args = b.get("ArgumentList") or [x for x in as_list(b.get("RemainingScripts")) if x is not None]
            v = call_method(item, name, args, ctx.rs) if args else get_member(item, name)
            if v is None and not args and not isinstance(item, (PSObject, Hashtable)):
                try:
                    v = call_method(item, name, [], ctx.rs)
                except Exception:
                    v = None
            yield from as_list(v) if isinstance(v, list) else ([] if v is None else [v])
            continue
        yield from ctx.invoke_dot(proc, item)
    if b.get("End") is not None:
        yield from ctx.invoke_dot(b.get("End"), None)


_WHERE_OPS = ["EQ", "NE", "GT", "GE", "LT", "LE", "Like", "NotLike", "Match", "NotMatch", "Contains", "NotContains",
              "In", "NotIn", "CEQ", "CNE", "CLike", "CMatch", "Is", "IsNot"]


@cmdlet("Where-Object", [Param("FilterScript", "scriptblock", 0, sets=("Script",)),
                         Param("Property", "string", 0, sets=("Simple",)),
                         Param("Value", "any", 1, sets=("Simple",)), Param("InputObject", "any", from_pipeline=True),
                         *[Param(op, "switch", sets=("Simple",)) for op in _WHERE_OPS]],
        module="Microsoft.PowerShell.Core", pipeline="all", aliases=("?", "where"), default_set="Script")
def where_object(ctx: Any, b: Bound) -> Iterator[Any]:
    from simlab.ps.operators import comparison
    from simlab.ps.values import to_bool
    items = b.input if b.input or "InputObject" not in b else as_list(b.get("InputObject"))
    fs = b.get("FilterScript")
    op = next((o for o in _WHERE_OPS if b.switch(o)), None)
    if op is None and isinstance(fs, str):
        prop = fs
        op = None
    else:
        prop = b.get("Property")
    for item in items:
        if getattr(fs, "ps_text", None) is not None:
            if to_bool(unwrap(ctx.invoke_dot(fs, item))):
                yield item
            continue
        v = get_member(item, prop if prop is not None else to_string(fs))
        if op is None:
            if to_bool(v):
                yield item
            continue
        if op in ("Is", "IsNot"):
            from simlab.ps.members import is_type
            r = is_type(v, to_string(b.get("Value")))
            ok = r if op == "Is" else not r
        else:
            ok = to_bool(comparison(ctx.rs, ctx.scope, "-" + op.lower(), v, b.get("Value")))
        if ok:
            yield item


def _calc(ctx: Any, spec: Any) -> tuple[str, Any]:
    if isinstance(spec, Hashtable):
        name = next((spec[k] for k in spec if to_string(k).lower() in ("n", "name", "l", "label")), None)
        expr = next((spec[k] for k in spec if to_string(k).lower() in ("e", "expression")), None)
        if name is None:
            name = to_string(expr)
        return to_string(name), expr
    return to_string(spec), spec


@cmdlet("Select-Object", [Param("Property", "object[]", 0), Param("ExpandProperty", "string"),
                          Param("First", "int"), Param("Last", "int"), Param("Skip", "int"),
                          Param("Unique", "switch"), Param("ExcludeProperty", "string[]"),
                          Param("InputObject", "any", from_pipeline=True), Param("Index", "int[]")],
        module=U, pipeline="all", aliases=("select",))
def select_object(ctx: Any, b: Bound) -> Iterator[Any]:
    items = list(b.input) if b.input or "InputObject" not in b else as_list(b.get("InputObject"))
    if b.get("Unique") and not b.get("Property"):
        uniq: list[Any] = []
        for it in items:
            if not any(equals(u, it, case=True) for u in uniq):
                uniq.append(it)
        items = uniq
    if "Skip" in b:
        items = items[b.get("Skip"):]
    if "First" in b or "Last" in b:
        first = items[: b.get("First")] if "First" in b else []
        last = items[len(items) - b.get("Last"):] if "Last" in b and b.get("Last") else []
        items = first + last if "First" in b and "Last" in b else (first if "First" in b else last)
    if "Index" in b:
        items = [items[i] for i in b.get("Index") if -len(items) <= i < len(items)]
    props = b.get("Property")
    out: list[Any] = []
    for item in items:
        if props:
            # 5.1 names the new object after its input: Selected.<type> (what ConvertTo-Csv's #TYPE line shows)
            obj = PSObject(type_names=("Selected." + (item.type_name if isinstance(item, PSObject) else
                                                      type_name_of(item)),
                                       "System.Management.Automation.PSCustomObject", "System.Object"))
            for spec in props:
                name, expr = _calc(ctx, spec)
                if "*" in name and not isinstance(spec, Hashtable):
                    from simlab.ps.values import like
                    src = item.props.items() if isinstance(item, PSObject) else item.items() if isinstance(item, Hashtable) else []
                    for k, v in src:
                        if like(k, name) and to_string(k) not in obj.props:
                            obj.props[to_string(k)] = v
                    continue
                obj.props[name] = _prop(ctx, item, expr)
            for ex in b.get("ExcludeProperty") or []:
                obj.props.pop(ex, None)
            if b.get("ExpandProperty"):
                out.extend(as_list(get_member(item, b.get("ExpandProperty"))))
                continue
            out.append(obj)
        elif b.get("ExpandProperty"):
            v = get_member(item, b.get("ExpandProperty"))
            if v is None and not (isinstance(item, PSObject) and b.get("ExpandProperty") in item.props):
                ctx.write_error(ErrorRecord(f"Property \"{b.get('ExpandProperty')}\" cannot be found.",
                                            "ExpandPropertyNotFound", "InvalidArgument",
                                            "System.Management.Automation.PSArgumentException", target=item))
                continue
            out.extend(as_list(v) if isinstance(v, list) else [v])
        else:
            out.append(item)
    if b.get("Unique") and props:
        uniq2: list[Any] = []
        for o in out:
            if not any(to_string(u) == to_string(o) for u in uniq2):
                uniq2.append(o)
        out = uniq2
    yield from out


@cmdlet("Sort-Object", [Param("Property", "object[]", 0), Param("Descending", "switch"), Param("Unique", "switch"),
                        Param("InputObject", "any", from_pipeline=True), Param("CaseSensitive", "switch")],
        module=U, pipeline="all", aliases=("sort",))
def sort_object(ctx: Any, b: Bound) -> Iterator[Any]:
    import functools
    items = list(b.input)
    props = b.get("Property") or [None]
    desc = b.switch("Descending")

    def keys(item: Any) -> list[Any]:
        out = []
        for p in props:
            if p is None:
                out.append(item)
            elif isinstance(p, Hashtable):
                _, expr = _calc(ctx, p)
                out.append(_prop(ctx, item, expr))
            else:
                out.append(_prop(ctx, item, p))
        return out

    decorated = [(keys(i), i) for i in items]

    from simlab.ps.values import to_bool

    # a hashtable key may carry its own direction: @{Expression='g'; Descending=$true} (Sort-Object docs, example 8)
    directions = []
    for p in props:
        d = desc
        if isinstance(p, Hashtable):
            for k, v in p.items():
                kl = to_string(k).lower()
                if kl and "descending".startswith(kl):
                    d = to_bool(v)
                elif kl and "ascending".startswith(kl):
                    d = not to_bool(v)
        directions.append(d)

    def cmp(a: Any, b_: Any) -> int:
        for x, y, d in zip(a[0], b_[0], directions):
            c = compare(x, y, False) if x is not None else (0 if y is None else -1)
            if c:
                return -c if d else c
        return 0

    decorated.sort(key=functools.cmp_to_key(cmp))
    result = [i for _, i in decorated]
    if b.switch("Unique"):
        uniq: list[Any] = []
        for r in result:
            if not any(equals(u, r) for u in uniq):
                uniq.append(r)
        result = uniq
    yield from result


@cmdlet("Measure-Object", [Param("Property", "string[]", 0), Param("Sum", "switch"), Param("Average", "switch"),
                           Param("Maximum", "switch"), Param("Minimum", "switch"), Param("Line", "switch"),
                           Param("Word", "switch"), Param("Character", "switch"), Param("IgnoreWhiteSpace", "switch"),
                           Param("InputObject", "any", from_pipeline=True)], module=U, pipeline="all",
        aliases=("measure",))
def measure_object(ctx: Any, b: Bound) -> Iterator[Any]:
    items = list(b.input) if b.input or "InputObject" not in b else [b.get("InputObject")]
    if b.switch("Line") or b.switch("Word") or b.switch("Character"):
        for p in b.get("Property") or [None]:
            texts = [to_string(get_member(i, p) if p else i) for i in items if i is not None]
            lines = sum(len([ln for ln in t.split("\n")]) for t in texts)
            words = sum(len(t.split()) for t in texts)
            chars = sum(len("".join(t.split()) if b.switch("IgnoreWhiteSpace") else t) for t in texts)
            yield PSObject([("Lines", lines if b.switch("Line") else None),
                            ("Words", words if b.switch("Word") else None),
                            ("Characters", chars if b.switch("Character") else None), ("Property", p)],
                           ["Microsoft.PowerShell.Commands.TextMeasureInfo", "Microsoft.PowerShell.Commands.MeasureInfo",
                            "System.Object"])
        return
    props = b.get("Property") or [None]
    for p in props:
        vals = [get_member(i, p) if p else i for i in items]
        vals = [v for v in vals if v is not None]
        nums = [to_number(v, "System.Double") for v in vals] if (b.switch("Sum") or b.switch("Average") or
                                                                  b.switch("Maximum") or b.switch("Minimum")) else []
        obj = PSObject([("Count", len(vals)),
                        ("Average", (sum(nums) / len(nums) if nums else None) if b.switch("Average") else None),
                        ("Sum", float(sum(nums)) if b.switch("Sum") else None),
                        ("Maximum", float(max(nums)) if b.switch("Maximum") and nums else None),
                        ("Minimum", float(min(nums)) if b.switch("Minimum") and nums else None),
                        ("Property", p)], ["Microsoft.PowerShell.Commands.GenericMeasureInfo"])
        yield obj


@cmdlet("Group-Object", [Param("Property", "object[]", 0), Param("InputObject", "any", from_pipeline=True),
                         Param("NoElement", "switch"), Param("AsHashTable", "switch"), Param("AsString", "switch")],
        module=U, pipeline="all", aliases=("group",))
def group_object(ctx: Any, b: Bound) -> Iterator[Any]:
    groups: list[tuple[str, list[Any], Any]] = []
    props = b.get("Property") or [None]
    for item in b.input:
        vals = [(_prop(ctx, item, _calc(ctx, p)[1]) if p is not None else item) for p in props]
        key = ", ".join(to_string(v) for v in vals)
        for g in groups:
            if g[0].lower() == key.lower():
                g[1].append(item)
                break
        else:
            groups.append((key, [item], vals[0] if len(vals) == 1 else vals))
    if b.switch("AsHashTable"):
        h = Hashtable()
        for key, members, v in groups:
            h[key if b.switch("AsString") else v] = members if len(members) > 1 else members[0]
        yield h
        return
    for key, members, _ in groups:
        props_ = [("Count", len(members)), ("Name", key)]
        if not b.switch("NoElement"):
            props_.append(("Group", members))
        yield PSObject(props_, ["Microsoft.PowerShell.Commands.GroupInfo"])


@cmdlet("Start-Sleep", [Param("Seconds", "double", 0, sets=("Seconds",)),
                        Param("Milliseconds", "int", sets=("Milliseconds",))], module=U, default_set="Seconds")
def start_sleep(ctx: Any, b: Bound) -> None:
    secs = float(b.get("Seconds", 0) or 0) + (b.get("Milliseconds", 0) or 0) / 1000.0
    ctx.machine.clock.sleep(secs)


@cmdlet("Get-Date", [Param("Date", "datetime", 0, from_pipeline=True, aliases=("LastWriteTime",)),
                     Param("Format", "string"), Param("UFormat", "string"), Param("Year", "int"), Param("Month", "int"),
                     Param("Day", "int"), Param("Hour", "int"), Param("Minute", "int"), Param("Second", "int"),
                     Param("Millisecond", "int"), Param("DisplayHint", "string")], module=U, pipeline="per-item")
def get_date(ctx: Any, b: Bound) -> Iterator[Any]:
    d = b.get("Date") or with_kind(ctx.machine.clock.now(), "Local")  # Get-Date: Kind Local
    parts = {k.lower(): b.get(k) for k in ("Year", "Month", "Day", "Hour", "Minute", "Second") if k in b}
    if parts:
        d = d.replace(**parts)
    if "Millisecond" in b:
        d = d.replace(microsecond=b.get("Millisecond") * 1000)
    if b.get("Format"):
        yield format_datetime(d, b.get("Format"))
    elif b.get("UFormat"):
        fmt = b.get("UFormat")
        if fmt == "%s":
            yield str(int((d - _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)).total_seconds()))
        else:
            yield d.strftime(fmt)
    else:
        hint = {"date": 0, "time": 1, "datetime": 2}.get(to_string(b.get("DisplayHint") or "DateTime").lower(), 2)
        yield CmdletDateTime.of(d, hint)


@cmdlet("New-Object", [Param("TypeName", "string", 0), Param("ArgumentList", "object[]", 1),
                       Param("Property", "hashtable")], module=U)
def new_object(ctx: Any, b: Bound) -> Iterator[Any]:
    from simlab.ps.api import UnsupportedConstruct
    t = (b.get("TypeName") or "").lower().replace("system.", "", 1) if (b.get("TypeName") or "").lower().startswith("system.") else (b.get("TypeName") or "").lower()
    args = b.get("ArgumentList") or []
    if t in ("psobject", "management.automation.psobject", "pscustomobject", "object"):
        obj = PSObject()
        for k, v in (b.get("Property") or {}).items():
            obj.props[to_string(k)] = v
        yield obj
        return
    if t in ("collections.arraylist",):
        yield ArrayList(as_list(args[0]) if args else [])
        return
    if t.startswith("collections.generic.list"):
        yield ArrayList(as_list(args[0]) if args and isinstance(args[0], list) else [], generic=True)
        return
    if t in ("collections.hashtable",):
        yield Hashtable()
        return
    if t in ("management.automation.pscredential", "pscredential"):
        from simlab.ps.members import new_credential
        try:
            yield new_credential(list(args))
        except PSError as exc:  # New-Object reports constructor failures as its own terminating error
            raise CmdletError(exc.record.message, "ConstructorInvokedThrowException", "InvalidOperation",
                              "System.Management.Automation.MethodException") from None
        return
    if t == "data.sqlclient.sqlconnection":
        from simlab.ps.sqlclient import new_connection
        yield new_connection(ctx.machine, to_string(args[0]) if args else "")
        return
    from simlab.ps.dotnet import is_modelled
    if not is_modelled(b.get("TypeName") or ""):  # a type the lab does not model fails as a missing one
        raise CmdletError(f"Cannot find type [{b.get('TypeName')}]: verify that the assembly containing this type is "
                          "loaded.", "TypeNotFound", "InvalidType", "System.Management.Automation.PSArgumentException",
                          target=b.get("TypeName"))
    raise UnsupportedConstruct(f"New-Object -TypeName {b.get('TypeName')}", None)


@cmdlet("ConvertTo-SecureString", [Param("String", "string", 0, from_pipeline=True), Param("AsPlainText", "switch"),
                                   Param("Force", "switch"), Param("Key", "any")],
        module="Microsoft.PowerShell.Security", pipeline="per-item")
def convertto_securestring(ctx: Any, b: Bound) -> Iterator[Any]:
    from simlab.ps.api import CmdletError, UnsupportedConstruct
    if not b.switch("AsPlainText"):
        raise UnsupportedConstruct("ConvertTo-SecureString without -AsPlainText (DPAPI-encrypted input)", None)
    if not b.switch("Force"):
        raise CmdletError("The system cannot protect plain text input. To suppress this warning and convert the plain "
                          "text to a SecureString, reissue the command specifying the Force parameter.",
                          "ImportSecureString_InvalidArgument", "InvalidArgument", "System.ArgumentException")
    yield SecureString(b.get("String") or "")
