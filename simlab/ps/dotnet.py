"""Which .NET types the lab models, and how a type it does not model fails: as on Windows for a type
that does not exist (``Unable to find type [X].``, TypeNotFound, RuntimeException). A type the lab
models but whose member it lacks still fails loudly (UnsupportedConstruct), naming the member.
"""

from __future__ import annotations

from simlab.ps.api import ErrorRecord, PSError

# Full names (lower case) with static members or constructors in simlab.ps.members, besides the
# accelerators of members.TYPE_ALIASES.
_HANDLED = {
    "system.convert", "system.datetime", "system.double", "system.enum", "system.environment", "system.guid",
    "system.io.file", "system.io.path", "system.management.automation.scriptblock", "system.math", "system.net.dns",
    "system.string", "system.stringcomparison", "system.text.encoding", "system.text.regularexpressions.regex",
    "system.timespan", "system.version", "system.management.automation.pscredential", "system.collections.arraylist",
    "system.collections.hashtable", "system.object", "system.array", "system.char", "system.int32", "system.int64",
}


def type_not_found(type_name: str) -> PSError:
    rec = ErrorRecord(f"Unable to find type [{type_name}].", "TypeNotFound", "InvalidOperation",
                      "System.Management.Automation.RuntimeException", target=type_name)
    return PSError(rec)


def is_modelled(type_name: str, interp: object | None = None) -> bool:
    from simlab.ps.members import TYPE_ALIASES, canonical_type
    full = canonical_type(type_name)
    low = full.lower()
    if low.endswith("[]"):
        return is_modelled(full[:-2], interp)
    known = {v.lower() for v in TYPE_ALIASES.values()} | set(TYPE_ALIASES)
    if low in known or low in _HANDLED or low.endswith("exception"):
        return True
    factory = getattr(interp, "enum_factory", None)
    return bool(factory and factory(full) is not None)


def missing_member_error(type_name: str, interp: object | None = None) -> PSError | None:
    """TypeNotFound for a type the lab does not model; None when the type is modelled."""
    return None if is_modelled(type_name, interp) else type_not_found(type_name)
