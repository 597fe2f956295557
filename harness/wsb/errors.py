"""WSB error codes → what they mean, and the exceptions the WSB flows raise (one place).

Sources: reference/hyperv-powershell.md §4.3, seed 002 (error table), DESIGN.md §2. A meaning the
reference could not confirm is marked ``verified=False`` and its text says so: the harness never
presents a guess as fact.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from harness.errors import LabError, RestoreDefect


@dataclass(frozen=True)
class WsbCode:
    """One known HRESULT: symbolic name (if any), meaning, first action, and whether it is confirmed."""

    code: int
    name: str
    meaning: str
    action: str
    verified: bool = True
    source: str = ""


CODES: Mapping[int, WsbCode] = {c.code: c for c in (
    WsbCode(0x800423F4, "VSS_E_WRITERERROR_NONRETRYABLE",
            "a VSS writer reported a non-retryable (non-transient) error; retrying the backup will fail again",
            "run `vssadmin list writers`, restart the failed writer's service (e.g. SQL Server) and check its log",
            source="vsserror.h; reference §4.3; seed 002"),
    WsbCode(0x800423F3, "VSS_E_WRITERERROR_RETRYABLE",
            "a VSS writer reported a transient error; a retry may succeed",
            "retry; if it repeats, check `vssadmin list writers`", source="vsserror.h; reference §4.3"),
    WsbCode(0x800423F0, "VSS_E_WRITERERROR_INCONSISTENTSNAPSHOT",
            "a VSS writer (often the Hyper-V writer) reported an inconsistent shadow copy",
            "check the Hyper-V VSS writer and the guest's integration services", source="reference §4.3"),
    WsbCode(0x80780119, "",
            "not enough space for the volume shadow copy on a SOURCE volume (typically the small System Reserved "
            "partition), not on the backup target",
            "free space or add shadow storage on the source volume (`vssadmin list shadowstorage`)",
            source="reference §4.3 [COMM]; seed 002"),
    WsbCode(0x807800C5, "",
            "preparing the backup image failed: the backup location could not be accessed or written "
            "(share access or permissions, an offline target) or a source partition is too small",
            "check the share's permissions for the backup credential and that the target is reachable",
            source="reference §4.3 [COMM]; seed 002"),
    WsbCode(0x80780166, "",
            "backup target not found (meaning UNVERIFIED: not confirmed in public Microsoft sources; seed 002 "
            "reads it as 'the specified backup location cannot be found')",
            "check that the target volume/share exists and its drive letter has not changed",
            verified=False, source="seed 002 only; reference §4.3 says unverified"),
    WsbCode(0x80070005, "E_ACCESSDENIED", "access is denied", "check the account's rights on the path",
            source="winerror.h"),
    WsbCode(0x800700AA, "ERROR_BUSY",
            "the host's Windows Server Backup is busy: it runs one backup or recovery job at a time and another "
            "one (a scheduled backup, another run) is running",
            "wait for that job to end (Get-WBJob shows it) or stop it (`wbadmin stop job`), then run again",
            verified=False, source="winerror.h (ERROR_BUSY); the one-job rule: Windows Backup events 20/518 "
                                   "(blbevents.dll); that the WB cmdlets report it with this code is UNVERIFIED"),
)}

ERROR_BUSY = 0x800700AA  # the host's WSB is running another job

_HEX = re.compile(r"0x[0-9A-Fa-f]{8}")


def hex32(value: int) -> str:
    """An HRESULT as ``0x%08X`` (signed Int32 values from WSB objects included)."""
    return f"0x{int(value) & 0xFFFFFFFF:08X}"


def unsigned(value: int) -> int:
    """The unsigned 32-bit form of an HRESULT (``-2139619131`` → ``0x807800C5``)."""
    return int(value) & 0xFFFFFFFF


def explain(value: int) -> str:
    """``0x807800C5 (...meaning...; next: ...)`` for a known code, ``0x........ (unknown WSB code)`` otherwise."""
    code = CODES.get(unsigned(value))
    if code is None:
        return f"{hex32(value)} (not in the harness's table of WSB codes; look it up in the WSB event log)"
    name = f"{code.name}: " if code.name else ""
    return f"{hex32(value)} ({name}{code.meaning}; next: {code.action})"


def codes_in(text: str) -> list[int]:
    """HRESULTs written as 0x........ in a message, in order, without repeats."""
    seen: list[int] = []
    for m in _HEX.findall(text or ""):
        v = int(m, 16)
        if v not in seen:
            seen.append(v)
    return seen


def code_of_error(details: Mapping[str, Any], message: str) -> int | None:
    """The HRESULT of a failed remote WSB call: the ``hresult`` our templates add, else one in the text.
    Generic COM/.NET codes (E_FAIL, COR_E_*) are skipped in favour of a WSB/VSS code in the message."""
    for key in ("hresult", "HResult"):
        raw = details.get(key)
        if isinstance(raw, int) and raw != 0 and unsigned(raw) in CODES:
            return unsigned(raw)
    found = codes_in(message)
    known = [c for c in found if c in CODES]
    if known:
        return known[0]
    raw = details.get("hresult")
    if isinstance(raw, int) and raw != 0 and unsigned(raw) not in (0x80004005, 0x80131500, 0x80131509):
        return unsigned(raw)
    return found[0] if found else None


# ----------------------------------------------------------------------------- exceptions


class WsbNotInstalled(LabError):
    """The Windows-Server-Backup feature (WindowsServerBackup module) is missing on the lab host."""


class WsbEngineBusy(LabError):
    """The host's Windows Server Backup is running another job (it runs one at a time)."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class BackupTargetUnavailable(LabError):
    """The backup target cannot be read: share access denied, target not found, host cannot reach it."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class ManifestError(LabError):
    """The content manifest named by the scenario is missing or unreadable: the restore cannot be verified."""


class BackupNotFound(RestoreDefect):
    """No backup set on the target matches the scenario's selection policy."""


class ItemNotInBackup(RestoreDefect):
    """A file/folder or VM the scenario restores is not in the chosen backup set."""


class WsbJobFailed(RestoreDefect):
    """A WSB recovery job ended with an error: ``code`` is its HRESULT (DetailedHResult if set)."""

    def __init__(self, message: str, code: int | None = None, job: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.job = job


class WsbJobTimeout(RestoreDefect):
    """A WSB recovery job did not finish within the scenario's timeout (it may still run on the host)."""
