"""OpenSSH signatures (SSHSIG) with Ed25519 keys: sign a file's bytes so that the stock OpenSSH tool
verifies it too::

    ssh-keygen -Y verify -f allowed_signers -I <identity> -n restore-harness -s FILE.sig < FILE

The format is OpenSSH's PROTOCOL.sshsig (openssh-portable): an armored blob
``"SSHSIG" uint32(1) string(publickey) string(namespace) string(reserved) string(hash_algorithm)
string(signature)``, where the signature is made over
``"SSHSIG" string(namespace) string(reserved) string(hash_algorithm) string(H(message))``.
Strings are RFC 4253 strings (uint32 length + bytes); Ed25519 keys and signatures use the
``ssh-ed25519`` encoding of RFC 8709.
"""

from __future__ import annotations

import base64
import hashlib
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

NAMESPACE = "restore-harness"
"""The SSHSIG namespace of evidence signatures (``ssh-keygen -Y verify -n restore-harness``)."""

MAGIC = b"SSHSIG"
VERSION = 1
HASH = "sha512"
KEY_TYPE = "ssh-ed25519"
BEGIN = "-----BEGIN SSH SIGNATURE-----"
END = "-----END SSH SIGNATURE-----"
_HASHES = {"sha256": hashlib.sha256, "sha512": hashlib.sha512}


class SignatureError(ValueError):
    """A signature that is garbled, of another kind or namespace, or does not match the data."""


def _string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


class _Reader:
    """Reads RFC 4253 wire values from a byte string, naming what was being read on error."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def take(self, n: int, what: str) -> bytes:
        if self.pos + n > len(self.data):
            raise SignatureError(f"signature is truncated while reading {what}")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def uint32(self, what: str) -> int:
        return int(struct.unpack(">I", self.take(4, what))[0])

    def string(self, what: str) -> bytes:
        return self.take(self.uint32(what), what)

    def end(self, what: str) -> None:
        if self.pos != len(self.data):
            raise SignatureError(f"{len(self.data) - self.pos} unexpected bytes after {what}")


def public_key_blob(key: Ed25519PublicKey) -> bytes:
    """The SSH wire encoding of an Ed25519 public key: string "ssh-ed25519", string key(32)."""
    return _string(KEY_TYPE.encode()) + _string(key.public_bytes(Encoding.Raw, PublicFormat.Raw))


def public_key_from_blob(blob: bytes) -> Ed25519PublicKey:
    """Inverse of :func:`public_key_blob` (only Ed25519 keys are accepted)."""
    r = _Reader(blob)
    kind = r.string("public key type").decode("ascii", "replace")
    if kind != KEY_TYPE:
        raise SignatureError(f"public key type {kind!r} is not {KEY_TYPE} (only Ed25519 keys are accepted)")
    raw = r.string("public key")
    r.end("public key")
    if len(raw) != 32:
        raise SignatureError(f"Ed25519 public key has {len(raw)} bytes, not 32")
    return Ed25519PublicKey.from_public_bytes(raw)


def fingerprint(key: Ed25519PublicKey) -> str:
    """``SHA256:<base64, no padding>`` of the key blob, as ``ssh-keygen -l`` prints it."""
    digest = hashlib.sha256(public_key_blob(key)).digest()
    return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


def public_key_line(key: Ed25519PublicKey, comment: str = "") -> str:
    """The OpenSSH public key line ``ssh-ed25519 AAAA... comment``."""
    line = f"{KEY_TYPE} {base64.b64encode(public_key_blob(key)).decode('ascii')}"
    return f"{line} {comment}".rstrip()


def parse_public_key_line(line: str) -> Ed25519PublicKey:
    """Parse ``ssh-ed25519 AAAA... [comment]`` (an OpenSSH .pub line)."""
    parts = line.split()
    if len(parts) < 2 or parts[0] != KEY_TYPE:
        raise SignatureError(f"not an OpenSSH Ed25519 public key line: {line[:60]!r}")
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except ValueError:
        raise SignatureError(f"public key line has bad base64: {parts[1][:40]!r}") from None
    return public_key_from_blob(blob)


def _signed_data(message: bytes, namespace: str, hash_alg: str) -> bytes:
    digest = _HASHES[hash_alg](message).digest()
    return MAGIC + _string(namespace.encode()) + _string(b"") + _string(hash_alg.encode()) + _string(digest)


def sign(private_key: Ed25519PrivateKey, message: bytes, namespace: str = NAMESPACE) -> str:
    """The armored SSHSIG signature of ``message`` (text ending in a newline)."""
    if not namespace:
        raise ValueError("the SSHSIG namespace must not be empty")
    raw_sig = private_key.sign(_signed_data(message, namespace, HASH))
    sig_blob = _string(KEY_TYPE.encode()) + _string(raw_sig)
    blob = (MAGIC + struct.pack(">I", VERSION) + _string(public_key_blob(private_key.public_key()))
            + _string(namespace.encode()) + _string(b"") + _string(HASH.encode()) + _string(sig_blob))
    text = base64.b64encode(blob).decode("ascii")
    lines = [text[i:i + 70] for i in range(0, len(text), 70)]
    return "\n".join([BEGIN, *lines, END]) + "\n"


@dataclass(frozen=True)
class Signature:
    """A parsed SSHSIG signature: who (the public key) signed in which namespace."""

    public_key: Ed25519PublicKey
    namespace: str
    hash_algorithm: str
    signature: bytes

    @property
    def fingerprint(self) -> str:
        """The signer key's ``SHA256:...`` fingerprint."""
        return fingerprint(self.public_key)


