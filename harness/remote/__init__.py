"""Remote execution: PowerShell templates run over WinRM, JSON results back (docs/remote.md).

Public API: :class:`RemoteHost` (session), :class:`Transport`/:class:`RawResult` (the seam),
:mod:`harness.remote.psjson` (5.1 JSON normalisation), :mod:`harness.remote.events` (listeners).
"""

from harness.remote.events import OperationEvent, add_listener, listening, remove_listener
from harness.remote.session import RemoteHost, connect, reconnect_all
from harness.remote.transport import RawResult, Transport

__all__ = ["OperationEvent", "RawResult", "RemoteHost", "Transport", "add_listener", "connect", "listening", "reconnect_all",
           "remove_listener"]
