"""Load an inventory YAML file into :class:`~harness.inventory.models.Inventory`.

The YAML is composed into nodes and turned into plain Python values by hand so that the line of
every key and value is known; validation errors then name the file, the field path and the line,
and say how to fix the problem. Duplicate keys (which PyYAML would silently merge) are errors, and
so is a ``password:`` key anywhere in the file.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from harness.errors import InventoryError
from harness.inventory.models import Inventory

Loc = tuple[str | int, ...]
_LITERAL_SECRET_KEYS = {"password", "passwd", "pwd", "secret"}
_UNION_TAGS = {"hyperv-export", "wsb-volume", "wsb-share"}


@dataclass(frozen=True)
class InventoryIssue:
    """One problem in an inventory file."""

    file: str
    line: int | None  # 1-based
    path: str  # e.g. hosts[0].credentials.password
    message: str
    fix: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        text = f"{where}: {self.path or '(top level)'}: {self.message}"
        if self.fix:
            text += f"\n    Fix: {self.fix}"
        return text


def format_path(loc: Loc) -> str:
    """``("hosts", 0, "port")`` → ``hosts[0].port``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


class _Builder:
    """Turns a composed YAML node tree into Python values, recording the line of each path."""

    def __init__(self, loader: yaml.SafeLoader, file: str) -> None:
        self.loader = loader
        self.file = file
        self.lines: dict[Loc, int] = {}
        self.issues: list[InventoryIssue] = []

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
                if key.lower() in _LITERAL_SECRET_KEYS and isinstance(value_node, yaml.ScalarNode) \
                        and value_node.value != "" and value_node.tag != "tag:yaml.org,2002:null":
                    self._issue(key_node, loc + (key,), "a literal password is not allowed in an inventory file",
                                "remove it and reference the secret: `password_env: <VARIABLE NAME>` or "
                                "`keyring: {service: restore-harness, name: <user>}`")
                    continue
                self.lines[loc + (key,)] = key_node.start_mark.line + 1
                result[key] = self.build(value_node, loc + (key,))
                self.lines[loc + (key,)] = key_node.start_mark.line + 1
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, loc + (i,)) for i, item in enumerate(node.value)]
        return self.loader.construct_object(node, deep=True)

    def _issue(self, node: yaml.Node, loc: Loc, message: str, fix: str | None) -> None:
        self.issues.append(InventoryIssue(self.file, node.start_mark.line + 1, format_path(loc), message, fix))


def _line_for(loc: Loc, lines: dict[Loc, int]) -> tuple[Loc, int | None]:
    """The deepest known YAML path along ``loc`` and its line (pydantic adds union tags to locs)."""
    path: Loc = ()
    for part in loc:
        if path + (part,) in lines:
            path = path + (part,)
    return path, lines.get(path)


def _all_field_names(model: type[BaseModel], seen: set[type] | None = None) -> set[str]:
    seen = seen if seen is not None else set()
    if model in seen:
        return set()
    seen.add(model)
    names = set(model.model_fields)
    for f in model.model_fields.values():
        for arg in _walk_types(f.annotation):
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                names |= _all_field_names(arg, seen)
    return names


def _walk_types(tp: Any) -> list[Any]:
    out = [tp]
    for arg in getattr(tp, "__args__", ()) or ():
        out.extend(_walk_types(arg))
    meta = getattr(tp, "__metadata__", None)
    if meta is not None:
        out.extend(_walk_types(getattr(tp, "__origin__", None)))
    return out


def _fix_for(err: dict[str, Any], field: str) -> str | None:
    ctx = err.get("ctx") or {}
    if "fix" in ctx:
        return str(ctx["fix"])
    kind = err["type"]
    if kind == "missing":
        return f"add `{field}:`"
    if kind == "extra_forbidden":
        close = difflib.get_close_matches(field, sorted(_all_field_names(Inventory)), n=1, cutoff=0.6)
        hint = f"did you mean `{close[0]}`? " if close else ""
        return f"{hint}remove `{field}:` or check its spelling (see docs/inventory.md for the fields)"
    if kind in ("literal_error", "enum"):
        return f"use one of: {ctx.get('expected')}"
    if kind == "union_tag_invalid":
        return f"set `kind:` to one of: {ctx.get('expected_tags')}"
    if kind == "union_tag_not_found":
        return "add `kind:` (hyperv-export, wsb-volume or wsb-share)"
    return None


