"""YAML files a user writes, read with the line of every key so that errors can point at it.

One place for what the inventory loader, the service profiles and the simulated lab description
all need: reading the file (UTF-8, with or without a BOM), composing the YAML into nodes and
building plain values by hand so the line of each key path is known, reporting syntax errors and
duplicate keys (which PyYAML would silently merge) with a line and a fix, and turning a pydantic
``ValidationError`` into :class:`Issue` objects (file, line, field path, problem, fix). Each caller
keeps its own exception type and message layout and gives its own fix hints through a hook.

Reading is bounded, because these files may come from anyone (docs/inventory.md, "Reading limits"):
only regular files are opened (a FIFO, a device or a symlink to one is refused from ``stat`` alone,
never read), at most :data:`MAX_FILE_BYTES`; NUL and other control characters, tags other than the
standard YAML ones, nesting deeper than :data:`MAX_DEPTH` and aliases that would add more than
:data:`MAX_ALIAS_EXPANSION` values (a "billion laughs" alias bomb) are refused after composing the
node graph, before a single value is built, so every refusal costs time linear in the file's size.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

Loc = tuple[str | int, ...]
#: ``fix_for(error, field)`` -> a fix for one pydantic error (``field`` is the last path part), or None.
FixHint = Callable[[dict[str, Any], str], str | None]
#: ``reject_key(key, value_node)`` -> ``(problem, fix)`` to refuse a mapping entry, or None to keep it.
KeyCheck = Callable[[str, yaml.Node], tuple[str, str | None] | None]

#: Largest file read, in bytes (1 MB); a bigger file is refused before it is read.
MAX_FILE_BYTES = 1_000_000
#: Deepest nesting of mappings and sequences (counted through aliases).
MAX_DEPTH = 50
#: Values that aliases may add beyond those written out in the file.
MAX_ALIAS_EXPANSION = 10_000
_STD = "tag:yaml.org,2002:"
#: The tags a file may carry (explicitly or by resolution): plain scalars, sequences, mappings and the
#: ``<<`` merge key. ``!!binary``, ``!!set``, ``!!omap``, ``!!python/...`` and local ``!tags`` are not.
ALLOWED_TAGS = frozenset(_STD + t for t in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map",
                                             "merge"))
PLAIN_FIX = ("these files hold plain values only (text, numbers, true/false, lists and mappings): remove "
             "the tag, or quote the value ('!text', '=') to keep it as text")

SYNTAX_FIX = ("fix the YAML syntax: check indentation, colons and quoting around this line "
              "(Windows paths are safest in single quotes: 'E:\\RestoreTests')")


@dataclass(frozen=True)
class Issue:
    """One problem in a YAML file, at a field path and (when known) a 1-based line."""

    file: str
    line: int | None
    path: str  # e.g. hosts[0].credentials.password_env; "" for the whole file
    message: str
    fix: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        text = f"{where}: {self.path or '(top level)'}: {self.message}"
        if self.fix:
            text += f"\n    Fix: {self.fix}"
        return text


class YamlFileError(Exception):
    """The file cannot be turned into values; ``issues`` say where and why (callers re-raise as theirs)."""

    def __init__(self, issues: list[Issue]) -> None:
        super().__init__("\n".join(str(i) for i in issues))
        self.issues = issues


class YamlSyntaxError(YamlFileError):
    """The text is not valid YAML (one issue, with the line the parser stopped at)."""


class FileReadError(Exception):
    """The file could not be read or decoded; ``reason`` is short and meant for the user."""

    def __init__(self, path: Path, reason: str, missing: bool = False) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason
        self.missing = missing


def format_path(loc: Loc) -> str:
    """``("hosts", 0, "port")`` -> ``hosts[0].port``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _file_kind(mode: int) -> str:
    kinds = [(stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")]
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def _not_regular(p: Path, mode: int) -> FileReadError:
    target = f" (it points to {os.path.realpath(p)})" if p.is_symlink() else ""
    return FileReadError(p, f"{_file_kind(mode)}{target}, not a regular file; only regular files are read: give "
                            "the path of the YAML file itself")


def _too_big(p: Path, size: int, limit: int) -> FileReadError:
    return FileReadError(p, f"the file is larger than the limit ({size:,} bytes, limit {limit:,}); a YAML file "
                            "of this tool is far smaller: check that this is the right file, and split very long "
                            "lists (e.g. wsb.expected_files) into a manifest file beside the backup")


def read_text(path: Path | str, max_bytes: int = MAX_FILE_BYTES) -> str:
    """The text of a regular file of at most ``max_bytes`` bytes, as UTF-8 (a BOM, as Notepad writes
    it, is dropped); :class:`FileReadError` if not.

    ``stat`` comes first, so a FIFO, a device or a symlink to one is refused without being opened;
    the file is then opened non-blocking and checked again on the open descriptor (it may have been
    replaced in between), and at most ``max_bytes + 1`` bytes are read.
    """
    p = Path(path)
    try:
        st = os.stat(p)
        if not stat.S_ISREG(st.st_mode):
            raise _not_regular(p, st.st_mode)
        if st.st_size > max_bytes:
            raise _too_big(p, st.st_size, max_bytes)
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
        fd = os.open(p, flags)
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise _not_regular(p, st.st_mode)
            data = _read_at_most(fd, max_bytes + 1)
        finally:
            os.close(fd)
    except FileNotFoundError:
        raise FileReadError(p, "file not found", missing=True) from None
    except OSError as exc:
        raise FileReadError(p, exc.strerror or str(exc)) from None
    if len(data) > max_bytes:  # it grew after stat
        raise _too_big(p, len(data), max_bytes)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileReadError(p, f"not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start}); "
                               "save the file as UTF-8") from None


def _read_at_most(fd: int, limit: int) -> bytes:
    chunks: list[bytes] = []
    left = limit
    while left > 0:
        chunk = os.read(fd, min(left, 1 << 16))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


@dataclass
class YamlDocument:
    """Values built from a YAML text and the 1-based line of every key path in it."""

    file: str
    data: Any  # None for an empty document
    lines: dict[Loc, int] = field(default_factory=dict)

    def line_of(self, loc: Loc) -> int | None:
        """The line of ``loc`` or of its deepest known parent (a missing key points at its mapping)."""
        return nearest_line(loc, self.lines.get)


def nearest_line(loc: Loc, line_of: Callable[[Loc], int | None]) -> int | None:
    """The line of the longest prefix of ``loc`` that ``line_of`` knows."""
    for n in range(len(loc), -1, -1):
        line = line_of(loc[:n])
        if line is not None:
            return line
    return None


class _Refused(Exception):
    """A hostile or unsupported construct, found while composing (before any value is built)."""

    def __init__(self, issue: Issue) -> None:
        super().__init__(str(issue))
        self.issue = issue


def _show_tag(tag: str) -> str:
    return "!!" + tag[len(_STD):] if tag.startswith(_STD) else tag


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader that refuses nesting deeper than :data:`MAX_DEPTH` while composing (the
    composer recurses once per level: without a bound, ``[[[[...`` ends in a RecursionError)."""

    def __init__(self, text: str, file: str) -> None:
        super().__init__(text)
        self.file = file
        self.depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise _Refused(Issue(self.file, mark.line + 1, "", f"the YAML is nested more than {MAX_DEPTH} levels "
                                     "deep", "flatten the structure: no file of this tool needs such nesting"))
            return super().compose_node(parent, index)  # type: ignore[no-any-return]
        finally:
            self.depth -= 1


def _children(node: yaml.Node) -> Iterator[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield key
            yield value
    elif isinstance(node, yaml.SequenceNode):
        yield from node.value


def _check_graph(root: yaml.Node, file: str) -> None:
    """Refuse tags other than :data:`ALLOWED_TAGS`, recursive aliases, nesting deeper than
    :data:`MAX_DEPTH` through aliases, and aliases that add more than :data:`MAX_ALIAS_EXPANSION`
    values. One iterative pass over the composed graph, each node once (an alias is the same node
    object as its anchor, so sizes are summed, never expanded)."""
    size: dict[int, int] = {}
    height: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            kids = [id(c) for c in _children(node)]
            size[key] = 1 + sum(size[k] for k in kids)
            height[key] = 1 + max((height[k] for k in kids), default=0)
            on_path.discard(key)
            if height[key] > MAX_DEPTH:
                raise _Refused(_at(file, node, f"through aliases, the YAML is nested more than {MAX_DEPTH} levels deep",
                                   "write the values out instead of nesting aliases"))
            continue
        if key in size:
            continue
        if key in on_path:
            raise _Refused(_at(file, node, "a YAML alias refers to a mapping or list that contains it (a recursive "
                                           "alias)", "remove the alias (*name) that points back to its own anchor"))
        if node.tag not in ALLOWED_TAGS:
            raise _Refused(_at(file, node, f"the YAML tag {_show_tag(node.tag)} is not allowed", PLAIN_FIX))
        on_path.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node))
    added = size[id(root)] - len(size)
    if added > MAX_ALIAS_EXPANSION:
        raise _Refused(Issue(file, None, "", f"YAML aliases (*name) would expand this file by {added:,} values "
                                             f"(limit {MAX_ALIAS_EXPANSION:,}): an alias bomb or a mistake",
                             "write the values out, or use far fewer aliases"))


def _at(file: str, node: yaml.Node, message: str, fix: str) -> Issue:
    return Issue(file, node.start_mark.line + 1, "", message, fix)


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _check_characters(text: str, file: str) -> None:
    """NUL and other C0 control characters (but tab, CR, LF) are refused with their line: PyYAML's
    own message names neither line nor fix, and a NUL usually means a binary or UTF-16 file."""
    found = _CONTROL.search(text)
    if found:
        ch, line = found.group(), text.count("\n", 0, found.start()) + 1
        what = "a NUL byte" if ch == "\0" else f"the control character U+{ord(ch):04X}"
        raise _Refused(Issue(file, line, "", f"the file contains {what} (line {line})",
                             "save the file as UTF-8 text (not UTF-16 or a binary format) and remove the character"))


class _Builder:
    """Turns a composed YAML node tree into Python values, recording the line of each path."""

    def __init__(self, loader: yaml.SafeLoader, file: str, reject_key: KeyCheck | None) -> None:
        self.loader = loader
        self.file = file
        self.reject_key = reject_key
        self.lines: dict[Loc, int] = {}
        self.issues: list[Issue] = []

    def build(self, node: yaml.Node, loc: Loc = ()) -> Any:
        self.lines.setdefault(loc, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, loc)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, loc + (i,)) for i, item in enumerate(node.value)]
        return self._scalar(node, loc)

    def _mapping(self, node: yaml.MappingNode, loc: Loc) -> dict[Any, Any]:
        own = {id(k) for k, _ in node.value}
        try:
            self.loader.flatten_mapping(node)  # resolves `<<:` merge keys (merged pairs come first)
        except yaml.YAMLError as exc:
            self._issue(node, loc, f"cannot merge (<<): {getattr(exc, 'problem', None) or exc}",
                        "`<<:` takes an alias of a mapping (<<: *defaults) or a list of them")
            return {}
        result: dict[Any, Any] = {}
        written: set[str] = set()  # keys written in this mapping (not merged in)
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self._issue(key_node, loc, "a mapping key must be a plain value", None)
                continue
            key = self._scalar(key_node, loc)
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                self._issue(key_node, loc, "a mapping key must be a plain value", None)
                continue
            key = str(key) if not isinstance(key, str) else key
            if id(key_node) in own:
                if key in written:
                    self._issue(key_node, loc + (key,), f"key {key!r} appears twice in this mapping",
                                "keep one of them (YAML would silently use the last one)")
                    continue
                written.add(key)
            refused = self.reject_key(key, value_node) if self.reject_key else None
            if refused is not None:
                self._issue(key_node, loc + (key,), *refused)
                continue
            result[key] = self.build(value_node, loc + (key,))  # a written key overrides a merged one
            self.lines[loc + (key,)] = key_node.start_mark.line + 1
        return result

    def _scalar(self, node: yaml.Node, loc: Loc) -> Any:
        try:
            return self.loader.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, OverflowError) as exc:  # e.g. a date like 2026-02-30
            problem = getattr(exc, "problem", None) or str(exc)
            self._issue(node, loc, f"cannot read the value {node.value!r}: {problem}",
                        "quote the value to keep it as text, or correct it")
            return None

    def _issue(self, node: yaml.Node, loc: Loc, message: str, fix: str | None) -> None:
        self.issues.append(Issue(self.file, node.start_mark.line + 1, format_path(loc), message, fix))


def parse_yaml(text: str, file: str, reject_key: KeyCheck | None = None) -> YamlDocument:
    """Build the values of ``text`` with their lines; ``file`` is only used in messages.

    Raises :class:`YamlSyntaxError` for invalid YAML and for what is refused before values are built
    (control characters, tags, deep nesting, alias bombs), and :class:`YamlFileError` listing every
    duplicate key, non-plain key, unreadable value and entry refused by ``reject_key``.
    """
    loader: _BoundedLoader | None = None
    try:
        try:
            _check_characters(text, file)
            loader = _BoundedLoader(text, file)
            node = loader.get_single_node()
            if node is not None:
                _check_graph(node, file)
        except _Refused as exc:
            raise YamlSyntaxError([exc.issue]) from None
        except yaml.reader.ReaderError as exc:  # a character YAML does not allow (e.g. DEL, C1 controls)
            line = text.count("\n", 0, exc.position) + 1
            raise YamlSyntaxError([Issue(file, line, "", f"the file contains the character U+{exc.character:04X}, "
                                         "which YAML does not allow", "remove the character (save the file as "
                                         "plain UTF-8 text)")]) from None
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            raise YamlSyntaxError([Issue(file, mark.line + 1 if mark else None, "",
                                         f"YAML syntax error: {exc.problem or exc}", SYNTAX_FIX)]) from None
        except yaml.YAMLError as exc:  # e.g. a character the reader refuses
            raise YamlSyntaxError([Issue(file, None, "", f"YAML syntax error: {exc}", SYNTAX_FIX)]) from None
        if node is None:
            return YamlDocument(file, None, {})
        builder = _Builder(loader, file, reject_key)
        data = builder.build(node)
    finally:
        if loader is not None:
            loader.dispose()
    if builder.issues:
        raise YamlFileError(builder.issues)
    return YamlDocument(file, data, builder.lines)


def _shown_loc(loc: Loc, data: Any, exact_from: int) -> Loc:
    """``loc`` without the union-member labels pydantic inserts (``str-enum[X]``, a tag value...).

    A part of pydantic's own location is kept when it leads into ``data``, or when it is the very
    last part and names a key of a mapping (a missing or unknown field); otherwise it labels a
    union member. Parts from ``exact_from`` on (a location a model gave in ``ctx['loc']``) are kept.
    """
    out: list[str | int] = []
    node: Any = data
    for i, part in enumerate(loc):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        elif i >= exact_from or (i == len(loc) - 1 and isinstance(node, Mapping)):
            node = None  # below a path the user did not write
        else:
            continue  # a union label: stay at the same value
        out.append(part)
    return tuple(out)


def validation_issues(exc: ValidationError, data: Any, line_of: Callable[[Loc], int | None], file: str,
                      fix_for: FixHint | None = None) -> list[Issue]:
    """One :class:`Issue` per pydantic error: the field path as the user wrote it, the YAML line of
    that path (or of its nearest parent), the problem and a fix (``ctx['fix']`` first, then
    ``fix_for``). ``data`` is what was validated, ``line_of`` gives a path's line."""
    issues = []
    for err in exc.errors(include_url=False):
        ctx = err.get("ctx") or {}
        loc = _shown_loc(tuple(err["loc"]) + tuple(ctx.get("loc", ())), data, len(err["loc"]))
        name = str(loc[-1]) if loc else ""
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = f"unknown field `{name}`"
        fix = str(ctx["fix"]) if "fix" in ctx else (fix_for(err, name) if fix_for else None)
        issues.append(Issue(file, nearest_line(loc, line_of), format_path(loc), message, fix))
    return issues
