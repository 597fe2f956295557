"""Command invocation: argument collection, name resolution, cmdlet parameter binding, cmdlet context."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from simlab.ps import api
from simlab.ps.api import Bound, CmdletSpec, ErrorRecord, Hashtable, Param, PSError, PSObject
from simlab.ps.interp import (
    _child,
    _SWITCH_PRESENT, FunctionDef, Runspace, Scope, ScriptBlockValue, ScriptTerminating, Source, named, strip,
    unsupported, with_position,
)
from simlab.ps.parser import Node
from simlab.ps.members import cast
from simlab.ps.values import as_list, to_bool, to_string, type_name_of

COMMON = {
    "erroraction": "ErrorAction", "ea": "ErrorAction", "errorvariable": "ErrorVariable", "ev": "ErrorVariable",
    "warningaction": "WarningAction", "wa": "WarningAction", "verbose": "Verbose", "vb": "Verbose",
    "debug": "Debug", "db": "Debug", "outvariable": "OutVariable", "ov": "OutVariable",
    "warningvariable": "WarningVariable", "wv": "WarningVariable", "informationaction": "InformationAction",
    "infa": "InformationAction", "outbuffer": "OutBuffer", "ob": "OutBuffer", "pipelinevariable": "PipelineVariable",
    "pv": "PipelineVariable", "informationvariable": "InformationVariable", "iv": "InformationVariable",
    "whatif": "WhatIf", "wi": "WhatIf", "confirm": "Confirm", "cf": "Confirm",
}
COMMON_SWITCHES = {"Verbose", "Debug", "WhatIf", "Confirm"}

ALIASES = {"%": "ForEach-Object", "foreach": "ForEach-Object", "?": "Where-Object", "where": "Where-Object",
           "select": "Select-Object", "sort": "Sort-Object", "measure": "Measure-Object", "group": "Group-Object",
           "echo": "Write-Output", "write": "Write-Output", "gci": "Get-ChildItem", "ls": "Get-ChildItem",
           "dir": "Get-ChildItem", "gc": "Get-Content", "cat": "Get-Content", "sc": "Set-Content",
           "ac": "Add-Content", "ni": "New-Item", "rm": "Remove-Item", "del": "Remove-Item", "ri": "Remove-Item",
           "cp": "Copy-Item", "copy": "Copy-Item", "mv": "Move-Item", "move": "Move-Item", "gi": "Get-Item",
           "sleep": "Start-Sleep", "icm": "Invoke-Command", "gcm": "Get-Command", "gv": "Get-Variable",
           "sv": "Set-Variable", "set": "Set-Variable", "rvpa": "Resolve-Path", "oh": "Out-Host"}


class Arg:
    """One command argument: ``-Name``, ``-Name:value``, a positional value, or a splat."""

    def __init__(self, name: str | None, value: Any = None, has_value: bool = False, node: Node | None = None) -> None:
        self.name, self.value, self.has_value, self.node = name, value, has_value, node


def not_recognized(name: str) -> PSError:
    return PSError(ErrorRecord(
        f"The term '{name}' is not recognized as the name of a cmdlet, function, script file, or operable program. "
        "Check the spelling of the name, or if a path was included, verify that the path is correct and try again.",
        "CommandNotFoundException", "ObjectNotFound", "System.Management.Automation.CommandNotFoundException",
        target=name, command=name))


def binding_error(message: str, error_id: str, spec: CmdletSpec | None, target: Any = None,
                  category: str = "InvalidArgument") -> PSError:
    rec = ErrorRecord(message, error_id, category, "System.Management.Automation.ParameterBindingException",
                      target=target, command=spec.name if spec else None,
                      command_type=spec.command_type if spec else None)
    return PSError(rec)


def collect_args(rs: Runspace, node: Node, scope: Scope, source: Source) -> tuple[list[Arg], list[tuple[str, Any]]]:
    """Evaluate a command's elements into arguments and redirections."""
    args: list[Arg] = []
    redirs: list[tuple[str, Any]] = []
    elems = node.child_by_field_name("command_elements")
    if elems is None:
        return args, redirs
    attach = False
    for c in elems.children:
        t = c.type
        if t == "command_argument_sep":
            if c.text.strip() == b":":
                attach = True
            continue
        if t == "comment":
            continue
        if t == "redirection":
            op = named(c)[0].text.decode()
            target = _child(c, "redirected_file_name")
            tval = rs.eval(strip(named(target)[0]), scope, source) if target is not None and named(target) else None
            redirs.append((op, tval if target is not None else None))
            continue
        if t == "stop_parsing":
            raise unsupported(c, "the stop-parsing token --%")
        if t == "command_parameter":
            text = c.text.decode("utf-8")
            if re.match(r"^-\d", text):
                args.append(Arg(None, rs.eval(c, scope, source), True, c))
                continue
            pname = text[1:]
            if pname.endswith(":"):
                pname = pname[:-1]
                attach = True
                args.append(Arg(pname, None, False, c))
                continue
            args.append(Arg(pname, None, False, c))
            attach = False
            continue
        inner = strip(c)
        if inner.type == "variable" and inner.text.startswith(b"@"):
            v = rs.get_var(scope, "$" + inner.text.decode("utf-8")[1:], inner)
            if isinstance(v, Hashtable):
                for k, val in v.items():
                    args.append(Arg(to_string(k), val, True, inner))
            else:
                for val in as_list(v):
                    args.append(Arg(None, val, True, inner))
            attach = False
            continue
        value = rs.eval(inner, scope, source)
        if attach and args and args[-1].name is not None and not args[-1].has_value:
            args[-1].value, args[-1].has_value = value, True
        else:
            args.append(Arg(None, value, True, inner))
        attach = False
    return args, redirs


