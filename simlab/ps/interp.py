"""The PowerShell interpreter: walks the syntax trees of :mod:`simlab.ps.parser`.

One :class:`Runspace` per powershell.exe process (or PowerShell Direct session). Statements run
in order; pipelines stream through Python generators; anything outside the supported subset raises
:class:`UnsupportedConstruct` with the node type and line (see simlab/docs/simulator-powershell.md).
"""

from __future__ import annotations

import datetime as _dt
import logging
import re
import uuid as _uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from simlab.ps import api
from simlab.ps.api import (
    CaseInsensitiveDict, ErrorRecord, Hashtable, PSEnum, PSError, PSObject, UnsupportedConstruct,
)
from simlab.ps.binding import SWITCH_PRESENT as _SWITCH_PRESENT
from simlab.ps.binding import Binder, Params, build_params
from simlab.ps.operators import arithmetic, comparison
from simlab.ps.parser import Node, ParseError
from simlab.ps.parser import parse as _parse_text
from simlab.ps.members import (
    call_method, call_static, canonical_type, cast, exception_chain, get_member, is_type, set_member,
    static_property,
)
from simlab.ps.values import (
    ArrayList, ExceptionValue, TypeValue, Version, as_list, compare, dotnet_regex, dotnet_replacement, equals,
    format_operator, is_enumerable, like, matches_table, parse_number, runtime_error, to_bool, to_number, to_string,
    type_name_of, unwrap,
)

WRAPPERS = {
    "logical_expression", "bitwise_expression", "comparison_expression", "additive_expression",
    "multiplicative_expression", "format_expression", "range_expression", "array_literal_expression",
    "unary_expression", "pipeline_chain", "left_assignment_expression", "argument_expression",
    "logical_argument_expression", "bitwise_argument_expression", "comparison_argument_expression",
    "additive_argument_expression", "multiplicative_argument_expression", "format_argument_expression",
    "range_argument_expression", "expression_with_unary_operator", "key_expression", "member_name",
    "while_condition", "for_condition", "for_initializer", "for_iterator", "switch_clause_condition",
    "redirected_file_name",
}


_LOG = logging.getLogger(__name__)


def parse(text: str) -> Node:
    """Parse a script (raises :class:`ScriptTerminating` with the ParseException record on a syntax error)."""
    try:
        return _parse_text(text)
    except ParseError as exc:
        rec = ErrorRecord(exc.message, exc.error_id, "ParserError", "System.Management.Automation.ParseException",
                          script_line=exc.line)
        rec.position = (exc.line, exc.column, exc.line_text, exc.length)  # type: ignore[attr-defined]
        raise ScriptTerminating(rec) from None


def strip(node: Node) -> Node:
    """Skip the grammar's single-child precedence wrappers."""
    while node.type in WRAPPERS and node.child_count == 1:
        node = node.children[0]
    return node


def _child(node: Any, type_: str) -> Any:
    """The first child of a type, or None (a loop, not ``next(genexpr)``: closing an unfinished generator
    costs time proportional to the depth of running generators, which a deep recursion makes large)."""
    for c in node.children:
        if c.type == type_:
            return c
    return None


def _child_in(node: Any, types: tuple[str, ...]) -> Any:
    for c in node.children:
        if c.type in types:
            return c
    return None


def named(node: Node) -> list[Node]:
    return [c for c in node.children if c.is_named and c.type != "comment"]


def line_of(node: Node) -> int:
    return node.start_point[0] + 1


# --------------------------------------------------------------------------- control flow


class FlowControl(Exception):
    pass


class BreakEx(FlowControl):
    def __init__(self, label: str | None = None) -> None:
        super().__init__("break")
        self.label = label


class ContinueEx(FlowControl):
    def __init__(self, label: str | None = None) -> None:
        super().__init__("continue")
        self.label = label


class ReturnEx(FlowControl):
    pass


class ExitEx(FlowControl):
    def __init__(self, code: int) -> None:
        super().__init__(f"exit {code}")
        self.code = code


# How deep script calls may nest. Windows PowerShell 5.1 stops at about 4700 calls in a console (the
# limit comes from its thread's stack; PowerShell issues #25869 and #25872 measure 4678-4794) with
# "The script failed due to call depth overflow." (CallDepthOverflow, a RuntimeException wrapping
# ScriptCallDepthException).
CALL_DEPTH_LIMIT = 4700


def call_depth_overflow() -> ErrorRecord:
    rec = ErrorRecord("The script failed due to call depth overflow.", "CallDepthOverflow", "InvalidOperation",
                      "System.Management.Automation.RuntimeException")
    rec.inner_exception = ExceptionValue("System.Management.Automation.ScriptCallDepthException",  # type: ignore[attr-defined]
                                         "The script failed due to call depth overflow.")
    return rec


def method_invocation_error(name: str, nargs: int, inner_type: str, inner_message: str) -> ErrorRecord:
    """How PowerShell reports an exception thrown by a .NET method (FQID: the inner exception's short name)."""
    rec = ErrorRecord(f'Exception calling "{name}" with "{nargs}" argument(s): "{inner_message}"',
                      inner_type.rsplit(".", 1)[-1], "NotSpecified", "System.Management.Automation.MethodInvocationException")
    rec.inner_exception = ExceptionValue(inner_type, inner_message)  # type: ignore[attr-defined]
    return rec


def dotnet_exception_for(exc: BaseException) -> tuple[str, str]:
    """The .NET exception (type, message) that stands for a Python error raised while modelling a method."""
    text = str(exc)
    if "must have magnitude" in text or "timedelta" in text:
        return "System.OverflowException", "TimeSpan overflowed because the duration is too long."
    if isinstance(exc, (ValueError, OverflowError)) and ("year" in text or "date value out of range" in text):
        return ("System.ArgumentOutOfRangeException",
                "The added or subtracted value results in an un-representable DateTime.\r\nParameter name: value")
    if isinstance(exc, ZeroDivisionError):
        return "System.DivideByZeroException", "Attempted to divide by zero."
    if isinstance(exc, OverflowError):
        return "System.OverflowException", "Arithmetic operation resulted in an overflow."
    if isinstance(exc, (IndexError, KeyError)):
        return "System.IndexOutOfRangeException", "Index was outside the bounds of the array."
    if isinstance(exc, ValueError):
        return "System.ArgumentException", "Value does not fall within the expected range."
    return "System.InvalidOperationException", "Operation is not valid due to the current state of the object."


def python_error_record(exc: BaseException) -> ErrorRecord:
    """A Python error outside a method call, as the RuntimeException PowerShell would report.

    The script sees a PowerShell error; the Python traceback goes to the log (a simulator defect to fix)."""
    if not isinstance(exc, RecursionError):
        _LOG.warning("Python error inside a simulated script (reported to the script as a RuntimeException)",
                     exc_info=exc)
    if isinstance(exc, RecursionError):
        return call_depth_overflow()
    etype, msg = dotnet_exception_for(exc)
    rec = ErrorRecord(msg, etype.rsplit(".", 1)[-1], "NotSpecified", "System.Management.Automation.RuntimeException")
    rec.inner_exception = ExceptionValue(etype, msg)  # type: ignore[attr-defined]
    return rec


class ScriptTerminating(PSError):
    """``throw`` and errors escalated by ErrorAction Stop: ends the script unless caught."""


def unsupported(node: Node, what: str | None = None) -> UnsupportedConstruct:
    text = node.text.decode("utf-8", "replace").splitlines()[0][:60] if node.text else ""
    return UnsupportedConstruct(what or f"the construct '{node.type}' ({text!r})", line_of(node))


def with_position(err: PSError, node: Node, source: Source | None) -> PSError:
    rec = err.record
    if getattr(rec, "position", None) is None:
        line = line_of(node)
        text = source.line(line) if source else ""
        rec.position = (line, node.start_point[1] + 1, text, max(1, len(node.text.decode("utf-8", "replace").splitlines()[0]) if node.text else 1))  # type: ignore[attr-defined]
        if rec.script_line is None:
            rec.script_line = line
    return err


