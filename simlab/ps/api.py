"""The contract between the simulated PowerShell interpreter and the cmdlets it runs.

Every simulated cmdlet (generic ones in ``simlab.ps.cmdlets``, Hyper-V, WSB, DISM and guest
ones in ``simlab.lab``) is a Python function registered with :func:`cmdlet`. The interpreter
binds parameters (named, unambiguous prefix, alias, positional, switch, pipeline), resolves the
parameter set, calls the function and streams what it yields down the pipeline.

Values that flow through the interpreter are plain Python values with these meanings:

=====================  ===========================================================
PowerShell             Python
=====================  ===========================================================
``$null``              ``None``
bool/int/long/double   ``bool``/``int``/``float``
string                 ``str``
array (object[])       ``list``
hashtable/[ordered]    :class:`Hashtable`
PSCustomObject, .NET   :class:`PSObject` (ordered, case-insensitive properties)
enum                   :class:`PSEnum` (an ``int`` that knows its name and type)
DateTime               ``datetime.datetime`` (timezone-aware, UTC)
TimeSpan               ``datetime.timedelta``
Guid                   ``uuid.UUID``
scriptblock            :class:`ScriptBlockValue` (defined by the interpreter)
=====================  ===========================================================
"""

from __future__ import annotations

import datetime as _dt
import uuid as _uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

# --------------------------------------------------------------------------- values


class PSEnum(int):
    """An enum value: an ``int`` for JSON (PS 5.1 writes enums as numbers), a name for strings."""

    type_name: str
    name: str

    def __new__(cls, value: int, name: str, type_name: str) -> PSEnum:
        obj = super().__new__(cls, value)
        obj.name = name
        obj.type_name = type_name
        return obj

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"{self.type_name}.{self.name}({int(self)})"


def enum_type(type_name: str, members: Mapping[str, int]) -> Callable[[str | int], PSEnum]:
    """Make a factory that turns a name (case-insensitive) or number into a :class:`PSEnum`."""
    by_name = {k.lower(): (k, v) for k, v in members.items()}
    by_value = {v: k for k, v in members.items()}

    def make(value: str | int) -> PSEnum:
        if isinstance(value, PSEnum):
            return PSEnum(int(value), value.name, type_name)
        if isinstance(value, int):
            if value not in by_value:
                raise ValueError(f"{value} is not a valid {type_name}")
            return PSEnum(value, by_value[value], type_name)
        key = str(value).lower()
        if key not in by_name:
            raise ValueError(
                f'Cannot convert value "{value}" to type "{type_name}". Error: "Unable to match the '
                f'identifier name {value} to a valid enumerator name. Specify one of the following '
                f'enumerator names and try again: {", ".join(members)}"'
            )
        name, number = by_name[key]
        return PSEnum(number, name, type_name)

    make.type_name = type_name  # type: ignore[attr-defined]
    make.members = dict(members)  # type: ignore[attr-defined]
    return make


class CaseInsensitiveDict(dict):  # type: ignore[type-arg]
    """Ordered dict with case-insensitive string keys that keeps the first spelling of each key."""

    def __init__(self, items: Iterable[tuple[Any, Any]] | Mapping[Any, Any] = ()) -> None:
        super().__init__()
        self._canon: dict[Any, Any] = {}
        pairs = items.items() if isinstance(items, Mapping) else items
        for k, v in pairs:
            self[k] = v

    @staticmethod
    def _fold(key: Any) -> Any:
        return key.lower() if isinstance(key, str) else key

    def __setitem__(self, key: Any, value: Any) -> None:
        folded = self._fold(key)
        if folded in self._canon:
            key = self._canon[folded]
        else:
            self._canon[folded] = key
        super().__setitem__(key, value)

    def __getitem__(self, key: Any) -> Any:
        return super().__getitem__(self._canon.get(self._fold(key), key))

    def __delitem__(self, key: Any) -> None:
        folded = self._fold(key)
        real = self._canon.pop(folded, key)
        super().__delitem__(real)

    def __contains__(self, key: object) -> bool:
        return self._fold(key) in self._canon

    def get(self, key: Any, default: Any = None) -> Any:
        return self[key] if key in self else default

    def pop(self, key: Any, *default: Any) -> Any:
        if key in self:
            value = self[key]
            del self[key]
            return value
        if default:
            return default[0]
        raise KeyError(key)

    def canonical(self, key: str) -> str | None:
        """The spelling under which ``key`` is stored, or None."""
        return self._canon.get(self._fold(key))