def invoke_command(rs: Runspace, node: Node, scope: Scope, source: Source, input_stream: Iterator[Any] | None,
                   sink: Any = None) -> Iterator[Any]:
    """Run one command of a pipeline (a generator of its output)."""
    inv = _child(node, "command_invokation_operator")
    dot = inv is not None and inv.text.strip() == b"."
    name_node = node.child_by_field_name("command_name")
    if name_node is None:
        raise unsupported(node, "a command without a name")
    name_text = name_node.text.decode("utf-8")
    target: Any
    if name_node.type == "command_name_expr" or inv is not None:
        inner = strip(named(name_node)[0]) if named(name_node) else name_node
        if inner.type == "path_command_name" and named(inner):
            inner = strip(named(inner)[0])
        if inner.type in ("command_name", "path_command_name", "path_command_name_token", "generic_token"):
            target = inner.text.decode("utf-8")
        else:
            target = rs.eval(inner, scope, source)
    else:
        target = name_text
    args, redirs = collect_args(rs, node, scope, source)
    discard_out = any(op in (">", "1>", "*>") and val is None for op, val in redirs)
    merge_err = any(op in ("2>&1", "*>&1") for op, _ in redirs)
    discard_err = any(op in ("2>", "*>") and val is None for op, val in redirs)
    to_file = None
    for op, val in redirs:
        if val is not None:
            if op not in (">", "1>", ">>", "1>>"):
                raise unsupported(node, f"redirection '{op}' to a file")
            to_file = (to_string(val), op.endswith(">>"))
    if redirs:
        sink = None
    stream = _dispatch(rs, node, scope, source, target, args, input_stream, dot, merge_err, discard_err, sink)
    if to_file is not None:  # cmd > file: Out-File with 5.1's defaults (simlab.ps.cmdlets.objects)
        from simlab.ps.cmdlets.objects import redirect_to_file
        redirect_to_file(_FileContext(rs, scope), to_file[0], list(stream), to_file[1])
        return
    if discard_out:
        for _ in stream:
            pass
        return
    yield from stream