def parse(armored: str) -> Signature:
    """Read an armored SSHSIG signature; raises :class:`SignatureError` saying what is wrong."""
    text = armored.strip()
    if not text.startswith(BEGIN) or not text.endswith(END):
        raise SignatureError(f"not an armored SSH signature (expected {BEGIN!r} ... {END!r})")
    body = "".join(text[len(BEGIN):-len(END)].split())
    try:
        blob = base64.b64decode(body, validate=True)
    except ValueError:
        raise SignatureError("the signature's base64 body is garbled") from None
    r = _Reader(blob)
    if r.take(6, "magic") != MAGIC:
        raise SignatureError("signature blob does not start with 'SSHSIG'")
    version = r.uint32("version")
    if version != VERSION:
        raise SignatureError(f"SSHSIG version {version} is not supported (only {VERSION})")
    key = public_key_from_blob(r.string("public key"))
    namespace = r.string("namespace").decode("utf-8", "replace")
    r.string("reserved")
    hash_alg = r.string("hash algorithm").decode("ascii", "replace")
    if hash_alg not in _HASHES:
        raise SignatureError(f"hash algorithm {hash_alg!r} is not sha256 or sha512")
    sr = _Reader(r.string("signature"))
    r.end("signature blob")
    kind = sr.string("signature type").decode("ascii", "replace")
    if kind != KEY_TYPE:
        raise SignatureError(f"signature type {kind!r} is not {KEY_TYPE}")
    raw = sr.string("signature bytes")
    sr.end("signature")
    return Signature(public_key=key, namespace=namespace, hash_algorithm=hash_alg, signature=raw)


def verify(armored: str, message: bytes, namespace: str = NAMESPACE) -> Signature:
    """Check that ``armored`` is a valid signature of ``message`` in ``namespace`` by the key it
    carries; returns the parsed signature (whose key the caller must still trust)."""
    sig = parse(armored)
    if sig.namespace != namespace:
        raise SignatureError(f"signature namespace is {sig.namespace!r}, expected {namespace!r}")
    try:
        sig.public_key.verify(sig.signature, _signed_data(message, namespace, sig.hash_algorithm))
    except InvalidSignature:
        raise SignatureError(f"the signature by key {sig.fingerprint} does not match the signed file "
                             "(the file was changed after signing, or the signature belongs to another file)") from None
    return sig