class Hashtable(CaseInsensitiveDict):
    """``@{}`` (``ordered=False``: key order not preserved by ConvertTo-Json in 5.1) or ``[ordered]@{}``."""

    def __init__(self, items: Iterable[tuple[Any, Any]] | Mapping[Any, Any] = (), ordered: bool = False) -> None:
        super().__init__(items)
        self.ordered = ordered


class PSObject:
    """A PowerShell object: type names (most derived first) and ordered, case-insensitive properties.

    ``ref`` is a hidden link to the model object it was made from (a simulated VM, switch, file,
    ...), so that cmdlets receiving the object (``Stop-VM -VM $vm``, ``$vm | Remove-VM``) act on
    the live model. ``methods`` maps method names (case-insensitive) to Python callables for the
    few .NET methods the templates call on such objects.
    """

    __slots__ = ("type_names", "props", "ref", "methods", "to_string")

    def __init__(
        self,
        props: Mapping[str, Any] | Iterable[tuple[str, Any]] = (),
        type_names: Iterable[str] = ("System.Management.Automation.PSCustomObject", "System.Object"),
        ref: Any = None,
        methods: Mapping[str, Callable[..., Any]] | None = None,
        to_string: Callable[[], str] | None = None,
    ) -> None:
        self.type_names = list(type_names)
        self.props = CaseInsensitiveDict(props)
        self.ref = ref
        self.methods = CaseInsensitiveDict(methods or {})
        self.to_string = to_string

    @property
    def type_name(self) -> str:
        return self.type_names[0] if self.type_names else "System.Object"

    def __getitem__(self, name: str) -> Any:
        return self.props[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self.props.get(name, default)

    def __repr__(self) -> str:
        return f"PSObject({self.type_name}, {dict(self.props)!r})"


def is_custom_object(obj: Any) -> bool:
    """A ``[pscustomobject]`` (also after a remoting round trip, as ``Deserialized.`` PSCustomObject)."""
    if not isinstance(obj, PSObject):
        return False
    names = obj.type_names
    if names and names[0].startswith("Selected.") and "System.Management.Automation.PSCustomObject" in names[1:2]:
        return True  # Select-Object's output: Selected.<input type>, then PSCustomObject
    return obj.type_name in (
        "System.Management.Automation.PSCustomObject", "Deserialized.System.Management.Automation.PSCustomObject")


# --------------------------------------------------------------------------- errors

ERROR_CATEGORIES = (
    "NotSpecified OpenError CloseError DeviceError DeadlockDetected InvalidArgument InvalidData "
    "InvalidOperation InvalidResult InvalidType MetadataError NotImplemented NotInstalled "
    "ObjectNotFound OperationStopped OperationTimeout SyntaxError ParserError PermissionDenied "
    "ResourceBusy ResourceExists ResourceUnavailable ReadError WriteError FromStdErr SecurityError "
    "ProtocolError ConnectionError AuthenticationError LimitsExceeded QuotaExceeded NotEnabled"
).split()


@dataclass
class ErrorRecord:
    """What ``$_`` holds in a catch block and what the CLIXML error stream carries."""

    message: str
    error_id: str = "NotSpecified"  # first part of FullyQualifiedErrorId
    category: str = "NotSpecified"  # ErrorCategory name
    exception_type: str = "System.Management.Automation.RuntimeException"
    target: Any = None
    command: str | None = None  # e.g. "Import-VM"; FQID becomes "<id>,<command's .NET type>"
    command_type: str | None = None  # e.g. "Microsoft.HyperV.PowerShell.Commands.ImportVM"
    script_line: int | None = None
    hresult: int | None = None

    @property
    def fully_qualified_error_id(self) -> str:
        if self.command_type:
            return f"{self.error_id},{self.command_type}"
        return self.error_id


class PSError(Exception):
    """A terminating error raised inside the interpreter or by a cmdlet (``ThrowTerminatingError``)."""

    def __init__(self, record: ErrorRecord) -> None:
        super().__init__(record.message)
        self.record = record


class CmdletError(PSError):
    """Convenience for cmdlets: ``raise CmdletError("text", "OperationFailed", "InvalidOperation", exc)``.

    The interpreter fills in ``command``/``command_type`` from the registration.
    """

    def __init__(
        self,
        message: str,
        error_id: str = "NotSpecified",
        category: str = "NotSpecified",
        exception_type: str = "System.Management.Automation.RuntimeException",
        target: Any = None,
        hresult: int | None = None,
    ) -> None:
        super().__init__(ErrorRecord(message, error_id, category, exception_type, target, hresult=hresult))


class UnsupportedConstruct(PSError):
    """The script used something outside the simulated subset: fails loudly, naming construct and line."""

    def __init__(self, construct: str, line: int | None) -> None:
        where = f" at line {line}" if line is not None else ""
        super().__init__(
            ErrorRecord(
                f"The simulated lab does not support {construct}{where}.",
                "SimulatorUnsupportedConstruct",
                "NotImplemented",
                "System.NotSupportedException",
                script_line=line,
            )
        )


# --------------------------------------------------------------------------- machines


class Machine(Protocol):
    """Whatever a runspace runs on: the Hyper-V host, a guest OS, WinPE. Implemented in simlab.lab."""

    computer_name: str

    @property
    def fs(self) -> Any:  # simlab.winfs.WinFS
        ...

    @property
    def clock(self) -> Any:  # simlab.clock.SimClock
        ...

    def modules(self) -> set[str]:
        """Names of PowerShell modules whose cmdlets exist here (e.g. {'Hyper-V', 'WindowsServerBackup'})."""
        ...

    def environment(self) -> dict[str, str]:
        """Process environment variables (``$env:`` and cmd's %VAR%)."""
        ...


# --------------------------------------------------------------------------- cmdlets


@dataclass(frozen=True)
class Param:
    """One cmdlet parameter as the interpreter binds it.

    ``sets`` empty means the parameter belongs to every parameter set. ``mandatory_in`` lists the
    sets in which it is mandatory (``("*",)`` = all its sets). ``kind`` is used for coercion:
    'any', 'string', 'string[]', 'int', 'long', 'bool', 'switch', 'datetime', 'guid', 'scriptblock',
    'hashtable', 'object', 'object[]', or an enum factory made by :func:`enum_type`. ``remaining``
    (ValueFromRemainingArguments, e.g. ``Write-Host 'a' 'b'``) binds all unclaimed positional values.
    """

    name: str
    kind: Any = "any"
    position: int | None = None
    aliases: tuple[str, ...] = ()
    sets: tuple[str, ...] = ()
    mandatory_in: tuple[str, ...] = ()
    from_pipeline: bool = False
    from_pipeline_by_property_name: bool = False
    remaining: bool = False  # ValueFromRemainingArguments: takes every positional value left over, as a list


@dataclass
class Bound:
    """Parameters as bound for one invocation (canonical names), the chosen set and pipeline input."""

    values: dict[str, Any]
    parameter_set: str
    input: list[Any] = field(default_factory=list)  # only for pipeline='all'

    def __contains__(self, name: str) -> bool:
        return name in self.values

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)

    def switch(self, name: str) -> bool:
        return bool(self.values.get(name, False))