class _FileContext:
    """The little a redirection target needs: the machine and the runspace (for relative paths)."""

    def __init__(self, rs: Runspace, scope: Scope) -> None:
        self.rs, self.scope, self.machine = rs, scope, rs.machine


def _dispatch(rs: Runspace, node: Node, scope: Scope, source: Source, target: Any, args: list[Arg],
              input_stream: Iterator[Any] | None, dot: bool, merge_err: bool, discard_err: bool,
              sink: Any = None) -> Iterator[Any]:
    if isinstance(target, ScriptBlockValue):
        yield from _merged(rs, merge_err, lambda emit: _run_block(rs, scope, target, args, input_stream, dot,
                                                                  emit=emit if emit is not None else sink))
        return
    name = to_string(target)
    if isinstance(target, PSObject) and "Name" in target.props:
        name = to_string(target.props["Name"])
    fdef = rs.find_function(scope, name)
    if fdef is not None:
        yield from _merged(rs, merge_err, lambda emit: _run_block(rs, scope, fdef.block, args, input_stream, False,
                                                                  fdef, emit=emit if emit is not None else sink))
        return
    spec = api.lookup(ALIASES.get(name.lower(), name), rs.machine)
    if spec is None:
        from simlab.ps.native import program_of, run_native  # native programs (cmd, whoami, ...)
        if program_of(name) is not None:
            yield from run_native(rs, name, [a.value if a.name is None else "-" + a.name for a in args])
            return
        raise not_recognized(name)
    yield from run_cmdlet(rs, scope, spec, args, input_stream, node, source, merge_err, discard_err)


def _merged(rs: Runspace, merge_err: bool, run: Any) -> Iterator[Any]:
    """Run a script block or function; with ``2>&1`` its errors join its output where they occur."""
    if not merge_err:
        yield from run(None)
        return
    out: list[Any] = []  # output and errors, in the order the block produced them
    rs.merge_targets.append(out.append)
    try:
        for item in run(out.append):
            out.append(item)
    finally:
        rs.merge_targets.pop()
    yield from out


def _split_named(args: list[Arg]) -> tuple[list[Any], dict[str, Any]]:
    positional: list[Any] = []
    named_args: dict[str, Any] = {}
    i = 0
    while i < len(args):
        a = args[i]
        if a.name is None:
            positional.append(a.value)
        elif a.has_value:
            named_args[a.name] = a.value
        else:
            named_args[a.name] = _SWITCH_PRESENT
        i += 1
    return positional, named_args


def _run_block(rs: Runspace, scope: Scope, block: ScriptBlockValue, args: list[Arg], input_stream: Any,
               dot: bool, fdef: FunctionDef | None = None, emit: Any = None) -> Iterator[Any]:
    from simlab.ps.binding import Binder

    params = fdef.params if fdef is not None and fdef.params is not None else (
        rs.param_defs(block.node, block.source) if block.node is not None else None)
    items = list(input_stream) if input_stream is not None else None
    parent = scope if dot else None
    if fdef is not None:
        parent = scope  # dynamic scoping: a function's scope is a child of the caller's
    binder = None
    positional: list[Any] = []
    named_args: dict[str, Any] = {}
    if params is not None:
        binder = Binder(rs, params, fdef.name if fdef is not None else None, definition=block.ps_text)
        binder.bind_args(args, bool(items))
    else:
        positional, named_args = _split_named(args)
    outvar = None
    if binder is not None and "OutVariable" in binder.common:
        outvar = to_string(binder.common["OutVariable"])
    out = rs.invoke_block(block, positional, dot=dot, parent=parent, scope=scope if dot else None,
                          input_items=items, named_args=named_args, emit=emit if outvar is None else None, binder=binder)
    if binder is not None and binder.wrote_error:
        rs.pipe_failed = True
    if outvar is not None:
        rs.set_var(scope, "$" + outvar.lstrip("+"), list(out))
        if emit is not None:
            for item in out:
                emit(item)
            return
    yield from out


