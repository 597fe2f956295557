"""The exception hierarchy of restore-harness (one place).

Three families matter for the exit code and the report category:

* :class:`LabError` - the run could not audit (host unreachable, preflight failed, timeout):
  exit code 3, "lab/infrastructure problem".
* :class:`RestoreDefect` - the restore itself is broken (what the test exists to find): exit code 1.
* :class:`UsageError` / :class:`InventoryError` - bad input from the user: exit code 4 (``validate``
  exits 2).

:class:`TransportError` (WinRM could not carry the operation) is a :class:`LabError`.
:class:`RemoteScriptError` is what a template reported as ``{"ok":false,...}``; callers decide whether
it is a lab problem or a restore defect (it is neither by itself).
"""

from __future__ import annotations

from typing import Any


class HarnessError(Exception):
    """Base class of every error the harness raises on purpose."""


class UsageError(HarnessError):
    """Wrong command-line use or a request the harness refuses (exit code 4)."""


class InventoryError(UsageError):
    """The inventory file is invalid. ``str(err)`` is a complete, user-facing message."""

    def __init__(self, message: str, issues: list[Any] | None = None) -> None:
        super().__init__(message)
        self.issues = list(issues or [])


class SecretError(UsageError):
    """A credential reference could not be resolved (env var unset, keyring entry missing)."""


class LabError(HarnessError):
    """The lab could not be audited (host unreachable, preflight failed): exit code 3."""


class LabSafetyError(LabError):
    """The harness refused to touch something (host not marked ``lab_only``, foreign resource)."""


class RestoreDefect(HarnessError):
    """The restore did not produce a healthy result (exit code 1)."""


# ----------------------------------------------------------------------------- remote execution


class TransportError(LabError):
    """WinRM could not carry an operation (connection, authentication, HTTP error, shell died)."""

    def __init__(self, message: str, *, host: str | None = None, template: str | None = None) -> None:
        super().__init__(message)
        self.host = host
        self.template = template


class CertificateError(TransportError):
    """The host's TLS certificate is not trusted: never retried; the message says how to trust the lab's CA."""


class LabBusyError(LabError):
    """Another run holds the lab host (its lock under the scratch root) or the run id is already used."""


class RemoteTimeout(TransportError):
    """An operation ran past its deadline; the remote command was signalled to terminate."""

    def __init__(
        self, message: str, *, host: str | None = None, template: str | None = None,
        elapsed: float | None = None, deadline: float | None = None,
    ) -> None:
        super().__init__(message, host=host, template=template)
        self.elapsed = elapsed
        self.deadline = deadline


class RemoteProtocolError(TransportError):
    """The script ran but returned no parseable result between the sentinels."""

    def __init__(
        self, message: str, *, host: str | None = None, template: str | None = None,
        exit_code: int | None = None, stdout: str = "", stderr: str = "",
    ) -> None:
        super().__init__(message, host=host, template=template)
        self.exit_code = exit_code
        self.stdout = stdout
        self.stderr = stderr


class RemoteScriptError(HarnessError):
    """A template reported ``{"ok": false, "error": {...}}`` (a PowerShell error record).

    Attributes mirror the record: ``type`` (.NET exception type), ``message``, ``fqid``
    (FullyQualifiedErrorId), ``category`` (CategoryInfo.Category name), ``target``, ``line``.
    """

    def __init__(
        self, message: str, *, type: str = "", fqid: str = "", category: str = "",
        target: str | None = None, line: int | None = None, host: str | None = None,
        template: str | None = None, details: dict[str, Any] | None = None,
    ) -> None:
        where = f"{template} on {host}: " if template and host else ""
        super().__init__(f"{where}{message}")
        self.message = message
        self.type = type
        self.fqid = fqid
        self.category = category
        self.target = target
        self.line = line
        self.host = host
        self.template = template
        self.details = details or {}


class RemoteNotFound(RemoteScriptError):
    """The object does not exist (ObjectNotFound / *NotFound* FQIDs / ItemNotFoundException)."""


class RemoteAlreadyExists(RemoteScriptError):
    """The object already exists (ResourceExists / *AlreadyExists* / *Duplicate*)."""


class RemoteAccessDenied(RemoteScriptError):
    """Permission denied (PermissionDenied / UnauthorizedAccessException / *AccessDenied*)."""


class RemoteNotInstalled(RemoteScriptError):
    """A needed role, feature, module or cmdlet is missing (CommandNotFoundException, ...)."""


# ----------------------------------------------------------------------------- classification


def problem_kind(exc: BaseException) -> str:
    """What an error means for the run, in ONE place: ``"lab"`` (the run could not audit: a
    :class:`LabError`, or a role/module/cmdlet missing on the host, :class:`RemoteNotInstalled`),
    ``"defect"`` (a :class:`RestoreDefect` or a failed assertion about the restored system) or
    ``"harness"`` (anything else: usage error or bug). The CLI and the pytest plugin map these to
    exit codes 3, 1 and 4 and the report categories "Lab problems", "Restore defects", "Harness errors"."""
    if isinstance(exc, (LabError, RemoteNotInstalled)):
        return "lab"
    if isinstance(exc, (RestoreDefect, AssertionError)):
        return "defect"
    return "harness"


LAB_PROBLEM = "Lab problem:"


def mark_lab_problem(exc: BaseException) -> None:
    """Put "Lab problem:" at the front of a lab error's message (once), so that the report category
    rule (harness.evidence.allure_env.CATEGORIES) and the run record tell it from a harness error."""
    if problem_kind(exc) != "lab" or not exc.args or not isinstance(exc.args[0], str):
        return
    if not exc.args[0].startswith(LAB_PROBLEM):
        exc.args = (f"{LAB_PROBLEM} {exc.args[0]}", *exc.args[1:])
