"""Content verification of an item-level restore: restored files against a SHA-256 manifest.

The manifest comes inline from the inventory (``wsb.expected_files``) or from a file stored beside
the backup (``wsb.manifest``): JSON ``{"files":[{"path","sha256","size"}]}`` (what the backup job
writes in the cast) or ``sha256sum`` lines (``<hex>  <path>``). Paths are original Windows paths
(``D:\\Shares\\HR\\人事\\名簿.xlsx``); they compare case-insensitively and after Unicode NFC
normalisation, as NTFS users expect. The result lists every missing, extra and changed file and
renders as CSV/HTML tables for the report.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from harness.checks.result import CheckResult

_HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")
_LINE = re.compile(r"^([0-9a-fA-F]{64})\s+\*?(.+?)\s*$")
MAX_LISTED = 20  # per kind in the failure message; the table has them all


class ManifestFormatError(ValueError):
    """The manifest text cannot be read (message names the source and the entry)."""


@dataclass(frozen=True)
class FileFact:
    """One file: original path, SHA-256 (lower hex) and size in bytes (None if the manifest omits it)."""

    path: str
    sha256: str
    size: int | None = None


def path_key(path: str) -> str:
    """Comparison key of a Windows path: NFC, backslashes, no trailing separator, case-folded."""
    return unicodedata.normalize("NFC", path).replace("/", "\\").rstrip("\\").casefold()


def _entry(item: Mapping[str, Any], where: str) -> FileFact:
    path = item.get("path")
    digest = str(item.get("sha256") or "")
    if not path:
        raise ManifestFormatError(f"{where}: missing 'path'")
    if not _HEX64.match(digest):
        raise ManifestFormatError(f"{where} ({path}): 'sha256' must be 64 hex digits, found {digest[:80]!r}")
    size = item.get("size")
    if size is not None and (not isinstance(size, int) or size < 0):
        raise ManifestFormatError(f"{where} ({path}): 'size' must be a non-negative integer, found {size!r}")
    return FileFact(str(path), digest.lower(), size)


def parse_manifest(text: str, source: str) -> list[FileFact]:
    """Entries of a manifest file's text; ``source`` (its path) is named in errors."""
    text = text.lstrip("\ufeff")
    stripped = text.strip()
    if not stripped:
        raise ManifestFormatError(f"manifest {source} is empty")
    if stripped.startswith("{") or stripped.startswith("["):
        try:
            doc = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise ManifestFormatError(f"manifest {source} is not valid JSON: {exc}") from None
        items = doc.get("files") if isinstance(doc, dict) else doc
        if not isinstance(items, list):
            raise ManifestFormatError(f"manifest {source}: expected a 'files' list")
        return [_entry(i if isinstance(i, dict) else {}, f"manifest {source} files[{n}]") for n, i in enumerate(items)]
    out = []
    for n, line in enumerate(stripped.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = _LINE.match(line.strip())
        if not m:
            raise ManifestFormatError(f"manifest {source} line {n}: expected '<sha256>  <path>', found {line[:80]!r}")
        out.append(FileFact(m.group(2), m.group(1).lower()))
    return out


def inline_manifest(items: Iterable[Mapping[str, Any]], where: str = "wsb.expected_files") -> list[FileFact]:
    """Entries given inline in the inventory."""
    return [_entry(i, f"{where}[{n}]") for n, i in enumerate(items)]


def under_items(entries: Iterable[FileFact], items: Sequence[str], recursive: bool = True) -> list[FileFact]:
    """The manifest entries the restored items cover (a manifest may describe more than one scenario)."""
    keys = [path_key(i) for i in items]
    out = []
    for e in entries:
        k = path_key(e.path)
        for item in keys:
            if k == item:
                out.append(e)
                break
            if k.startswith(item + "\\"):
                rest = k[len(item) + 1:]
                if recursive or "\\" not in rest:
                    out.append(e)
                    break
    return out


@dataclass(frozen=True)
class Difference:
    """One row of the comparison table."""

    status: str  # missing | extra | changed | ok
    path: str
    expected_sha256: str = ""
    found_sha256: str = ""
    expected_size: int | None = None
    found_size: int | None = None

    @property
    def detail(self) -> str:
        if self.status == "missing":
            return "not restored"
        if self.status == "extra":
            return "restored but not in the manifest"
        parts = []
        if self.expected_sha256 and self.expected_sha256 != self.found_sha256:
            parts.append(f"SHA-256 {self.expected_sha256[:12]}… expected, {self.found_sha256[:12]}… found")
        if self.expected_size is not None and self.expected_size != self.found_size:
            parts.append(f"size {self.expected_size} expected, {self.found_size} found")
        return "; ".join(parts) or "as expected"


@dataclass(frozen=True)
class ContentComparison:
    """Every expected and restored file, classified."""

    rows: tuple[Difference, ...]

    def of(self, status: str) -> list[Difference]:
        return [r for r in self.rows if r.status == status]

    @property
    def ok(self) -> bool:
        return all(r.status == "ok" for r in self.rows) and bool(self.rows)

    def summary(self) -> str:
        return (f"{len(self.of('ok'))} as expected, {len(self.of('missing'))} missing, {len(self.of('extra'))} extra, "
                f"{len(self.of('changed'))} changed")

    def to_csv(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(["status", "path", "detail", "expected_sha256", "found_sha256", "expected_size", "found_size"])
        for r in self.rows:
            w.writerow([r.status, r.path, r.detail, r.expected_sha256, r.found_sha256,
                        "" if r.expected_size is None else r.expected_size, "" if r.found_size is None else r.found_size])
        return "\ufeff" + buf.getvalue()  # BOM: Excel on Japanese Windows opens UTF-8 CSV correctly

    def to_html(self, title: str = "Restored content against the manifest") -> str:
        order = {"missing": 0, "changed": 1, "extra": 2, "ok": 3}
        rows = "".join(
            f"<tr class='{r.status}'><td>{html.escape(r.status)}</td><td>{html.escape(r.path)}</td>"
            f"<td>{html.escape(r.detail)}</td><td><code>{html.escape(r.expected_sha256)}</code></td>"
            f"<td><code>{html.escape(r.found_sha256)}</code></td>"
            f"<td>{'' if r.expected_size is None else r.expected_size}</td>"
            f"<td>{'' if r.found_size is None else r.found_size}</td></tr>"
            for r in sorted(self.rows, key=lambda r: (order.get(r.status, 9), path_key(r.path))))
        return ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>" + html.escape(title) + "</title>"
                "<style>body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #999;"
                "padding:2px 6px;font-size:13px}tr.missing,tr.changed{background:#fdd}tr.extra{background:#ffd}"
                "</style></head><body><h1>" + html.escape(title) + "</h1><p>" + html.escape(self.summary()) +
                "</p><table><tr><th>status</th><th>path</th><th>detail</th><th>expected SHA-256</th>"
                "<th>found SHA-256</th><th>expected size</th><th>found size</th></tr>" + rows +
                "</table></body></html>")


def compare(expected: Iterable[FileFact], found: Iterable[FileFact]) -> ContentComparison:
    """Classify every file: missing (expected, not restored), extra, changed (hash or size), ok."""
    want = {path_key(e.path): e for e in expected}
    have = {path_key(f.path): f for f in found}
    rows = []
    for key, e in want.items():
        f = have.get(key)
        if f is None:
            rows.append(Difference("missing", e.path, e.sha256, "", e.size, None))
            continue
        changed = e.sha256 != f.sha256 or (e.size is not None and e.size != f.size)
        rows.append(Difference("changed" if changed else "ok", e.path, e.sha256, f.sha256, e.size, f.size))
    for key, f in have.items():
        if key not in want:
            rows.append(Difference("extra", f.path, "", f.sha256, None, f.size))
    return ContentComparison(tuple(sorted(rows, key=lambda r: path_key(r.path))))


def _listed(rows: list[Difference], with_detail: bool = False) -> str:
    shown = [f"{r.path} ({r.detail})" if with_detail else r.path for r in rows[:MAX_LISTED]]
    more = f" … and {len(rows) - MAX_LISTED} more (see the attached table)" if len(rows) > MAX_LISTED else ""
    return ", ".join(shown) + more


def check_content(expected: Sequence[FileFact], found: Sequence[FileFact], subject: str) -> tuple[CheckResult, ContentComparison]:
    """The content check: fails listing every missing, extra and changed file; also fails when the
    manifest covers no file of the restored items (nothing would have been verified)."""
    cmp = compare(expected, found)
    problems = []
    if not expected:
        problems.append("the manifest lists no file under the restored items: nothing could be verified")
    if cmp.of("missing"):
        problems.append(f"{len(cmp.of('missing'))} missing: {_listed(cmp.of('missing'))}")
    if cmp.of("changed"):
        problems.append(f"{len(cmp.of('changed'))} changed: {_listed(cmp.of('changed'), True)}")
    if cmp.of("extra"):
        problems.append(f"{len(cmp.of('extra'))} extra: {_listed(cmp.of('extra'))}")
    evidence = {"summary": cmp.summary(), "expected_files": len(expected), "restored_files": len(found),
                "expected_bytes": sum(e.size or 0 for e in expected), "restored_bytes": sum(f.size or 0 for f in found)}
    return CheckResult("content", subject, tuple(problems), evidence), cmp
