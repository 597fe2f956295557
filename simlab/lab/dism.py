"""Offline driver servicing of a Windows image (what DISM /Add-Driver and /Get-Drivers do).

The image is any folder of a ``WinFS`` that holds ``Windows\\`` (typically the drive letter of a
mounted VHD). DISM copies each valid driver package into
``Windows\\System32\\DriverStore\\FileRepository\\<name>.inf_amd64_<hash>\\`` and publishes the INF as
``Windows\\INF\\oem<N>.inf`` (N = next free number). Invalid INFs in a folder are skipped with a
warning, unsigned packages are refused on x64 unless forced. All state lives in the file system,
so it survives copies of the volume (BMR, export/import) and is what the guest boot checks.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import re
from dataclasses import dataclass

from simlab.winfs import File, FsError, WinFS

DRIVERSTORE = r"Windows\System32\DriverStore\FileRepository"
BOOT_CRITICAL_CLASSES = {"scsiadapter", "hdc", "system"}
ACCESS_IMAGE = ("Unable to access the image.\r\nMake sure that the image path and the Windows directory for "
                "the image exist and you have Read/Write permissions.")


class DismError(Exception):
    """A DISM failure: Windows' message and the dism.exe error number."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class DriverInfo:
    """One driver package in an image (BasicDriverObject)."""

    driver: str  # oemN.inf (third party) or the INF name (inbox)
    original_file_name: str
    inbox: bool
    class_name: str
    provider: str
    date: _dt.datetime
    version: str
    boot_critical: bool
    signed: bool


def parse_inf(text: bytes) -> dict[str, str] | None:
    """Class, Provider, DriverVer, CatalogFile, boot start of an INF; None when it is not a valid INF."""
    try:
        s = text.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            s = text.decode("utf-16")
        except UnicodeDecodeError:
            return None
    if not re.search(r"^\s*\[Version\]", s, re.I | re.M):
        return None
    out: dict[str, str] = {}
    for key in ("Class", "Provider", "DriverVer", "CatalogFile", "StartType"):
        m = re.search(rf"^\s*{key}\s*=\s*(.+?)\s*$", s, re.I | re.M)
        if m:
            out[key] = m.group(1).strip().strip('"')
    if "Class" not in out or "Provider" not in out or "DriverVer" not in out:
        return None
    return out


def _windows_dir(fs: WinFS, image: str) -> str:
    root = image.rstrip("\\")
    if len(root) == 2:
        root += ""
    win = f"{root}\\Windows"
    if not fs.is_dir(win):
        raise DismError(ACCESS_IMAGE, 2)
    return root


def _packages(fs: WinFS, source: str, recurse: bool) -> list[str]:
    if not fs.exists(source):
        raise DismError(f"The system cannot find the path specified.", 3)
    if not fs.is_dir(source):
        return [fs.canonical(source)]
    nodes = fs.walk(source) if recurse else iter(fs.listdir(source))
    return [p for p, n in nodes if isinstance(n, File) and p.lower().endswith(".inf")]


def _info_from(inf_name: str, meta: dict[str, str], driver: str, original: str, inbox: bool, signed: bool) -> DriverInfo:
    date_s, _, version = meta["DriverVer"].partition(",")
    try:
        date = _dt.datetime.strptime(date_s.strip(), "%m/%d/%Y").replace(tzinfo=_dt.timezone.utc)
    except ValueError:
        date = _dt.datetime(2006, 6, 21, tzinfo=_dt.timezone.utc)
    cls = meta["Class"]
    boot = cls.lower() in BOOT_CRITICAL_CLASSES or meta.get("StartType", "") == "0"
    return DriverInfo(driver, original, inbox, cls, meta["Provider"], date, version.strip() or "1.0.0.0", boot, signed)


