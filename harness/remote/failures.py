"""What went wrong on the wire, in one place: which faults are worth a retry, which mean the
connection must be thrown away, and a one-line description of each for the lab-problem message.

pywinrm lets the failures of the layers below it through unchanged: ``requests``/``urllib3``
exceptions (refused, reset, cut off, timed out, TLS), ``WinRMTransportError`` for an HTTP status
(its text is the body, often an HTML page from HTTP.sys or a proxy), ``WSManFaultError`` for a SOAP
fault, and - when the answer is not the WS-Management document it expects - whatever its parser
trips on: ``xml.etree.ElementTree.ParseError``, a bare ``StopIteration`` from ``next()`` over the
XML nodes (``winrm/protocol.py`` ``open_shell``/``run_command``), ``AttributeError: 'NoneType' object
has no attribute 'wrap'`` when the NTLM context never completed (``winrm/encryption.py``
``_build_ntlm_message``), ``IndexError``/``WinRMError`` from the encrypted-body framing. All of them
end up here as one readable line.
"""

from __future__ import annotations

import html
import re
import ssl
from xml.etree.ElementTree import ParseError

import requests
from winrm.exceptions import InvalidCredentialsError, WinRMError, WinRMTransportError, WSManFaultError

TRANSIENT_HTTP_CODES = frozenset({500, 502, 503})
# WS-Man fault codes meaning "this shell is gone" (ERROR_WSMAN_SHELL_NOT_FOUND / invalid selectors).
SHELL_GONE_FAULTS = frozenset({2150858843, 2150858842})
# What pywinrm's parsers raise on an answer that is not a WS-Management document (see module doc).
MALFORMED_ANSWER_TYPES: tuple[type[BaseException], ...] = (
    ParseError, StopIteration, AttributeError, IndexError, KeyError, ValueError, UnicodeDecodeError,
)