def _issues_from(exc: ValidationError, lines: dict[Loc, int], file: str) -> list[InventoryIssue]:
    issues = []
    for err in exc.errors(include_url=False):
        loc: Loc = tuple(err["loc"]) + tuple((err.get("ctx") or {}).get("loc", ()))
        path, line = _line_for(loc, lines)
        # Keep the full path in the message even when it points at a missing key.
        shown = tuple(p for i, p in enumerate(loc)
                      if not (p in _UNION_TAGS and i > 0 and isinstance(loc[i - 1], int)))
        field = str(loc[-1]) if loc else ""
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = f"unknown field `{field}`"
        issues.append(InventoryIssue(file, line, format_path(shown), msg, _fix_for(err, field)))
    return issues


def _raise(issues: list[InventoryIssue], file: str) -> None:
    head = f"{file}: invalid inventory ({len(issues)} problem{'s' if len(issues) != 1 else ''})"
    raise InventoryError("\n".join([head] + [f"  {i}" for i in issues]), issues)


def parse_inventory(text: str, file: str = "<inventory>") -> Inventory:
    """Validate inventory YAML ``text``; ``file`` is only used in messages."""
    loader = yaml.SafeLoader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else None
            _raise([InventoryIssue(file, line, "", f"YAML syntax error: {exc.problem or exc}",
                                   "check indentation, colons and quoting around this line "
                                   "(Windows paths are safest in single quotes: 'E:\\RestoreTests')")], file)
        if node is None:
            _raise([InventoryIssue(file, None, "", "the file is empty", "start from inventories/example-lab.yml")], file)
        builder = _Builder(loader, file)
        data = builder.build(node)
    finally:
        loader.dispose()
    if builder.issues:
        _raise(builder.issues, file)
    if not isinstance(data, dict):
        _raise([InventoryIssue(file, 1, "", "the top level must be a mapping (hosts:, scenarios:, ...)", None)], file)
    try:
        return Inventory.model_validate(data)
    except ValidationError as exc:
        _raise(_issues_from(exc, builder.lines, file), file)
    raise AssertionError("unreachable")


def load_inventory(path: str | Path) -> Inventory:
    """Read and validate an inventory file; raise :class:`InventoryError` with every problem found."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InventoryError(f"{p}: inventory file not found (give a path such as inventories/sim-lab.yml)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InventoryError(f"{p}: cannot read the inventory file: {exc}") from None
    inv = parse_inventory(text, str(p))
    inv._base_dir = p.resolve().parent
    issues = []
    for i, (name, folder) in enumerate(zip(inv.profile_dirs, inv.profile_search_path(), strict=True)):
        if not folder.is_dir():
            issues.append(InventoryIssue(str(p), _line_of(text, "profile_dirs"), f"profile_dirs[{i}]",
                                         f"{name!r} is not a directory (looked for {folder})",
                                         "give a folder of service profile files (<name>.yml), relative to "
                                         "the inventory file or absolute"))
    if not issues:
        issues = _unknown_profiles(inv, text, str(p))
    if issues:
        _raise(issues, str(p))
    return inv


def _unknown_profiles(inv: Inventory, text: str, file: str) -> list[InventoryIssue]:
    """Every scenario's ``service_profiles`` must name a profile of the search path (profile_dirs, then
    the built-in profiles): caught when the file is loaded, not when the guest is already up."""
    from harness.profiles import available_profiles

    known = available_profiles(inv.profile_search_path())
    issues = []
    for i, sc in enumerate(inv.scenarios):
        for j, name in enumerate(sc.service_profiles):
            if name not in known:
                issues.append(InventoryIssue(
                    file, _scenario_line(text, sc.name), f"scenarios[{i}].service_profiles[{j}]",
                    f"unknown service profile {name!r}",
                    f"use one of {', '.join(sorted(known)) or '(none)'} or add {name}.yml to a profile_dirs folder"))
    return issues


def _scenario_line(text: str, name: str) -> int | None:
    """The 1-based line of ``name: <scenario>`` (messages about checks made after validation)."""
    for n, line in enumerate(text.splitlines(), 1):
        stripped = line.strip().lstrip("- ").strip()
        if stripped in (f"name: {name}", f"name: '{name}'", f'name: "{name}"'):
            return n
    return None


def _line_of(text: str, key: str) -> int | None:
    """The 1-based line of a top-level ``key:`` in the YAML text (for messages about checks made after
    validation, such as folders that must exist)."""
    for n, line in enumerate(text.splitlines(), 1):
        if line.startswith(f"{key}:"):
            return n
    return None
