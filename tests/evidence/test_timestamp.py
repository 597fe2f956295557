"""RFC 3161 time-stamps: our request answered by a real TSA (OpenSSL's `openssl ts -reply` behind a
local HTTP server), the response checked by us and by `openssl ts -verify`."""

from __future__ import annotations

import argparse
import datetime as dt
import http.server
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from harness.evidence.cli import verify_evidence
from harness.evidence.timestamp import TimestampError, build_request, parse_response, request_timestamp

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="the openssl command is not installed")

TSA_CONF = """
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
serial = {serial}
crypto_device = builtin
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256
accuracy = secs:1
ordering = yes
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def _tsa_cert(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test TSA")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "tsa.pem", folder / "tsa.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture
def tsa(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """URL of a local TSA (OpenSSL signs each request) and its certificate."""
    folder = tmp_path / "tsa"
    folder.mkdir()
    cert, key = _tsa_cert(folder)
    (folder / "serial").write_text("01\n", encoding="ascii")
    conf = folder / "tsa.cnf"
    conf.write_text(TSA_CONF.format(serial=folder / "serial"), encoding="ascii")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            query = self.rfile.read(int(self.headers["Content-Length"]))
            (folder / "req.tsq").write_bytes(query)
            subprocess.run(["openssl", "ts", "-reply", "-config", str(conf), "-queryfile", str(folder / "req.tsq"),
                            "-signer", str(cert), "-inkey", str(key), "-out", str(folder / "resp.tsr")],
                           check=True, capture_output=True)
            body = (folder / "resp.tsr").read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/tsa", cert
    finally:
        server.shutdown()
        server.server_close()


def test_openssl_reads_our_request(tmp_path: Path) -> None:
    (tmp_path / "req.tsq").write_bytes(build_request(b"signature", 12345))
    out = subprocess.run(["openssl", "ts", "-query", "-in", str(tmp_path / "req.tsq"), "-text"],
                         capture_output=True, text=True, check=True).stdout
    assert "sha256" in out and "Nonce: 0x3039" in out and "Certificate required: yes" in out


def test_signed_run_is_time_stamped_and_openssl_verifies_it(record_run, tsa, allowed_signers: Path, capsys) -> None:
    url, cert = tsa
    rec = record_run("RH-TS-1", {"CM01": "passed"}, tsa_url=url)
    assert rec.timestamp_problem is None
    tsr = rec.dir / "MANIFEST.sha256.sig.tsr"
    assert tsr.is_file()
    code = verify_evidence(argparse.Namespace(dir=str(rec.dir), allowed_signers=str(allowed_signers), allow_unsigned=False))
    out = capsys.readouterr().out
    text = subprocess.run(["openssl", "ts", "-reply", "-in", str(tsr), "-text"], capture_output=True, text=True,
                          check=True).stdout
    serial = int(re.search(r"Serial number: 0x([0-9A-Fa-f]+)", text).group(1), 16)
    gen = re.search(r"Time stamp: (\w{3} +\d+ \d\d:\d\d:\d\d \d{4})", text).group(1)
    when = dt.datetime.strptime(" ".join(gen.split()), "%b %d %H:%M:%S %Y")
    assert code == 0 and f"Time-stamped {when:%Y-%m-%d %H:%M:%S} UTC (RFC 3161, serial {serial})" in out
    proc = subprocess.run(["openssl", "ts", "-verify", "-in", str(tsr), "-data", str(rec.dir / "MANIFEST.sha256.sig"),
                           "-CAfile", str(cert)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and "Verification: OK" in proc.stdout, proc.stdout + proc.stderr


def test_a_time_stamp_of_other_data_is_refused(tsa, tmp_path: Path) -> None:
    url, _ = tsa
    sig = tmp_path / "MANIFEST.sha256.sig"
    sig.write_text("signature one", encoding="ascii")
    request_timestamp(url, sig)
    der = (tmp_path / "MANIFEST.sha256.sig.tsr").read_bytes()
    with pytest.raises(TimestampError, match="message imprint differs"):
        parse_response(der, b"another signature")
    with pytest.raises(TimestampError, match="nonce"):
        parse_response(der, b"signature one", nonce=1)


def test_unreachable_tsa_leaves_a_signed_folder_and_says_why(record_run, tmp_path: Path) -> None:
    rec = record_run("RH-TS-2", {"CM01": "passed"}, tsa_url="http://127.0.0.1:9/tsa")
    assert "could not be reached" in (rec.timestamp_problem or "")
    assert (rec.dir / "MANIFEST.sha256.sig").is_file() and not (rec.dir / "MANIFEST.sha256.sig.tsr").exists()
