"""Authentication and message encryption as a Windows WinRM listener does them.

* NTLM (``Authorization: Negotiate|NTLM <token>``), connection-oriented: one acceptor per TCP
  connection, from pyspnego (``spnego.server(protocol='ntlm')``).
* Basic (``Authorization: Basic``), per request.
* WinRM message encryption ([MS-WSMV] 2.2.9.1.1): ``multipart/encrypted`` bodies sealed with the
  NTLM session (``protocol="application/HTTP-SPNEGO-session-encrypted"``).

Credentials: pyspnego's NTLM acceptor looks accounts up through ``NTLM_USER_FILE`` (a file named by
a process-wide environment variable). Instead of writing passwords to disk and mutating the
environment that every thread shares, :func:`machine_accounts` installs, for the current thread
only, a lookup into the machine's in-memory ``accounts``. It wraps the two private lookup functions
of ``spnego._ntlm`` (pinned pyspnego 0.12); threads that did not enter the context see the
library's normal behaviour.
"""

from __future__ import annotations

import base64
import contextlib
import struct
import threading
from collections.abc import Iterator
from typing import Any

import spnego
import spnego._ntlm as _spnego_ntlm
from spnego._ntlm_raw.crypto import lmowfv1, ntowfv1
from spnego._ntlm_raw.messages import Authenticate, AvId, NTClientChallengeV2
from spnego.exceptions import ErrorCode, SpnegoError

PROTOCOL = "application/HTTP-SPNEGO-session-encrypted"
BOUNDARY = b"--Encrypted Boundary"
_MARKER = "<restore-harness simulated machine accounts>"
_active = threading.local()
_install_lock = threading.Lock()
_installed = False


def _install_hook() -> None:
    """Wrap spnego's NTLM credential lookup once; idle unless a thread is inside machine_accounts()."""
    global _installed
    with _install_lock:
        if _installed:
            return
        orig_file = _spnego_ntlm._get_credential_file
        orig_cred = _spnego_ntlm._get_credential

        def get_credential_file() -> str | None:
            if getattr(_active, "machine", None) is not None:
                return _MARKER
            return orig_file()

        def get_credential(store: Any, domain: str | None = None, username: str | None = None) -> Any:
            machine = getattr(_active, "machine", None)
            if store != _MARKER or machine is None:
                return orig_cred(store, domain, username)
            qualified = f"{domain}\\{username}" if domain else (username or "")
            account = machine.find_account(qualified)
            if account is None:
                raise SpnegoError(ErrorCode.failure, context_msg="No such local account")
            password = machine.accounts[account]
            return domain or None, username, lmowfv1(password), ntowfv1(password)

        _spnego_ntlm._get_credential_file = get_credential_file
        _spnego_ntlm._get_credential = get_credential
        _installed = True


@contextlib.contextmanager
def machine_accounts(machine: Any) -> Iterator[None]:
    """Let NTLM acceptors created/stepped in this block check passwords against ``machine.accounts``."""
    _install_hook()
    previous = getattr(_active, "machine", None)
    _active.machine = machine
    try:
        yield
    finally:
        _active.machine = previous


def _client_sent_bindings(token: bytes) -> bool:
    """Whether an NTLMv2 Authenticate message carries non-zero channel bindings (MsvAvChannelBindings)."""
    try:
        auth = Authenticate.unpack(token)
        if not auth.nt_challenge_response or len(auth.nt_challenge_response) <= 24:
            return False
        info = NTClientChallengeV2.unpack(auth.nt_challenge_response[16:]).av_pairs
        value = info.get(AvId.channel_bindings)
        return bool(value) and value != b"\x00" * 16
    except Exception:
        return False


