"""Credentials from environment variables or a keyring, and the Redactor (one place for redaction).

A password is held in a :class:`pydantic.SecretStr` from the moment it is read (``repr``/``str``
show ``**********``; pytest's ``-l``, ``-vvv`` and Allure's parameter dumps print that) until the
transport or the JSON parameters encoder unwraps it with :func:`reveal`.

Every secret the harness resolves is registered with the process-wide :data:`REDACTOR`, which then
replaces it - and its URL-encoded, JSON-escaped, base64 (UTF-8 and UTF-16LE, at any alignment inside
a longer base64 text) forms - with ``********`` in any text passed to :func:`redact`. Logging
records of the harness's loggers are redacted when they are created (see
:func:`install_log_redaction`), so a secret cannot reach a log handler, an Allure attachment or a
report through them.
"""

from __future__ import annotations

import base64
import json
import logging
import math
import os
import threading
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import SecretStr

from harness.errors import SecretError

MASK = "********"
_MIN_DERIVED = 4  # encodings of very short secrets are not registered (they would match noise)


class CredentialRefLike(Protocol):
    """What :func:`resolve_credential` needs (``harness.inventory.models.CredentialRef`` has it)."""

    username: str | None
    username_env: str | None
    password_env: str | None
    keyring: Any


def reveal(value: SecretStr | str | None) -> str | None:
    """The plain text of a secret (``SecretStr`` or, from older callers, ``str``). Called only where
    the value leaves the process: the WinRM transport and the parameters JSON of a remote script."""
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    return value


@dataclass(frozen=True)
class Credential:
    """A resolved user name and password (a :class:`~pydantic.SecretStr`; a ``str`` given here is
    wrapped). Neither ``repr`` nor ``str`` ever shows the password."""

    username: str
    password: SecretStr = field(repr=False)
    source: str = ""  # where the password came from, e.g. "env RH_SIM_PASSWORD" (never the value)

    def __post_init__(self) -> None:
        if not isinstance(self.password, SecretStr):
            object.__setattr__(self, "password", SecretStr(str(self.password)))

    def __repr__(self) -> str:
        return f"Credential(username={self.username!r}, password={MASK!r}, source={self.source!r})"

    __str__ = __repr__


def _b64_windows(data: bytes) -> list[str]:
    """The base64 text of ``data`` as it appears inside a longer base64 string at offsets 0, 1, 2."""
    out = []
    for k in range(3):
        enc = base64.b64encode(b"\0" * k + data).decode("ascii")
        start = math.ceil(8 * k / 6)
        end = (8 * (k + len(data))) // 6
        piece = enc[start:end]
        if len(piece) >= _MIN_DERIVED:
            out.append(piece)
    return out


