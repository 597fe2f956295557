"""``RemoteHost``: run templates on one inventory host and get normalised data back."""

from __future__ import annotations

import datetime as _dt
import logging
import time
from collections.abc import Mapping
from typing import Any

from harness.errors import (
    HarnessError,
    LabSafetyError,
    RemoteProtocolError,
    RemoteScriptError,
    RemoteTimeout,
    TransportError,
)
from harness.remote import events, scripts
from harness.remote.events import OperationEvent, Outcome
from harness.remote.transport import RawResult, Transport
from harness.secrets import REDACTOR, Credential

log = logging.getLogger(__name__)


class RemoteHost:
    """One lab host reached through a :class:`Transport` (WinRM by default).

    Refuses hosts that the inventory does not mark ``lab_only: true``. ``credentials`` is the
    resolved :class:`~harness.secrets.Credential` (None for certificate auth).
    """

    def __init__(
        self, host_cfg: Any, credentials: Credential | None, transport: Transport | None = None, *,
        listeners: list[events.Listener] | None = None,
    ) -> None:
        if not getattr(host_cfg, "lab_only", False):
            raise LabSafetyError(
                f"host {host_cfg.name} is not marked `lab_only: true` in the inventory; the harness "
                f"only touches lab hosts"
            )
        self.config = host_cfg
        self.name: str = host_cfg.name
        if credentials is not None:
            REDACTOR.register(credentials.password)
        if transport is None:
            from harness.remote.winrm_transport import WinRMTransport

            transport = WinRMTransport(host_cfg, credentials)
        self.transport = transport
        self.listeners = list(listeners or [])
        self.default_timeout: float = float(getattr(host_cfg, "default_timeout_sec", 1800))

    def run(
        self, template: str, params: Mapping[str, Any] | None = None, *,
        timeout: float | None = None, idempotent: bool = False,
    ) -> Any:
        """Run ``template`` with ``params``; return its normalised ``data``.

        Raises :class:`~harness.errors.RemoteScriptError` (or a subclass) for an error the script
        reported, :class:`~harness.errors.RemoteTimeout` after ``timeout`` seconds (default: the
        host's ``default_timeout_sec``), :class:`~harness.errors.TransportError` when WinRM fails,
        :class:`~harness.errors.RemoteProtocolError` when no result came back.
        """
        script = scripts.render(template)
        return self.run_script(script, params, label=scripts.template_file(template).removesuffix(".ps1"),
                               timeout=timeout, idempotent=idempotent)

    def run_script(
        self, script: str, params: Mapping[str, Any] | None = None, *, label: str = "script",
        timeout: float | None = None, idempotent: bool = False,
    ) -> Any:
        """Run already rendered script text (use :meth:`run` with a template name normally)."""
        deadline = time.monotonic() + (timeout if timeout is not None else self.default_timeout)
        started_at = _dt.datetime.now(_dt.UTC)
        t0, cpu0 = time.perf_counter(), time.thread_time()
        raw: RawResult | None = None
        outcome: Outcome = "ok"
        data: Any = None
        failure: BaseException | None = None
        try:
            raw = self.transport.run(scripts.POWERSHELL_COMMAND, scripts.stdin_for(script, params), deadline,
                                     label=label, idempotent=idempotent)
            data = scripts.parse_result(raw, host=self.name, template=label)
            return data
        except RemoteScriptError as exc:
            outcome, failure = "script-error", exc
            raise
        except RemoteProtocolError as exc:
            outcome, failure = "protocol-error", exc
            raise
        except RemoteTimeout as exc:
            outcome, failure = "timeout", exc
            raise
        except TransportError as exc:
            outcome, failure = "transport-error", exc
            raise
        except (HarnessError, Exception) as exc:
            outcome, failure = "harness-error", exc
            raise
        finally:
            duration, cpu = time.perf_counter() - t0, time.thread_time() - cpu0
            self._emit(label, script, params, started_at, duration, outcome, raw, failure, data, cpu)

    def _emit(self, label: str, script: str, params: Mapping[str, Any] | None, started_at: _dt.datetime,
              duration: float, outcome: Outcome, raw: RawResult | None, failure: BaseException | None,
              data: Any, cpu: float = 0.0) -> None:
        event = OperationEvent(
            host=self.name, template=label, script=REDACTOR.redact(script),
            params=REDACTOR.redact_obj(dict(params or {})), started_at=started_at, duration=duration,
            outcome=outcome, exit_code=raw.exit_code if raw else None,
            stdout=REDACTOR.redact(scripts.decode_output(raw.stdout)) if raw else "",
            stderr=REDACTOR.redact(scripts.clixml_to_text(raw.stderr)) if raw else "",
            error=REDACTOR.redact(str(failure)) if failure else None,
            data=data if outcome == "ok" else None, cpu=cpu,
        )
        log.debug("%s on %s: %s in %.2f s", label, self.name, outcome, duration)
        events.emit(event, self.listeners)

    def close(self) -> None:
        """Close the transport (the WinRS shell)."""
        self.transport.close()

    def reconnect(self, attempts: int = 3) -> None:
        """Start over on a fresh connection: a new HTTP session and a new shell, with up to
        ``attempts`` tries on transient faults. Teardown calls this after an interrupt or a transport
        failure so that it never reuses a session broken mid-request. A transport without
        ``reconnect`` is closed instead (it reconnects on its next command)."""
        again = getattr(self.transport, "reconnect", None)
        if again is None:
            self.transport.close()
            return
        again(attempts)

    def __enter__(self) -> RemoteHost:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"RemoteHost({self.name!r})"


def reconnect_all(hosts: Mapping[str, Any], attempts: int = 3) -> dict[str, str]:
    """Fresh connections to every host before teardown (after an interrupt or a transport failure):
    returns ``{host: one-line error}`` for the hosts that could not be reached; teardown lists their
    ledger entries as left instead of sending anything over a broken session."""
    failed: dict[str, str] = {}
    for name, remote in hosts.items():
        again = getattr(remote, "reconnect", None)
        if again is None:
            continue
        try:
            again(attempts)
        except HarnessError as exc:
            failed[name] = str(exc)
    return failed


def connect(host_cfg: Any, *, transport: Transport | None = None, environ: Mapping[str, str] | None = None) -> RemoteHost:
    """A :class:`RemoteHost` for an inventory host, resolving its credential reference (env/keyring)."""
    from harness.secrets import resolve_credential

    credential = None
    if host_cfg.credentials is not None:
        credential = resolve_credential(host_cfg.credentials, purpose=f"host {host_cfg.name}", environ=environ)
    return RemoteHost(host_cfg, credential, transport)