# --------------------------------------------------------------------------- cmdlets


def _match_param(spec: CmdletSpec, name: str) -> Param | str:
    low = name.lower()
    exact = [p for p in spec.params if p.name.lower() == low or low in (a.lower() for a in p.aliases)]
    if exact:
        return exact[0]
    if low in COMMON:
        return COMMON[low]
    prefix = [p for p in spec.params if p.name.lower().startswith(low)]
    common_prefix = sorted({v for k, v in COMMON.items() if v.lower().startswith(low)})
    if len(prefix) == 1 and not common_prefix:
        return prefix[0]
    if not prefix and len(common_prefix) == 1:
        return common_prefix[0]
    if not prefix and not common_prefix:
        raise binding_error(f"A parameter cannot be found that matches parameter name '{name}'.",
                            "NamedParameterNotFound", spec, name)
    names = " ".join("-" + p.name for p in prefix) + (" " if prefix and common_prefix else "") + \
        " ".join("-" + c for c in common_prefix)
    raise binding_error(f"Parameter cannot be processed because the parameter name '{name}' is ambiguous. "
                        f"Possible matches include: {names}.", "AmbiguousParameter", spec, name)


KIND_TYPES = {"string": "System.String", "string[]": "System.String[]", "int": "System.Int32", "long": "System.Int64",
              "bool": "System.Boolean", "switch": "System.Management.Automation.SwitchParameter",
              "datetime": "System.DateTime", "guid": "System.Guid", "scriptblock": "System.Management.Automation.ScriptBlock",
              "hashtable": "System.Collections.Hashtable", "object": "System.Object", "object[]": "System.Object[]",
              "any": "System.Object", "int[]": "System.Int32[]", "double": "System.Double"}


def coerce(rs: Runspace, spec: CmdletSpec, p: Param, value: Any) -> Any:
    kind = p.kind
    try:
        if callable(kind):
            if isinstance(value, list):
                return [kind(v if not isinstance(v, str) or not v.isdigit() else int(v)) for v in value]
            return kind(value if not isinstance(value, str) or not value.strip().isdigit() else int(value))
        if kind in ("any", "object"):
            return value
        if kind == "object[]":
            return as_list(value) if not isinstance(value, list) else value
        if kind == "string":
            if isinstance(value, list):
                if len(value) == 1:
                    value = value[0]
                else:
                    raise binding_error(f"Cannot convert 'System.Object[]' to the type 'System.String' required by "
                                        f"parameter '{p.name}'. Specified method is not supported.",
                                        "CannotConvertArgument", spec, value)
            return None if value is None else to_string(value)
        if kind == "string[]":
            return None if value is None else [to_string(v) for v in as_list(value)]
        if kind == "switch" or kind == "bool":
            return to_bool(value)
        if kind == "scriptblock":
            if isinstance(value, ScriptBlockValue):
                return value
            raise binding_error(f"Cannot bind parameter '{p.name}'. Cannot convert the \"{to_string(value)}\" value "
                                f"of type \"{type_name_of(value)}\" to type \"System.Management.Automation.ScriptBlock\".",
                                "CannotConvertArgumentNoMessage", spec, value)
        if kind == "int[]":
            return [cast(v, "int", rs) for v in as_list(value)]
        return cast(value, KIND_TYPES.get(kind, kind), rs)
    except PSError as exc:
        if exc.record.error_id.startswith(("CannotConvert", "NamedParameter")):
            raise
        detail = exc.record.message
        raise binding_error(f"Cannot bind parameter '{p.name}'. {detail}", "CannotConvertArgumentNoMessage", spec,
                            value) from None
    except ValueError as exc:
        raise binding_error(f"Cannot bind parameter '{p.name}'. {exc}", "CannotConvertArgumentNoMessage", spec,
                            value) from None