class MalformedAnswer(Exception):
    """Internal marker: a pywinrm call failed because the answer was not WS-Management."""

    def __init__(self, operation: str, cause: BaseException) -> None:
        super().__init__(f"{operation}: {type(cause).__name__}: {cause}")
        self.operation = operation
        self.cause = cause


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and everything it wraps (``__cause__``/``__context__`` and exception arguments:
    urllib3 packs the real reason into ``args``, requests packs urllib3's error into ``args``)."""
    seen: list[BaseException] = []
    todo: list[BaseException] = [exc]
    while todo and len(seen) < 20:
        e = todo.pop(0)
        if any(e is s for s in seen):
            continue
        seen.append(e)
        todo.extend(x for x in (e.__cause__, e.__context__, getattr(e, "reason", None)) if isinstance(x, BaseException))
        todo.extend(a for a in getattr(e, "args", ()) if isinstance(a, BaseException))
    return seen


def is_certificate_error(exc: BaseException) -> bool:
    """True when TLS failed because the server's certificate is not trusted (never transient)."""
    for e in _chain(exc):
        if isinstance(e, ssl.SSLCertVerificationError):
            return True
        if isinstance(e, (ssl.SSLError, requests.exceptions.SSLError)) and "CERTIFICATE_VERIFY_FAILED" in str(e):
            return True
    return False


def is_tls_error(exc: BaseException) -> bool:
    """True for any TLS failure (handshake, protocol version, certificate): retrying does not help."""
    return any(isinstance(e, (ssl.SSLError, requests.exceptions.SSLError)) for e in _chain(exc))


def is_transient(exc: BaseException) -> bool:
    """True for faults worth retrying: HTTP 500/502/503 (no SOAP fault), resets, refused, read
    timeouts. TLS failures (an untrusted certificate above all) are never transient."""
    if isinstance(exc, MalformedAnswer):
        return False
    if isinstance(exc, WSManFaultError):
        return False
    if isinstance(exc, WinRMTransportError):
        return exc.code in TRANSIENT_HTTP_CODES
    if is_tls_error(exc):
        return False
    return isinstance(exc, (requests.exceptions.ConnectionError, requests.exceptions.Timeout,
                            requests.exceptions.ChunkedEncodingError, ConnectionResetError))


def is_shell_gone(exc: BaseException) -> bool:
    """True if the WS-Man fault says the shell no longer exists (idle timeout, service restart)."""
    if not isinstance(exc, WSManFaultError):
        return False
    if exc.wsman_fault_code in SHELL_GONE_FAULTS:
        return True
    return "shell was not found" in (exc.reason or "").lower()


def keeps_session(exc: BaseException) -> bool:
    """True when the HTTP session (connection, NTLM context) is still sound after ``exc``: the
    server answered with a complete WS-Management fault. Anything else - an interrupt, a cut or
    garbled answer, an HTTP error page - leaves it in an unknown state, so it is thrown away."""
    return isinstance(exc, WSManFaultError)


def _one_line(text: str, limit: int = 160) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _html_summary(body: str) -> str | None:
    """The title (or first heading/paragraph) of an HTML error page, or None if ``body`` is no HTML."""
    if not re.search(r"<\s*(!doctype\s+html|html|head|body|title)\b", body, re.IGNORECASE):
        return None
    parts = []
    for tag in ("title", "h1", "h2", "p"):
        m = re.search(rf"<{tag}[^>]*>(.*?)</{tag}>", body, re.IGNORECASE | re.DOTALL)
        if m:
            text = _one_line(html.unescape(re.sub(r"<[^>]+>", " ", m.group(1))), 80)
            if text and text not in parts:
                parts.append(text)
    return " - ".join(parts[:2]) or "an HTML page"


def describe(exc: BaseException, *, endpoint: str, read_timeout: float | None = None) -> str:
    """One line saying what happened on the wire (no traceback, no body dump)."""
    if isinstance(exc, MalformedAnswer):
        return (f"the answer from {endpoint} to {exc.operation} is not a valid WS-Management response "
                f"({type(exc.cause).__name__}: {_one_line(str(exc.cause), 80) or 'no detail'}); a proxy or another "
                f"service may be answering on that port, or the answer was garbled")
    if isinstance(exc, InvalidCredentialsError):
        return f"{endpoint} rejected the credentials (HTTP 401)"
    if isinstance(exc, WSManFaultError):
        code = f" {exc.wsman_fault_code}" if exc.wsman_fault_code else ""
        return f"WS-Management fault{code} from {endpoint}: {_one_line(exc.reason or exc.message or '')}"
    if isinstance(exc, WinRMTransportError):
        body = exc.response_text or ""
        page = _html_summary(body)
        if page:
            return (f"HTTP {exc.code} from {endpoint} with an HTML page ({page}) instead of a WS-Management "
                    f"answer: the WinRM service is not answering (stopped, overloaded, or a proxy in between)")
        what = f": {_one_line(body)}" if body.strip() else " with an empty body"
        return f"HTTP {exc.code} from {endpoint}{what}"
    if is_certificate_error(exc):
        reason = next((getattr(e, "verify_message", "") or str(e) for e in _chain(exc)
                       if isinstance(e, ssl.SSLCertVerificationError)), "certificate verify failed")
        return f"the TLS certificate of {endpoint} is not trusted ({_one_line(str(reason), 100)})"
    if is_tls_error(exc):
        return f"the TLS handshake with {endpoint} failed ({_one_line(str(exc), 120)})"
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return f"no connection to {endpoint} could be made within the timeout (host down or filtered?)"
    if isinstance(exc, requests.exceptions.ReadTimeout):
        within = f" within {read_timeout:g} s (read_timeout_sec)" if read_timeout else ""
        return f"no answer from {endpoint}{within}: the host or its WinRM service stopped responding"
    text = " ".join(str(e) for e in _chain(exc))
    if isinstance(exc, requests.exceptions.ChunkedEncodingError) or "IncompleteRead" in text:
        return f"the answer from {endpoint} was cut off before it was complete (connection closed mid-answer)"
    if "Connection refused" in text or any(isinstance(e, ConnectionRefusedError) for e in _chain(exc)):
        return f"connection to {endpoint} refused: nothing listens there (WinRM service stopped, host restarting, wrong port?)"
    if "without response" in text or "RemoteDisconnected" in text:
        return f"{endpoint} closed the connection without answering"
    if any(isinstance(e, ConnectionResetError) for e in _chain(exc)) or "reset by peer" in text:
        return f"the connection to {endpoint} was reset"
    if isinstance(exc, requests.exceptions.ConnectionError):
        return f"cannot reach {endpoint}: {_one_line(str(exc), 120)}"
    if isinstance(exc, WinRMError):
        return f"WinRM error talking to {endpoint}: {_one_line(str(exc), 120)}"
    return f"{type(exc).__name__} talking to {endpoint}: {_one_line(str(exc), 120)}"


def certificate_advice(host_name: str, ca_bundle: str | None) -> str:
    """How to make the harness trust a lab's CA (part of the lab-problem message)."""
    if ca_bundle:
        first = (f"check that `ca_bundle: {ca_bundle}` of host {host_name} holds the CA that signed the "
                 f"host's WinRM certificate (PEM) and that the certificate names the address you connect to")
    else:
        first = (f"put the lab CA's certificate (PEM) in a file and set `ca_bundle: <that file>` on host "
                 f"{host_name} in the inventory (or export REQUESTS_CA_BUNDLE=<that file>)")
    return f"Fix: {first}. `cert_validation: false` turns the check off (throw-away labs only; every run warns)."
