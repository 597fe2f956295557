"""A modelled Windows file system: drive letters, UNC shares, case-insensitive paths, sizes.

Files carry either real bytes (small files whose content is hashed and compared) or only a size
(virtual disks and other large files, whose content never matters to the simulation but whose
size counts against the volume's free space).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

from simlab.ps.api import CaseInsensitiveDict


class FsError(Exception):
    """A file-system failure with the Windows message text and a PowerShell error id/category."""

    def __init__(self, message: str, error_id: str, category: str, exception_type: str) -> None:
        super().__init__(message)
        self.error_id = error_id
        self.category = category
        self.exception_type = exception_type


def not_found(path: str) -> FsError:
    return FsError(
        f"Cannot find path '{path}' because it does not exist.",
        "PathNotFound",
        "ObjectNotFound",
        "System.Management.Automation.ItemNotFoundException",
    )


def already_exists(path: str) -> FsError:
    return FsError(
        f"The file '{path}' already exists.",
        "IOException",
        "WriteError",
        "System.IO.IOException",
    )


def disk_full() -> FsError:
    return FsError(
        "There is not enough space on the disk.",
        "IOException",
        "WriteError",
        "System.IO.IOException",
    )


def access_denied(path: str) -> FsError:
    return FsError(
        f"Access to the path '{path}' is denied.",
        "UnauthorizedAccessException",
        "PermissionDenied",
        "System.UnauthorizedAccessException",
    )


@dataclass
class Node:
    name: str
    created: _dt.datetime
    modified: _dt.datetime


@dataclass
class File(Node):
    content: bytes | None = None
    declared_size: int = 0  # used when content is None
    readonly: bool = False
    version: str | None = None  # the version resource of a binary (FileVersionInfo.ProductVersion)

    @property
    def size(self) -> int:
        return len(self.content) if self.content is not None else self.declared_size


@dataclass
class Directory(Node):
    children: CaseInsensitiveDict = field(default_factory=CaseInsensitiveDict)


@dataclass
class Volume:
    """A drive letter or a share root. ``baseline_used`` is what the description says is already used."""

    root_name: str  # "C:" or "\\\\server\\share"
    size: int
    baseline_used: int
    label: str = ""
    filesystem: str = "NTFS"
    root: Directory = field(default=None)  # type: ignore[assignment]
    readable_by: set[str] | None = None  # accounts allowed on a share (None = everyone)
    online: bool = True

    def used(self) -> int:
        return self.baseline_used + sum(f.size for _, f in walk_files(self.root, self.root_name))

    def free(self) -> int:
        return max(0, self.size - self.used())


_SESSION = threading.local()


@contextlib.contextmanager
def network_session(logons: set[str] | None) -> Iterator[None]:
    """Run file-system calls of this thread as a remote PowerShell session with these share logons.

    A WinRM session authenticated by NTLM cannot pass its logon on to a file server (the second
    hop), so a share that needs its own credential is reachable only after the session logged on
    to it (``New-PSDrive -Credential``, ``net use``). ``None`` lifts the rule (model code acting
    with its own identity, e.g. the WSB engine with the target's credential).
    """
    previous = getattr(_SESSION, "logons", None)
    _SESSION.logons = logons
    try:
        yield
    finally:
        _SESSION.logons = previous


_DRIVE = re.compile(r"^([A-Za-z]):(?:[\\/](.*))?$")
_UNC = re.compile(r"^(?:\\\\|//)([^\\/]+)[\\/]([^\\/]+)(?:[\\/](.*))?$")


def split_path(path: str) -> tuple[str, list[str]]:
    """Split an absolute Windows path into its volume key and parts; raises ValueError if relative."""
    p = path.strip()
    m = _DRIVE.match(p)
    if m:
        root = m.group(1).upper() + ":"
        rest = m.group(2) or ""
    else:
        m = _UNC.match(p)
        if not m:
            raise ValueError(f"not an absolute Windows path: {path!r}")
        root = f"\\\\{m.group(1)}\\{m.group(2)}".lower()
        rest = m.group(3) or ""
    parts = [x for x in re.split(r"[\\/]+", rest) if x and x != "."]
    out: list[str] = []
    for part in parts:
        if part == "..":
            if out:
                out.pop()
        else:
            out.append(part)
    return root, out


def join_display(root: str, parts: list[str]) -> str:
    return root + "\\" + "\\".join(parts) if parts else root + "\\"


def walk_files(d: Directory, prefix: str) -> Iterator[tuple[str, File]]:
    for child in list(d.children.values()):
        path = prefix + "\\" + child.name
        if isinstance(child, File):
            yield path, child
        else:
            yield from walk_files(child, path)


class WinFS:
    """The file system of one simulated machine (plus the UNC shares it can reach)."""

    def __init__(self, now: callable) -> None:  # type: ignore[valid-type]
        self._now = now
        self.volumes: dict[str, Volume] = {}

    # ---------------------------------------------------------------- volumes
    def add_volume(
        self, root: str, size: int, free: int | None = None, label: str = "", readable_by: set[str] | None = None
    ) -> Volume:
        key, _ = split_path(root if root.endswith(("\\", "/")) or root.startswith("\\\\") else root + "\\")
        now = self._now()
        vol = Volume(key, size, size - (free if free is not None else size), label, readable_by=readable_by)
        vol.root = Directory("", now, now)
        self.volumes[key.upper() if len(key) == 2 else key] = vol
        return vol

    def volume_of(self, path: str) -> Volume:
        key, _ = split_path(path)
        vol = self.volumes.get(key.upper() if len(key) == 2 else key)
        if vol is None or not vol.online:
            raise not_found(path)
        logons = getattr(_SESSION, "logons", None)
        if vol.readable_by is not None and len(key) > 2 and logons is not None and key not in logons:
            raise access_denied(path)
        return vol

    # ---------------------------------------------------------------- lookup
    def _resolve(self, path: str) -> tuple[Volume, list[str], Node | None, Directory | None]:
        vol = self.volume_of(path)
        _, parts = split_path(path)
        node: Node | None = vol.root
        parent: Directory | None = None
        for part in parts:
            if not isinstance(node, Directory):
                return vol, parts, None, None
            parent = node
            node = node.children.get(part)
            if node is None:
                return vol, parts, None, parent if part == parts[-1] else None
        return vol, parts, node, parent

    def canonical(self, path: str) -> str:
        """The path with the stored spelling of each existing component."""
        vol, parts, _, _ = self._resolve(path)
        out: list[str] = []
        node: Node = vol.root
        for part in parts:
            if isinstance(node, Directory) and part in node.children:
                child = node.children[part]
                out.append(child.name)
                node = child
            else:
                out.append(part)
        return join_display(vol.root_name, out)

    def exists(self, path: str) -> bool:
        try:
            return self._resolve(path)[2] is not None
        except (FsError, ValueError):
            return False

    def get(self, path: str) -> Node:
        _, _, node, _ = self._resolve(path)
        if node is None:
            raise not_found(path)
        return node

    def is_dir(self, path: str) -> bool:
        try:
            return isinstance(self.get(path), Directory)
        except (FsError, ValueError):
            return False

    def listdir(self, path: str) -> list[tuple[str, Node]]:
        node = self.get(path)
        if not isinstance(node, Directory):
            return [(self.canonical(path), node)]
        base = self.canonical(path).rstrip("\\")
        return [(base + "\\" + c.name, c) for c in node.children.values()]

    def walk(self, path: str) -> Iterator[tuple[str, Node]]:
        """Every node below ``path`` (not ``path`` itself), depth first."""
        for child_path, child in self.listdir(path):
            yield child_path, child
            if isinstance(child, Directory):
                yield from self.walk(child_path)

    # ---------------------------------------------------------------- changes
    def mkdir(self, path: str) -> Directory:
        vol = self.volume_of(path)
        _, parts = split_path(path)
        node: Directory = vol.root
        for part in parts:
            child = node.children.get(part)
            if child is None:
                now = self._now()
                child = Directory(part, now, now)
                node.children[part] = child
            elif not isinstance(child, Directory):
                raise already_exists(path)
            node = child
        return node

    def write(
        self, path: str, content: bytes | None = None, size: int = 0, overwrite: bool = True
    ) -> File:
        """Create or replace a file; ``content=None`` makes a sized file without bytes."""
        vol = self.volume_of(path)
        _, parts = split_path(path)
        if not parts:
            raise access_denied(path)
        parent = self.mkdir(join_display(vol.root_name, parts[:-1]))
        existing = parent.children.get(parts[-1])
        if isinstance(existing, Directory):
            raise access_denied(path)
        if existing is not None and not overwrite:
            raise already_exists(self.canonical(path))
        new_size = len(content) if content is not None else size
        old_size = existing.size if isinstance(existing, File) else 0
        if new_size - old_size > vol.free():
            raise disk_full()
        now = self._now()
        f = File(parts[-1] if existing is None else existing.name, now if existing is None else existing.created,
                 now, content, size)
        parent.children[f.name] = f
        return f

    def read(self, path: str) -> bytes:
        node = self.get(path)
        if isinstance(node, Directory):
            raise access_denied(path)
        assert isinstance(node, File)
        return node.content if node.content is not None else b""

    def remove(self, path: str, recursive: bool = False) -> None:
        _, parts, node, parent = self._resolve(path)
        if node is None or parent is None:
            raise not_found(path)
        if isinstance(node, Directory) and node.children and not recursive:
            raise FsError(
                f"The item at {path} has children and the Recurse parameter was not specified.",
                "DirectoryNotEmpty",
                "WriteError",
                "System.IO.IOException",
            )
        del parent.children[parts[-1]]

    def copy(self, src: str, dst: str, overwrite: bool = False) -> None:
        node = self.get(src)
        if isinstance(node, File):
            target = dst
            if self.is_dir(dst):
                target = dst.rstrip("\\") + "\\" + node.name
            self.write(target, node.content, node.declared_size, overwrite=overwrite)
            return
        self.mkdir(dst)
        for child_path, child in self.listdir(src):
            self.copy(child_path, dst.rstrip("\\") + "\\" + child.name, overwrite)

    def move(self, src: str, dst: str) -> None:
        self.copy(src, dst, overwrite=False)
        self.remove(src, recursive=True)