class Source:
    """The text a tree was parsed from (for positions in error messages)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = text.splitlines()

    def line(self, n: int) -> str:
        return self.lines[n - 1] if 0 < n <= len(self.lines) else ""


# --------------------------------------------------------------------------- script blocks, functions


class ScriptBlockValue:
    """A ``{ ... }`` value: the script_block node and the source it came from."""

    def __init__(self, node: Node | None, source: Source, text: str) -> None:
        self.node = node  # a script_block node (or None for an empty block)
        self.source = source
        self.ps_text = text

    def __repr__(self) -> str:
        return "{" + self.ps_text + "}"


class FunctionDef:
    def __init__(self, name: str, block: ScriptBlockValue, params: Params | None) -> None:
        self.name = name
        self.block = block
        self.params = params


class Scope:
    def __init__(self, parent: Scope | None = None) -> None:
        self.parent = parent
        self.vars: CaseInsensitiveDict = CaseInsensitiveDict()
        self.functions: CaseInsensitiveDict = CaseInsensitiveDict()
        # the nearest ancestor that defines functions: function lookup skips the (many) scopes of a deep
        # recursion that define none, so a call costs the same at depth 4000 as at depth 1
        self.fn_parent: Scope | None = None if parent is None else (parent if parent.functions else parent.fn_parent)


_VAR_RE = re.compile(r"^[\$@]\{?(?:(global|script|local|private|env|variable|using):)?(.*?)\}?$", re.I | re.S)

ACTION_PREFERENCE = api.enum_type("System.Management.Automation.ActionPreference", {
    "SilentlyContinue": 0, "Stop": 1, "Continue": 2, "Inquire": 3, "Ignore": 4, "Suspend": 5})

PS_VERSION = Version(5, 1, 20348, 2849)


# --------------------------------------------------------------------------- streams


class Streams:
    """Where a runspace's non-output streams go (the host decides how to print them)."""

    def __init__(self, host: Callable[[str], None] | None = None) -> None:
        self.host = host or (lambda s: None)
        self.errors: list[ErrorRecord] = []  # what reached the error stream (printed by the host)
        self.warnings: list[str] = []
        self.verbose: list[str] = []
        self.progress: list[tuple[str, str, int]] = []
        self.on_error: Callable[[ErrorRecord], None] | None = None
        self.on_warning: Callable[[str], None] | None = None
        self.on_progress: Callable[[str, str, int], None] | None = None


# --------------------------------------------------------------------------- the runspace


