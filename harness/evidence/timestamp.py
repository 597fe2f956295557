"""RFC 3161 time-stamps of the evidence signature: proof from a time-stamp authority (TSA) that the
signature, and so the manifest it signs, existed at a given time.

:func:`request_timestamp` sends a TimeStampReq (RFC 3161 §2.4.1: version 1, the SHA-256 message
imprint of MANIFEST.sha256.sig, a random nonce, certReq true) as ``application/timestamp-query`` and
keeps the DER TimeStampResp as MANIFEST.sha256.sig.tsr after checking its status, that the token's
TSTInfo carries our imprint and nonce, and reading its genTime. DER is written and read here with a
few lines (only the structures above); the TSA's CMS signature over the token is NOT verified here
(the ``cryptography`` package has no CMS verification): check it with
``openssl ts -verify -in MANIFEST.sha256.sig.tsr -data MANIFEST.sha256.sig -CAfile <TSA CA>``.
"""

from __future__ import annotations

import hashlib
import secrets
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from harness.evidence.manifest import TIMESTAMP_NAME

SHA256_OID = "2.16.840.1.101.3.4.2.1"
SIGNED_DATA_OID = "1.2.840.113549.1.7.2"
TSTINFO_OID = "1.2.840.113549.1.9.16.1.4"
_STATUS = {0: "granted", 1: "grantedWithMods", 2: "rejection", 3: "waiting", 4: "revocationWarning",
           5: "revocationNotification"}


class TimestampError(ValueError):
    """The TSA could not be reached, refused, or answered something that is not our time-stamp."""


# ----------------------------------------------------------------------------- DER


