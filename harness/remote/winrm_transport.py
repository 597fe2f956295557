"""The pywinrm transport: WinRS over WS-Management through ``winrm.protocol.Protocol``.

Why the low-level Protocol and not ``winrm.Session``: one shell per host reused for every command
(``Session`` opens and closes one per call), code page 65001 (UTF-8), the script on stdin (no
8,191-character cmd.exe limit), and a deadline of our own around ``get_command_output_raw``
(pywinrm's ``get_command_output`` polls through WinRM operation timeouts forever).

Faults are sorted by :mod:`harness.remote.failures`: transient (HTTP 500/502/503 without a SOAP
fault, connection reset or refused, read timeout) - retried with bounded exponential backoff, but a
command is re-run only if it had not started or the caller marked it idempotent; a dead shell -
reopened; an untrusted TLS certificate - raised at once as :class:`~harness.errors.CertificateError`
with how to trust the lab's CA; everything else raised at once as
:class:`~harness.errors.TransportError` with a one-line description.

A session that saw anything but a clean answer or a complete WS-Management fault (an interrupt, a
cut or garbled answer, an HTTP error page) is thrown away with its shell: the next command, and
:meth:`WinRMTransport.reconnect` (teardown after Ctrl-C), start on a new HTTP session and a new
shell. Reusing it is what turned an interrupted request into ``Bad HTTP response ... Code 400``
during teardown (issue 13). Credentials are handed to pywinrm and never logged.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from winrm.exceptions import InvalidCredentialsError, WinRMError, WinRMOperationTimeoutError
from winrm.protocol import Protocol

from harness.errors import CertificateError, RemoteTimeout, TransportError
from harness.inventory.models import RetryPolicy
from harness.remote.failures import (
    MALFORMED_ANSWER_TYPES,
    TRANSIENT_HTTP_CODES,
    MalformedAnswer,
    certificate_advice,
    describe,
    is_certificate_error,
    is_shell_gone,
    is_transient,
    keeps_session,
)
from harness.remote.transport import RawResult
from harness.secrets import Credential, redact, reveal

log = logging.getLogger(__name__)

__all__ = ["TRANSIENT_HTTP_CODES", "WinRMTransport", "is_shell_gone", "is_transient", "protocol_options"]


_DEFAULT_RETRY = RetryPolicy()  # for a host object without a `retry` policy (tests, user code)


def _environment_read_once(protocol: Any) -> None:
    """Let the pywinrm session read the proxy environment when it is built (as pywinrm does: an
    ``HTTPS_PROXY``/``NO_PROXY`` set for the run still applies), and not again on every request.
    requests re-reads it per request by iterating ``os.environ``, which fails (``KeyError``) when
    another thread changes the environment meanwhile, as pytest does with ``PYTEST_CURRENT_TEST``
    around every test while drill workers send requests."""
    transport = getattr(protocol, "transport", None)
    build = getattr(transport, "build_session", None)
    if not callable(build):
        return

    def build_session() -> Any:
        session = build()
        session.trust_env = False
        return session

    transport.build_session = build_session


class _NotStarted(Exception):
    """Internal: a transient fault before the command started (safe to re-run)."""


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
        opts["password"] = reveal(credential.password)  # the one place it is unwrapped
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
        max_retries: int | None = None,
        backoff_base: float | None = None,
        backoff_max: float | None = None,
        progress_every: int = 3,
    ) -> None:
        self.host_name = host.name
        self.endpoint: str = str(getattr(host, "endpoint", host.name))
        self.ca_bundle: str | None = getattr(host, "ca_bundle", None)
        self._host = host
        self._credential = credential
        self._options = protocol_options(host, None)  # without the password: built per session
        self._factory = protocol_factory
        self._clock = clock
        self._sleep = sleep
        # the inventory's retry policy (hosts[].retry), unless the caller gives its own values
        policy = getattr(host, "retry", None) or _DEFAULT_RETRY
        self.max_retries: int = policy.retries if max_retries is None else max_retries
        self.backoff_base: float = policy.backoff_sec if backoff_base is None else backoff_base
        self.backoff_max: float = policy.max_backoff_sec if backoff_max is None else backoff_max
        self.progress_every = max(1, progress_every)
        self._protocol: Any = None
        self._shell_id: str | None = None
        self._lock = threading.RLock()
        self.shells_opened = 0  # for diagnostics and tests
        self.sessions_opened = 0  # HTTP sessions (pywinrm Protocol objects) built
        self.sessions_discarded = 0
        self._abandoned: list[tuple[str, str]] = []  # (shell id, command id) left running by an interrupt

    # ------------------------------------------------------------------ session and shell

    def _proto(self) -> Any:
        if self._protocol is None:
            try:
                self._protocol = self._factory(**protocol_options(self._host, self._credential))
            except (WinRMError, ValueError) as exc:  # bad option combination, missing auth extra
                raise TransportError(f"cannot set up WinRM to {self.host_name}: {redact(str(exc))}",
                                     host=self.host_name) from None
            self.sessions_opened += 1
            _environment_read_once(self._protocol)
        return self._protocol

    def _call(self, operation: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call a pywinrm method; an answer its parser chokes on becomes :class:`MalformedAnswer`."""
        try:
            return fn(*args, **kwargs)
        except MALFORMED_ANSWER_TYPES as exc:
            raise MalformedAnswer(operation, exc) from exc

    def _shell(self) -> str:
        if self._shell_id is None:
            proto = self._proto()
            self._shell_id = self._call("Create (open shell)", proto.open_shell, codepage=65001, noprofile=True)
            self.shells_opened += 1
            log.debug("opened WinRS shell on %s", self.host_name)
        return self._shell_id

    def _drop_shell(self) -> None:
        self._shell_id = None

    def _discard_session(self, why: str) -> None:
        """Forget the HTTP session and its shell without another request over them."""
        proto, self._protocol, self._shell_id = self._protocol, None, None
        if proto is None:
            return
        self.sessions_discarded += 1
        log.debug("discarding the WinRM session to %s (%s)", self.host_name, why)
        try:
            proto.transport.close_session()  # closes pooled sockets; sends nothing
        except Exception as exc:  # best effort: the object is dropped anyway
            log.debug("closing the HTTP session to %s failed: %s", self.host_name, redact(str(exc)))

    def close(self) -> None:
        """Close the shell (best effort; the host reaps it after its idle timeout anyway)."""
        with self._lock:
            if self._shell_id is not None and self._protocol is not None:
                try:
                    self._protocol.close_shell(self._shell_id)
                except Exception as exc:  # closing is best effort
                    log.debug("closing shell on %s failed: %s", self.host_name, redact(str(exc)))
            self._discard_session("closed")

    def reconnect(self, attempts: int = 3) -> None:
        """Throw the current session and shell away and open new ones, with up to ``attempts`` tries
        (backoff between them) on transient faults. Commands left running by an interrupted request
        are then signalled to terminate over the new session (best effort). Raises
        :class:`~harness.errors.CertificateError` at once, :class:`~harness.errors.TransportError`
        when every attempt failed. Used by teardown after an interrupt or a transport failure."""
        with self._lock:
            self._discard_session("reconnect")
            last: BaseException | None = None
            for attempt in range(1, max(1, attempts) + 1):
                try:
                    self._shell()
                    break
                except TransportError:
                    raise
                except Exception as exc:
                    self._discard_session(type(exc).__name__)
                    if is_certificate_error(exc):
                        raise self._wrap(exc, "reconnect") from None
                    if not is_transient(exc):
                        raise self._wrap(exc, "reconnect") from None
                    last = exc
                    if attempt < attempts:
                        delay = self._delay(attempt)
                        log.warning("reconnecting to %s failed (%s); attempt %d/%d, next in %.1f s", self.host_name,
                                    self._describe(exc), attempt, attempts, delay)
                        self._sleep(delay)
            else:
                assert last is not None
                raise TransportError(
                    f"reconnect to {self.host_name}: gave up after {attempts} attempts: "
                    f"{redact(self._describe(last))}", host=self.host_name, template="reconnect",
                ) from None
            self._terminate_abandoned()

    def _terminate_abandoned(self) -> None:
        proto, pending, self._abandoned = self._protocol, self._abandoned, []
        for shell_id, command_id in pending:
            try:
                self._call("Signal (terminate)", proto.cleanup_command, shell_id, command_id)
                log.info("signalled terminate to a command on %s left running by an interrupt", self.host_name)
            except Exception as exc:  # the shell may be gone already: that is fine
                log.debug("could not terminate an abandoned command on %s: %s", self.host_name,
                          redact(self._describe(exc)))
                if not keeps_session(exc):
                    self._discard_session("terminating an abandoned command failed")
                    return

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
                            f"{label} on {self.host_name}: the connection failed while the command was running "
                            f"and it is not marked idempotent, so it was not re-run: "
                            f"{redact(self._describe(exc))}", host=self.host_name, template=label,
                        ) from None
                    attempt += 1
                    self._backoff_or_raise(exc, attempt, deadline, label, "while it was running (idempotent: re-run)")

    def _backoff_or_raise(self, exc: BaseException, attempt: int, deadline: float, label: str, when: str) -> None:
        if is_shell_gone(exc) or not is_transient(exc):
            self._drop_shell()
        if attempt > self.max_retries:
            raise TransportError(
                f"{label} on {self.host_name}: gave up after {self.max_retries} retries; last fault {when}: "
                f"{redact(self._describe(exc))}", host=self.host_name, template=label,
            ) from None
        delay = self._delay(attempt)
        remaining = deadline - self._clock()
        if remaining <= delay:
            raise RemoteTimeout(
                f"{label} on {self.host_name}: deadline reached while retrying a transient fault "
                f"({redact(self._describe(exc))})", host=self.host_name, template=label,
            ) from None
        log.warning("transient fault on %s %s (%s); retry %d/%d in %.1f s", self.host_name, when,
                    redact(self._describe(exc)), attempt, self.max_retries, delay)
        self._sleep(delay)

    def _delay(self, attempt: int) -> float:
        """The pause before retry ``attempt`` (1-based): ``backoff_base`` doubling up to ``backoff_max``."""
        return min(self.backoff_max, self.backoff_base * (2 ** (max(1, attempt) - 1)))

    def _describe(self, exc: BaseException) -> str:
        return describe(exc, endpoint=self.endpoint, read_timeout=self._options.get("read_timeout_sec"))

    def _wrap(self, exc: BaseException, label: str) -> TransportError:
        if isinstance(exc, InvalidCredentialsError):
            user = (self._credential.username if self._credential else None) or "(certificate)"
            return TransportError(
                f"authentication to {self.host_name} failed for user {user!r} ({self._options['transport']}): "
                f"check the credential reference in the inventory", host=self.host_name, template=label)
        what = redact(self._describe(exc))
        if is_certificate_error(exc):
            return CertificateError(f"{label} on {self.host_name}: {what}. "
                                    f"{certificate_advice(self.host_name, self.ca_bundle)}",
                                    host=self.host_name, template=label)
        return TransportError(f"{label} on {self.host_name}: {what}", host=self.host_name, template=label)

    def _run_once(self, command_line: str, stdin: bytes | None, deadline: float, label: str) -> RawResult:
        started = self._clock()
        if started >= deadline:
            raise RemoteTimeout(f"{label} on {self.host_name}: deadline passed before it started",
                                host=self.host_name, template=label, elapsed=0.0)
        try:
            if self._abandoned:  # commands an interrupt or a broken connection left running
                self._proto()
                self._terminate_abandoned()
            proto = self._proto()
            shell_id = self._shell()
            command_id = self._call("Command", proto.run_command, shell_id, command_line)
        except TransportError:
            raise
        except BaseException as exc:
            if is_shell_gone(exc):
                self._drop_shell()
                raise _NotStarted() from exc
            if not keeps_session(exc):
                self._discard_session(type(exc).__name__)
            if is_transient(exc):
                raise _NotStarted() from exc
            raise
        try:
            if stdin is not None:
                self._call("Send (stdin)", proto.send_command_input, shell_id, command_id, stdin, end=True)
            return self._collect(proto, shell_id, command_id, started, deadline, label)
        except RemoteTimeout:
            self._terminate(proto, shell_id, command_id)
            raise
        except BaseException as exc:
            if keeps_session(exc):
                self._terminate(proto, shell_id, command_id)
            else:  # interrupted or broken mid-request: never reuse this session or shell
                self._abandoned.append((shell_id, command_id))
                self._discard_session(type(exc).__name__)
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
                out, err, exit_code, done = self._call("Receive", proto.get_command_output_raw, shell_id, command_id)
            except WinRMOperationTimeoutError:
                polls += 1  # normal for long operations: no output within operation_timeout_sec
                if polls % self.progress_every == 0:
                    log.info("still waiting for %s on %s: %d min elapsed", label, self.host_name,
                             int((self._clock() - started) // 60))
                continue
            except Exception as exc:
                # A lost Receive response: ask again on a new session (the command keeps running on
                # the host, and WinRM lets any session of the same user address its shell).
                if is_transient(exc) and receive_faults < self.max_retries:
                    receive_faults += 1
                    delay = self._delay(receive_faults)
                    if deadline - self._clock() > delay:
                        log.warning("transient fault receiving %s output from %s (%s); retry %d/%d",
                                    label, self.host_name, self._describe(exc),
                                    receive_faults, self.max_retries)
                        self._discard_session(type(exc).__name__)
                        self._sleep(delay)
                        proto = self._proto()
                        self._shell_id = shell_id
                        continue
                raise
            stdout.append(out)
            stderr.append(err)
            if done:
                self._cleanup(proto, shell_id, command_id)
                return RawResult(b"".join(stdout), b"".join(stderr), int(exit_code))

    def _cleanup(self, proto: Any, shell_id: str, command_id: str) -> None:
        try:
            self._call("Signal (cleanup)", proto.cleanup_command, shell_id, command_id)
        except Exception as exc:  # the command is done; a failed cleanup only leaks a handle
            log.debug("cleanup of a finished command on %s failed: %s", self.host_name, redact(str(exc)))
            if not keeps_session(exc):
                self._discard_session(type(exc).__name__)

    def _terminate(self, proto: Any, shell_id: str, command_id: str) -> None:
        """Signal terminate (WinRS ``cleanup_command``) so the remote process does not keep running."""
        try:
            self._call("Signal (terminate)", proto.cleanup_command, shell_id, command_id)
        except Exception as exc:
            log.warning("could not signal terminate to a command on %s: %s", self.host_name,
                        redact(self._describe(exc)))
            if is_shell_gone(exc):
                self._drop_shell()
            elif not keeps_session(exc):
                self._abandoned.append((shell_id, command_id))
                self._discard_session(type(exc).__name__)