class Runspace:
    """A PowerShell session on one machine: global scope, functions, streams, error list."""

    def __init__(self, machine: api.Machine, streams: Streams | None = None, env: dict[str, str] | None = None) -> None:
        self.machine = machine
        self.streams = streams or Streams()
        self.env: dict[str, str] = CaseInsensitiveDict(env if env is not None else machine.environment())  # type: ignore[assignment]
        self.global_scope = Scope()
        self.script_scope = self.global_scope
        self.try_depth = 0
        self.error_list = ArrayList()
        self.cwd = "C:\\Users\\" + (self.env.get("USERNAME") or "Administrator")
        self.enums: dict[str, Any] = {}
        self.share_logons: set[str] = set()  # shares this session logged on to (second hop, see winfs)
        self.merge_targets: list[Callable[[Any], None]] = []  # `& { } 2>&1`: where errors join the output
        g = self.global_scope.vars
        g["ErrorActionPreference"] = ACTION_PREFERENCE("Continue")
        g["ProgressPreference"] = ACTION_PREFERENCE("Continue")
        g["WarningPreference"] = ACTION_PREFERENCE("Continue")
        g["VerbosePreference"] = ACTION_PREFERENCE("SilentlyContinue")
        g["DebugPreference"] = ACTION_PREFERENCE("SilentlyContinue")
        g["InformationPreference"] = ACTION_PREFERENCE("SilentlyContinue")
        g["ConfirmPreference"] = "High"
        g["Error"] = self.error_list
        g["?"] = True
        g["PSVersionTable"] = Hashtable([
            ("PSVersion", PS_VERSION), ("PSEdition", "Desktop"),
            ("PSCompatibleVersions", [Version(1, 0), Version(2, 0), Version(3, 0), Version(4, 0), Version(5, 0), Version(5, 1, 20348, 2849)]),
            ("BuildVersion", Version(10, 0, 20348, 2849)), ("CLRVersion", Version(4, 0, 30319, 42000)),
            ("WSManStackVersion", Version(3, 0)), ("PSRemotingProtocolVersion", Version(2, 3)),
            ("SerializationVersion", Version(1, 1, 0, 1)),
        ])
        g["PID"] = 4242
        g["PSHOME"] = "C:\\Windows\\System32\\WindowsPowerShell\\v1.0"
        g["HOME"] = self.env.get("USERPROFILE", self.cwd)
        g["PSScriptRoot"] = ""
        g["PSCommandPath"] = ""
        g["MaximumHistoryCount"] = 4096
        g["OFS"] = None
        g["PSCulture"] = "en-US"
        g["PSUICulture"] = "en-US"
        g["ExecutionContext"] = None
        self.bound_common: list[dict[str, Any]] = []
        self.pipe_failed = False  # an error record was written in the running pipeline (for `$?`)
        self.call_depth = 0

    # ------------------------------------------------------------ helpers used by members/cmdlets
    def environment(self) -> dict[str, str]:
        return self.env

    def enum_factory(self, type_name: str) -> Any:
        if type_name.lower() == "system.management.automation.actionpreference":
            return ACTION_PREFERENCE
        return self.enums.get(type_name.lower())

    def register_enum(self, factory: Any) -> None:
        self.enums[factory.type_name.lower()] = factory

    def create_script_block(self, text: str) -> ScriptBlockValue:
        root = parse(text)
        return ScriptBlockValue(program_block(root), Source(text), text)

    def file_static(self, low: str, name: str, args: list[Any]) -> Any:
        from simlab.ps.cmdlets import filesystem

        return filesystem.file_static(self, low, name, args)

    # ------------------------------------------------------------ variables
    def lookup_var(self, scope: Scope, name: str) -> tuple[bool, Any]:
        s: Scope | None = scope
        while s is not None:
            if name in s.vars:
                return True, s.vars[name]
            s = s.parent
        return False, None

    def split_var(self, text: str) -> tuple[str | None, str]:
        m = _VAR_RE.match(text)
        if not m:
            return None, text.lstrip("$@")
        return (m.group(1).lower() if m.group(1) else None), m.group(2)

    def get_var(self, scope: Scope, text: str, node: Node | None = None) -> Any:
        qual, name = self.split_var(text)
        low = name.lower()
        if qual == "env":
            return self.env.get(name)
        if qual == "using":
            raise unsupported(node, "the $using: scope modifier") if node is not None else UnsupportedConstruct("$using:", None)
        if low == "true":
            return True
        if low == "false":
            return False
        if low == "null":
            return None
        if low == "psitem":
            name = "_"
        if qual == "global":
            return self.global_scope.vars.get(name)
        if qual == "script":
            return self.script_scope.vars.get(name)
        if qual in ("local", "private"):
            return scope.vars.get(name)
        if low == "pwd":
            return PSObject({"Path": self.cwd, "Drive": self.cwd[:1]}, ["System.Management.Automation.PathInfo"],
                            to_string=lambda: self.cwd)
        if ":" in name and re.match(r"^[A-Za-z]:", name) is None and not qual:
            raise unsupported(node, f"the variable drive ${{{name}}}") if node is not None else UnsupportedConstruct(name, None)
        return self.lookup_var(scope, name)[1]

    def set_var(self, scope: Scope, text: str, value: Any) -> None:
        qual, name = self.split_var(text)
        low = name.lower()
        if qual == "env":
            if value is None or value == "":
                self.env.pop(name, None)
            else:
                self.env[name] = to_string(value)
            return
        if low in ("true", "false", "null"):
            if low == "null":
                return  # $null = ... discards the value
            raise runtime_error(f"Cannot overwrite variable {name} because it is read-only or constant.",
                                "VariableNotWritable", "WriteError", "System.Management.Automation.SessionStateUnauthorizedAccessException")
        if low.endswith("preference") and low in ("erroractionpreference", "progresspreference", "warningpreference",
                                                  "verbosepreference", "debugpreference", "informationpreference"):
            try:
                value = ACTION_PREFERENCE(value if not isinstance(value, str) else value.strip())
            except ValueError as exc:
                raise runtime_error(f"Cannot convert value \"{to_string(value)}\" to type "
                                    f"\"System.Management.Automation.ActionPreference\". Error: \"{exc}\"",
                                    "RuntimeException", "MetadataError",
                                    "System.Management.Automation.ArgumentTransformationMetadataException") from None
        if qual == "global":
            target = self.global_scope
        elif qual == "script":
            target = self.script_scope
        else:
            target = scope
        typed = getattr(target, "typed", {})
        if name in typed:
            value = cast(value, typed[name], self)
        target.vars[name] = value

    def preference(self, scope: Scope, name: str) -> str:
        v = self.get_var(scope, "$" + name)
        return v.name if isinstance(v, PSEnum) else to_string(v)

    # ------------------------------------------------------------ errors
    def record_error(self, rec: ErrorRecord, action: str | None, scope: Scope, error_variable: str | None = None) -> None:
        """A non-terminating error: honour the action preference."""
        action = action or self.preference(scope, "ErrorActionPreference")
        if error_variable:
            add = error_variable.startswith("+")
            vname = error_variable.lstrip("+")
            existing = self.get_var(scope, "$" + vname) if add else None
            lst = ArrayList(as_list(existing) if add else [])
            lst.append(rec)
            self.set_var(scope, "$" + vname, lst)
        s: Scope | None = scope
        while s is not None:  # -ErrorVariable given to an advanced function on the call stack
            ev = getattr(s, "error_variable", None)
            if ev is not None:
                caller, name = ev
                cur = self.get_var(caller, "$" + name.lstrip("+"))
                self.set_var(caller, "$" + name.lstrip("+"), ArrayList([*as_list(cur), rec]))
            s = s.parent
        self.pipe_failed = True  # `$?` is False after the command, whatever the action (about_Automatic_Variables)
        if action == "Ignore":
            return
        if action == "Stop":
            raise ScriptTerminating(rec)
        self.error_list.insert(0, rec)
        self.set_var(self.global_scope, "$?", False)
        if action in ("Continue", "Inquire"):
            if self.merge_targets:  # written to the error stream, which 2>&1 joins to the output
                self.merge_targets[-1](rec)
                return
            self.streams.errors.append(rec)
            if self.streams.on_error:
                self.streams.on_error(rec)

    def report_terminating(self, rec: ErrorRecord) -> None:
        self.error_list.insert(0, rec)
        self.streams.errors.append(rec)
        if self.streams.on_error:
            self.streams.on_error(rec)

    # ------------------------------------------------------------ running
    def run_text(self, text: str, args: list[Any] | None = None, emit: Callable[[Any], None] | None = None) -> list[Any]:
        """Run a whole script at script scope; output goes to ``emit`` as it is produced (or is returned)."""
        root = parse(text)
        source = Source(text)
        block = ScriptBlockValue(program_block(root), source, text)
        return self.invoke_block(block, args or [], scope=self.global_scope, emit=emit, top=True)

    def invoke_block(self, block: ScriptBlockValue, args: list[Any] | None = None, *, scope: Scope | None = None,
                     dollar_under: Any = None, input_items: Iterable[Any] | None = None, dot: bool = False,
                     parent: Scope | None = None, emit: Callable[[Any], None] | None = None, top: bool = False,
                     named_args: dict[str, Any] | None = None, has_dollar_under: bool = False,
                     binder: Binder | None = None) -> list[Any]:
        """Run a script block (child scope unless ``dot``/``scope``) and return or emit its output."""
        self.call_depth += 1
        try:
            return self._invoke_block(block, args, scope=scope, dollar_under=dollar_under, input_items=input_items,
                                      dot=dot, parent=parent, emit=emit, top=top, named_args=named_args,
                                      has_dollar_under=has_dollar_under, binder=binder)
        except RecursionError:
            raise ScriptTerminating(call_depth_overflow()) from None
        finally:
            self.call_depth -= 1

    def _invoke_block(self, block: ScriptBlockValue, args: list[Any] | None, *, scope: Scope | None,
                      dollar_under: Any, input_items: Iterable[Any] | None, dot: bool, parent: Scope | None,
                      emit: Callable[[Any], None] | None, top: bool, named_args: dict[str, Any] | None,
                      has_dollar_under: bool, binder: Binder | None) -> list[Any]:
        if self.call_depth > CALL_DEPTH_LIMIT:
            raise ScriptTerminating(call_depth_overflow())
        if scope is None:
            scope = parent if dot and parent is not None else Scope(parent or self.global_scope)
        out: list[Any] = [] if emit is None else _Emitter(emit)  # type: ignore[assignment]
        if dollar_under is not None or has_dollar_under:
            scope.vars["_"] = dollar_under
        node = block.node
        if node is None:
            return [] if emit is None else []
        items = list(input_items) if input_items is not None else []
        if binder is None:
            params = self.param_defs(node, block.source)
            if params is not None:
                binder = Binder(self, params, None, definition=block.ps_text)
                binder.bind_args([_Arg(None, a) for a in (args or [])] + [_Arg(k, v) for k, v in (named_args or {}).items()],
                                 bool(items))
            else:
                self.bind_script_params(scope, list(args or []), named_args or {})
        if binder is not None:
            binder.apply(scope, parent or self.global_scope, input_items is not None and bool(items))
            scope.vars["args"] = list(binder.unbound)
        scope.vars["input"] = items
        if node.type == "script_block_expression":
            inner = _child(node, "script_block")
            body = inner.child_by_field_name("script_block_body") if inner is not None else None
        else:
            body = node.child_by_field_name("script_block_body")
        try:
            if body is None:
                return out if emit is None else []
            nbl = body.child_by_field_name("named_block_list")
            if nbl is not None:
                blocks = {b.children[0].text.decode().lower(): b for b in named(nbl)}
                for kind in blocks:
                    if kind not in ("begin", "process", "end"):
                        raise unsupported(blocks[kind], f"the '{kind}' block")
                if "begin" in blocks:
                    self.exec_block(blocks["begin"].children[-1], scope, out, block.source)
                if "process" in blocks:
                    for item in (items if input_items is not None else [dollar_under] if has_dollar_under else [None]):
                        scope.vars["_"] = item
                        if binder is not None and input_items is not None and not binder.bind_item(scope, item):
                            continue
                        try:
                            self.exec_block(blocks["process"].children[-1], scope, out, block.source)
                        except ReturnEx:
                            continue
                elif binder is not None and input_items is not None:
                    for item in items:  # no process block: the end block sees the last item bound
                        binder.bind_item(scope, item)
                if "end" in blocks:
                    self.exec_block(blocks["end"].children[-1], scope, out, block.source)
            else:
                if binder is not None and input_items is not None:
                    for item in items:  # a body without named blocks is the end block
                        binder.bind_item(scope, item)
                sl = body.child_by_field_name("statement_list")
                if sl is not None and getattr(block, "is_filter", False):
                    for item in (items if input_items is not None else [None]):
                        scope.vars["_"] = item
                        try:
                            self.exec_statements(sl, scope, out, block.source)
                        except ReturnEx:
                            continue
                elif sl is not None:
                    self.exec_statements(sl, scope, out, block.source, top=top)
        except ReturnEx:
            pass
        return out if emit is None else []

    def param_defs(self, node: Node, source: Source) -> Params | None:
        pb = _child(node, "param_block")
        if pb is None and node.type == "script_block_expression":
            # the parser puts param() on the script_block inside the { } expression
            inner = _child(node, "script_block")
            pb = _child(inner, "param_block") if inner is not None else None
        if pb is None:
            return None
        plist = _child(pb, "parameter_list")
        al = _child(pb, "attribute_list")
        return build_params(self, plist, source, named(al) if al is not None else None)

    def bind_script_params(self, scope: Scope, args: list[Any], named_args: dict[str, Any]) -> None:
        """A script block without param(): everything goes to ``$args`` (named ones as ``-Name:`` text pairs)."""
        scope.vars["args"] = args
        for k, v in named_args.items():
            args.extend([f"-{k}:", v])

    # ------------------------------------------------------------ statements
    def exec_block(self, node: Node, scope: Scope, out: list[Any], source: Source) -> None:
        """A statement_block ``{ ... }``."""
        sl = node.child_by_field_name("statement_list") or _child(node, "statement_list")
        if sl is not None:
            self.exec_statements(sl, scope, out, source)

    def exec_statements(self, node: Node, scope: Scope, out: list[Any], source: Source, top: bool = False) -> None:
        stmts = named(node)
        traps = [st for st in stmts if st.type == "trap_statement"]  # a trap covers its whole statement list
        for st in stmts:
            if st.type == "trap_statement":
                continue
            try:
                self.exec_statement(st, scope, out, source)
            except UnsupportedConstruct as exc:
                if exc.record.script_line is None:
                    exc.record.script_line = line_of(st)
                    exc.record.message = exc.record.message[:-1] + f" at line {line_of(st)}."
                    exc.args = (exc.record.message,)
                raise
            except (PSError, FlowControl, RecursionError, Exception) as raw:
                if isinstance(raw, FlowControl):
                    raise
                exc = raw if isinstance(raw, PSError) else PSError(python_error_record(raw))
                with_position(exc, st, source)
                if traps and self._run_trap(traps, exc.record, scope, out, source):
                    continue
                if isinstance(raw, (ScriptTerminating, RecursionError)):
                    raise (raw if isinstance(raw, ScriptTerminating) else ScriptTerminating(exc.record)) from None
                if self.try_depth > 0 or self.preference(scope, "ErrorActionPreference") == "Stop":
                    raise ScriptTerminating(exc.record) from None
                # statement-terminating error: report it, the script goes on
                self.report_terminating(exc.record)
                self.global_scope.vars["?"] = False

    def _run_trap(self, traps: list[Node], rec: ErrorRecord, scope: Scope, out: list[Any], source: Source) -> bool:
        """about_Trap: the first matching trap runs with ``$_``; ``continue`` resumes silently with the next
        statement, ``break`` rethrows, falling off the end writes the error and resumes. False: no trap matched."""
        chain = [c.lower() for c in exception_chain(rec.exception_type)]
        inner = getattr(rec, "inner_exception", None)
        if inner is not None:
            chain += [c.lower() for c in exception_chain(inner.type_name)]
        handler = None
        for t in traps:
            tl = _child(t, "type_literal")
            if tl is None or canonical_type(type_literal_name(tl)).lower() in chain:
                handler = t
                break
        if handler is None:
            return False
        saved = scope.vars.get("_")
        scope.vars["_"] = rec
        try:
            self.exec_block(_child(handler, "statement_block"), scope, out, source)
        except ContinueEx:
            self.global_scope.vars["?"] = False
            return True
        except BreakEx:
            raise ScriptTerminating(rec) from None
        finally:
            scope.vars["_"] = saved
        self.report_terminating(rec)
        self.global_scope.vars["?"] = False
        return True

    def exec_statement(self, node: Node, scope: Scope, out: list[Any], source: Source) -> None:
        t = node.type
        if t == "pipeline":
            self.exec_pipeline(node, scope, out, source)
        elif t == "empty_statement":
            return
        elif t == "if_statement":
            self.exec_if(node, scope, out, source)
        elif t == "foreach_statement":
            self.exec_foreach(node, scope, out, source)
        elif t == "for_statement":
            self.exec_for(node, scope, out, source)
        elif t == "while_statement":
            self.exec_while(node, scope, out, source)
        elif t == "do_statement":
            self.exec_do(node, scope, out, source)
        elif t == "switch_statement":
            self.exec_switch(node, scope, out, source)
        elif t == "try_statement":
            self.exec_try(node, scope, out, source)
        elif t == "function_statement":
            self.define_function(node, scope, source)
        elif t == "flow_control_statement":
            self.exec_flow(node, scope, out, source)
        elif t == "param_block":
            raise unsupported(node, "a param() block that is not at the start of a script block")
        else:
            raise unsupported(node)

    def exec_pipeline(self, node: Node, scope: Scope, out: list[Any], source: Source) -> None:
        # `$?` reads the previous pipeline's status while this one runs; it is set when this one ends:
        # False if a command of this pipeline wrote an error record. Errors written inside a function it
        # called do not count (PowerShell issues #3629 and #10978), except $PSCmdlet.WriteError().
        outer, self.pipe_failed = self.pipe_failed, False
        try:
            elems = self.pipeline_elements(strip(node)) if strip(node).type == "pipeline" else [strip(node)]
            if len(elems) == 1 and elems[0].type in _INCDEC:
                self.eval(elems[0], scope, source)  # `$i++` as a statement: no output
                return
            # the last command's output goes straight to `out`, so that a function's output and its
            # Write-Host text reach the host in the order they were produced
            for v in self.run_pipeline(node, scope, source, sink=out.append):
                out.append(v)
        finally:
            failed = self.pipe_failed
            self.global_scope.vars["?"] = not failed
            self.pipe_failed = outer

    def exec_if(self, node: Node, scope: Scope, out: list[Any], source: Source) -> None:
        cond = node.child_by_field_name("condition")
        block = _child(node, "statement_block")
        if to_bool(self.eval_pipeline_value(cond, scope, source)):
            self.exec_block(block, scope, out, source)
            return
        eic = node.child_by_field_name("elseif_clauses")
        if eic is not None:
            for clause in named(eic):
                c = clause.child_by_field_name("condition")
                if to_bool(self.eval_pipeline_value(c, scope, source)):
                    self.exec_block(_child(clause, "statement_block"), scope, out, source)
                    return
        ec = node.child_by_field_name("else_clause")
        if ec is not None:
            self.exec_block(_child(ec, "statement_block"), scope, out, source)

    def _loop_body(self, block: Node, scope: Scope, out: list[Any], source: Source, label: str | None) -> bool:
        """Run one iteration; False means break."""
        try:
            self.exec_block(block, scope, out, source)
        except BreakEx as exc:
            if exc.label and exc.label.lower() != (label or "").lower():
                raise
            return False
        except ContinueEx as exc:
            if exc.label and exc.label.lower() != (label or "").lower():
                raise
        return True

    def _label(self, node: Node) -> str | None:
        lab = _child(node, "label")
        return lab.text.decode()[1:] if lab is not None else None

    def exec_foreach(self, node: Node, scope: Scope, out: list[Any], source: Source) -> None:
        var = _child(node, "variable")
        coll = _child(node, "pipeline")
        block = _child(node, "statement_block")
        if any([c.type == "foreach_parameter" for c in node.children]):
            raise unsupported(node, "foreach -parallel")
        value = self.eval_pipeline_value(coll, scope, source)
        items = as_list(value) if not isinstance(value, Hashtable) else [value]
        label = self._label(node)
        for item in items:
            self.set_var(scope, var.text.decode(), item)
            if not self._loop_body(block, scope, out, source, label):
                break

    def exec_for(self, node: Node, scope: Scope, out: list[Any], source: Source) -> None:
        init = node.child_by_field_name("for_initializer")
        cond = node.child_by_field_name("for_condition")
        it = node.child_by_field_name("for_iterator")
        block = _child(node, "statement_block")
        label = self._label(node)
        if init is not None:
            self.exec_statement(strip(init), scope, [], source)
        while cond is None or to_bool(self.eval_pipeline_value(strip(cond), scope, source)):
            if not self._loop_body(block, scope, out, source, label):
                break
            if it is not None:
                self.exec_statement(strip(it), scope, [], source)

    def exec_while(self, node: Node, scope: Scope, out: list[Any], source: Source) -> None:
        cond = node.child_by_field_name("condition")
        block = _child(node, "statement_block")
        label = self._label(node)
        while to_bool(self.eval_pipeline_value(strip(cond), scope, source)):
            if not self._loop_body(block, scope, out, source, label):
                break

    def exec_do(self, node: Node, scope: Scope, out: list[Any], source: Source) -> None:
        cond = node.child_by_field_name("condition")
        block = _child(node, "statement_block")
        until = any([c.type == "until" for c in node.children])
        label = self._label(node)
        while True:
            if not self._loop_body(block, scope, out, source, label):
                break
            v = to_bool(self.eval_pipeline_value(strip(cond), scope, source))
            if v == until:
                break

    def exec_switch(self, node: Node, scope: Scope, out: list[Any], source: Source) -> None:
        mode = "equal"
        case = False
        params = _child(node, "switch_parameters")
        if params is not None:
            for p in named(params):
                word = p.text.decode().lower().lstrip("-")
                if word in ("regex", "wildcard", "exact"):
                    mode = word if word != "exact" else "equal"
                elif word == "casesensitive":
                    case = True
                else:
                    raise unsupported(p, f"switch -{word}")
        cond = _child(node, "switch_condition")
        pipe = _child(cond, "pipeline")
        value = self.eval_pipeline_value(pipe, scope, source)
        items = as_list(value) if is_enumerable(value) else [value]
        body = _child(node, "switch_body")
        clauses_node = _child(body, "switch_clauses")
        clauses = named(clauses_node) if clauses_node is not None else []
        label = self._label(node)
        for item in items:
            matched = False
            default_clause = None
            try:
                for cl in clauses:
                    cnode = _child(cl, "switch_clause_condition")
                    block = _child(cl, "statement_block")
                    inner = strip(cnode)
                    if cnode.text.decode().lower() == "default":
                        default_clause = block
                        continue
                    scope.vars["_"] = item
                    if inner.type == "script_block_expression":
                        ok = to_bool(unwrap(self.invoke_block(self.eval(inner, scope, source), dot=True, parent=scope,
                                                              scope=scope, dollar_under=item, has_dollar_under=True)))
                    else:
                        pattern = self.eval(inner, scope, source) if inner.type not in ("simple_name", "generic_token") else inner.text.decode()
                        if mode == "regex":
                            m = dotnet_regex(to_string(pattern), case).search(to_string(item))
                            ok = m is not None
                            if m:
                                self.set_var(scope, "$Matches", matches_table(m))
                        elif mode == "wildcard":
                            ok = like(item, pattern, case)
                        else:
                            ok = equals(item, pattern, case) if not isinstance(item, (int, float)) or isinstance(pattern, (int, float)) else equals(item, pattern, case)
                    if ok:
                        matched = True
                        scope.vars["_"] = item
                        self.exec_block(block, scope, out, source)
                if not matched and default_clause is not None:
                    scope.vars["_"] = item
                    self.exec_block(default_clause, scope, out, source)
            except BreakEx as exc:
                if exc.label and exc.label.lower() != (label or "").lower():
                    raise
                break
            except ContinueEx as exc:
                if exc.label and exc.label.lower() != (label or "").lower():
                    raise
                continue

    def exec_try(self, node: Node, scope: Scope, out: list[Any], source: Source) -> None:
        block = _child(node, "statement_block")
        catches = _child(node, "catch_clauses")
        fin = _child(node, "finally_clause")
        try:
            self.try_depth += 1
            try:
                self.exec_block(block, scope, out, source)
            finally:
                self.try_depth -= 1
        except UnsupportedConstruct:
            raise
        except PSError as exc:
            rec = exc.record
            handler = None
            for cl in (named(catches) if catches is not None else []):
                tl = _child(cl, "catch_type_list")
                if tl is None:
                    handler = cl
                    break
                names = [canonical_type(type_literal_name(t)).lower() for t in named(tl)]
                chain = [c.lower() for c in exception_chain(rec.exception_type)]
                inner = getattr(rec, "inner_exception", None)
                if inner is not None and rec.exception_type.endswith("MethodInvocationException"):
                    # `catch [System.FormatException]` catches [int]::Parse('x'): the handler search also
                    # looks at the exception a MethodInvocationException wraps
                    chain += [c.lower() for c in exception_chain(inner.type_name)]
                if any([n in chain for n in names]):
                    handler = cl
                    break
            if handler is None:
                if fin is not None:
                    self.exec_block(_child(fin, "statement_block"), scope, out, source)
                raise
            self.error_list.insert(0, rec) if not self.error_list or self.error_list[0] is not rec else None
            saved = scope.vars.get("_")
            scope.vars["_"] = rec
            scope.vars["PSItem"] = rec
            try:
                self.exec_block(_child(handler, "statement_block"), scope, out, source)
            finally:
                scope.vars["_"] = saved
                if fin is not None:
                    self.exec_block(_child(fin, "statement_block"), scope, out, source)
            return
        except FlowControl:
            if fin is not None:
                self.exec_block(_child(fin, "statement_block"), scope, out, source)
            raise
        if fin is not None:
            self.exec_block(_child(fin, "statement_block"), scope, out, source)

    def define_function(self, node: Node, scope: Scope, source: Source) -> None:
        name = _child(node, "function_name").text.decode()
        kw = node.children[0].text.decode().lower()
        if kw in ("workflow", "configuration"):
            raise unsupported(node, f"a '{kw}' definition")
        sb = _child(node, "script_block")
        decl = _child(node, "function_parameter_declaration")
        params = None
        if decl is not None:
            plist = _child(decl, "parameter_list")
            params = build_params(self, plist, source)
        fdef = FunctionDef(name, ScriptBlockValue(sb, source, sb.text.decode() if sb is not None else ""), params)
        fdef.block.is_filter = kw == "filter"  # type: ignore[attr-defined]  # about_Functions: the body is a process block
        qual, bare = self.split_var("$" + name)
        target = self.global_scope if qual in ("global", "script") else scope
        target.functions[bare] = fdef

    def find_function(self, scope: Scope, name: str) -> FunctionDef | None:
        s: Scope | None = scope
        while s is not None:
            if s.functions and name in s.functions:
                return s.functions[name]
            s = s.fn_parent
        return None

    def exec_flow(self, node: Node, scope: Scope, out: list[Any], source: Source) -> None:
        kw = node.children[0].type.lower()
        rest = [c for c in named(node)]
        if kw in ("break", "continue"):
            label = rest[0].text.decode() if rest else None
            raise BreakEx(label) if kw == "break" else ContinueEx(label)
        if kw == "return":
            if rest:
                for v in self.run_pipeline(rest[0], scope, source):
                    out.append(v)
            raise ReturnEx()
        if kw == "exit":
            code = 0
            if rest:
                v = self.eval_pipeline_value(rest[0], scope, source)
                try:
                    code = int(to_number(v))
                except PSError:
                    code = 0
            raise ExitEx(code)
        if kw == "throw":
            if not rest:
                cur = scope.vars.get("_") if "_" in scope.vars else self.lookup_var(scope, "_")[1]
                if isinstance(cur, ErrorRecord):
                    raise ScriptTerminating(cur)
                rec = ErrorRecord("ScriptHalted", "ScriptHalted", "OperationStopped",
                                  "System.Management.Automation.RuntimeException")
                raise with_position(ScriptTerminating(rec), node, source)
            v = self.eval_pipeline_value(rest[0], scope, source)
            if isinstance(v, ErrorRecord):
                raise ScriptTerminating(v)
            if isinstance(v, ExceptionValue):
                rec = v.record if v.record is not None else ErrorRecord(v.message, v.message, "OperationStopped", v.type_name)
                raise with_position(ScriptTerminating(rec), node, source)
            msg = to_string(v)
            rec = ErrorRecord(msg, msg, "OperationStopped", "System.Management.Automation.RuntimeException", target=v)
            raise with_position(ScriptTerminating(rec), node, source)
        raise unsupported(node)

    # ------------------------------------------------------------ pipelines
    def eval_pipeline_value(self, node: Node, scope: Scope, source: Source) -> Any:
        """A pipeline used as a value (conditions, assignment right-hand sides, parentheses)."""
        node = strip(node)
        if node.type in _STATEMENTS:
            out: list[Any] = []
            self.exec_statement(node, scope, out, source)
            return unwrap(out)
        if node.type == "pipeline":
            elems = self.pipeline_elements(node)
            if len(elems) == 1 and elems[0].type == "assignment_expression":
                # `$a = $b = 3`: an assignment used as a value gives the assigned value
                return self.ev_parenthesized_assignment(elems[0], scope, source)
            if len(elems) == 1 and elems[0].type not in ("command", "assignment_expression"):
                return self.eval(elems[0], scope, source)
            return unwrap(list(self.run_pipeline(node, scope, source)))
        if node.type in ("command",):
            return unwrap(list(self.run_command(node, scope, source, None)))
        return self.eval(node, scope, source)

    def pipeline_elements(self, node: Node) -> list[Node]:
        kids = named(node)
        if len(kids) == 1 and kids[0].type == "pipeline_chain":
            chain = kids[0]
            if any([c.type == "pipeline_chain_tail" for c in chain.children]):
                raise unsupported(chain, "the pipeline chain operators && and || (PowerShell 7)")
            return [strip(c) for c in named(chain)]
        return [strip(c) for c in kids]

    def run_pipeline(self, node: Node, scope: Scope, source: Source,
                     sink: Callable[[Any], None] | None = None) -> Iterator[Any]:
        node = strip(node)
        if node.type != "pipeline":
            yield from self.enumerate_value(self.eval(node, scope, source))
            return
        elems = self.pipeline_elements(node)
        stream: Iterator[Any] | None = None
        for i, el in enumerate(elems):
            if el.type == "assignment_expression":
                self.exec_assignment(el, scope, source)
                return
            if el.type == "command":
                stream = self.run_command(el, scope, source, stream, sink if i == len(elems) - 1 else None)
            elif i == 0:
                v = self.eval(el, scope, source)
                if v is None and not self._yields_nothing(el):
                    stream = iter([None])  # `$null | ...` sends one $null down the pipeline; @($null).Count is 1
                else:
                    stream = self.enumerate_value(v)
            else:
                raise unsupported(el, "an expression after '|' in a pipeline")
        if stream is not None:
            yield from stream

    def _yields_nothing(self, el: Node) -> bool:
        """A null from ``(command)`` or ``$(...)`` is "no output" (AutomationNull), not a $null value."""
        if el.type == "sub_expression" or el.type == "array_expression":
            return True
        if el.type == "parenthesized_expression":
            inner = strip(named(el)[0])
            elems = self.pipeline_elements(inner) if inner.type == "pipeline" else [inner]
            return any([e.type == "command" for e in elems]) or inner.type in _STATEMENTS
        if el.type == "redirected_expression":
            return True
        return False

    def enumerate_value(self, v: Any) -> Iterator[Any]:
        if isinstance(v, (list, tuple)):
            yield from v
        elif isinstance(v, (bytes, bytearray)):
            yield from list(v)
        elif v is None:
            return
        else:
            yield v

    # ------------------------------------------------------------ commands
    def run_command(self, node: Node, scope: Scope, source: Source, input_stream: Iterator[Any] | None,
                    sink: Callable[[Any], None] | None = None) -> Iterator[Any]:
        return _command().invoke_command(self, node, scope, source, input_stream, sink)

    # ------------------------------------------------------------ assignment
    def exec_assignment(self, node: Node, scope: Scope, source: Source) -> None:
        target = strip(node.children[0])
        op = _child(node, "assignement_operator").text.decode()
        value_node = node.child_by_field_name("value")
        value = self.eval_pipeline_value(value_node, scope, source)
        type_name = None
        if target.type == "cast_expression":
            type_name = type_literal_name(target.children[0])
            target = strip(target.children[1])
        if op != "=":
            current = self.eval(target, scope, source)
            value = self.binary(op[:-1], current, value, node)
        if type_name:
            value = cast(value, type_name, self)
        self.assign(target, value, scope, source, type_name)

    def assign(self, target: Node, value: Any, scope: Scope, source: Source, type_name: str | None = None) -> None:
        if target.type == "variable":
            text = target.text.decode()
            if type_name:
                if not hasattr(scope, "typed"):
                    scope.typed = {}  # type: ignore[attr-defined]
                scope.typed[self.split_var(text)[1]] = type_name  # type: ignore[attr-defined]
            self.set_var(scope, text, value)
        elif target.type == "member_access":
            obj = self.eval(strip(target.children[0]), scope, source)
            name = self.member_name(target, scope, source)
            if isinstance(obj, list) and not isinstance(obj, ArrayList):
                raise runtime_error(f"The property '{name}' cannot be found on this object. Verify that the property "
                                    "exists and can be set.", "PropertyNotFound")
            set_member(obj, name, value)
        elif target.type == "element_access":
            obj = self.eval(strip(target.children[0]), scope, source)
            idx = self.eval(strip(named(target)[1]), scope, source)
            if isinstance(obj, Hashtable):
                obj[idx] = value
            elif isinstance(obj, list):
                i = int(to_number(idx))
                if not -len(obj) <= i < len(obj):
                    raise runtime_error("Index was outside the bounds of the array.", "IndexOutOfRange",
                                        "InvalidOperation", "System.IndexOutOfRangeException")
                obj[i] = value
            elif isinstance(obj, PSObject):
                set_member(obj, to_string(idx), value)
            elif obj is None:
                raise runtime_error("Cannot index into a null array.", "NullArray")
            else:
                raise runtime_error(f"Unable to index into an object of type {type_name_of(obj)}.", "CannotIndex")
        elif target.type == "array_literal_expression":
            targets = [strip(c) for c in named(target)]
            vals = as_list(value)
            for i, t in enumerate(targets):
                if i == len(targets) - 1:
                    rest = vals[i:]
                    self.assign(t, unwrap(rest) if len(rest) != 1 else rest[0], scope, source)
                else:
                    self.assign(t, vals[i] if i < len(vals) else None, scope, source)
        elif target.type == "parenthesized_expression":
            self.assign(strip(named(target)[0]), value, scope, source)
        elif target.type == "pipeline" and len(named(target)) == 1:
            self.assign(strip(named(target)[0]), value, scope, source)
        else:
            raise unsupported(target, f"assignment to '{target.type}'")

    def member_name(self, node: Node, scope: Scope, source: Source) -> str:
        mn = _child(node, "member_name")
        inner = named(mn)[0] if named(mn) else mn
        if inner.type == "simple_name" or inner is mn:
            return mn.text.decode()
        return to_string(self.eval(inner, scope, source))

    # ------------------------------------------------------------ expressions
    def eval(self, node: Node, scope: Scope, source: Source) -> Any:
        node = strip(node)
        fn = getattr(self, "ev_" + node.type, None)
        if fn is None:
            raise unsupported(node)
        return fn(node, scope, source)

    def ev_pipeline(self, node: Node, scope: Scope, source: Source) -> Any:
        return self.eval_pipeline_value(node, scope, source)

    def ev_redirected_expression(self, node: Node, scope: Scope, source: Source) -> Any:
        """``expr > $null``, ``expr 2>&1``: an expression statement with redirections."""
        value = self.eval(node.children[0], scope, source)
        discard = False
        for r in node.children[1:]:
            op = named(r)[0].str_text
            target = _child(r, "redirected_file_name")
            if target is None:
                continue  # 2>&1 and friends: an expression writes no error records of its own
            tval = self.eval(named(target)[0], scope, source)
            if tval is not None:
                raise unsupported(node, f"redirection '{op}' to a file")
            if op in (">", "1>", "*>", ">>", "1>>", "*>>"):
                discard = True
        return None if discard else value

    def ev_assignment_expression(self, node: Node, scope: Scope, source: Source) -> Any:
        self.exec_assignment(node, scope, source)
        return None

    def ev_command(self, node: Node, scope: Scope, source: Source) -> Any:
        return unwrap(list(self.run_command(node, scope, source, None)))

    def ev_integer_literal(self, node: Node, scope: Scope, source: Source) -> Any:
        return node.value

    ev_real_literal = ev_integer_literal

    def ev_string_literal(self, node: Node, scope: Scope, source: Source) -> Any:
        inner = named(node)[0]
        return self.eval(inner, scope, source)

    def ev_verbatim_string_characters(self, node: Node, scope: Scope, source: Source) -> Any:
        return node.value

    ev_verbatim_here_string_characters = ev_verbatim_string_characters

    def ev_expandable_string_literal(self, node: Node, scope: Scope, source: Source) -> Any:
        return self.expand(node, scope, source, 1, 1, here=False)

    def ev_expandable_here_string_literal(self, node: Node, scope: Scope, source: Source) -> Any:
        return self.expand(node, scope, source, 2, 2, here=True)

    def expand(self, node: Node, scope: Scope, source: Source, open_len: int, close_len: int, here: bool) -> str:
        """An expandable string: literal parts (escapes processed) and ``$var``/``$(...)`` parts."""
        parts: list[str] = []
        for p in node.parts or []:
            if isinstance(p, str):
                parts.append(_unescape(p, here))
            elif p.type == "sub_expression":
                parts.append(to_string(self.ev_sub_expression(p, scope, source), self._ofs(scope)))
            else:
                parts.append(to_string(self.get_var(scope, p.str_text, p), self._ofs(scope)))
        return "".join(parts)

    def _ofs(self, scope: Scope) -> str:
        found, v = self.lookup_var(scope, "OFS")
        return " " if not found or v is None else to_string(v)

    def ev_variable(self, node: Node, scope: Scope, source: Source) -> Any:
        text = node.text.decode("utf-8")
        if text.startswith("@"):
            raise unsupported(node, "splatting outside a command argument")
        return self.get_var(scope, text, node)

    def ev_braced_variable(self, node: Node, scope: Scope, source: Source) -> Any:
        return self.get_var(scope, node.text.decode("utf-8"), node)

    def ev_generic_token(self, node: Node, scope: Scope, source: Source) -> Any:
        return node.str_text

    def ev_array_literal_expression(self, node: Node, scope: Scope, source: Source) -> Any:
        return [self.eval(c, scope, source) for c in named(node)]

    def ev_parenthesized_expression(self, node: Node, scope: Scope, source: Source) -> Any:
        inner = named(node)[0]
        st = strip(inner)
        elems = self.pipeline_elements(st) if st.type == "pipeline" else [st]
        if len(elems) == 1 and elems[0].type == "assignment_expression":
            # `($x = 5)` assigns and outputs the assigned value
            return self.ev_parenthesized_assignment(elems[0], scope, source)
        return self.eval_pipeline_value(inner, scope, source)

    def ev_parenthesized_assignment(self, node: Node, scope: Scope, source: Source) -> Any:
        self.exec_assignment(node, scope, source)
        target = strip(node.children[0])
        if target.type == "cast_expression":
            target = strip(target.children[1])
        return self.eval(target, scope, source) if target.type in ("variable", "braced_variable") else None

    def ev_sub_expression(self, node: Node, scope: Scope, source: Source) -> Any:
        sl = node.child_by_field_name("statements")
        out: list[Any] = []
        if sl is not None:
            self.exec_statements(sl, scope, out, source)
        return unwrap(out)

    def ev_array_expression(self, node: Node, scope: Scope, source: Source) -> Any:
        sl = node.child_by_field_name("statements")
        out: list[Any] = []
        if sl is not None:
            self.exec_statements(sl, scope, out, source)
        return list(out)

    def ev_script_block_expression(self, node: Node, scope: Scope, source: Source) -> Any:
        text = node.text.decode("utf-8")[1:-1]
        return ScriptBlockValue(node, source, text)

    def ev_hash_literal_expression(self, node: Node, scope: Scope, source: Source) -> Any:
        h = Hashtable()
        body = _child(node, "hash_literal_body")
        for entry in (named(body) if body is not None else []):
            knode = strip(entry.children[0])
            if knode.type in ("simple_name", "key_expression"):
                key: Any = knode.text.decode("utf-8")
            else:
                key = self.eval(knode, scope, source)
            vnode = entry.children[2]
            if key in h:
                raise PSError(ErrorRecord(f"Duplicate keys '{to_string(key)}' are not allowed in hash literals.",
                                          "DuplicateKeyInHashLiteral", "ParserError",
                                          "System.Management.Automation.ParseException"))
            h[key] = self.eval_pipeline_value(vnode, scope, source)
        return h

    def ev_type_literal(self, node: Node, scope: Scope, source: Source) -> Any:
        return TypeValue(canonical_type(type_literal_name(node)))

    def ev_cast_expression(self, node: Node, scope: Scope, source: Source) -> Any:
        tname = type_literal_name(node.children[0])
        operand = self.eval(node.children[1], scope, source)
        low = canonical_type(tname).lower()
        if low == "ordered":
            if strip(node.children[1]).type != "hash_literal_expression":
                raise PSError(ErrorRecord("The ordered attribute can be specified only on a hash literal node.",
                                          "OrderedAttributeOnlyOnHashLiteralNode", "ParserError",
                                          "System.Management.Automation.ParseException"))
            return Hashtable(operand.items(), ordered=True)
        return cast(operand, tname, self)

    def ev_expression_with_unary_operator(self, node: Node, scope: Scope, source: Source) -> Any:
        if node.children[0].type == "cast_expression":
            return self.eval(node.children[0], scope, source)
        op = node.children[0].type.lower()
        operand_node = node.children[-1]
        if op == ",":
            return [self.eval(operand_node, scope, source)]
        v = self.eval(operand_node, scope, source)
        if op in ("!", "-not"):
            return not to_bool(v)
        if op == "-":
            n = to_number(v)
            return -n
        if op == "+":
            return to_number(v)
        if op == "-join":
            return "".join(to_string(x) for x in as_list(v))
        if op == "-split":
            return [x for x in re.split(r"\s+", to_string(v).strip()) if x != ""] if to_string(v).strip() else [""]
        if op == "-bnot":
            return ~int(to_number(v))
        raise unsupported(node, f"the unary operator '{op}'")

    def _incdec(self, node: Node, scope: Scope, source: Source, delta: int, post: bool) -> Any:
        target = strip(named(node)[0])
        old = self.eval(target, scope, source)
        new = to_number(old) + delta
        self.assign(target, new, scope, source)
        return old if post else new

    # As values (``$y = $x++``, ``($x++)``, ``$a[$i++]``) these give the old/new value; as a statement
    # they output nothing (exec_pipeline discards them), as in PowerShell.
    def ev_post_increment_expression(self, node: Node, scope: Scope, source: Source) -> Any:
        return self._incdec(node, scope, source, 1, True)

    def ev_post_decrement_expression(self, node: Node, scope: Scope, source: Source) -> Any:
        return self._incdec(node, scope, source, -1, True)

    def ev_pre_increment_expression(self, node: Node, scope: Scope, source: Source) -> Any:
        return self._incdec(node, scope, source, 1, False)

    def ev_pre_decrement_expression(self, node: Node, scope: Scope, source: Source) -> Any:
        return self._incdec(node, scope, source, -1, False)

    def ev_member_access(self, node: Node, scope: Scope, source: Source) -> Any:
        objn = strip(node.children[0])
        op = node.children[1].type
        name = self.member_name(node, scope, source)
        if op == "::":
            if objn.type != "type_literal":
                t = self.eval(objn, scope, source)
                if isinstance(t, TypeValue):
                    return static_property(t.full_name, name, self)
                raise unsupported(node, "'::' on a value that is not a type")
            return self._with_line(lambda: static_property(type_literal_name(objn), name, self), node)
        obj = self.eval(objn, scope, source)
        return self._with_line(lambda: get_member(obj, name), node)

    def _with_line(self, fn: Callable[[], Any], node: Node) -> Any:
        try:
            return fn()
        except UnsupportedConstruct as exc:
            if exc.record.script_line is None:
                exc.record.script_line = line_of(node)
                exc.record.message = exc.record.message[:-1] + f" at line {line_of(node)}."
            raise

    def ev_invokation_expression(self, node: Node, scope: Scope, source: Source) -> Any:
        objn = strip(node.children[0])
        op = node.children[1].type
        name = self.member_name(node, scope, source)
        argl = _child(node, "argument_list")
        ael = argl.child_by_field_name("argument_expression_list")
        args = [self.eval(c, scope, source) for c in named(ael)] if ael is not None else []
        if op == "::":
            tname = type_literal_name(objn) if objn.type == "type_literal" else None
            if tname is None:
                t = self.eval(objn, scope, source)
                if not isinstance(t, TypeValue):
                    raise unsupported(node, "'::' on a value that is not a type")
                tname = t.full_name
            return self._dotnet(lambda: call_static(tname, name, args, self), name, len(args), node)
        obj = self.eval(objn, scope, source)
        if name.lower() in ("foreach", "where") and args and (isinstance(args[0], ScriptBlockValue) or name.lower() == "foreach"):
            return self.magic_method(obj, name.lower(), args, scope, node)
        if isinstance(obj, list) and not isinstance(obj, ArrayList) and name.lower() not in (
                "contains", "indexof", "add", "tostring", "gettype", "clone", "getenumerator", "foreach", "where"):
            # method enumeration over an array (PS 3+)
            return unwrap([self._dotnet(lambda o=o: call_method(o, name, args, self), name, len(args), node) for o in obj])
        return self._dotnet(lambda: call_method(obj, name, args, self), name, len(args), node)

    def _dotnet(self, fn: Callable[[], Any], name: str, nargs: int, node: Node) -> Any:
        """Call a .NET method: an exception it throws surfaces as MethodInvocationException wrapping it."""
        try:
            return self._with_line(fn, node)
        except (UnsupportedConstruct, ScriptTerminating, FlowControl, RecursionError):
            raise
        except PSError as exc:
            rec = exc.record
            if rec.exception_type.startswith("System.Management.Automation.") or getattr(rec, "inner_exception", None):
                raise
            raise PSError(method_invocation_error(name, nargs, rec.exception_type, rec.message)) from None
        except Exception as exc:  # a .NET exception the model raised as a Python one
            _LOG.debug("Python error in a modelled .NET method", exc_info=exc)
            etype, msg = dotnet_exception_for(exc)
            raise PSError(method_invocation_error(name, nargs, etype, msg)) from None

    def ev_invokation_foreach_expression(self, node: Node, scope: Scope, source: Source) -> Any:
        obj = self.eval(strip(node.children[0]), scope, source)
        block = self.eval(node.children[-1], scope, source)
        return self.magic_method(obj, node.children[2].str_text.lower(), [block], scope, node)

    def magic_method(self, obj: Any, low: str, args: list[Any], scope: Scope, node: Node) -> list[Any]:
        """``.ForEach(...)``/``.Where(...)`` on any value (about_Arrays): the result is always a collection."""
        items = list(obj) if isinstance(obj, (list, tuple)) else ([] if obj is None else [obj])
        out: list[Any] = []
        if low == "foreach":
            what = args[0]
            for item in items:
                if isinstance(what, ScriptBlockValue):
                    out.extend(self.invoke_block(what, list(args[1:]), scope=scope, dollar_under=item, has_dollar_under=True))
                else:  # a property name (a method name with arguments is not modelled)
                    if len(args) > 1:
                        raise unsupported(node, ".ForEach('Method', args)")
                    v = get_member(item, to_string(what))
                    out.extend(v if isinstance(v, list) else [v])
            return out
        block = args[0]
        mode = to_string(args[1]).lower() if len(args) > 1 else "default"
        count = int(to_number(args[2])) if len(args) > 2 else 0
        hits = [i for i in items if to_bool(unwrap(self.invoke_block(block, [], scope=scope, dollar_under=i,
                                                                     has_dollar_under=True)))]
        if mode == "default":
            return hits[:count] if count else hits
        if mode == "first":
            return hits[:count or 1]
        if mode == "last":
            return hits[-(count or 1):]
        raise unsupported(node, f".Where() mode '{mode}'")

    def ev_element_access(self, node: Node, scope: Scope, source: Source) -> Any:
        obj = self.eval(node.children[0], scope, source)
        idx = self.eval(named(node)[1], scope, source)
        return index_value(obj, idx)

    def ev_range_expression(self, node: Node, scope: Scope, source: Source) -> Any:
        kids = named(node)
        a = int(to_number(self.eval(kids[0], scope, source)))
        b = int(to_number(self.eval(kids[1], scope, source)))
        return list(range(a, b + 1)) if a <= b else list(range(a, b - 1, -1))

    def ev_format_expression(self, node: Node, scope: Scope, source: Source) -> Any:
        kids = named(node)
        fmt = to_string(self.eval(kids[0], scope, source))
        args = self.eval(kids[-1], scope, source)
        return format_operator(fmt, as_list(args) if isinstance(args, list) else [args])

    def ev_logical_expression(self, node: Node, scope: Scope, source: Source) -> Any:
        left, op, right = node.children[0], node.children[1].type.lower(), node.children[2]
        lv = to_bool(self.eval(left, scope, source))
        if op == "-and":
            return lv and to_bool(self.eval(right, scope, source))
        if op == "-or":
            return lv or to_bool(self.eval(right, scope, source))
        if op == "-xor":
            return lv != to_bool(self.eval(right, scope, source))
        raise unsupported(node, f"the operator '{op}'")

    def ev_bitwise_expression(self, node: Node, scope: Scope, source: Source) -> Any:
        a = int(to_number(self.eval(node.children[0], scope, source)))
        b = int(to_number(self.eval(node.children[2], scope, source)))
        op = node.children[1].type.lower()
        return {"-band": a & b, "-bor": a | b, "-bxor": a ^ b}[op]

    def ev_additive_expression(self, node: Node, scope: Scope, source: Source) -> Any:
        return self.binary(node.children[1].type, self.eval(node.children[0], scope, source),
                           self.eval(node.children[2], scope, source), node)

    ev_multiplicative_expression = ev_additive_expression

    def binary(self, op: str, a: Any, b: Any, node: Node) -> Any:
        return arithmetic(op, a, b)

    def ev_comparison_expression(self, node: Node, scope: Scope, source: Source) -> Any:
        left = self.eval(node.children[0], scope, source)
        op = node.children[1].type.lower()
        rnode = strip(node.children[2])
        if op in ("-is", "-isnot", "-as"):
            tname = type_literal_name(rnode) if rnode.type == "type_literal" else to_string(self.eval(rnode, scope, source))
            if op == "-as":
                try:
                    return cast(left, tname, self)
                except PSError:
                    return None
            r = is_type(left, tname)
            return r if op == "-is" else not r
        right = self.eval(rnode, scope, source)
        return comparison(self, scope, op, left, right)


