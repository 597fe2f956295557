"""Parameter binding for functions and script blocks, simple and advanced, as PowerShell 5.1 binds them.

What this follows (about_Functions_Advanced_Parameters, about_Functions_CmdletBindingAttribute,
about_CommonParameters, about_Automatic_Variables on learn.microsoft.com; error texts from
ParameterBinderStrings.resx and Metadata.resx in the PowerShell repository):

* named arguments match a parameter by full name, alias or unambiguous prefix; an advanced function
  (``[CmdletBinding()]`` or any ``[Parameter()]``) also takes the common parameters;
* parameter sets: the set is the one containing every named argument (the default set breaks ties);
* positions: explicit ``Position=``; without any, every non-switch parameter in declaration order;
  arguments left over go to ``$args`` in a simple function and are an error in an advanced one;
* pipeline input binds per item, by value (``ValueFromPipeline``) and then by property name
  (``ValueFromPipelineByPropertyName``, also aliases), before each ``process`` run;
* validation attributes run on every bound value (arguments and pipeline), with Windows' messages;
* ``$PSBoundParameters``, ``$MyInvocation`` (``MyCommand.Name``, ``BoundParameters``,
  ``InvocationName``, ``ExpectingInput``) and, in advanced functions, ``$PSCmdlet``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from simlab.ps.api import ErrorRecord, Hashtable, PSError, PSObject, UnsupportedConstruct
from simlab.ps.members import canonical_type, cast
from simlab.ps.values import as_list, compare, dotnet_regex, to_bool, to_number, to_string, unwrap

if TYPE_CHECKING:
    from simlab.ps.interp import Runspace, Scope, ScriptBlockValue, Source
    from simlab.ps.parser import Node

ALL_SETS = "__AllParameterSets"

# common parameters (about_CommonParameters): name → alias list; the switches take no value
COMMON_PARAMETERS = {
    "Verbose": ["vb"], "Debug": ["db"], "ErrorAction": ["ea"], "WarningAction": ["wa"],
    "InformationAction": ["infa"], "ErrorVariable": ["ev"], "WarningVariable": ["wv"],
    "InformationVariable": ["iv"], "OutVariable": ["ov"], "OutBuffer": ["ob"], "PipelineVariable": ["pv"],
    "WhatIf": ["wi"], "Confirm": ["cf"],
}
COMMON_SWITCHES = {"Verbose", "Debug", "WhatIf", "Confirm"}


class _SwitchPresent:
    def __repr__(self) -> str:
        return "<switch present>"


SWITCH_PRESENT = _SwitchPresent()


@dataclass
class SetInfo:
    """What one ``[Parameter()]`` attribute says for one parameter set."""

    mandatory: bool = False
    position: int | None = None
    from_pipeline: bool = False
    by_property_name: bool = False
    remaining: bool = False


@dataclass
class ParamDef:
    name: str
    type_name: str | None
    default: Any  # a syntax node or None
    is_switch: bool
    aliases: list[str] = field(default_factory=list)
    sets: dict[str, SetInfo] = field(default_factory=dict)
    validators: list[tuple[Any, ...]] = field(default_factory=list)
    allow_null: bool = False
    allow_empty_string: bool = False
    allow_empty_collection: bool = False
    implicit_position: int | None = None

    def info(self, pset: str) -> SetInfo | None:
        if pset in self.sets:
            return self.sets[pset]
        return self.sets.get(ALL_SETS) if ALL_SETS in self.sets else (None if self.sets else SetInfo())

    def in_set(self, pset: str) -> bool:
        return self.info(pset) is not None

    # used by older callers
    @property
    def mandatory(self) -> bool:
        return any([i.mandatory for i in self.sets.values()])

    @property
    def from_pipeline(self) -> bool:
        return any([i.from_pipeline for i in self.sets.values()])


class Params(list):  # type: ignore[type-arg]
    """A param() block: the parameters and what ``[CmdletBinding()]`` says."""

    advanced: bool = False
    default_set: str | None = None
    positional_binding: bool = True
    supports_should_process: bool = False

    def set_names(self) -> list[str]:
        names: list[str] = []
        for p in self:
            for s in p.sets:
                if s != ALL_SETS and s not in names:
                    names.append(s)
        return names or [ALL_SETS]


def _attr_args(rs: Runspace, at: Node) -> tuple[list[Any], dict[str, Any]]:
    pos = [rs.eval(n, rs.global_scope, rs._attr_source) for n in at.extra["positional"]]
    named = {k.lower(): (True if v is None else rs.eval(v, rs.global_scope, rs._attr_source)) for k, v in at.extra["named"]}
    return pos, named


def build_params(rs: Runspace, plist: Node | None, source: Source, block_attrs: list[Node] | None = None) -> Params:
    """The :class:`Params` of a ``param(...)`` block or a function's ``(...)`` declaration."""
    from simlab.ps.interp import ScriptBlockValue, named, type_literal_name, unsupported

    rs._attr_source = source  # type: ignore[attr-defined]
    out = Params()
    for at in block_attrs or []:
        if at.type != "attribute":
            continue
        low = str(at.value).lower()
        if low in ("cmdletbinding", "system.management.automation.cmdletbindingattribute"):
            out.advanced = True
            _, kw = _attr_args(rs, at)
            if "defaultparametersetname" in kw:
                out.default_set = to_string(kw["defaultparametersetname"])
            if "positionalbinding" in kw:
                out.positional_binding = to_bool(kw["positionalbinding"])
            out.supports_should_process = to_bool(kw.get("supportsshouldprocess", False))
        elif low in ("outputtype", "alias", "diagnostics.codeanalysis.suppressmessageattribute",
                     "system.diagnostics.codeanalysis.suppressmessageattribute"):
            pass
        else:
            raise unsupported(at, f"the script block attribute [{at.value}]")
    if plist is None:
        return out
    for sp in (c for c in plist.children if c.type == "script_parameter"):
        var = next(c for c in sp.children if c.type == "variable")
        default = next((c for c in sp.children if c.type == "script_parameter_default"), None)
        p = ParamDef(var.str_text[1:], None, named(default)[0] if default is not None and named(default) else None, False)
        for al in (c for c in sp.children if c.type == "attribute_list"):
            for at in named(al):
                if at.type == "type_literal":
                    p.type_name = type_literal_name(at)
                    continue
                low = str(at.value).lower().removeprefix("system.management.automation.").removesuffix("attribute")
                pos, kw = _attr_args(rs, at)
                if low == "parameter":
                    out.advanced = True
                    pset = to_string(kw.get("parametersetname", ALL_SETS)) or ALL_SETS
                    if pos:
                        raise unsupported(at, "positional arguments to [Parameter()]")
                    info = SetInfo(mandatory=to_bool(kw.get("mandatory", False)),
                                   position=int(to_number(kw["position"])) if "position" in kw else None,
                                   from_pipeline=to_bool(kw.get("valuefrompipeline", False)),
                                   by_property_name=to_bool(kw.get("valuefrompipelinebypropertyname", False)),
                                   remaining=to_bool(kw.get("valuefromremainingarguments", False)))
                    p.sets[pset] = info
                elif low == "alias":
                    p.aliases += [to_string(a) for a in _flat(pos)]
                elif low == "validateset":
                    p.validators.append(("set", [to_string(v) for v in _flat(pos)], to_bool(kw.get("ignorecase", True))))
                elif low == "validaterange":
                    if len(pos) != 2:
                        raise unsupported(at, "[ValidateRange()] with a range kind")
                    p.validators.append(("range", pos[0], pos[1]))
                elif low == "validatepattern":
                    p.validators.append(("pattern", to_string(pos[0])))
                elif low == "validatelength":
                    p.validators.append(("length", int(to_number(pos[0])), int(to_number(pos[1]))))
                elif low == "validatecount":
                    p.validators.append(("count", int(to_number(pos[0])), int(to_number(pos[1]))))
                elif low == "validatescript":
                    sb = pos[0]
                    if not isinstance(sb, ScriptBlockValue):
                        raise unsupported(at, "[ValidateScript()] without a script block")
                    p.validators.append(("script", sb))
                elif low == "validatenotnullorempty":
                    p.validators.append(("notnullorempty",))
                elif low == "validatenotnull":
                    p.validators.append(("notnull",))
                elif low == "allownull":
                    p.allow_null = True
                elif low == "allowemptystring":
                    p.allow_empty_string = True
                elif low == "allowemptycollection":
                    p.allow_empty_collection = True
                elif low in ("supportswildcards", "psdefaultvalue", "credential", "cmdletbinding"):
                    pass
                else:
                    raise unsupported(at, f"the parameter attribute [{at.value}]")
        p.is_switch = bool(p.type_name and canonical_type(p.type_name).lower() == "system.management.automation.switchparameter")
        out.append(p)
    # positions: explicit ones, or (without any) declaration order for non-switch parameters
    explicit = any(i.position is not None for p in out for i in p.sets.values())
    if not explicit and (out.positional_binding or not out.advanced):
        n = 0
        for p in out:
            if not p.is_switch:
                p.implicit_position = n
                n += 1
    return out


