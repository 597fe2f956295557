"""The evidence signing key: create it (``restore-harness keygen``), find it (option, environment,
inventory), load it (an OpenSSH private key file with mode 0600, or the OS keyring), and the
``allowed_signers`` list an auditor pins trusted keys with (OpenSSH's format, so ``ssh-keygen -Y
verify`` reads the same file).

A key reference is a path to the private key file or ``keyring:<name>`` (the key is stored in the
OS keyring under service :data:`KEYRING_SERVICE`, entry ``<name>``). Where it comes from, first match:
the command-line option, the environment variable :data:`KEY_ENV`, the inventory's value.
"""

from __future__ import annotations

import fnmatch
import getpass
import json
import os
import shlex
import socket
import stat
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_ssh_private_key,
)

from harness.errors import HarnessError
from harness.evidence.sshsig import NAMESPACE, SignatureError, fingerprint, parse_public_key_line, public_key_line

KEY_ENV = "RH_SIGNING_KEY"
"""Environment variable naming the signing key (a file path or ``keyring:<name>``)."""
IDENTITY_ENV = "RH_SIGNING_IDENTITY"
"""Environment variable overriding the signer identity (default: the ``.pub`` file's comment)."""
ALLOWED_SIGNERS_ENV = "RH_ALLOWED_SIGNERS"
"""Environment variable naming the auditor's allowed_signers file (when no option is given)."""
KEYRING_SERVICE = "restore-harness-signing"
KEYRING_PREFIX = "keyring:"


class SigningKeyError(HarnessError):
    """The signing key cannot be created, found or read (message names the file or entry and the fix)."""


@dataclass(frozen=True)
class SigningKey:
    """A loaded signing key and the identity (principal) it signs as."""

    private_key: Ed25519PrivateKey
    identity: str
    source: str

    @property
    def public_line(self) -> str:
        """``ssh-ed25519 AAAA... <identity>``."""
        return public_key_line(self.private_key.public_key(), self.identity)

    @property
    def fingerprint(self) -> str:
        """``SHA256:...`` as ``ssh-keygen -l`` prints it."""
        return fingerprint(self.private_key.public_key())

    @property
    def allowed_signers_line(self) -> str:
        """The line an auditor puts in allowed_signers to trust this key for evidence."""
        return f'{self.identity} namespaces="{NAMESPACE}" {public_key_line(self.private_key.public_key())}'


def default_identity() -> str:
    """``<OS account>@<controller host>`` (the principal a new key signs as)."""
    return f"{getpass.getuser()}@{socket.gethostname()}"


def _openssh_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(Encoding.PEM, PrivateFormat.OpenSSH, NoEncryption())


def generate(ref: str, identity: str | None = None) -> SigningKey:
    """Create a new Ed25519 key at ``ref`` (a path: the private key with mode 0600 plus ``<path>.pub``;
    or ``keyring:<name>``). Never overwrites an existing key."""
    identity = (identity or default_identity()).strip()
    if not identity or any(c.isspace() for c in identity) or "," in identity:
        raise SigningKeyError(f"identity {identity!r} must be one word without spaces or commas "
                              "(e.g. restore-lab@example.org)")
    key = Ed25519PrivateKey.generate()
    signing = SigningKey(key, identity, ref)
    if ref.startswith(KEYRING_PREFIX):
        name = ref[len(KEYRING_PREFIX):]
        keyring = _keyring()
        if not name:
            raise SigningKeyError("keyring reference needs a name: keyring:<name>, e.g. keyring:evidence")
        if _keyring_get(keyring, name) is not None:
            raise SigningKeyError(f"keyring entry {KEYRING_SERVICE}/{name} already holds a key; "
                                  "choose another name (a key is never overwritten)")
        doc = {"identity": identity, "private_key": _openssh_pem(key).decode("ascii")}
        try:
            keyring.set_password(KEYRING_SERVICE, name, json.dumps(doc))
        except Exception as exc:  # keyring backends raise many unrelated types
            raise SigningKeyError(f"could not store the key in the OS keyring ({KEYRING_SERVICE}/{name}): {exc}; "
                                  "use a key file instead") from None
        return signing
    path = Path(ref)
    pub = Path(str(path) + ".pub")
    for existing in (path, pub):
        if existing.exists():
            raise SigningKeyError(f"{existing} already exists; a key is never overwritten (choose another path)")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(_openssh_pem(key))
    if sys.platform != "win32":
        os.chmod(path, 0o600)
    pub.write_text(signing.public_line + "\n", encoding="ascii")
    return signing


def resolve_ref(option: str | None = None, inventory_value: str | None = None,
                env: Mapping[str, str] | None = None) -> str | None:
    """The key reference to use: the option, else ``$RH_SIGNING_KEY``, else the inventory's value."""
    env = os.environ if env is None else env
    return option or env.get(KEY_ENV) or inventory_value or None