class _Arg:
    def __init__(self, name: str | None, value: Any) -> None:
        self.name, self.value = name, value
        self.has_value = value is not _SWITCH_PRESENT
        if not self.has_value:
            self.value = None


class _Emitter(list):  # type: ignore[type-arg]
    """An output list that forwards each item as it is produced (top-level streaming to the host)."""

    def __init__(self, emit: Callable[[Any], None]) -> None:
        super().__init__()
        self._emit = emit

    def append(self, item: Any) -> None:
        self._emit(item)


def _default_for(type_name: str | None) -> Any:
    if not type_name:
        return None
    low = canonical_type(type_name).lower()
    if low in ("system.int32", "system.int64", "system.byte", "system.uint32", "system.int16"):
        return 0
    if low in ("system.double", "system.single", "system.decimal"):
        return 0.0
    if low == "system.string":
        return ""
    if low == "system.boolean":
        return False
    if low == "system.guid":
        return _uuid.UUID(int=0)
    if low == "system.datetime":
        return _dt.datetime(1, 1, 1, tzinfo=_dt.timezone.utc)
    return None


_STATEMENTS = {"if_statement", "foreach_statement", "for_statement", "while_statement", "do_statement",
               "switch_statement", "try_statement", "function_statement", "flow_control_statement", "trap_statement"}

