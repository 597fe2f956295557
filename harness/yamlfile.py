"""YAML files a user writes, read with the line of every key so that errors can point at it.

One place for what the inventory loader, the service profiles and the simulated lab description
all need: reading the file (UTF-8, with or without a BOM), composing the YAML into nodes and
building plain values by hand so the line of each key path is known, reporting syntax errors and
duplicate keys (which PyYAML would silently merge) with a line and a fix, and turning a pydantic
``ValidationError`` into :class:`Issue` objects (file, line, field path, problem, fix). Each caller
keeps its own exception type and message layout and gives its own fix hints through a hook.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
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


def read_text(path: Path | str) -> str:
    """The file's text as UTF-8 (a BOM, as Notepad writes it, is dropped); :class:`FileReadError` if not."""
    p = Path(path)
    try:
        return p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise FileReadError(p, "file not found", missing=True) from None
    except UnicodeDecodeError as exc:
        raise FileReadError(p, f"not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start}); "
                               "save the file as UTF-8") from None
    except OSError as exc:
        raise FileReadError(p, exc.strerror or str(exc)) from None


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
            self.loader.flatten_mapping(node)  # resolves `<<:` merge keys
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self.loader.construct_object(key_node, deep=True)
                if not isinstance(key, (str, int, float, bool)) and key is not None:
                    self._issue(key_node, loc, "a mapping key must be a plain value", None)
                    continue
                key = str(key) if not isinstance(key, str) else key
                if key in result:
                    self._issue(key_node, loc + (key,), f"key {key!r} appears twice in this mapping",
                                "keep one of them (YAML would silently use the last one)")
                    continue
                refused = self.reject_key(key, value_node) if self.reject_key else None
                if refused is not None:
                    self._issue(key_node, loc + (key,), *refused)
                    continue
                result[key] = self.build(value_node, loc + (key,))
                self.lines[loc + (key,)] = key_node.start_mark.line + 1
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, loc + (i,)) for i, item in enumerate(node.value)]
        return self.loader.construct_object(node, deep=True)

    def _issue(self, node: yaml.Node, loc: Loc, message: str, fix: str | None) -> None:
        self.issues.append(Issue(self.file, node.start_mark.line + 1, format_path(loc), message, fix))


def parse_yaml(text: str, file: str, reject_key: KeyCheck | None = None) -> YamlDocument:
    """Build the values of ``text`` with their lines; ``file`` is only used in messages.

    Raises :class:`YamlSyntaxError` for invalid YAML and :class:`YamlFileError` listing every
    duplicate key, non-plain key and entry refused by ``reject_key``.
    """
    loader = yaml.SafeLoader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            raise YamlSyntaxError([Issue(file, mark.line + 1 if mark else None, "",
                                         f"YAML syntax error: {exc.problem or exc}", SYNTAX_FIX)]) from None
        except yaml.YAMLError as exc:  # e.g. a control character the reader refuses
            raise YamlSyntaxError([Issue(file, None, "", f"YAML syntax error: {exc}", SYNTAX_FIX)]) from None
        if node is None:
            return YamlDocument(file, None, {})
        builder = _Builder(loader, file, reject_key)
        data = builder.build(node)
    finally:
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
