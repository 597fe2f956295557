"""The pywinrm transport: WinRS over WS-Management through ``winrm.protocol.Protocol``.

Why the low-level Protocol and not ``winrm.Session``: one shell per host reused for every command
(``Session`` opens and closes one per call), code page 65001 (UTF-8), the script on stdin (no
8,191-character cmd.exe limit), and a deadline of our own around ``get_command_output_raw``
(pywinrm's ``get_command_output`` polls through WinRM operation timeouts forever).

Faults are sorted into: transient (HTTP 500/502/503 without a SOAP fault, connection reset or
refused, read timeout) - retried with bounded exponential backoff, but a command is re-run only if
it had not started or the caller marked it idempotent; a dead shell - reopened; everything else
(bad credentials, WS-Man faults) - raised at once as :class:`~harness.errors.TransportError`.
Credentials are handed to pywinrm and never logged.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import requests
from winrm.exceptions import (
    InvalidCredentialsError,
    WinRMError,
    WinRMOperationTimeoutError,
    WinRMTransportError,
    WSManFaultError,
)
from winrm.protocol import Protocol

from harness.errors import RemoteTimeout, TransportError
from harness.remote.transport import RawResult
from harness.secrets import Credential, redact

log = logging.getLogger(__name__)

TRANSIENT_HTTP_CODES = frozenset({500, 502, 503})
# WS-Man fault codes meaning "this shell is gone" (ERROR_WSMAN_SHELL_NOT_FOUND / invalid selectors).
SHELL_GONE_FAULTS = frozenset({2150858843, 2150858842})


class _NotStarted(Exception):
    """Internal: a transient fault before the command started (safe to re-run)."""


def is_transient(exc: BaseException) -> bool:
    """True for faults worth retrying: HTTP 500/502/503 (no SOAP fault), resets, refused, read timeouts."""
    if isinstance(exc, WSManFaultError):
        return False
    if isinstance(exc, WinRMTransportError):
        return exc.code in TRANSIENT_HTTP_CODES
    if isinstance(exc, (requests.exceptions.ConnectionError, requests.exceptions.Timeout,
                        requests.exceptions.ChunkedEncodingError, ConnectionResetError)):
        return True
    return False


def is_shell_gone(exc: BaseException) -> bool:
    """True if the WS-Man fault says the shell no longer exists (idle timeout, service restart)."""
    if not isinstance(exc, WSManFaultError):
        return False
    if exc.wsman_fault_code in SHELL_GONE_FAULTS:
        return True
    return "shell was not found" in (exc.reason or "").lower()


def protocol_options(host: Any, credential: Credential | None) -> dict[str, Any]:
    """Keyword arguments for ``winrm.protocol.Protocol`` from an inventory host and a credential."""
    opts: dict[str, Any] = {
        "endpoint": host.endpoint,
        "transport": host.auth,
        "server_cert_validation": "validate" if host.cert_validation else "ignore",
        "read_timeout_sec": host.read_timeout_sec,
        "operation_timeout_sec": host.operation_timeout_sec,
        "message_encryption": "auto",
    }
    if host.ca_bundle:
        opts["ca_trust_path"] = host.ca_bundle
    if host.auth == "certificate":
        opts["cert_pem"] = host.client_cert
        opts["cert_key_pem"] = host.client_key
    elif credential is not None:
        opts["username"] = credential.username
        opts["password"] = credential.password
    return opts


class WinRMTransport:
    """One host, one reusable WinRS shell (code page 65001), commands fed through stdin."""

    def __init__(
        self,
        host: Any,
        credential: Credential | None,
        *,
        protocol_factory: Callable[..., Any] = Protocol,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        max_retries: int = 4,
        backoff_base: float = 1.0,
        backoff_max: float = 30.0,
        progress_every: int = 3,
    ) -> None:
        self.host_name = host.name
        self._options = protocol_options(host, credential)
        self._factory = protocol_factory
        self._clock = clock
        self._sleep = sleep
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.progress_every = max(1, progress_every)
        self._protocol: Any = None
        self._shell_id: str | None = None
        self._lock = threading.RLock()
        self.shells_opened = 0  # for diagnostics and tests

    # ------------------------------------------------------------------ shell management

    def _proto(self) -> Any:
        if self._protocol is None:
            try:
                self._protocol = self._factory(**self._options)
            except (WinRMError, ValueError) as exc:  # bad option combination, missing auth extra
                raise TransportError(f"cannot set up WinRM to {self.host_name}: {redact(str(exc))}",
                                     host=self.host_name) from None
        return self._protocol

    def _shell(self) -> str:
        if self._shell_id is None:
            self._shell_id = self._proto().open_shell(codepage=65001, noprofile=True)
            self.shells_opened += 1
            log.debug("opened WinRS shell on %s", self.host_name)
        return self._shell_id

    def _drop_shell(self) -> None:
        self._shell_id = None

    def close(self) -> None:
        """Close the shell (best effort; the host reaps it after its idle timeout anyway)."""
        with self._lock:
            if self._shell_id is not None and self._protocol is not None:
                try:
                    self._protocol.close_shell(self._shell_id)
                except Exception as exc:  # closing is best effort
                    log.debug("closing shell on %s failed: %s", self.host_name, redact(str(exc)))
            self._shell_id = None
            self._protocol = None

    # ------------------------------------------------------------------ running

    def run(
        self, command_line: str, stdin: bytes | None, deadline: float, *,
        label: str = "", idempotent: bool = False,
    ) -> RawResult:
        """Run ``command_line`` in the host's shell, feed ``stdin``, collect output until done."""
        label = label or command_line.split(" ", 1)[0]
        with self._lock:
            attempt = 0
            while True:
                try:
                    return self._run_once(command_line, stdin, deadline, label)
                except _NotStarted as wrapped:
                    cause = wrapped.__cause__
                    assert cause is not None
                    attempt += 1
                    self._backoff_or_raise(cause, attempt, deadline, label, "before it started")
                except TransportError:
                    raise
                except Exception as exc:
                    if not (is_transient(exc) or is_shell_gone(exc)):
                        raise self._wrap(exc, label) from None
                    if not idempotent:
                        raise TransportError(
                            f"{label} on {self.host_name}: the connection failed while the command was "
                            f"running ({type(exc).__name__}); not re-run because the operation is not "
                            f"marked idempotent: {redact(str(exc))}", host=self.host_name, template=label,
                        ) from None
                    attempt += 1
                    self._backoff_or_raise(exc, attempt, deadline, label, "while it was running (idempotent: re-run)")

    def _backoff_or_raise(self, exc: BaseException, attempt: int, deadline: float, label: str, when: str) -> None:
        if is_shell_gone(exc) or not is_transient(exc):
            self._drop_shell()
        if attempt > self.max_retries:
            raise TransportError(
                f"{label} on {self.host_name}: gave up after {self.max_retries} retries; last fault "
                f"{when}: {type(exc).__name__}: {redact(str(exc))}", host=self.host_name, template=label,
            ) from None
        delay = min(self.backoff_max, self.backoff_base * (2 ** (attempt - 1)))
        remaining = deadline - self._clock()
        if remaining <= delay:
            raise RemoteTimeout(
                f"{label} on {self.host_name}: deadline reached while retrying a transient fault "
                f"({type(exc).__name__}: {redact(str(exc))})", host=self.host_name, template=label,
            ) from None
        log.warning("transient fault on %s %s (%s: %s); retry %d/%d in %.1f s", self.host_name, when,
                    type(exc).__name__, redact(str(exc)), attempt, self.max_retries, delay)
        self._sleep(delay)

    def _wrap(self, exc: BaseException, label: str) -> TransportError:
        if isinstance(exc, InvalidCredentialsError):
            user = self._options.get("username") or "(certificate)"
            msg = (f"authentication to {self.host_name} failed for user {user!r} "
                   f"({self._options['transport']}): check the credential reference in the inventory")
        else:
            msg = f"{label} on {self.host_name}: {type(exc).__name__}: {redact(str(exc))}"
        return TransportError(msg, host=self.host_name, template=label)

    def _run_once(self, command_line: str, stdin: bytes | None, deadline: float, label: str) -> RawResult:
        started = self._clock()
        if started >= deadline:
            raise RemoteTimeout(f"{label} on {self.host_name}: deadline passed before it started",
                                host=self.host_name, template=label, elapsed=0.0)
        proto = self._proto()
        try:
            shell_id = self._shell()
            command_id = proto.run_command(shell_id, command_line)
        except Exception as exc:
            if is_shell_gone(exc):
                self._drop_shell()
                raise _NotStarted() from exc
            if is_transient(exc):
                raise _NotStarted() from exc
            raise
        try:
            if stdin is not None:
                proto.send_command_input(shell_id, command_id, stdin, end=True)
            return self._collect(proto, shell_id, command_id, started, deadline, label)
        except BaseException:
            self._terminate(proto, shell_id, command_id)
            raise

    def _collect(self, proto: Any, shell_id: str, command_id: str, started: float, deadline: float,
                 label: str) -> RawResult:
        stdout: list[bytes] = []
        stderr: list[bytes] = []
        polls = 0
        receive_faults = 0
        while True:
            now = self._clock()
            if now >= deadline:  # _run_once signals terminate on the way out
                elapsed = now - started
                raise RemoteTimeout(
                    f"{label} on {self.host_name} did not finish within {elapsed / 60:.1f} min "
                    f"(deadline); the command was signalled to terminate", host=self.host_name,
                    template=label, elapsed=elapsed, deadline=deadline - started,
                )
            try:
                out, err, exit_code, done = proto.get_command_output_raw(shell_id, command_id)
            except WinRMOperationTimeoutError:
                polls += 1  # normal for long operations: no output within operation_timeout_sec
                if polls % self.progress_every == 0:
                    log.info("still waiting for %s on %s: %d min elapsed", label, self.host_name,
                             int((self._clock() - started) // 60))
                continue
            except Exception as exc:
                # A lost Receive response: ask again (the command keeps running on the host).
                if is_transient(exc) and receive_faults < self.max_retries:
                    receive_faults += 1
                    delay = min(self.backoff_max, self.backoff_base * (2 ** (receive_faults - 1)))
                    if deadline - self._clock() > delay:
                        log.warning("transient fault receiving %s output from %s (%s); retry %d/%d",
                                    label, self.host_name, type(exc).__name__, receive_faults, self.max_retries)
                        self._sleep(delay)
                        continue
                raise
            stdout.append(out)
            stderr.append(err)
            if done:
                self._cleanup(proto, shell_id, command_id)
                return RawResult(b"".join(stdout), b"".join(stderr), int(exit_code))

    def _cleanup(self, proto: Any, shell_id: str, command_id: str) -> None:
        try:
            proto.cleanup_command(shell_id, command_id)
        except Exception as exc:  # the command is done; a failed cleanup only leaks a handle
            log.debug("cleanup of a finished command on %s failed: %s", self.host_name, redact(str(exc)))

    def _terminate(self, proto: Any, shell_id: str, command_id: str) -> None:
        """Signal terminate (WinRS ``cleanup_command``) so the remote process does not keep running."""
        try:
            proto.cleanup_command(shell_id, command_id)
        except Exception as exc:
            log.warning("could not signal terminate to a command on %s: %s", self.host_name, redact(str(exc)))
            if is_shell_gone(exc) or is_transient(exc):
                self._drop_shell()