_INCDEC = {"post_increment_expression", "post_decrement_expression", "pre_increment_expression",
           "pre_decrement_expression"}


def _command() -> Any:
    """simlab.ps.command (imported late: it imports this module)."""
    global _COMMAND_MODULE
    if _COMMAND_MODULE is None:
        import simlab.ps.command as mod

        _COMMAND_MODULE = mod
    return _COMMAND_MODULE


_COMMAND_MODULE: Any = None


def index_value(obj: Any, idx: Any) -> Any:
    if obj is None:
        raise runtime_error("Cannot index into a null array.", "NullArray")
    if isinstance(obj, Hashtable):
        if isinstance(idx, list):
            return [obj.get(i) for i in idx]
        return obj.get(idx)
    if isinstance(obj, PSObject):
        if isinstance(idx, (int, float)) and not isinstance(idx, bool):
            # a single object indexes as a one-element collection (PS 3+): [0] and [-1] give it back
            return obj if int(idx) in (0, -1) else None
        return obj.get(to_string(idx))
    if isinstance(idx, list):
        out = [index_value(obj, i) for i in idx]
        return [x for x in out if x is not None]
    if isinstance(obj, (list, tuple, str, bytes, bytearray)):
        i = int(to_number(idx))
        if -len(obj) <= i < len(obj):
            return obj[i]
        return None
    i = int(to_number(idx))
    return obj if i in (0, -1) else None


