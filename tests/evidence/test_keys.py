"""The evidence signing key: keygen to a 0600 file or the OS keyring, loading, allowed_signers."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest

from harness.evidence import keys
from harness.evidence.cli import main
from harness.evidence.keys import SigningKeyError, generate, load, read_allowed_signers, resolve_ref


def test_keygen_writes_a_private_file_only_the_owner_reads(tmp_path: Path, capsys) -> None:
    path = tmp_path / "k" / "evidence_ed25519"
    assert main(["keygen", "--key", str(path), "--identity", "restore-lab@example.org"]) == 0
    out = capsys.readouterr().out
    if sys.platform != "win32":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    pub = Path(str(path) + ".pub").read_text(encoding="ascii")
    assert pub.startswith("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5") and pub.strip().endswith("restore-lab@example.org")
    key = load(str(path), env={})
    assert key.identity == "restore-lab@example.org" and f"fingerprint  {key.fingerprint}" in out
    assert f'restore-lab@example.org namespaces="restore-harness" ssh-ed25519 ' in out


def test_an_existing_key_is_never_overwritten(tmp_path: Path, capsys) -> None:
    path = tmp_path / "evidence_ed25519"
    generate(str(path), "a@b")
    before = path.read_bytes()
    assert main(["keygen", "--key", str(path)]) == 4
    assert "already exists" in capsys.readouterr().err and path.read_bytes() == before


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_a_key_others_can_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "evidence_ed25519"
    generate(str(path), "a@b")
    path.chmod(0o644)
    with pytest.raises(SigningKeyError, match="readable by other users.*chmod 600"):
        load(str(path), env={})


def test_missing_key_says_how_to_create_it(tmp_path: Path) -> None:
    with pytest.raises(SigningKeyError, match="restore-harness keygen --key"):
        load(str(tmp_path / "nope"), env={})


def test_key_reference_precedence() -> None:
    assert resolve_ref("opt", "inv", env={"RH_SIGNING_KEY": "env"}) == "opt"
    assert resolve_ref(None, "inv", env={"RH_SIGNING_KEY": "env"}) == "env"
    assert resolve_ref(None, "inv", env={}) == "inv"
    assert resolve_ref(None, None, env={}) is None


class FakeKeyring:
    """An in-memory stand-in for the ``keyring`` module's two calls."""

    def __init__(self) -> None:
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, name: str) -> str | None:
        return self.store.get((service, name))

    def set_password(self, service: str, name: str, value: str) -> None:
        self.store[(service, name)] = value


def test_keyring_key_round_trip(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeKeyring()
    monkeypatch.setattr(keys, "_keyring", lambda: fake)
    made = generate("keyring:evidence", "ci@example.org")
    assert ("restore-harness-signing", "evidence") in fake.store
    loaded = load("keyring:evidence", env={})
    assert loaded.fingerprint == made.fingerprint and loaded.identity == "ci@example.org"
    with pytest.raises(SigningKeyError, match="already holds a key"):
        generate("keyring:evidence", "ci@example.org")
    with pytest.raises(SigningKeyError, match="does not exist"):
        load("keyring:other", env={})


def test_allowed_signers_lines(tmp_path: Path) -> None:
    key = generate(str(tmp_path / "k"), "lab@example.org")
    path = tmp_path / "allowed_signers"
    b64 = key.public_line.split()[1]
    path.write_text(
        "# auditor's list\n"
        f"{key.allowed_signers_line}\n"
        f"*@example.org,ops ssh-ed25519 {b64}\n"
        f'git@x namespaces="git" ssh-ed25519 {b64}\n'
        "old@x ssh-rsa AAAAB3NzaC1yc2E= old key\n",
        encoding="utf-8")
    entries = read_allowed_signers(path)
    assert [e.line for e in entries] == [2, 3, 4]
    assert entries[0].allows("lab@example.org", key.fingerprint)
    assert entries[1].allows("anyone@example.org", key.fingerprint) and not entries[1].allows("x@y", key.fingerprint)
    assert not entries[2].allows("git@x", key.fingerprint)  # other namespace only
    path.write_text("lab@example.org ssh-ed25519 !!!\n", encoding="utf-8")
    with pytest.raises(SigningKeyError, match="allowed_signers:1: public key line has bad base64"):
        read_allowed_signers(path)


def test_restore_harness_cli_registers_the_evidence_commands(tmp_path: Path, capsys) -> None:
    from harness.cli import main as rh_main

    key = tmp_path / "k"
    assert rh_main(["keygen", "--key", str(key), "--identity", "ops@example.org"]) == 0
    assert "Created an Ed25519 evidence signing key" in capsys.readouterr().out
    assert rh_main(["verify-evidence", str(tmp_path / "none"), "--allowed-signers", "x", "--allow-unsigned"]) == 4
    assert rh_main(["status", "--evidence-dir", str(tmp_path), "--json"]) == 1
    assert '"compliant": false' in capsys.readouterr().out