def _flat(values: list[Any]) -> list[Any]:
    res: list[Any] = []
    for v in values:
        res.extend(as_list(v) if isinstance(v, list) else [v])
    return res


def _position(p: ParamDef, pset: str) -> int | None:
    info = p.info(pset)
    if info is None:
        return None
    if info.position is not None:
        return info.position
    return p.implicit_position


class Binder:
    """Binds one invocation's arguments (and later its pipeline items) to a :class:`Params`."""

    def __init__(self, rs: Runspace, params: Params, command: str | None, invocation_name: str | None = None,
                 definition: str = "") -> None:
        self.rs = rs
        self.params = params
        self.command = command
        self.invocation_name = invocation_name or command or ""
        self.definition = definition
        self.values: dict[str, Any] = {}  # parameter name → value (in binding order)
        self.common: dict[str, Any] = {}
        self.unbound: list[Any] = []
        self.pset = ALL_SETS
        self.pipeline_bound: set[str] = set()
        self.expecting_input = False
        self.wrote_error = False  # $PSCmdlet.WriteError() was called: the caller's `$?` becomes False

    # ------------------------------------------------------------ errors
    def _error(self, message: str, error_id: str, category: str = "InvalidArgument",
               exc: str = "System.Management.Automation.ParameterBindingException", target: Any = None) -> PSError:
        return PSError(ErrorRecord(message, error_id, category, exc, target=target, command=self.command,
                                   command_type=self.command))

    def _match(self, name: str) -> ParamDef | str:
        low = name.lower()
        exact = [p for p in self.params if p.name.lower() == low or low in (a.lower() for a in p.aliases)]
        if exact:
            return exact[0]
        if self.params.advanced:
            for c, aliases in COMMON_PARAMETERS.items():
                if c.lower() == low or low in aliases:
                    return c
        prefix = [p.name for p in self.params if p.name.lower().startswith(low)]
        if self.params.advanced:
            prefix += [c for c in COMMON_PARAMETERS if c.lower().startswith(low)]
        if len(prefix) == 1:
            hit = prefix[0]
            for p in self.params:
                if p.name == hit:
                    return p
            return hit
        if not prefix:
            raise self._error(f"A parameter cannot be found that matches parameter name '{name}'.",
                              "NamedParameterNotFound", target=name)
        raise self._error(f"Parameter cannot be processed because the parameter name '{name}' is ambiguous. "
                          f"Possible matches include: {' '.join('-' + n for n in prefix)}.", "AmbiguousParameter",
                          target=name)

    # ------------------------------------------------------------ arguments
    def bind_args(self, args: list[Any], pipeline_pending: bool = False) -> None:
        """``args``: objects with ``name`` (None for positional), ``value`` and ``has_value``."""
        positional: list[Any] = []
        named_vals: list[tuple[ParamDef | str, Any]] = []
        i = 0
        while i < len(args):
            a = args[i]
            if a.name is None:
                positional.append(a.value)
                i += 1
                continue
            target = self._match(a.name)
            is_switch = target in COMMON_SWITCHES if isinstance(target, str) else target.is_switch
            if a.has_value:
                value = a.value
            elif is_switch:
                value = SWITCH_PRESENT
            elif i + 1 < len(args) and args[i + 1].name is None:
                value = args[i + 1].value
                i += 1
            else:
                tname = canonical_type(target.type_name) if isinstance(target, ParamDef) and target.type_name else "System.Object"
                pname = target.name if isinstance(target, ParamDef) else target
                raise self._error(f"Missing an argument for parameter '{pname}'. Specify a parameter of type '{tname}' "
                                  "and try again.", "MissingArgument", target=None)
            named_vals.append((target, value))
            i += 1
        for target, value in named_vals:
            pname = target.name if isinstance(target, ParamDef) else target
            if pname in self.values or pname in self.common:
                raise self._error(f"Cannot bind parameter because parameter '{pname}' is specified more than once. To "
                                  "provide multiple values to parameters that can accept multiple values, use the array "
                                  "syntax. For example, \"-parameter value1,value2,value3\".", "ParameterAlreadyBound")
            if isinstance(target, str):
                self.common[target] = True if value is SWITCH_PRESENT else value
            else:
                self.values[pname] = value
        self.pset = self._resolve_set(positional, pipeline_pending)
        slots = sorted((p for p in self.params if p.name not in self.values and _position(p, self.pset) is not None),
                       key=lambda p: _position(p, self.pset) or 0)
        remaining = None
        for p in self.params:
            if p.name not in self.values and (p.info(self.pset) or SetInfo()).remaining:
                remaining = p
                break
        queue = list(positional)
        while queue and slots:
            p = slots.pop(0)
            if p is remaining:
                break
            self.values[p.name] = queue.pop(0)
        if queue:
            if remaining is not None:
                self.values[remaining.name] = list(queue)
            elif self.params.advanced:
                raise self._error(f"A positional parameter cannot be found that accepts argument '{to_string(queue[0])}'.",
                                  "PositionalParameterNotFound", target=queue[0])
            else:
                self.unbound = queue
        for p in self.params:
            if p.name in self.values:
                self.values[p.name] = self.convert(p, self.values[p.name])

    def _resolve_set(self, positional: list[Any], pipeline_pending: bool) -> str:
        sets = self.params.set_names()
        if sets == [ALL_SETS]:
            return ALL_SETS
        bound = [p for p in self.params if p.name in self.values]
        cands = [s for s in sets if all([p.in_set(s) for p in bound])]
        if not cands:
            raise self._error("Parameter set cannot be resolved using the specified named parameters.",
                              "AmbiguousParameterSet")
        if len(cands) == 1:
            return cands[0]

        def satisfied(s: str) -> bool:
            for p in self.params:
                info = p.info(s)
                if info is None or not info.mandatory or p.name in self.values:
                    continue
                if pipeline_pending and (info.from_pipeline or info.by_property_name):
                    continue
                return False
            return True

        specific = [s for s in cands if any([s in p.sets for p in bound])]
        if len(specific) == 1:
            return specific[0]
        ok = [s for s in (specific or cands) if satisfied(s)]
        if self.params.default_set in (ok or cands):
            return self.params.default_set  # type: ignore[return-value]
        if len(ok) == 1:
            return ok[0]
        raise self._error("Parameter set cannot be resolved using the specified named parameters.", "AmbiguousParameterSet")

    def convert(self, p: ParamDef, value: Any) -> Any:
        if value is SWITCH_PRESENT:
            value = True
        if p.is_switch:
            return to_bool(value)
        if p.type_name:
            try:
                value = cast(value, p.type_name, self.rs)
            except PSError as exc:
                raise self._error(f"Cannot process argument transformation on parameter '{p.name}'. {exc.record.message}",
                                  "ParameterArgumentTransformationError", "InvalidData",
                                  "System.Management.Automation.ParameterBindingArgumentTransformationException") from None
        self.validate(p, value)
        return value

    # ------------------------------------------------------------ validation (Metadata.resx texts)
    def _invalid(self, p: ParamDef, text: str, value: Any) -> PSError:
        return self._error(f"Cannot validate argument on parameter '{p.name}'. {text}", "ParameterArgumentValidationError",
                           "InvalidData", "System.Management.Automation.ParameterBindingValidationException", value)

    def validate(self, p: ParamDef, value: Any) -> None:
        info = p.info(self.pset) or SetInfo()
        if info.mandatory and not p.is_switch:
            items = value if isinstance(value, list) else [value]
            what = None
            if value is None and not p.allow_null:
                what, eid = "null", "ParameterArgumentValidationErrorNullNotAllowed"
            elif isinstance(value, list) and not value and not p.allow_empty_collection:
                what, eid = "an empty array", "ParameterArgumentValidationErrorEmptyArrayNotAllowed"
            elif isinstance(value, str) and value == "" and not p.allow_empty_string:
                what, eid = "an empty string", "ParameterArgumentValidationErrorEmptyStringNotAllowed"
            elif isinstance(value, list) and any([i is None for i in items]) and not p.allow_null:
                what, eid = "null", "ParameterArgumentValidationErrorNullNotAllowed"
            if what is not None:
                raise self._error(f"Cannot bind argument to parameter '{p.name}' because it is {what}.", eid, "InvalidData",
                                  "System.Management.Automation.ParameterBindingValidationException")
        for v in p.validators:
            kind = v[0]
            if kind == "notnull":
                if value is None or (isinstance(value, list) and any([i is None for i in value])):
                    raise self._invalid(p, "The argument has a null value, or an element of the argument collection contains "
                                        "a null value. Provide a collection that does not contain any null values, and then "
                                        "try the command again." if isinstance(value, list) else
                                        "The argument is null. Provide a valid value for the argument, and then try running "
                                        "the command again.", value)
                continue
            if kind == "notnullorempty":
                if isinstance(value, list):
                    if not value or any([i is None or i == "" for i in value]):
                        raise self._invalid(p, "The argument is null, empty, or an element of the argument collection "
                                            "contains a null value. Supply a collection that does not contain any null "
                                            "values and then try the command again.", value)
                elif value is None or value == "" or (isinstance(value, Hashtable) and not value):
                    raise self._invalid(p, "The argument is null or empty. Provide an argument that is not null or empty, "
                                        "and then try the command again.", value)
                continue
            if kind == "count":
                n = len(value) if isinstance(value, list) else (0 if value is None else 1)
                if not v[1] <= n <= v[2]:
                    msg = (f"The parameter requires exactly {v[1]} value(s) - {n} value(s) were provided." if v[1] == v[2]
                           else f"The parameter requires at least {v[1]} value(s) and no more than {v[2]} value(s) - {n} "
                                "value(s) were provided.")
                    raise self._invalid(p, msg, value)
                continue
            if value is None and kind != "script":
                raise self._invalid(p, "The argument is null. Provide a valid value for the argument, and then try running "
                                    "the command again.", value)
            for item in (value if isinstance(value, list) else [value]):
                if kind == "set":
                    allowed, ignore_case = v[1], v[2]
                    s = to_string(item)
                    ok = any([(a.lower() == s.lower()) if ignore_case else a == s for a in allowed])
                    if not ok:
                        raise self._invalid(p, f"The argument \"{s}\" does not belong to the set \"{','.join(allowed)}\" "
                                            "specified by the ValidateSet attribute. Supply an argument that is in the set "
                                            "and then try the command again.", value)
                elif kind == "range":
                    lo, hi = v[1], v[2]
                    if compare(item, lo) < 0:
                        raise self._invalid(p, f"The {to_string(item)} argument is less than the minimum allowed range of "
                                            f"{to_string(lo)}. Supply an argument that is greater than or equal to "
                                            f"{to_string(lo)} and then try the command again.", value)
                    if compare(item, hi) > 0:
                        raise self._invalid(p, f"The {to_string(item)} argument is greater than the maximum allowed range of "
                                            f"{to_string(hi)}. Supply an argument that is less than or equal to "
                                            f"{to_string(hi)} and then try the command again.", value)
                elif kind == "pattern":
                    s = to_string(item)
                    if dotnet_regex(v[1], False).search(s) is None:
                        raise self._invalid(p, f"The argument \"{s}\" does not match the \"{v[1]}\" pattern. Supply an "
                                            f"argument that matches \"{v[1]}\" and try the command again.", value)
                elif kind == "length":
                    s = to_string(item)
                    if len(s) < v[1]:
                        raise self._invalid(p, f"The character length ({len(s)}) of the argument is too short. Specify an "
                                            f"argument with a length that is greater than or equal to \"{v[1]}\", and then "
                                            "try the command again.", value)
                    if len(s) > v[2]:
                        raise self._invalid(p, f"The character length of the {len(s)} argument is too long. Shorten the "
                                            f"character length of the argument so it is fewer than or equal to \"{v[2]}\" "
                                            "characters, and then try the command again.", value)
                elif kind == "script":
                    sb: ScriptBlockValue = v[1]
                    try:
                        res = self.rs.invoke_block(sb, [], dollar_under=item, has_dollar_under=True)
                    except UnsupportedConstruct:
                        raise
                    except PSError as exc:
                        raise self._invalid(p, exc.record.message, value) from None
                    if not to_bool(unwrap(res)):
                        raise self._invalid(p, f"The \"{sb.ps_text}\" validation script for the argument with value "
                                            f"\"{to_string(item)}\" did not return a result of True. Determine why the "
                                            "validation script failed, and then try the command again.", value)

    # ------------------------------------------------------------ the function's scope
    def apply(self, scope: Scope, caller: Scope, has_input: bool) -> None:
        """Set parameter variables, defaults, common-parameter preferences and automatic variables."""
        from simlab.ps.interp import ACTION_PREFERENCE, _default_for

        self.expecting_input = has_input
        missing = []
        for p in self.params:
            info = p.info(self.pset)
            if p.name in self.values:
                continue
            if info is not None and info.mandatory and not (has_input and (info.from_pipeline or info.by_property_name)):
                missing.append(p.name)
        if missing:
            raise self._error("Cannot process command because of one or more missing mandatory parameters: "
                              f"{' '.join(missing)}.", "MissingMandatoryParameter")
        for p in self.params:
            if p.name in self.values:
                scope.vars[p.name] = self.values[p.name]
            elif p.default is not None:
                v = self.rs.eval(p.default, scope, self.rs._attr_source if hasattr(self.rs, "_attr_source") else None)
                scope.vars[p.name] = cast(v, p.type_name, self.rs) if p.type_name and not p.is_switch else v
            else:
                scope.vars[p.name] = False if p.is_switch else _default_for(p.type_name)
            if p.type_name and not p.is_switch:
                if not hasattr(scope, "typed"):
                    scope.typed = {}  # type: ignore[attr-defined]
                scope.typed[p.name] = p.type_name  # type: ignore[attr-defined]
        c = self.common
        pref = {"ErrorAction": "ErrorActionPreference", "WarningAction": "WarningPreference",
                "InformationAction": "InformationPreference"}
        for key, var in pref.items():
            if key in c:
                try:
                    scope.vars[var] = ACTION_PREFERENCE(c[key] if not isinstance(c[key], str) else c[key].strip())
                except ValueError as exc:
                    raise self._error(f"Cannot bind parameter '{key}'. {exc}", "CannotConvertArgumentNoMessage") from None
        if "Verbose" in c:
            scope.vars["VerbosePreference"] = ACTION_PREFERENCE("Continue" if to_bool(c["Verbose"]) else "SilentlyContinue")
        if "Debug" in c:
            scope.vars["DebugPreference"] = ACTION_PREFERENCE("Continue" if to_bool(c["Debug"]) else "SilentlyContinue")
        if "WhatIf" in c:
            scope.vars["WhatIfPreference"] = to_bool(c["WhatIf"])
        if "ErrorVariable" in c:
            scope.error_variable = (caller, to_string(c["ErrorVariable"]))  # type: ignore[attr-defined]
            ev = to_string(c["ErrorVariable"])
            if not ev.startswith("+"):
                self.rs.set_var(caller, "$" + ev, [])
        bound = Hashtable(ordered=True)
        for p in self.params:
            if p.name in self.values:
                bound[p.name] = self.values[p.name]
        for k, v in c.items():
            bound[k] = v
        self.bound = bound
        scope.vars["PSBoundParameters"] = bound
        cmd = PSObject({"Name": self.command or "", "CommandType": "Function" if self.command else "Script",
                        "Definition": self.definition, "ParameterSets": self.params.set_names()},
                       ["System.Management.Automation.FunctionInfo" if self.command
                        else "System.Management.Automation.ScriptInfo"], to_string=lambda: self.command or "")
        self.invocation = PSObject({"MyCommand": cmd, "BoundParameters": bound, "UnboundArguments": list(self.unbound),
                                    "InvocationName": self.invocation_name, "ExpectingInput": has_input,
                                    "PipelineLength": 1, "PipelinePosition": 1, "ScriptName": "", "PSScriptRoot": "",
                                    "PSCommandPath": "", "CommandOrigin": "Runspace"},
                                   ["System.Management.Automation.InvocationInfo"])
        scope.vars["MyInvocation"] = self.invocation
        if self.params.advanced:
            scope.vars["PSCmdlet"] = self._pscmdlet(scope)

    def _pscmdlet(self, scope: Scope) -> PSObject:
        from simlab.ps.interp import ScriptTerminating

        rs = self.rs

        def should_process(target: Any = None, action: Any = None, *_: Any) -> bool:
            if to_bool(rs.get_var(scope, "$WhatIfPreference")):
                act = to_string(action) if action is not None else (self.command or "")
                rs.streams.host(f"What if: Performing the operation \"{act}\" on target \"{to_string(target)}\".")
                return False
            return True

        def write_error(rec: Any) -> None:
            if isinstance(rec, ErrorRecord):
                rs.record_error(rec, None, scope)
                self.wrote_error = True

        def throw_terminating(rec: Any) -> None:
            if isinstance(rec, ErrorRecord):
                raise ScriptTerminating(rec)
            raise ScriptTerminating(ErrorRecord(to_string(rec), "RuntimeException", "NotSpecified"))

        def write_verbose(text: Any) -> None:
            if rs.preference(scope, "VerbosePreference") == "Continue":
                rs.streams.verbose.append(to_string(text))

        def write_warning(text: Any) -> None:
            if rs.preference(scope, "WarningPreference") not in ("SilentlyContinue", "Ignore"):
                rs.streams.warnings.append(to_string(text))
                if rs.streams.on_warning:
                    rs.streams.on_warning(to_string(text))

        def write_object(*_: Any) -> None:
            raise UnsupportedConstruct("$PSCmdlet.WriteObject()", None)

        return PSObject({"ParameterSetName": self.pset if self.pset != ALL_SETS else "__AllParameterSets",
                         "MyInvocation": self.invocation},
                        ["System.Management.Automation.PSScriptCmdlet"],
                        methods={"ShouldProcess": should_process, "ShouldContinue": lambda *a: True,
                                 "WriteError": write_error, "ThrowTerminatingError": throw_terminating,
                                 "WriteVerbose": write_verbose, "WriteWarning": write_warning,
                                 "WriteObject": write_object})

    # ------------------------------------------------------------ pipeline input
    def bind_item(self, scope: Scope, item: Any) -> bool:
        """Bind one pipeline item before a ``process`` run; False if it binds to nothing (error written)."""
        for name in self.pipeline_bound:
            self.bound.pop(name, None)
        self.pipeline_bound = set()
        pipe = [p for p in self.params if p.name not in self.values and (p.info(self.pset) or SetInfo()).from_pipeline]
        prop = [p for p in self.params if p.name not in self.values and (p.info(self.pset) or SetInfo()).by_property_name]
        if not pipe and not prop:
            return True
        done = False
        for p in pipe:
            try:
                v = self.convert(p, item)
            except PSError as exc:
                if exc.record.error_id.startswith("ParameterArgumentValidation"):
                    raise
                continue
            scope.vars[p.name] = v
            self.bound[p.name] = v
            self.pipeline_bound.add(p.name)
            done = True
            break
        if isinstance(item, PSObject):
            for p in prop:
                if p.name in self.pipeline_bound:
                    continue
                for key in (p.name, *p.aliases):
                    if key in item.props:
                        v = self.convert(p, item.props[key])
                        scope.vars[p.name] = v
                        self.bound[p.name] = v
                        self.pipeline_bound.add(p.name)
                        done = True
                        break
        if not done:
            rec = ErrorRecord("The input object cannot be bound to any parameters for the command either because the "
                              "command does not take pipeline input or the input and its properties do not match any "
                              "of the parameters that take pipeline input.", "InputObjectNotBound", "InvalidArgument",
                              "System.Management.Automation.ParameterBindingException", target=item,
                              command=self.command, command_type=self.command)
            self.rs.record_error(rec, None, scope)
            return False
        missing = [p.name for p in self.params if (p.info(self.pset) or SetInfo()).mandatory
                   and p.name not in self.values and p.name not in self.pipeline_bound]
        if missing:
            raise self._error("Cannot process command because of one or more missing mandatory parameters: "
                              f"{' '.join(missing)}.", "MissingMandatoryParameter")
        return True