class Redactor:
    """Holds every registered secret and removes them (and their encodings) from text."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        self._forms: list[str] = []

    def register(self, secret: SecretStr | str | None) -> None:
        """Remember ``secret`` so that :meth:`redact` removes it from now on. Empty is ignored."""
        secret = reveal(secret)
        if not secret:
            return
        with self._lock:
            if secret in self._secrets:
                return
            self._secrets.add(secret)
            forms = {secret}
            if len(secret) >= _MIN_DERIVED:
                forms.add(urllib.parse.quote(secret, safe=""))
                forms.add(urllib.parse.quote_plus(secret, safe=""))
                forms.add(json.dumps(secret)[1:-1])
                forms.add(json.dumps(secret, ensure_ascii=False)[1:-1])
                for data in (secret.encode("utf-8"), secret.encode("utf-16-le")):
                    forms.add(base64.b64encode(data).decode("ascii"))
                    forms.update(_b64_windows(data))
            # Longest first so a longer form is not half-replaced by a shorter one.
            self._forms = sorted(set(self._forms) | forms, key=len, reverse=True)

    @property
    def active(self) -> bool:
        """True once at least one secret is registered."""
        return bool(self._forms)

    def redact(self, text: str) -> str:
        """``text`` with every registered secret form replaced by ``********``."""
        if not text or not self._forms:
            return text
        for form in self._forms:
            if form in text:
                text = text.replace(form, MASK)
        return text

    def redact_bytes(self, data: bytes, encoding: str = "utf-8") -> str:
        """Decode ``data`` (replacing bad bytes) and redact it."""
        return self.redact(data.decode(encoding, errors="replace"))

    def redact_obj(self, value: Any) -> Any:
        """A copy of a JSON-like value with every string redacted (keys included)."""
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, SecretStr):
            return MASK
        if isinstance(value, Mapping):
            return {self.redact(str(k)): self.redact_obj(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.redact_obj(v) for v in value]
        return value

    def clear(self) -> None:
        """Forget every secret (tests only)."""
        with self._lock:
            self._secrets.clear()
            self._forms = []


REDACTOR = Redactor()


def redact(text: str) -> str:
    """Redact ``text`` with the process-wide :data:`REDACTOR`."""
    return REDACTOR.redact(text)


def register_secret(secret: SecretStr | str | None) -> None:
    """Register a secret with the process-wide :data:`REDACTOR`."""
    REDACTOR.register(secret)


# ----------------------------------------------------------------------------- resolution


def _keyring_get(service: str, name: str) -> str | None:
    import keyring  # imported lazily: backends probe the desktop session on import

    try:
        return keyring.get_password(service, name)
    except Exception as exc:  # keyring backends raise many unrelated types
        raise SecretError(f"keyring lookup failed for service {service!r}, name {name!r}: {exc}") from None


def resolve_credential(
    ref: CredentialRefLike, *, purpose: str = "", environ: Mapping[str, str] | None = None
) -> Credential:
    """Resolve a credential reference from the inventory into a :class:`Credential`.

    The user name is ``username`` or the value of env ``username_env``; the password comes from env
    ``password_env`` or from the keyring entry ``keyring.service``/``keyring.name``. The password is
    registered with the Redactor before it is returned. ``purpose`` (e.g. "host HV-LAB01") is only
    used in error messages.
    """
    env = os.environ if environ is None else environ
    what = f" for {purpose}" if purpose else ""
    username = ref.username
    if getattr(ref, "username_env", None):
        username = env.get(ref.username_env or "")
        if not username:
            raise SecretError(
                f"environment variable {ref.username_env} is not set (user name{what}). "
                f"Fix: export {ref.username_env}=<user name>, or put `username:` in the inventory."
            )
    if not username:
        raise SecretError(f"no user name{what}: set `username:` or `username_env:` in the inventory")
    if ref.password_env:
        password = env.get(ref.password_env)
        if not password:
            raise SecretError(
                f"environment variable {ref.password_env} is not set (password{what}). "
                f"Fix: export {ref.password_env}=<password> in the shell or CI job that runs the harness."
            )
        source = f"env {ref.password_env}"
    elif ref.keyring is not None:
        service, name = ref.keyring.service, ref.keyring.name or username
        password = _keyring_get(service, name)
        if not password:
            raise SecretError(
                f"no keyring entry for service {service!r}, name {name!r}{what}. "
                f"Fix: keyring set {service} {name}"
            )
        source = f"keyring {service}/{name}"
    else:
        raise SecretError(f"no password reference{what}: set `password_env:` or `keyring:` in the inventory")
    secret = SecretStr(password)
    del password  # from here on only the SecretStr holds it (pytest -l shows the frame's locals)
    register_secret(secret)
    return Credential(username=username, password=secret, source=source)


# ----------------------------------------------------------------------------- logging


HARNESS_LOGGERS: tuple[str, ...] = ("harness", "winrm", "requests_ntlm", "spnego", "requests_credssp")


class RedactingFilter(logging.Filter):
    """A logging filter that redacts a record's message, arguments and exception text in place."""

    def __init__(self, redactor: Redactor | None = None) -> None:
        super().__init__()
        self.redactor = redactor or REDACTOR

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record, self.redactor)
        return True


def redact_record(record: logging.LogRecord, redactor: Redactor | None = None) -> logging.LogRecord:
    """Render the record's message now and redact it (also exception and stack text)."""
    r = redactor or REDACTOR
    if not r.active:
        return record
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: keep the raw pieces, redacted
        message = f"{record.msg} {record.args}"
    record.msg = r.redact(message)
    record.args = None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = r.redact(record.exc_text)
        record.exc_info = None  # the formatter would otherwise re-render the unredacted text
    if record.stack_info:
        record.stack_info = r.redact(record.stack_info)
    return record


_factory_installed = False
_install_lock = threading.Lock()


def _is_harness_logger(name: str, prefixes: Iterable[str]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def install_log_redaction(prefixes: Iterable[str] = HARNESS_LOGGERS) -> None:
    """Redact every log record of the harness's loggers at creation time (idempotent).

    A record factory is used rather than a filter on the ``harness`` logger because filters on a
    logger do not see records that propagate from its children; the factory sees every record
    before any handler (console, file, pytest's caplog, Allure) does.
    """
    global _factory_installed
    names = tuple(prefixes)
    with _install_lock:
        if _factory_installed:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            if _is_harness_logger(record.name, names):
                redact_record(record)
            return record

        logging.setLogRecordFactory(factory)
        _factory_installed = True


install_log_redaction()