class Context(Protocol):
    """What a cmdlet can reach while it runs. Provided by the interpreter."""

    machine: Machine
    command_name: str

    def write_error(self, record: ErrorRecord) -> None:
        """A non-terminating error (honours -ErrorAction / $ErrorActionPreference)."""
        ...

    def write_warning(self, text: str) -> None: ...

    def write_verbose(self, text: str) -> None: ...

    def write_host(self, text: str) -> None: ...

    def write_progress(self, activity: str, status: str, percent: int) -> None: ...

    def get_variable(self, name: str) -> Any: ...

    def set_variable(self, name: str, value: Any) -> None: ...

    def invoke(self, block: Any, args: list[Any] | None = None, dollar_under: Any = None) -> list[Any]:
        """Run a script block in a child scope and return its output."""
        ...

    def run_on(self, machine: Machine, block: Any, args: list[Any] | None = None) -> list[Any]:
        """Run a script block in a fresh runspace on another machine (PowerShell Direct, remoting)."""
        ...


CmdletFn = Callable[[Context, Bound], Iterable[Any] | Iterator[Any] | None]


@dataclass(frozen=True)
class CmdletSpec:
    name: str
    fn: CmdletFn
    params: tuple[Param, ...]
    module: str  # 'Microsoft.PowerShell.Utility', 'Hyper-V', 'WindowsServerBackup', 'Dism', ...
    command_type: str  # .NET class, for FullyQualifiedErrorId
    default_set: str | None
    pipeline: str  # 'none' | 'per-item' | 'all'
    aliases: tuple[str, ...]