def bind_cmdlet(rs: Runspace, spec: CmdletSpec, args: list[Arg]) -> tuple[dict[str, Any], dict[str, Any], list[Any]]:
    """Named, switch and positional binding; returns (values, common parameters, unbound positionals)."""
    values: dict[str, Any] = {}
    common: dict[str, Any] = {}
    positional: list[Any] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a.name is None:
            positional.append(a.value)
            i += 1
            continue
        p = _match_param(spec, a.name)
        if isinstance(p, str):  # common parameter
            if a.has_value:
                common[p] = a.value
            elif p in COMMON_SWITCHES:
                common[p] = True
            elif i + 1 < len(args) and args[i + 1].name is None:
                common[p] = args[i + 1].value
                i += 1
            else:
                raise binding_error(f"Missing an argument for parameter '{p}'. Specify a parameter of type "
                                    f"'System.String' and try again.", "MissingArgument", spec)
            i += 1
            continue
        if p.name in values:
            raise binding_error(f"Cannot bind parameter because parameter '{p.name}' is specified more than once. "
                                "To provide multiple values to parameters that can accept multiple values, use the "
                                "array syntax. For example, \"-parameter value1,value2,value3\".",
                                "ParameterAlreadyBound", spec)
        if p.kind == "switch":
            values[p.name] = to_bool(a.value) if a.has_value else True
        elif a.has_value:
            values[p.name] = coerce(rs, spec, p, a.value)
        elif i + 1 < len(args) and args[i + 1].name is None:
            values[p.name] = coerce(rs, spec, p, args[i + 1].value)
            i += 1
        else:
            tname = KIND_TYPES.get(p.kind, "System.Object") if isinstance(p.kind, str) else p.kind.type_name
            raise binding_error(f"Missing an argument for parameter '{p.name}'. Specify a parameter of type "
                                f"'{tname}' and try again.", "MissingArgument", spec)
        i += 1
    return values, common, positional


def _sets_of(spec: CmdletSpec) -> set[str]:
    out: set[str] = set()
    for p in spec.params:
        out.update(p.sets)
    return out or {"__AllParameterSets"}


def _in_set(p: Param, s: str) -> bool:
    return not p.sets or s in p.sets


def _mandatory(p: Param, s: str) -> bool:
    return bool(p.mandatory_in) and _in_set(p, s) and ("*" in p.mandatory_in or s in p.mandatory_in)


def resolve_set(rs: Runspace, spec: CmdletSpec, values: dict[str, Any], positional: list[Any],
                pipeline_pending: bool) -> str:
    all_sets = _sets_of(spec)
    cands = [s for s in sorted(all_sets) if all(_in_set(next(p for p in spec.params if p.name == n), s) for n in values)]
    if not cands:
        raise binding_error("Parameter set cannot be resolved using the specified named parameters.",
                            "AmbiguousParameterSet", spec)

    def positional_fits(s: str) -> bool:
        slots = [p for p in spec.params if p.position is not None and _in_set(p, s) and p.name not in values]
        rest = [p for p in spec.params if p.remaining and _in_set(p, s) and p.name not in values]
        return len(positional) <= len(slots) or bool(rest)

    cands = [s for s in cands if positional_fits(s)] or cands

    def satisfied(s: str) -> bool:
        for p in spec.params:
            if _mandatory(p, s) and p.name not in values:
                slots = sorted((q for q in spec.params if q.position is not None and _in_set(q, s) and q.name not in values),
                               key=lambda q: q.position or 0)
                if p in slots[: len(positional)]:
                    continue
                if pipeline_pending and (p.from_pipeline or p.from_pipeline_by_property_name):
                    continue
                return False
        return True

    if len(cands) == 1:
        return cands[0]
    ok = [s for s in cands if satisfied(s)]
    if spec.default_set and spec.default_set in (ok or cands):
        return spec.default_set
    if len(ok) == 1:
        return ok[0]
    if ok:
        # prefer a set in which some bound parameter is specific to it
        specific = [s for s in ok if any(next(p for p in spec.params if p.name == n).sets for n in values)]
        if len(specific) == 1:
            return specific[0]
        return ok[0]
    return spec.default_set if spec.default_set in cands else cands[0]


