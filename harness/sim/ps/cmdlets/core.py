"""Microsoft.PowerShell.Core / Utility cmdlets about commands and variables."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from harness.sim.ps import api
from harness.sim.ps.api import Bound, CmdletError, Param, PSObject, cmdlet
from harness.sim.ps.values import as_list, like, to_string

CORE = "Microsoft.PowerShell.Core"


@cmdlet("Get-Command", [Param("Name", "string[]", 0), Param("Module", "string[]"),
                        Param("CommandType", "string")], module=CORE, aliases=("gcm",))
def get_command(ctx: Any, b: Bound) -> Iterator[Any]:
    names = b.get("Name") or ["*"]
    modules = [m.lower() for m in (b.get("Module") or [])]
    seen = set()
    for pattern in names:
        found = False
        if "*" not in pattern and "?" not in pattern:
            spec = api.lookup(pattern, ctx.machine)
            candidates = [spec] if spec is not None else []
        else:
            candidates = [s for k, s in sorted(api.REGISTRY.items()) if like(s.name, pattern)
                          and api.lookup(s.name, ctx.machine) is not None]
        for spec in candidates:
            if modules and spec.module.lower() not in modules:
                continue
            if spec.name in seen:
                continue
            seen.add(spec.name)
            found = True
            yield PSObject({"Name": spec.name, "CommandType": "Cmdlet", "ModuleName": spec.module,
                            "Source": spec.module}, ["System.Management.Automation.CmdletInfo"],
                           to_string=lambda s=spec: s.name)
        if not found and "*" not in pattern and "?" not in pattern:
            ctx.write_error(api.ErrorRecord(
                f"The term '{pattern}' is not recognized as the name of a cmdlet, function, script file, or operable "
                "program. Check the spelling of the name, or if a path was included, verify that the path is correct "
                "and try again.", "CommandNotFoundException", "ObjectNotFound",
                "System.Management.Automation.CommandNotFoundException", target=pattern))


@cmdlet("Invoke-Command", [Param("ScriptBlock", "scriptblock", 0, mandatory_in=("*",)),
                           Param("ArgumentList", "object[]"), Param("NoNewScope", "switch"),
                           Param("InputObject", "any", from_pipeline=True)], module=CORE, aliases=("icm",),
        pipeline="all")
def invoke_command(ctx: Any, b: Bound) -> Iterator[Any]:
    yield from ctx.rs.invoke_block(b.get("ScriptBlock"), list(b.get("ArgumentList") or []), parent=ctx.scope,
                                   input_items=b.input or None)


@cmdlet("Get-Variable", [Param("Name", "string[]", 0), Param("ValueOnly", "switch"), Param("Scope", "string")],
        module="Microsoft.PowerShell.Utility", aliases=("gv",))
def get_variable(ctx: Any, b: Bound) -> Iterator[Any]:
    for name in b.get("Name") or []:
        found, value = ctx.rs.lookup_var(ctx.scope, name)
        if not found:
            ctx.write_error(api.ErrorRecord(f"Cannot find a variable with the name '{name}'.", "VariableNotFound",
                                            "ObjectNotFound", "System.Management.Automation.ItemNotFoundException",
                                            target=name))
            continue
        yield value if b.switch("ValueOnly") else PSObject({"Name": name, "Value": value},
                                                           ["System.Management.Automation.PSVariable"])


@cmdlet("Set-Variable", [Param("Name", "string", 0, mandatory_in=("*",)), Param("Value", "any", 1),
                         Param("Scope", "string"), Param("Option", "string")], module="Microsoft.PowerShell.Utility",
        aliases=("sv", "set"))
def set_variable(ctx: Any, b: Bound) -> None:
    scope = (b.get("Scope") or "").lower()
    prefix = {"global": "global:", "script": "script:"}.get(scope, "")
    if scope and scope not in ("global", "script", "local"):
        raise CmdletError(f"The scope number '{scope}' exceeds the number of active scopes.", "ArgumentOutOfRange",
                          "InvalidArgument", "System.ArgumentOutOfRangeException")
    ctx.rs.set_var(ctx.scope, "$" + prefix + b.get("Name"), b.get("Value"))


_ = (as_list, to_string)