REGISTRY: dict[str, CmdletSpec] = {}  # keys lower-cased, aliases included
CORE_MODULES = frozenset(
    {"Microsoft.PowerShell.Core", "Microsoft.PowerShell.Utility", "Microsoft.PowerShell.Management",
     "Microsoft.PowerShell.Security", "CimCmdlets"}
)


def cmdlet(
    name: str,
    params: Iterable[Param] = (),
    *,
    module: str = "Microsoft.PowerShell.Utility",
    command_type: str | None = None,
    default_set: str | None = None,
    pipeline: str = "none",
    aliases: Iterable[str] = (),
) -> Callable[[CmdletFn], CmdletFn]:
    """Register a simulated cmdlet. ``pipeline='per-item'`` calls ``fn`` once per input object with
    the ``from_pipeline`` parameter bound to it; ``'all'`` calls it once with ``Bound.input``."""

    def register(fn: CmdletFn) -> CmdletFn:
        verb, _, noun = name.partition("-")
        spec = CmdletSpec(
            name=name,
            fn=fn,
            params=tuple(params),
            module=module,
            command_type=command_type or f"Microsoft.PowerShell.Commands.{verb}{noun.replace('-', '')}Command",
            default_set=default_set,
            pipeline=pipeline,
            aliases=tuple(aliases),
        )
        for key in (name, *spec.aliases):
            REGISTRY[key.lower()] = spec
        return fn

    return register


def lookup(name: str, machine: Machine | None) -> CmdletSpec | None:
    """The cmdlet called ``name`` if its module is available on ``machine`` (module-qualified names allowed)."""
    module_prefix, sep, bare = name.rpartition("\\")
    spec = REGISTRY.get((bare if sep else name).lower())
    if spec is None:
        return None
    if sep and module_prefix.lower() != spec.module.lower():
        return None
    if spec.module in CORE_MODULES or machine is None:
        return spec
    return spec if spec.module in machine.modules() else None


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> _dt.datetime:
    """A UTC DateTime value (helper for models and tests)."""
    return _dt.datetime(year, month, day, hour, minute, second, tzinfo=_dt.timezone.utc)


def new_guid() -> _uuid.UUID:
    return _uuid.uuid4()


# --------------------------------------------------------------------------- PowerShell Direct

#: Resolvers for ``Invoke-Command``/``Enter-PSSession``/``New-PSSession -VMName``: ``fn(host, vm_name, credential)``
#: returns the guest ``Machine`` to run on, or raises :class:`CmdletError` with Windows' text (VM off, not a single VM,
#: bad credential). Registered by simlab.lab.guest_cmdlets; the interpreter's Invoke-Command calls the first.
POWERSHELL_DIRECT: list[Callable[[Machine, str, Any], Machine]] = []


# --------------------------------------------------------------------------- network shares

#: Logon checks for ``New-PSDrive -Root \\server\share [-Credential]``: ``fn(machine, share_root, user, password)``
#: returns None when the hook does not know the share, ``""`` when the logon is accepted, or the Win32 error text
#: Windows gives (e.g. ``"Access is denied"``). Registered by the lab (simlab.lab.share_access); a share no hook
#: knows is reached with the session's own access, as before.
SHARE_LOGON: list[Callable[[Machine, str, str | None, str | None], str | None]] = []
