"""Microsoft.PowerShell.Core / Utility cmdlets about commands and variables."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from simlab.ps import api
from simlab.ps.api import Bound, CmdletError, Param, PSObject, cmdlet
from simlab.ps.values import as_list, like, to_string

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


_REMOTE_SETS = ("VMName", "VMId")


@cmdlet("Invoke-Command", [Param("ScriptBlock", "scriptblock", 0, mandatory_in=("*",)),
                           Param("ArgumentList", "object[]", aliases=("Args",)),
                           Param("NoNewScope", "switch", sets=("InProcess",)),
                           Param("InputObject", "any", from_pipeline=True),
                           Param("VMName", "string[]", sets=("VMName",), mandatory_in=("VMName",)),
                           Param("VMId", "guid[]", sets=("VMId",), mandatory_in=("VMId",)),
                           Param("Credential", "object", sets=_REMOTE_SETS + ("ComputerName",),
                                 mandatory_in=_REMOTE_SETS),
                           Param("ConfigurationName", "string", sets=_REMOTE_SETS + ("ComputerName",)),
                           Param("ComputerName", "string[]", sets=("ComputerName",), aliases=("Cn",)),
                           Param("Session", "object[]", sets=("Session",)),
                           Param("ConnectionUri", "string[]", sets=("ComputerName",))],
        module=CORE, aliases=("icm",), pipeline="all", default_set="InProcess")
def invoke_command(ctx: Any, b: Bound) -> Iterator[Any]:
    """Invoke-Command: local (child scope / -NoNewScope) or PowerShell Direct (-VMName/-VMId, see remoting.py)."""
    args = list(b.get("ArgumentList") or [])
    if b.parameter_set == "InProcess":
        if b.switch("NoNewScope"):
            yield from ctx.rs.invoke_block(b.get("ScriptBlock"), args, dot=True, parent=ctx.scope, scope=ctx.scope,
                                           input_items=b.input or None)
            return
        yield from ctx.rs.invoke_block(b.get("ScriptBlock"), args, parent=ctx.scope, input_items=b.input or None)
        return
    if b.parameter_set not in _REMOTE_SETS:
        raise api.UnsupportedConstruct(
            "Invoke-Command -ComputerName/-Session/-ConnectionUri (WinRM remoting from inside the simulated lab; "
            "only PowerShell Direct with -VMName/-VMId is modelled)", None)
    if b.get("ConfigurationName") is not None:
        raise api.UnsupportedConstruct("Invoke-Command -ConfigurationName", None)
    if not api.POWERSHELL_DIRECT:
        raise api.UnsupportedConstruct("Invoke-Command -VMName on a machine without a PowerShell Direct model "
                                       "(no resolver in api.POWERSHELL_DIRECT)", None)
    from simlab.ps.remoting import run_remote
    resolve = api.POWERSHELL_DIRECT[0]
    targets = list(b.get("VMName") or []) if b.parameter_set == "VMName" else \
        [_vm_name_of(ctx, vm_id) for vm_id in b.get("VMId") or []]
    for name in targets:
        if isinstance(name, api.ErrorRecord):  # a VMId that names no VM
            ctx.write_error(name)
            continue
        try:
            guest = resolve(ctx.machine, name, b.get("Credential"))
        except api.PSError as exc:  # VM missing/off, no guest answering, bad credential: that VM is skipped
            ctx.write_error(exc.record)
            continue
        for kind, item in run_remote(guest, b.get("ScriptBlock"), args, ctx.rs, name, b.input or None):
            if kind == "err":
                ctx.write_error(item)
            else:
                yield item


def _vm_name_of(ctx: Any, vm_id: Any) -> Any:
    """The name of the VM with this id on the host (host models keep VMs in ``.vms`` with ``.id``/``.name``)."""
    hits = [vm for vm in getattr(ctx.machine, "vms", {}).values()
            if str(getattr(vm, "id", getattr(vm, "vm_id", ""))).lower() == str(vm_id).lower()]
    if len(hits) == 1:
        return hits[0].name
    return api.ErrorRecord(f"The input VMId {vm_id} does not resolve to a single virtual machine.",
                           "InvalidVMIdNotSingle", "InvalidArgument", "System.ArgumentException", target=vm_id)


#: Versions Get-Module -ListAvailable shows on Windows Server 2022 [UNVERIFIED except Hyper-V 2.0.0.0]; others 1.0.0.0.
MODULE_VERSIONS = {"hyper-v": "2.0.0.0", "dism": "3.0", "storage": "2.0.0.0", "microsoft.powershell.management": "3.1.0.0",
                   "microsoft.powershell.utility": "3.1.0.0", "microsoft.powershell.security": "3.0.0.0"}
MODULE_ROOT = "C:\\Windows\\system32\\WindowsPowerShell\\v1.0\\Modules"


def _module_info(name: str) -> PSObject:
    from simlab.ps.values import Version
    version = Version(*[int(x) for x in MODULE_VERSIONS.get(name.lower(), "1.0.0.0").split(".")])
    commands = api.Hashtable((s.name, s.name) for k, s in sorted(api.REGISTRY.items())
                             if s.module.lower() == name.lower() and k == s.name.lower())
    base = f"{MODULE_ROOT}\\{name}"
    return PSObject([("Name", name), ("Version", version), ("ModuleType", "Manifest"), ("Path", f"{base}\\{name}.psd1"),
                     ("ModuleBase", base), ("ExportedCommands", commands)],
                    ["System.Management.Automation.PSModuleInfo", "System.Object"], to_string=lambda: name)


@cmdlet("Get-Module", [Param("Name", "string[]", 0), Param("ListAvailable", "switch"), Param("All", "switch")],
        module=CORE, aliases=("gmo",))
def get_module(ctx: Any, b: Bound) -> Iterator[Any]:
    """``Get-Module -ListAvailable [-Name X]``: the machine's modules (``machine.modules()``) plus the core ones.

    Without -ListAvailable PowerShell lists the modules imported into the session (auto-loading included),
    which the simulator does not track: that form fails loudly.
    """
    if not b.switch("ListAvailable"):
        raise api.UnsupportedConstruct("Get-Module without -ListAvailable (imported modules are not tracked)", None)
    names = sorted(set(ctx.machine.modules()) | (set(api.CORE_MODULES) - {"Microsoft.PowerShell.Core"}),
                   key=str.lower)
    patterns = b.get("Name") or ["*"]
    for name in names:
        if any(like(name, p) for p in patterns):
            yield _module_info(name)


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