def _len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def _tlv(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + _len(len(content)) + content


def _int(n: int) -> bytes:
    return _tlv(0x02, n.to_bytes(n.bit_length() // 8 + 1, "big", signed=True))


def _oid(dotted: str) -> bytes:
    parts = [int(p) for p in dotted.split(".")]
    body = bytearray([parts[0] * 40 + parts[1]])
    for p in parts[2:]:
        chunk = [p & 0x7F]
        p >>= 7
        while p:
            chunk.append(0x80 | (p & 0x7F))
            p >>= 7
        body.extend(reversed(chunk))
    return _tlv(0x06, bytes(body))


def _seq(*items: bytes) -> bytes:
    return _tlv(0x30, b"".join(items))


def _read(data: bytes, pos: int = 0) -> tuple[int, bytes, int]:
    """(tag, content, position after) of the DER value at ``pos``."""
    if pos + 2 > len(data):
        raise TimestampError("time-stamp response is truncated")
    tag, first = data[pos], data[pos + 1]
    pos += 2
    if first & 0x80:
        count = first & 0x7F
        length = int.from_bytes(data[pos:pos + count], "big")
        pos += count
    else:
        length = first
    if pos + length > len(data):
        raise TimestampError("time-stamp response is truncated")
    return tag, data[pos:pos + length], pos + length


def _items(content: bytes) -> list[tuple[int, bytes]]:
    out, pos = [], 0
    while pos < len(content):
        tag, value, pos = _read(content, pos)
        out.append((tag, value))
    return out


def _oid_text(body: bytes) -> str:
    parts = [body[0] // 40, body[0] % 40]
    n = 0
    for b in body[1:]:
        n = (n << 7) | (b & 0x7F)
        if not b & 0x80:
            parts.append(n)
            n = 0
    return ".".join(map(str, parts))


# ----------------------------------------------------------------------------- request / response


def build_request(data: bytes, nonce: int) -> bytes:
    """The DER TimeStampReq for the SHA-256 of ``data``."""
    imprint = _seq(_seq(_oid(SHA256_OID), b"\x05\x00"), _tlv(0x04, hashlib.sha256(data).digest()))
    return _seq(_int(1), imprint, _int(nonce), b"\x01\x01\xff")


@dataclass(frozen=True)
class Timestamp:
    """What a checked time-stamp response says."""

    gen_time: datetime
    serial: int
    policy: str


def parse_response(der: bytes, data: bytes, nonce: int | None = None) -> Timestamp:
    """Check a DER TimeStampResp for ``data`` (status granted, SHA-256 imprint of ``data``, our nonce
    when given) and return its time; the TSA's signature is not checked (module doc)."""
    try:
        return _parse_response(der, data, nonce)
    except (IndexError, UnicodeDecodeError) as exc:
        raise TimestampError(f"the time-stamp response is garbled ({type(exc).__name__})") from None
    except TimestampError:
        raise
    except ValueError as exc:
        raise TimestampError(f"the time-stamp response is garbled ({exc})") from None


def _parse_response(der: bytes, data: bytes, nonce: int | None) -> Timestamp:
    tag, resp, _ = _read(der)
    if tag != 0x30:
        raise TimestampError("not a TimeStampResp (no SEQUENCE)")
    parts = _items(resp)
    status_info = _items(parts[0][1])
    status = int.from_bytes(status_info[0][1], "big")
    if status not in (0, 1):
        detail = ""
        if len(status_info) > 1 and status_info[1][0] == 0x30:  # PKIFreeText: SEQUENCE of UTF8String
            detail = "; ".join(v.decode("utf-8", "replace") for _, v in _items(status_info[1][1]))
        raise TimestampError(f"the TSA refused the request: {_STATUS.get(status, status)} {detail}".strip())
    if len(parts) < 2:
        raise TimestampError("the TSA granted the request but sent no time-stamp token")
    content_info = _items(parts[1][1])
    if _oid_text(content_info[0][1]) != SIGNED_DATA_OID:
        raise TimestampError("the time-stamp token is not CMS SignedData")
    signed_data = _items(_items(content_info[1][1])[0][1])
    encap = _items(signed_data[2][1])
    if _oid_text(encap[0][1]) != TSTINFO_OID:
        raise TimestampError("the time-stamp token does not carry a TSTInfo")
    econtent = _items(encap[1][1])[0][1]  # [0] EXPLICIT OCTET STRING holding the DER TSTInfo
    tst = _items(_items(econtent)[0][1])
    policy = _oid_text(tst[1][1])
    imprint = _items(tst[2][1])
    algorithm = _oid_text(_items(imprint[0][1])[0][1])
    if algorithm != SHA256_OID or imprint[1][1] != hashlib.sha256(data).digest():
        raise TimestampError("the time-stamp is for other data (message imprint differs from the SHA-256 of the signature)")
    serial = int.from_bytes(tst[3][1], "big")
    gen_text = tst[4][1].decode("ascii")
    gen = datetime.strptime(gen_text.rstrip("Z").split(".")[0], "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    if nonce is not None:
        nonces = [int.from_bytes(v, "big", signed=True) for t, v in tst[5:] if t == 0x02]
        if nonce not in nonces:
            raise TimestampError("the time-stamp does not carry the nonce of the request (a replayed answer?)")
    return Timestamp(gen_time=gen, serial=serial, policy=policy)


def request_timestamp(url: str, signature_file: Path, *, timeout: float = 30) -> Timestamp:
    """Time-stamp ``signature_file`` at the TSA ``url``; the response is kept beside it as
    MANIFEST.sha256.sig.tsr (outside the manifest, which the signature already covers)."""
    data = signature_file.read_bytes()
    nonce = secrets.randbits(63)
    request = urllib.request.Request(url, data=build_request(data, nonce), method="POST",
                                     headers={"Content-Type": "application/timestamp-query"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 - the configured TSA URL
            der = answer.read()
    except (urllib.error.URLError, OSError) as exc:
        raise TimestampError(f"time-stamp authority {url} could not be reached: {exc}") from None
    stamp = parse_response(der, data, nonce)
    (signature_file.parent / TIMESTAMP_NAME).write_bytes(der)
    return stamp


def check_folder_timestamp(root: Path, signature_name: str) -> Timestamp | None:
    """The checked time-stamp of a folder's signature, or None when the folder has none."""
    path = root / TIMESTAMP_NAME
    if not path.is_file():
        return None
    return parse_response(path.read_bytes(), (root / signature_name).read_bytes())
