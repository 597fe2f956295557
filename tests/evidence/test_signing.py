"""Signed evidence folders and `restore-harness verify-evidence`: who signed, and forgeries refused."""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from harness.evidence.cli import verify_evidence
from harness.evidence.keys import generate
from harness.evidence.sshsig import sign

SSH_KEYGEN = "/usr/bin/ssh-keygen"


def _verify(path: Path, capsys, *, allowed: Path | None = None, allow_unsigned: bool = False) -> tuple[int, str]:
    code = verify_evidence(argparse.Namespace(dir=str(path), allowed_signers=str(allowed) if allowed else None,
                                              allow_unsigned=allow_unsigned))
    out = capsys.readouterr()
    return code, out.out + out.err


@pytest.fixture
def simulated_failed_run(record_run) -> Path:
    """A signed simulated run in which CM01 failed a check."""
    return record_run("RH-SIM-1", {"CM01": "failed", "VMM01": "passed"}, simulated=True,
                      when=datetime(2025, 3, 10, 9, tzinfo=UTC)).dir


def test_signed_folder_verifies_and_names_the_signer(simulated_failed_run: Path, allowed_signers: Path,
                                                     signing_key, capsys) -> None:
    code, text = _verify(simulated_failed_run, capsys, allowed=allowed_signers)
    assert code == 0, text
    assert (f'Good "restore-harness" signature by restore-lab@example.org with ED25519 key {signing_key.fingerprint} '
            "(listed in allowed_signers)") in text
    assert "SIMULATED run: not evidence of a real restore" in text


def test_the_report_shows_the_public_key_and_fingerprint(simulated_failed_run: Path, signing_key) -> None:
    html = (simulated_failed_run / "evidence.html").read_text(encoding="utf-8")
    assert signing_key.fingerprint in html and signing_key.public_line.split()[1] in html
    run = json.loads((simulated_failed_run / "run.json").read_text(encoding="utf-8"))
    assert run["signature"]["fingerprint"] == signing_key.fingerprint


def _forge(folder: Path) -> None:
    """What the issue describes: flip simulated to false, mark every outcome passed, drop the notice,
    and regenerate MANIFEST.sha256 with sha256sum."""
    for name in ("run.json", "evidence.json"):
        doc = json.loads((folder / name).read_text(encoding="utf-8"))
        doc["simulated"], doc["notice"] = False, None
        for sc in doc["scenarios"]:
            sc["outcome"] = "passed"
            for c in sc["checks"]:
                c["outcome"], c["message"] = "passed", ""
        for s in doc.get("systems", []):
            s["outcome"] = "passed"
        (folder / name).write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    html = (folder / "evidence.html").read_text(encoding="utf-8")
    (folder / "evidence.html").write_text(html.replace("SIMULATED", "").replace("FAILED", "PASSED"), encoding="utf-8")
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                   if p.is_file() and p.name not in ("MANIFEST.sha256", "MANIFEST.sha256.sig"))
    proc = subprocess.run(["sha256sum", *files], cwd=folder, capture_output=True, text=True, check=True)
    (folder / "MANIFEST.sha256").write_text(proc.stdout, encoding="utf-8")


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="sha256sum (GNU coreutils) is not installed")
def test_forged_folder_fails_verification(simulated_failed_run: Path, allowed_signers: Path, capsys) -> None:
    _forge(simulated_failed_run)
    check = subprocess.run(["sha256sum", "--check", "--quiet", "MANIFEST.sha256"], cwd=simulated_failed_run,
                           capture_output=True, text=True, check=False)
    assert check.returncode == 0  # the forged manifest matches the forged files...
    for allowed in (allowed_signers, None):
        code, text = _verify(simulated_failed_run, capsys, allowed=allowed)
        assert code == 1  # ...but not its signature
        assert "BAD SIGNATURE MANIFEST.sha256.sig" in text and "does not match the signed file" in text


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="sha256sum (GNU coreutils) is not installed")
def test_forged_and_resigned_with_another_key_is_refused(simulated_failed_run: Path, allowed_signers: Path,
                                                          tmp_path: Path, capsys) -> None:
    _forge(simulated_failed_run)
    forger = generate(str(tmp_path / "forger"), "restore-lab@example.org")
    run = json.loads((simulated_failed_run / "run.json").read_text(encoding="utf-8"))
    run["signature"]["fingerprint"] = forger.fingerprint  # even a careful forger...
    (simulated_failed_run / "run.json").write_text(json.dumps(run), encoding="utf-8")
    files = sorted(p.relative_to(simulated_failed_run).as_posix() for p in simulated_failed_run.rglob("*")
                   if p.is_file() and p.name not in ("MANIFEST.sha256", "MANIFEST.sha256.sig"))
    proc = subprocess.run(["sha256sum", *files], cwd=simulated_failed_run, capture_output=True, text=True, check=True)
    (simulated_failed_run / "MANIFEST.sha256").write_text(proc.stdout, encoding="utf-8")
    (simulated_failed_run / "MANIFEST.sha256.sig").write_text(
        sign(forger.private_key, (simulated_failed_run / "MANIFEST.sha256").read_bytes()), encoding="ascii")
    code, text = _verify(simulated_failed_run, capsys, allowed=allowed_signers)
    assert code == 1 and f"UNTRUSTED SIGNER restore-lab@example.org key {forger.fingerprint}" in text
    code, text = _verify(simulated_failed_run, capsys)  # without the auditor's list the signer is only reported
    assert code == 0 and f"key {forger.fingerprint} (not checked against an allowed_signers list" in text