def type_literal_name(node: Node) -> str:
    spec = _child(node, "type_spec")
    return (spec.text if spec is not None else node.text).decode("utf-8").strip("[]") if spec is None else spec.text.decode("utf-8")


def program_block(root: Node) -> Node:
    """The root of a parsed script is a ``program``; treat it like a script_block (param block + body)."""
    return _ProgramBlock(root)  # type: ignore[return-value]


class _ProgramBlock:
    """Adapter giving a ``program`` node the shape of a ``script_block`` node."""

    def __init__(self, root: Node) -> None:
        self.root = root
        self.children = root.children
        self.type = "script_block"

    def child_by_field_name(self, name: str) -> Any:
        if name == "script_block_body":
            return _ProgramBody(self.root)
        return None


class _ProgramBody:
    def __init__(self, root: Node) -> None:
        self.root = root

    def child_by_field_name(self, name: str) -> Any:
        if name == "statement_list":
            return _child(self.root, "statement_list")
        if name == "named_block_list":
            return _child(self.root, "named_block_list")
        return None


_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "0": "\0", "a": "\a", "b": "\b", "f": "\f", "v": "\v", "e": "\x1b",
            "`": "`", "$": "$", '"': '"', "'": "'"}


def _unescape(text: str, here: bool) -> str:
    out = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "`" and i + 1 < len(text):
            n = text[i + 1]
            out.append(_ESCAPES.get(n, n))
            i += 2
            continue
        if c == '"' and not here and i + 1 < len(text) and text[i + 1] == '"':
            out.append('"')
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


_ = (Hashtable, parse_number, dotnet_replacement, compare, api)


# Method arguments (`$p.StartsWith($r + '\')`) use the grammar's *_argument_expression variants, which
# have the same shape as the plain expressions.
for _kind in ("logical", "bitwise", "comparison", "additive", "multiplicative", "format", "range"):
    setattr(Runspace, f"ev_{_kind}_argument_expression", getattr(Runspace, f"ev_{_kind}_expression"))
del _kind
