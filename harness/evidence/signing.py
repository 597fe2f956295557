"""Signing a run's evidence folder and verifying it: files against MANIFEST.sha256, the manifest
against its OpenSSH signature MANIFEST.sha256.sig, and the signer against the auditor's
allowed_signers list.

The signer's identity, public key and fingerprint are written into run.json (key ``signature``)
before the manifest is made, so they are covered by the manifest and therefore by the signature.
A forger who edits a file and regenerates the manifest breaks the signature; one who also re-signs
with their own key is caught by the allowed_signers list (the key the auditor trusts).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.evidence.keys import AllowedSigner, SigningKey
from harness.evidence.manifest import MANIFEST_NAME, SIGNATURE_NAME, TIMESTAMP_NAME, Verification, verify_tree
from harness.evidence.sshsig import NAMESPACE, SignatureError, sign, verify

__all__ = ["SIGNATURE_NAME", "TIMESTAMP_NAME", "FolderVerification", "sign_folder", "signature_block", "verify_folder"]
UNSIGNED_NOTE = "UNSIGNED: this folder has no MANIFEST.sha256.sig; it is not evidence an auditor can rely on"


def signature_block(key: SigningKey | None) -> dict[str, Any]:
    """What run.json/evidence.json say about the signature (before it is made)."""
    if key is None:
        return {"signed": False, "note": UNSIGNED_NOTE}
    return {
        "signed": True,
        "format": "OpenSSH SSHSIG (ssh-keygen -Y sign), Ed25519",
        "file": SIGNATURE_NAME,
        "namespace": NAMESPACE,
        "identity": key.identity,
        "public_key": key.public_line,
        "fingerprint": key.fingerprint,
        "allowed_signers_line": key.allowed_signers_line,
    }


def sign_folder(root: Path, key: SigningKey) -> Path:
    """Sign ``root/MANIFEST.sha256`` with ``key``; returns the signature file."""
    manifest = root / MANIFEST_NAME
    path = root / SIGNATURE_NAME
    path.write_text(sign(key.private_key, manifest.read_bytes()), encoding="ascii", newline="\n")
    return path


@dataclass
class FolderVerification:
    """Outcome of :func:`verify_folder`."""

    root: Path
    manifest: Verification
    signed: bool = False
    signature_ok: bool = False
    identity: str | None = None
    fingerprint: str | None = None
    pinned: bool | None = None  # None: no allowed_signers list was given
    timestamp: Any = None  # harness.evidence.timestamp.Timestamp when the folder has a checked one
    simulated: bool | None = None
    allow_unsigned: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Files match the manifest and the manifest carries a valid signature by a trusted key
        (or no signature at all, when unsigned folders were explicitly allowed)."""
        if not self.manifest.ok or self.problems:
            return False
        if not self.signed:
            return self.allow_unsigned
        return self.signature_ok and self.pinned is not False

    def all_problems(self) -> list[str]:
        """Every reason the folder is refused, one line each."""
        lines = self.manifest.problems() + self.problems
        if not self.signed and not self.allow_unsigned:
            lines.append(f"UNSIGNED {SIGNATURE_NAME} is missing (use --allow-unsigned to check the files only)")
        return lines

    def signer_text(self) -> str:
        """Who signed, for people: identity, key fingerprint and whether it is pinned."""
        if not self.signed:
            return "not signed"
        pin = {True: "listed in allowed_signers", False: "NOT in allowed_signers",
               None: "not checked against an allowed_signers list (give --allowed-signers to pin the key)"}
        return f"{self.identity or '?'} with ED25519 key {self.fingerprint} ({pin[self.pinned]})"


def _run_json(root: Path) -> dict[str, Any]:
    try:
        data = json.loads((root / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def verify_folder(root: Path, allowed: list[AllowedSigner] | None = None, *,
                  allow_unsigned: bool = False) -> FolderVerification:
    """Verify files, manifest and signature of one run folder. ``allowed`` is the auditor's
    allowed_signers list (None: the signer is reported but not pinned)."""
    result = FolderVerification(root=root, manifest=verify_tree(root), allow_unsigned=allow_unsigned)
    run = _run_json(root)
    result.simulated = bool(run.get("simulated")) if run else None
    recorded = run.get("signature") if isinstance(run.get("signature"), dict) else {}
    sig_path = root / SIGNATURE_NAME
    if not sig_path.is_file():
        if recorded.get("signed"):
            result.problems.append(f"REMOVED {SIGNATURE_NAME} (run.json says the folder was signed by "
                                   f"{recorded.get('identity')}, key {recorded.get('fingerprint')})")
        return result
    result.signed = True
    manifest = root / MANIFEST_NAME
    if not manifest.is_file():
        return result  # the manifest problem is already reported
    try:
        sig = verify(sig_path.read_text(encoding="ascii", errors="replace"), manifest.read_bytes(), NAMESPACE)
    except SignatureError as exc:
        result.problems.append(f"BAD SIGNATURE {SIGNATURE_NAME}: {exc}")
        return result
    result.signature_ok = True
    result.fingerprint = sig.fingerprint
    result.identity = recorded.get("identity")
    if recorded.get("fingerprint") != sig.fingerprint:
        result.problems.append(f"SIGNER MISMATCH: {SIGNATURE_NAME} is by key {sig.fingerprint}, run.json names "
                               f"{recorded.get('fingerprint') or 'no key'}")
    if (root / TIMESTAMP_NAME).is_file():
        from harness.evidence.timestamp import TimestampError, check_folder_timestamp

        try:
            result.timestamp = check_folder_timestamp(root, SIGNATURE_NAME)
        except TimestampError as exc:
            result.problems.append(f"BAD TIMESTAMP {TIMESTAMP_NAME}: {exc}")
    if allowed is not None:
        result.pinned = any(a.allows(result.identity or "", sig.fingerprint) for a in allowed)
        if not result.pinned:
            result.problems.append(f"UNTRUSTED SIGNER {result.identity} key {sig.fingerprint}: not in the "
                                   f"allowed_signers list for namespace {NAMESPACE!r}")
    return result


