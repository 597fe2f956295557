"""SSHSIG signatures: our own round trip, and interoperability with OpenSSH's ssh-keygen."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from harness.evidence import sshsig
from harness.evidence.keys import SigningKey, generate

SSH_KEYGEN = "/usr/bin/ssh-keygen"
needs_ssh_keygen = pytest.mark.skipif(not Path(SSH_KEYGEN).is_file(),
                                      reason="OpenSSH's ssh-keygen is not installed (Debian: apt-get install openssh-client)")


def test_sign_then_verify_names_the_key() -> None:
    key = Ed25519PrivateKey.generate()
    armored = sshsig.sign(key, b"manifest\n")
    assert armored.startswith("-----BEGIN SSH SIGNATURE-----\n") and armored.endswith("-----END SSH SIGNATURE-----\n")
    sig = sshsig.verify(armored, b"manifest\n")
    assert sig.fingerprint == sshsig.fingerprint(key.public_key()) and sig.namespace == "restore-harness"


@pytest.mark.parametrize(("message", "namespace", "needle"), [
    (b"manifest changed\n", "restore-harness", "does not match the signed file"),
    (b"manifest\n", "file", "namespace is 'restore-harness', expected 'file'"),
])
def test_wrong_data_or_namespace_is_refused(message: bytes, namespace: str, needle: str) -> None:
    armored = sshsig.sign(Ed25519PrivateKey.generate(), b"manifest\n")
    with pytest.raises(sshsig.SignatureError, match=needle):
        sshsig.verify(armored, message, namespace)


def test_garbled_signature_says_what_is_wrong() -> None:
    with pytest.raises(sshsig.SignatureError, match="not an armored SSH signature"):
        sshsig.parse("hello")
    armored = sshsig.sign(Ed25519PrivateKey.generate(), b"x")
    lines = armored.splitlines()
    lines[1] = lines[1][:10]
    with pytest.raises(sshsig.SignatureError):
        sshsig.parse("\n".join(lines))


@pytest.fixture
def key(tmp_path: Path) -> SigningKey:
    return generate(str(tmp_path / "id_evidence"), "restore-lab@example.org")


@needs_ssh_keygen
def test_fingerprint_is_what_ssh_keygen_prints(key: SigningKey, tmp_path: Path) -> None:
    out = subprocess.run([SSH_KEYGEN, "-l", "-f", str(tmp_path / "id_evidence.pub")], capture_output=True,
                         text=True, check=True).stdout
    assert out.split()[1] == key.fingerprint and "(ED25519)" in out


@needs_ssh_keygen
def test_ssh_keygen_verifies_our_signature(key: SigningKey, tmp_path: Path) -> None:
    data = tmp_path / "MANIFEST.sha256"
    data.write_bytes(b"0" * 64 + b"  run.json\n")
    (tmp_path / "MANIFEST.sha256.sig").write_text(sshsig.sign(key.private_key, data.read_bytes()), encoding="ascii")
    signers = tmp_path / "allowed_signers"
    signers.write_text(key.allowed_signers_line + "\n", encoding="utf-8")
    cmd = [SSH_KEYGEN, "-Y", "verify", "-f", str(signers), "-I", "restore-lab@example.org", "-n", "restore-harness",
           "-s", str(tmp_path / "MANIFEST.sha256.sig")]
    ok = subprocess.run(cmd, input=data.read_bytes(), capture_output=True, check=False)
    assert ok.returncode == 0, ok.stderr
    assert f"Good \"restore-harness\" signature for restore-lab@example.org with ED25519 key {key.fingerprint}" in ok.stdout.decode()
    bad = subprocess.run(cmd, input=data.read_bytes().replace(b"0", b"1", 1), capture_output=True, check=False)
    assert bad.returncode != 0


@needs_ssh_keygen
def test_we_verify_what_ssh_keygen_signs(key: SigningKey, tmp_path: Path) -> None:
    data = tmp_path / "MANIFEST.sha256"
    data.write_bytes(b"abc\n")
    proc = subprocess.run([SSH_KEYGEN, "-Y", "sign", "-f", str(tmp_path / "id_evidence"), "-n", "restore-harness",
                           str(data)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    sig = sshsig.verify((tmp_path / "MANIFEST.sha256.sig").read_text(encoding="ascii"), b"abc\n")
    assert sig.fingerprint == key.fingerprint