def bind_positional(rs: Runspace, spec: CmdletSpec, pset: str, values: dict[str, Any], positional: list[Any]) -> None:
    slots = sorted((p for p in spec.params if p.position is not None and _in_set(p, pset) and p.name not in values),
                   key=lambda p: p.position or 0)
    rest = next((p for p in spec.params if p.remaining and _in_set(p, pset) and p.name not in values), None)
    queue = list(positional)
    while queue:
        if rest is not None and (not slots or slots[0] is rest) and (len(queue) > 1 or not slots):
            # ValueFromRemainingArguments: everything not claimed by an earlier position, as one list
            values[rest.name] = coerce(rs, spec, rest, list(queue))
            return
        if not slots:
            v = queue[0]
            raise binding_error(f"A positional parameter cannot be found that accepts argument '{to_string(v)}'.",
                                "PositionalParameterNotFound", spec, v)
        p = slots.pop(0)
        values[p.name] = coerce(rs, spec, p, queue.pop(0))
        if p is rest:
            rest = None


def check_mandatory(spec: CmdletSpec, pset: str, values: dict[str, Any]) -> None:
    missing = [p.name for p in spec.params if _mandatory(p, pset) and p.name not in values]
    if missing:
        raise binding_error(f"Cannot process command because of one or more missing mandatory parameters: "
                            f"{' '.join(missing)}.", "MissingMandatoryParameter", spec)
    check_not_null(spec, pset, values)


def check_not_null(spec: CmdletSpec, pset: str, values: dict[str, Any]) -> None:
    """Mandatory parameters refuse $null (and '' for strings) at binding, as PowerShell does."""
    for p in spec.params:
        if not _mandatory(p, pset) or p.name not in values or p.kind == "switch":
            continue
        v = values[p.name]
        items = v if isinstance(v, list) else [v]
        if v is None or (isinstance(v, list) and not v) or any(i is None for i in items):
            what, eid = ("null", "ParameterArgumentValidationErrorNullNotAllowed")
            if isinstance(v, list) and not v:
                what, eid = ("an empty array", "ParameterArgumentValidationErrorEmptyArrayNotAllowed")
        elif p.kind in ("string", "string[]") and any(i == "" for i in items):
            what, eid = ("an empty string", "ParameterArgumentValidationErrorEmptyStringNotAllowed")
        else:
            continue
        rec = ErrorRecord(f"Cannot bind argument to parameter '{p.name}' because it is {what}.", eid, "InvalidData",
                          "System.Management.Automation.ParameterBindingValidationException",
                          command=spec.name, command_type=spec.command_type)
        raise PSError(rec)