class NtlmConnection:
    """The NTLM state of one HTTP connection."""

    def __init__(self, machine: Any, bindings: Any = None) -> None:
        self.machine = machine
        self.bindings = bindings  # GssChannelBindings for HTTPS (tls-server-end-point)
        self.context: Any = None
        self.account: str | None = None
        self.scheme = "Negotiate"

    @property
    def complete(self) -> bool:
        return self.account is not None

    def reset(self) -> None:
        self.context = None
        self.account = None

    def step(self, scheme: str, token_b64: str) -> tuple[bool, str | None]:
        """Process one token. Returns (authenticated, reply token b64 or None). Raises on failure."""
        token = base64.b64decode(token_b64)
        with machine_accounts(self.machine):
            if not token.startswith(b"NTLMSSP\x00"):
                raise SpnegoError(ErrorCode.bad_mech, context_msg="only raw NTLM tokens are supported")
            msg_type = struct.unpack("<I", token[8:12])[0]
            if msg_type == 1:
                self.reset()
                self.scheme = scheme
                self.context = spnego.server(
                    protocol="ntlm", hostname=self.machine.computer_name, service="WSMAN",
                    options=spnego.NegotiateOptions.use_ntlm,
                )
                reply = self.context.step(token)
                return False, base64.b64encode(reply or b"").decode()
            if msg_type == 3 and self.context is not None:
                # CbtHardeningLevel=Relaxed (the Windows default): bindings are checked when sent.
                bindings = self.bindings if self.bindings is not None and _client_sent_bindings(token) else None
                ctx = self.context
                self.context = None
                ctx.step(token, channel_bindings=bindings)
                name = ctx.client_principal or ""
                account = self.machine.find_account(name)
                if account is None:
                    raise SpnegoError(ErrorCode.failure, context_msg="unknown account")
                self.context = ctx
                self.account = account
                return True, None
        raise SpnegoError(ErrorCode.failure, context_msg="unexpected NTLM message")

    # ------------------------------------------------------------- message encryption
    def decrypt(self, body: bytes) -> bytes:
        """A ``multipart/encrypted`` request body → the SOAP envelope it carries."""
        parts = [p for p in body.split(BOUNDARY + b"\r\n") if p]
        message = b""
        for i in range(0, len(parts) - 1, 2):
            header, payload = parts[i], parts[i + 1]
            expected = int(header.split(b"Length=")[1].split(b"\r\n")[0].strip())
            if payload.endswith(BOUNDARY + b"--\r\n"):
                payload = payload[: -len(BOUNDARY + b"--\r\n")]
            payload = payload.replace(b"\tContent-Type: application/octet-stream\r\n", b"", 1)
            sig_len = struct.unpack("<i", payload[:4])[0]
            data = payload[4:]  # signature then sealed message: unwrap takes them together
            plain = self.context.unwrap(data).data
            if len(plain) != expected or sig_len != 16:
                raise ValueError("encrypted length does not match")
            message += plain
        if not parts:
            raise ValueError("empty encrypted body")
        return message

    def encrypt(self, message: bytes) -> bytes:
        wrapped = self.context.wrap(message, encrypt=True).data
        signature, sealed = wrapped[:16], wrapped[16:]
        return (
            BOUNDARY + b"\r\n"
            b"\tContent-Type: " + PROTOCOL.encode() + b"\r\n"
            b"\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=" + str(len(message)).encode()
            + b"\r\n" + BOUNDARY + b"\r\n"
            b"\tContent-Type: application/octet-stream\r\n" + struct.pack("<i", 16) + signature + sealed
            + BOUNDARY + b"--\r\n"
        )


def check_basic(machine: Any, value: str) -> str | None:
    """The account for a ``Basic`` credential if the password is right, else None."""
    try:
        user, _, password = base64.b64decode(value).decode("utf-8").partition(":")
    except Exception:
        return None
    return machine.check_password(user, password)


def tls_bindings(cert_der: bytes) -> Any:
    """Channel bindings for a server certificate (RFC 5929 tls-server-end-point, as requests-ntlm computes)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    cert = x509.load_der_x509_certificate(cert_der)
    algo = cert.signature_hash_algorithm
    if algo is None or algo.name in ("md5", "sha1"):
        algo = hashes.SHA256()
    digest = hashes.Hash(algo)
    digest.update(cert_der)
    return spnego.channel_bindings.GssChannelBindings(
        application_data=b"tls-server-end-point:" + digest.finalize()
    )
