"""SHA-256 manifest of a run's evidence directory, and its verification.

``MANIFEST.sha256`` lists every file of the directory except itself and its signature files, one ``<hex>  <path>`` line each
(the format of ``sha256sum``, so ``sha256sum -c MANIFEST.sha256`` also verifies it). Paths are
relative, with forward slashes, sorted. Verification names every file that was changed, added or
removed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

MANIFEST_NAME = "MANIFEST.sha256"
SIGNATURE_NAME = MANIFEST_NAME + ".sig"
"""The armored OpenSSH signature of the manifest (harness.evidence.signing); not in the manifest."""
TIMESTAMP_NAME = SIGNATURE_NAME + ".tsr"
"""The RFC 3161 time-stamp response over the signature file (harness.evidence.timestamp)."""
UNLISTED = frozenset({MANIFEST_NAME, SIGNATURE_NAME, TIMESTAMP_NAME})


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def hash_tree(root: Path, *, exclude: frozenset[str] = UNLISTED) -> dict[str, str]:
    """``{relative posix path: sha256}`` for every regular file under ``root`` (top-level names in
    ``exclude`` are left out)."""
    out: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(root).as_posix()
        if rel in exclude:
            continue
        out[rel] = sha256_file(path)
    return out


def format_manifest(entries: dict[str, str]) -> str:
    """The text of a manifest file for ``entries``."""
    return "".join(f"{digest}  {rel}\n" for rel, digest in sorted(entries.items()))


def write_manifest(root: Path) -> Path:
    """Hash every file under ``root`` and write ``root/MANIFEST.sha256``; returns its path."""
    path = root / MANIFEST_NAME
    path.write_text(format_manifest(hash_tree(root)), encoding="utf-8", newline="\n")
    return path


class ManifestError(ValueError):
    """The manifest file is missing or unreadable (message names the file and line)."""


def read_manifest(path: Path) -> dict[str, str]:
    """Parse a manifest file; raises :class:`ManifestError` naming the file and line on bad input."""
    if not path.is_file():
        raise ManifestError(f"{path}: manifest file is missing (was the directory written by finish()?)")
    entries: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        digest, sep, rel = line.partition("  ")
        if not sep or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest) or not rel:
            raise ManifestError(f"{path}:{number}: not a '<sha256>  <path>' line: {line[:80]!r}")
        entries[rel] = digest
    return entries


@dataclass
class Verification:
    """Outcome of :func:`verify_tree`: which files were changed, added (not in the manifest) or removed."""

    root: Path
    changed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    error: str | None = None
    checked: int = 0

    @property
    def ok(self) -> bool:
        """True when the directory matches its manifest exactly."""
        return self.error is None and not (self.changed or self.added or self.removed)

    def problems(self) -> list[str]:
        """One human line per problem, naming the file."""
        lines = [self.error] if self.error else []
        lines += [f"CHANGED {rel} (SHA-256 differs from {MANIFEST_NAME})" for rel in self.changed]
        lines += [f"ADDED {rel} (not listed in {MANIFEST_NAME})" for rel in self.added]
        lines += [f"REMOVED {rel} (listed in {MANIFEST_NAME}, missing on disk)" for rel in self.removed]
        return lines


def verify_tree(root: Path) -> Verification:
    """Compare ``root`` with ``root/MANIFEST.sha256``."""
    result = Verification(root=root)
    if not root.is_dir():
        result.error = f"{root}: not a directory"
        return result
    try:
        expected = read_manifest(root / MANIFEST_NAME)
    except ManifestError as exc:
        result.error = str(exc)
        return result
    actual = hash_tree(root)
    result.checked = len(expected)
    result.changed = sorted(rel for rel in expected.keys() & actual.keys() if expected[rel] != actual[rel])
    result.added = sorted(actual.keys() - expected.keys())
    result.removed = sorted(expected.keys() - actual.keys())
    return result


def manifest_digest(root: Path) -> str | None:
    """SHA-256 of the manifest file itself (what an auditor writes down to pin the whole run)."""
    path = root / MANIFEST_NAME
    return sha256_file(path) if path.is_file() else None