class CmdletContext:
    """What a running cmdlet sees (implements :class:`api.Context`)."""

    def __init__(self, rs: Runspace, scope: Scope, spec: CmdletSpec, common: dict[str, Any], source: Source,
                 node: Node, err_sink: list[Any] | None) -> None:
        self.rs, self.scope, self.spec, self.common, self.source, self.node = rs, scope, spec, common, source, node
        self.machine = rs.machine
        self.command_name = spec.name
        self.err_sink = err_sink  # 2>&1: errors join the output

    def _action(self, key: str, pref: str) -> str:
        if key in self.common:
            v = self.common[key]
            from simlab.ps.interp import ACTION_PREFERENCE
            try:
                return ACTION_PREFERENCE(v if not isinstance(v, str) else v.strip()).name
            except ValueError as exc:
                raise binding_error(f"Cannot bind parameter '{key}'. {exc}", "CannotConvertArgumentNoMessage",
                                    self.spec) from None
        return self.rs.preference(self.scope, pref)

    def fill(self, rec: ErrorRecord) -> ErrorRecord:
        if rec.command is None:
            rec.command = self.spec.name
        if rec.command_type is None:
            rec.command_type = self.spec.command_type
        with_position(PSError(rec), self.node, self.source)
        return rec

    def write_error(self, record: ErrorRecord) -> None:
        rec = self.fill(record)
        action = self._action("ErrorAction", "ErrorActionPreference")
        if self.err_sink is not None and action not in ("Stop", "Ignore"):
            self.rs.error_list.insert(0, rec)
            self.err_sink.append(rec)
            return
        self.rs.record_error(rec, action, self.scope, to_string(self.common.get("ErrorVariable")) or None)

    def write_warning(self, text: str) -> None:
        action = self._action("WarningAction", "WarningPreference")
        if action in ("SilentlyContinue", "Ignore"):
            return
        if action == "Stop":
            raise ScriptTerminating(ErrorRecord(
                f"The running command stopped because the preference variable \"WarningPreference\" or common "
                f"parameter is set to Stop: {text}", "ActionPreferenceStop", "OperationStopped",
                "System.Management.Automation.ActionPreferenceStopException"))
        self.rs.streams.warnings.append(text)
        if self.rs.streams.on_warning:
            self.rs.streams.on_warning(text)

    def write_verbose(self, text: str) -> None:
        if to_bool(self.common.get("Verbose")) or self.rs.preference(self.scope, "VerbosePreference") == "Continue":
            self.rs.streams.verbose.append(text)

    def write_host(self, text: str) -> None:
        self.rs.streams.host(text)

    def write_progress(self, activity: str, status: str, percent: int) -> None:
        if self.rs.preference(self.scope, "ProgressPreference") in ("SilentlyContinue", "Ignore"):
            return
        self.rs.streams.progress.append((activity, status, percent))
        if self.rs.streams.on_progress:
            self.rs.streams.on_progress(activity, status, percent)

    def get_variable(self, name: str) -> Any:
        return self.rs.get_var(self.scope, "$" + name)

    def set_variable(self, name: str, value: Any) -> None:
        self.rs.set_var(self.scope, "$" + name, value)

    def invoke(self, block: Any, args: list[Any] | None = None, dollar_under: Any = None) -> list[Any]:
        return self.rs.invoke_block(block, args or [], parent=self.scope, dollar_under=dollar_under,
                                    has_dollar_under=dollar_under is not None)

    def invoke_dot(self, block: Any, dollar_under: Any, args: list[Any] | None = None) -> list[Any]:
        """Run a block in the caller's scope with ``$_`` set (ForEach-Object/Where-Object semantics)."""
        saved = self.scope.vars.get("_") if "_" in self.scope.vars else None
        had = "_" in self.scope.vars
        try:
            return self.rs.invoke_block(block, args or [], scope=self.scope, dollar_under=dollar_under,
                                        has_dollar_under=True)
        finally:
            if had:
                self.scope.vars["_"] = saved
            else:
                self.scope.vars.pop("_", None)

    def run_on(self, machine: api.Machine, block: Any, args: list[Any] | None = None) -> list[Any]:
        from simlab.ps.host import run_block_on

        return run_block_on(machine, block, args, self.rs)