def load(ref: str, env: Mapping[str, str] | None = None) -> SigningKey:
    """Load the key named by ``ref`` (see the module doc)."""
    env = os.environ if env is None else env
    if ref.startswith(KEYRING_PREFIX):
        name = ref[len(KEYRING_PREFIX):]
        stored = _keyring_get(_keyring(), name)
        if stored is None:
            raise SigningKeyError(f"keyring entry {KEYRING_SERVICE}/{name} does not exist; create it with "
                                  f"`restore-harness keygen --key {ref}`")
        try:
            doc = json.loads(stored)
            key = load_ssh_private_key(doc["private_key"].encode("ascii"), password=None)
        except (ValueError, KeyError, TypeError) as exc:
            raise SigningKeyError(f"keyring entry {KEYRING_SERVICE}/{name} does not hold a restore-harness "
                                  f"key ({exc})") from None
        identity = env.get(IDENTITY_ENV) or doc.get("identity") or default_identity()
    else:
        path = Path(ref)
        if not path.is_file():
            raise SigningKeyError(f"signing key {path} does not exist; create it with "
                                  f"`restore-harness keygen --key {path}` or set {KEY_ENV}")
        if sys.platform != "win32" and path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise SigningKeyError(f"signing key {path} is readable by other users "
                                  f"(mode {stat.S_IMODE(path.stat().st_mode):o}); fix: chmod 600 {path}")
        try:
            key = load_ssh_private_key(path.read_bytes(), password=None)
        except (ValueError, TypeError) as exc:
            raise SigningKeyError(f"signing key {path} is not an unencrypted OpenSSH private key ({exc})") from None
        identity = env.get(IDENTITY_ENV) or _pub_comment(Path(str(path) + ".pub")) or default_identity()
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"signing key {ref} is a {type(key).__name__}, not Ed25519; create one with "
                              "`restore-harness keygen`")
    return SigningKey(key, identity, ref)


def _pub_comment(pub: Path) -> str | None:
    if not pub.is_file():
        return None
    parts = pub.read_text(encoding="ascii", errors="replace").split()
    return parts[2] if len(parts) >= 3 else None


def _keyring():  # type: ignore[no-untyped-def]
    import keyring  # imported lazily: backends probe the desktop session on import

    return keyring


def _keyring_get(keyring, name: str) -> str | None:  # type: ignore[no-untyped-def]
    try:
        return keyring.get_password(KEYRING_SERVICE, name)
    except Exception as exc:  # keyring backends raise many unrelated types
        raise SigningKeyError(f"OS keyring lookup of {KEYRING_SERVICE}/{name} failed: {exc}; "
                              "use a key file instead") from None


# ----------------------------------------------------------------------------- allowed_signers


@dataclass(frozen=True)
class AllowedSigner:
    """One line of an allowed_signers file: principals (patterns), namespaces, key fingerprint."""

    principals: tuple[str, ...]
    namespaces: tuple[str, ...] | None
    fingerprint: str
    line: int

    def allows(self, identity: str, key_fingerprint: str, namespace: str = NAMESPACE) -> bool:
        """True when this line trusts ``key_fingerprint`` for ``identity`` in ``namespace``."""
        if key_fingerprint != self.fingerprint:
            return False
        if self.namespaces is not None and not any(fnmatch.fnmatchcase(namespace, n) for n in self.namespaces):
            return False
        return any(fnmatch.fnmatchcase(identity, p) for p in self.principals)


def read_allowed_signers(path: Path) -> list[AllowedSigner]:
    """Parse an OpenSSH allowed_signers file (``principals [options] ssh-ed25519 AAAA...``); other key
    types are skipped (evidence is only signed with Ed25519); bad lines name the file and line."""
    if not path.is_file():
        raise SigningKeyError(f"allowed signers file {path} does not exist (one line per trusted key: "
                              f'<identity> namespaces="{NAMESPACE}" ssh-ed25519 AAAA...)')
    out = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        try:
            tokens = shlex.split(text, posix=True)
        except ValueError as exc:
            raise SigningKeyError(f"{path}:{number}: cannot read the line ({exc})") from None
        key_at = next((i for i, t in enumerate(tokens) if t.startswith(("ssh-", "ecdsa-", "sk-"))), None)
        if key_at is None or key_at < 1 or key_at + 1 >= len(tokens):
            raise SigningKeyError(f"{path}:{number}: not '<principals> [options] <key type> <base64 key>'")
        if tokens[key_at] != "ssh-ed25519":
            continue
        namespaces = None
        for opt in tokens[1:key_at]:
            at = opt.lower().find("namespaces=")
            if at >= 0 and (at == 0 or opt[at - 1] == ","):
                items = []
                for item in opt[at + len("namespaces="):].split(","):
                    if "=" in item:  # the next option (quotes are gone after shlex)
                        break
                    items.append(item.strip())
                namespaces = tuple(i for i in items if i)
        try:
            key = parse_public_key_line(f"{tokens[key_at]} {tokens[key_at + 1]}")
        except SignatureError as exc:
            raise SigningKeyError(f"{path}:{number}: {exc}") from None
        out.append(AllowedSigner(tuple(tokens[0].split(",")), namespaces, fingerprint(key), number))
    return out