def add_drivers(fs: WinFS, image: str, source: str, recurse: bool = False,
                force_unsigned: bool = False) -> tuple[list[DriverInfo], list[str]]:
    """Add every driver package found at ``source`` to the offline image at ``image``.

    Returns the added drivers and the warnings (invalid or unsigned packages that were skipped).
    Raises :class:`DismError` when the image or source cannot be reached or nothing could be added.
    """
    root = _windows_dir(fs, image)
    infs = _packages(fs, source, recurse)
    added: list[DriverInfo] = []
    warnings: list[str] = []
    for inf in infs:
        meta = parse_inf(fs.read(inf))
        if meta is None:
            warnings.append(f"The driver package {inf} is not valid and was skipped (the INF has no [Version] "
                            "section with Class, Provider and DriverVer).")
            continue
        folder = inf.rsplit("\\", 1)[0]
        cat = meta.get("CatalogFile")
        signed = bool(cat) and fs.exists(f"{folder}\\{cat}")
        if not signed and not force_unsigned:
            warnings.append(f"The driver package {inf} is not signed and was skipped. Use -ForceUnsigned "
                            "(dism /ForceUnsigned) to add unsigned drivers to an x64 image.")
            continue
        name = inf.rsplit("\\", 1)[1].lower()
        content = fs.read(inf)
        store = f"{root}\\{DRIVERSTORE}\\{name}_amd64_{hashlib.sha256(content).hexdigest()[:16]}"
        oem = _published_name(fs, root, content) or f"oem{_next_oem(fs, root)}.inf"
        fs.mkdir(store)
        for path, node in fs.listdir(folder):
            if isinstance(node, File) and not path.lower().endswith(".inf") or path.lower() == inf.lower():
                fs.write(f"{store}\\{node.name}", node.content, node.declared_size)
        fs.write(f"{root}\\Windows\\INF\\{oem}", content)
        added.append(_info_from(name, meta, oem, inf, False, signed))
    if not added and infs and warnings:
        raise DismError("The driver package could not be installed.\r\n" + "\r\n".join(warnings), 50)
    if not infs:
        raise DismError(f"No driver packages were found at {source}. Use /Recurse for sub-folders.", 2)
    return added, warnings


def _next_oem(fs: WinFS, root: str) -> int:
    numbers = [int(m.group(1)) for m in (re.match(r"oem(\d+)\.inf$", n, re.I) for n in _inf_names(fs, root)) if m]
    return max(numbers, default=-1) + 1


def _inf_names(fs: WinFS, root: str) -> list[str]:
    d = f"{root}\\Windows\\INF"
    return [n.name for _, n in fs.listdir(d)] if fs.is_dir(d) else []


def _published_name(fs: WinFS, root: str, content: bytes) -> str | None:
    for name in _inf_names(fs, root):
        if name.lower().startswith("oem") and fs.read(f"{root}\\Windows\\INF\\{name}") == content:
            return name
    return None


def get_drivers(fs: WinFS, image: str, include_inbox: bool = False) -> list[DriverInfo]:
    """Drivers of the offline image: third-party ones (oemN.inf), plus inbox ones with ``include_inbox``."""
    root = _windows_dir(fs, image)
    store = f"{root}\\{DRIVERSTORE}"
    by_content: dict[bytes, tuple[str, bool]] = {}
    if fs.is_dir(store):
        for folder, node in fs.listdir(store):
            leaf = node.name.rsplit("_", 2)[0]
            path = f"{folder}\\{leaf}"
            if fs.exists(path):
                cat_meta = parse_inf(fs.read(path)) or {}
                signed = bool(cat_meta.get("CatalogFile")) and fs.exists(f"{folder}\\{cat_meta.get('CatalogFile')}")
                by_content[fs.read(path)] = (path, signed)
    out: list[DriverInfo] = []
    published: set[bytes] = set()
    for name in sorted(_inf_names(fs, root), key=lambda n: (len(n), n.lower())):
        if not name.lower().startswith("oem"):
            continue
        content = fs.read(f"{root}\\Windows\\INF\\{name}")
        meta = parse_inf(content)
        if meta is None or content not in by_content:
            continue
        published.add(content)
        path, signed = by_content[content]
        out.append(_info_from(name, meta, name, path, False, signed))
    if include_inbox:
        for content, (path, signed) in by_content.items():
            if content in published:
                continue
            meta = parse_inf(content)
            if meta:
                leaf = path.rsplit("\\", 1)[1]
                out.append(_info_from(leaf, meta, leaf, path, True, True))
    return out


def has_driver(fs: WinFS, image: str, inf_name: str) -> bool:
    """Is a package built from ``inf_name`` in the image's DriverStore?"""
    try:
        return any(d.original_file_name.rsplit("\\", 1)[-1].lower() == inf_name.lower()
                   for d in get_drivers(fs, image, include_inbox=True))
    except (DismError, FsError):
        return False