def test_unsigned_folder_is_refused_unless_allowed(record_run, capsys) -> None:
    folder = record_run("RH-U-1", {"CM01": "passed"}, signed=False).dir
    code, text = _verify(folder, capsys)
    assert code == 1 and "UNSIGNED MANIFEST.sha256.sig is missing (use --allow-unsigned" in text
    code, text = _verify(folder, capsys, allow_unsigned=True)
    assert code == 0 and "UNSIGNED: files checked only" in text


def test_removed_signature_is_named(simulated_failed_run: Path, capsys) -> None:
    (simulated_failed_run / "MANIFEST.sha256.sig").unlink()
    code, text = _verify(simulated_failed_run, capsys, allow_unsigned=True)
    assert code == 1 and "REMOVED MANIFEST.sha256.sig (run.json says the folder was signed by restore-lab@example.org" in text


def test_missing_allowed_signers_file_is_a_usage_error(simulated_failed_run: Path, tmp_path: Path, capsys) -> None:
    code, text = _verify(simulated_failed_run, capsys, allowed=tmp_path / "none")
    assert code == 4 and "allowed signers file" in text


@pytest.mark.skipif(not Path(SSH_KEYGEN).is_file(), reason="OpenSSH's ssh-keygen is not installed (openssh-client)")
def test_ssh_keygen_verifies_a_run_folder(simulated_failed_run: Path, allowed_signers: Path) -> None:
    cmd = [SSH_KEYGEN, "-Y", "verify", "-f", str(allowed_signers), "-I", "restore-lab@example.org",
           "-n", "restore-harness", "-s", "MANIFEST.sha256.sig"]
    manifest = (simulated_failed_run / "MANIFEST.sha256").read_bytes()
    proc = subprocess.run(cmd, cwd=simulated_failed_run, input=manifest, capture_output=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert b"Good \"restore-harness\" signature for restore-lab@example.org" in proc.stdout
    if shutil.which("sha256sum"):
        _forge(simulated_failed_run)
        forged = (simulated_failed_run / "MANIFEST.sha256").read_bytes()
        assert subprocess.run(cmd, cwd=simulated_failed_run, input=forged, capture_output=True).returncode != 0
