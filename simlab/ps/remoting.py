"""PowerShell remoting as the caller sees it: run a block on another machine, get deserialized results.

Used by ``Invoke-Command -VMName`` (PowerShell Direct). What Windows PowerShell 5.1 does, and what we copy:

* The block runs in a fresh runspace on the target (the caller's variables and preferences do not travel;
  ``-ArgumentList`` values do). Host output (Write-Host) and warnings reach the caller's host.
* Output objects come back serialized and deserialized: a PSObject keeps its properties but loses its
  methods and its link to the live object, its type names get the prefix ``Deserialized.``, and it gains
  the note properties ``PSComputerName`` (the VM name for PowerShell Direct), ``RunspaceId`` and
  ``PSShowComputerName`` — which ``ConvertTo-Json`` then shows, as on Windows. The serialization depth
  is 1: a property of a returned object that is itself an object comes back as its string form
  (``@{a=1}`` for a PSCustomObject); hashtables and arrays stay containers [UNVERIFIED: their nested
  objects are also turned into strings here]. Primitive values (string, numbers, bool, DateTime,
  Guid, enums) come back as themselves; the note properties Windows attaches to them are not modelled.
* Errors in the remote block (non-terminating ones, and a terminating one, which also ends the remote
  block) are written by Invoke-Command as non-terminating errors in the caller, so the caller's
  ``-ErrorAction``/``$ErrorActionPreference`` decide. The record keeps message, FullyQualifiedErrorId,
  category and target; its exception is ``System.Management.Automation.RemoteException`` (what
  ``$_.Exception.GetType()`` shows), the CategoryInfo reason stays the original exception's name, and
  the console form ends with ``+ PSComputerName : <name>`` and has no ``At line:`` part.
"""

from __future__ import annotations

import copy
import uuid as _uuid
from typing import Any

from simlab.ps import api
from simlab.ps.api import ErrorRecord, Hashtable, PSError, PSObject, UnsupportedConstruct
from simlab.ps.interp import BreakEx, ContinueEx, ExitEx, Runspace, ScriptBlockValue, Streams
from simlab.ps.values import ArrayList, to_string

REMOTE_EXCEPTION = "System.Management.Automation.RemoteException"
SERIALIZATION_DEPTH = 1


def run_remote(machine: api.Machine, block: ScriptBlockValue, args: list[Any] | None, caller: Runspace | None,
               computer_name: str, input_items: list[Any] | None = None) -> list[tuple[str, Any]]:
    """Run ``block`` on ``machine``; the events in order: ``("out", deserialized object)`` / ``("err", record)``.

    :class:`UnsupportedConstruct` raised on the target propagates (a simulator gap stays loud).
    """
    events: list[tuple[str, Any]] = []
    runspace_id = _uuid.uuid4()
    streams = Streams()
    if caller is not None:
        streams.host = caller.streams.host
        streams.on_warning = caller.streams.on_warning
        streams.on_progress = None
    streams.on_error = lambda rec: events.append(("err", remote_error(rec, computer_name)))
    rs = Runspace(machine, streams, None)
    emit = lambda item: events.append(("out", deserialize(item, computer_name, runspace_id)))  # noqa: E731
    try:
        rs.invoke_block(ScriptBlockValue(block.node, block.source, block.ps_text), list(args or []),
                        scope=rs.global_scope, emit=emit, top=True, input_items=input_items)
    except UnsupportedConstruct:
        raise
    except PSError as exc:  # a terminating error ends the remote block; the caller sees an error record
        events.append(("err", remote_error(exc.record, computer_name)))
    except (ExitEx, BreakEx, ContinueEx):
        pass
    return events


def remote_error(rec: ErrorRecord, computer_name: str) -> ErrorRecord:
    """The caller's copy of an error raised on the remote side."""
    out = copy.copy(rec)
    out.remote_reason = getattr(rec, "remote_reason", None) or rec.exception_type.rsplit(".", 1)[-1]  # type: ignore[attr-defined]
    out.computer_name = computer_name  # type: ignore[attr-defined]
    out.exception_type = REMOTE_EXCEPTION
    out.command = rec.command or ""  # "" keeps Invoke-Command from claiming the error
    out.command_type = rec.command_type or ""
    out.position = ()  # type: ignore[attr-defined]  # no "At line:" for remote errors
    return out


def deserialize(value: Any, computer_name: str | None, runspace_id: _uuid.UUID | None, depth: int = 0) -> Any:
    """A value after the remoting round trip (``computer_name`` set only for top-level output objects)."""
    if isinstance(value, PSObject):
        if depth >= SERIALIZATION_DEPTH:
            return to_string(value)
        text = to_string(value)
        names = [n if n.startswith("Deserialized.") else "Deserialized." + n for n in value.type_names]
        obj = PSObject([(k, deserialize(v, None, None, depth + 1)) for k, v in value.props.items()], names,
                       to_string=None if value.to_string is None else (lambda: text))
        if computer_name is not None:
            obj.props["PSComputerName"] = computer_name
            obj.props["RunspaceId"] = runspace_id
            obj.props["PSShowComputerName"] = True
        return obj
    if isinstance(value, Hashtable):
        return Hashtable([(k, deserialize(v, None, None, depth + 1)) for k, v in value.items()], ordered=value.ordered)
    if isinstance(value, ArrayList):
        return ArrayList([deserialize(v, None, None, depth + 1) for v in value])
    if isinstance(value, list):
        return [deserialize(v, None, None, depth + 1) for v in value]
    if isinstance(value, ScriptBlockValue):
        return value.ps_text  # script blocks come back as strings
    return value