def run_cmdlet(rs: Runspace, scope: Scope, spec: CmdletSpec, args: list[Arg], input_stream: Iterator[Any] | None,
               node: Node, source: Source, merge_err: bool, discard_err: bool) -> Iterator[Any]:
    try:
        values, common, positional = bind_cmdlet(rs, spec, args)
        pset = resolve_set(rs, spec, values, positional, input_stream is not None)
        bind_positional(rs, spec, pset, values, positional)
    except PSError as exc:
        exc.record.command = exc.record.command or spec.name
        exc.record.command_type = exc.record.command_type or spec.command_type
        raise
    if discard_err:
        common.setdefault("ErrorAction", "SilentlyContinue")
    sink: list[Any] | None = [] if merge_err else None
    ctx = CmdletContext(rs, scope, spec, common, source, node, sink)
    outvar = to_string(common.get("OutVariable")) if "OutVariable" in common else None
    collected: list[Any] = []

    def call(bound_values: dict[str, Any], inputs: list[Any]) -> Iterator[Any]:
        bound = Bound(dict(bound_values), pset, inputs)
        try:
            result = spec.fn(ctx, bound)
            if result is not None:
                for item in result:
                    if sink:
                        yield from sink
                        sink.clear()
                    yield item
            if sink:
                yield from sink
                sink.clear()
        except PSError as exc:
            ctx.fill(exc.record)
            raise
        except __import__("simlab.winfs", fromlist=["FsError"]).FsError as exc:
            rec = ctx.fill(ErrorRecord(str(exc), exc.error_id, exc.category, exc.exception_type))
            raise PSError(rec) from None

    def gen() -> Iterator[Any]:
        if spec.pipeline == "per-item" and input_stream is not None:
            pipe_params = [p for p in spec.params if p.from_pipeline and _in_set(p, pset)]
            prop_params = [p for p in spec.params if p.from_pipeline_by_property_name and _in_set(p, pset)]
            any_input = False
            for item in input_stream:
                any_input = True
                bv = dict(values)
                bound_one = False
                for p in pipe_params:
                    if p.name not in values:
                        try:
                            bv[p.name] = coerce(rs, spec, p, item)
                            bound_one = True
                            break
                        except PSError:
                            continue
                if not bound_one:
                    for p in prop_params:
                        if p.name in values:
                            continue
                        for key in (p.name, *p.aliases):
                            if isinstance(item, PSObject) and key in item.props:
                                bv[p.name] = coerce(rs, spec, p, item.props[key])
                                bound_one = True
                                break
                            if isinstance(item, Hashtable) and False:
                                pass
                if not bound_one and (pipe_params or prop_params):
                    raise binding_error("The input object cannot be bound to any parameters for the command either "
                                        "because the command does not take pipeline input or the input and its "
                                        "properties do not match any of the parameters that take pipeline input.",
                                        "InputObjectNotBound", spec, item)
                check_mandatory(spec, pset, bv)
                yield from call(bv, [item])
            if not any_input and not any(p.from_pipeline for p in spec.params if p.name in values):
                check_mandatory(spec, pset, values)
                if not spec.params or not any(p.from_pipeline for p in spec.params):
                    yield from call(values, [])
        elif spec.pipeline == "all":
            items = list(input_stream) if input_stream is not None else []
            check_mandatory_lenient(spec, pset, values, bool(items))
            yield from call(values, items)
        else:
            if input_stream is not None:
                items = list(input_stream)
                if items:
                    raise binding_error("The input object cannot be bound to any parameters for the command either "
                                        "because the command does not take pipeline input or the input and its "
                                        "properties do not match any of the parameters that take pipeline input.",
                                        "InputObjectNotBound", spec, items[0])
            check_mandatory(spec, pset, values)
            yield from call(values, [])

    for item in gen():
        if outvar is not None:
            collected.append(item)
        yield item
    if outvar is not None:
        rs.set_var(scope, "$" + outvar, collected)


def check_mandatory_lenient(spec: CmdletSpec, pset: str, values: dict[str, Any], have_input: bool) -> None:
    missing = [p.name for p in spec.params if _mandatory(p, pset) and p.name not in values
               and not (have_input and (p.from_pipeline or p.from_pipeline_by_property_name))]
    if missing:
        raise binding_error(f"Cannot process command because of one or more missing mandatory parameters: "
                            f"{' '.join(missing)}.", "MissingMandatoryParameter", spec)
    check_not_null(spec, pset, values)
