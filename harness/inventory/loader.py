"""Load an inventory YAML file into :class:`~harness.inventory.models.Inventory`.

Reading, line numbers, YAML syntax errors, duplicate keys and the translation of validation errors
into file/field/line/fix messages are :mod:`harness.yamlfile`'s; this module adds the inventory's
rules: no ``password:`` key anywhere in the file, fix hints for its fields, and the checks made
after validation (profile folders exist, scenarios name known service profiles).
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from harness.errors import InventoryError
from harness.inventory.models import Inventory
from harness.yamlfile import (
    FileReadError,
    Issue,
    Loc,
    YamlDocument,
    YamlFileError,
    format_path,
    parse_yaml,
    read_text,
    validation_issues,
)

#: One problem in an inventory file (the shared :class:`harness.yamlfile.Issue`).
InventoryIssue = Issue
__all__ = ["InventoryIssue", "Loc", "fields_at", "format_path", "load_inventory", "parse_inventory"]

_LITERAL_SECRET_KEYS = {"password", "passwd", "pwd", "secret"}


def _refuse_literal_secret(key: str, value: yaml.Node) -> tuple[str, str | None] | None:
    """A ``password: <value>`` entry never becomes a value (so it cannot reach a message or log)."""
    if key.lower() in _LITERAL_SECRET_KEYS and isinstance(value, yaml.ScalarNode) \
            and value.value != "" and value.tag != "tag:yaml.org,2002:null":
        return ("a literal password is not allowed in an inventory file",
                "remove it and reference the secret: `password_env: <VARIABLE NAME>` or "
                "`keyring: {service: restore-harness, name: <user>}`")
    return None


def _models_in(tp: Any) -> list[type[BaseModel]]:
    """The pydantic models a field's type holds (through ``X | None``, ``list[X]``, unions, Annotated)."""
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [tp]
    out: list[type[BaseModel]] = []
    for arg in getattr(tp, "__args__", ()) or ():
        out.extend(_models_in(arg))
    if getattr(tp, "__metadata__", None) is not None:
        out.extend(_models_in(getattr(tp, "__origin__", None)))
    return out


def fields_at(loc: Loc, root: type[BaseModel] = Inventory) -> list[str]:
    """The field names of the section at ``loc`` (e.g. ``("scenarios", 0, "bmr")`` → BmrSettings's
    fields): the candidates for "did you mean". Every section is a model, so a path of keys and list
    indexes walks down the models; a union (the backup source kinds) gives the fields of every member."""
    models: list[type[BaseModel]] = [root]
    for part in loc:
        if isinstance(part, int):
            continue  # a list item has the list's model
        nxt: list[type[BaseModel]] = []
        for m in models:
            f = m.model_fields.get(part)
            if f is not None:
                nxt.extend(_models_in(f.annotation))
        models = nxt or models  # no field of that name: a union member's label (e.g. wsb-volume)
    return sorted({name for m in models for name in m.model_fields})


_TYPE_FIX = {
    "bool_type": "write true or false, without quotes",
    "int_type": "write a whole number, without quotes",
    "float_type": "write a number, without quotes",
    "string_type": "write text (quote it if YAML reads it as a number, date or true/false)",
    "list_type": "write a list: [a, b] or one `- item` per line",
    "dict_type": "write a mapping: indented `key: value` lines",
    "model_type": "write a mapping: indented `key: value` lines",
}


def _fix_for(err: dict[str, Any], field: str) -> str | None:
    """Fix hints for the inventory's fields (``ctx['fix']`` from the models is used before this)."""
    ctx = err.get("ctx") or {}
    kind = err["type"]
    if kind == "missing":
        written = err.get("input")
        keys = [str(k) for k in written] if isinstance(written, dict) else []
        close = difflib.get_close_matches(field, keys, n=1, cutoff=0.6)
        return f"rename `{close[0]}:` to `{field}:`" if close else f"add `{field}:`"
    if kind == "extra_forbidden":
        loc = tuple(err["loc"])
        close = difflib.get_close_matches(field, fields_at(loc[:-1]), n=1, cutoff=0.6)
        hint = f"did you mean `{close[0]}`? " if close else ""
        return f"{hint}remove `{field}:` or check its spelling (see docs/inventory.md for the fields)"
    if kind in ("literal_error", "enum"):
        return f"use one of: {ctx.get('expected')}"
    if kind == "union_tag_invalid":
        return f"set `kind:` to one of: {ctx.get('expected_tags')}"
    if kind == "union_tag_not_found":
        return "add `kind:` (hyperv-export, wsb-volume or wsb-share)"
    if kind in _TYPE_FIX:
        return _TYPE_FIX[kind]
    if kind in ("less_than_equal", "less_than"):
        return f"use a value up to {ctx.get('le', ctx.get('lt'))} (the documented upper bound, docs/inventory.md)"
    if kind in ("greater_than_equal", "greater_than"):
        return f"use a value of at least {ctx.get('ge', ctx.get('gt'))}"
    if kind == "too_long":
        return f"list at most {ctx.get('max_length')} entries (the documented bound, docs/inventory.md)"
    if kind == "string_too_long":
        return f"shorten it to at most {ctx.get('max_length')} characters"
    if kind == "string_pattern_mismatch":
        return f"write it in the form {ctx.get('pattern')}"
    return None


def _raise(issues: list[InventoryIssue], file: str) -> None:
    head = f"{file}: invalid inventory ({len(issues)} problem{'s' if len(issues) != 1 else ''})"
    raise InventoryError("\n".join([head] + [f"  {i}" for i in issues]), issues)


def _parse(text: str, file: str) -> tuple[Inventory, YamlDocument]:
    try:
        doc = parse_yaml(text, file, reject_key=_refuse_literal_secret)
    except YamlFileError as exc:
        _raise(exc.issues, file)
    if doc.data is None:
        _raise([InventoryIssue(file, None, "", "the file is empty", "start from inventories/example-lab.yml")], file)
    if not isinstance(doc.data, dict):
        _raise([InventoryIssue(file, 1, "", "the top level must be a mapping (hosts:, scenarios:, ...)", None)], file)
    try:
        return Inventory.model_validate(doc.data), doc
    except ValidationError as exc:
        _raise(validation_issues(exc, doc.data, doc.lines.get, file, _fix_for), file)
    raise AssertionError("unreachable")


def parse_inventory(text: str, file: str = "<inventory>") -> Inventory:
    """Validate inventory YAML ``text``; ``file`` is only used in messages."""
    return _parse(text, file)[0]


def load_inventory(path: str | Path) -> Inventory:
    """Read and validate an inventory file; raise :class:`InventoryError` with every problem found."""
    p = Path(path)
    try:
        text = read_text(p)
    except FileReadError as exc:
        if exc.missing:
            raise InventoryError(f"{p}: inventory file not found (give a path such as inventories/sim-lab.yml)") from None
        raise InventoryError(f"{p}: cannot read the inventory file: {exc.reason}") from None
    inv, doc = _parse(text, str(p))
    inv._base_dir = p.resolve().parent
    issues = []
    for i, (name, folder) in enumerate(zip(inv.profile_dirs, inv.profile_search_path(), strict=True)):
        if not folder.is_dir():
            issues.append(InventoryIssue(str(p), doc.line_of(("profile_dirs", i)), f"profile_dirs[{i}]",
                                         f"{name!r} is not a directory (looked for {folder})",
                                         "give a folder of service profile files (<name>.yml), relative to "
                                         "the inventory file or absolute"))
    for i, (name, folder) in enumerate(zip(inv.template_dirs, inv.template_search_path(), strict=True)):
        if not folder.is_dir():
            issues.append(InventoryIssue(str(p), doc.line_of(("template_dirs", i)), f"template_dirs[{i}]",
                                         f"{name!r} is not a directory (looked for {folder})",
                                         "give a folder of your PowerShell templates (<name>.ps1), relative to "
                                         "the inventory file or absolute"))
    if not issues:
        issues = _unknown_profiles(inv, doc, str(p))
    if issues:
        _raise(issues, str(p))
    return inv


def _unknown_profiles(inv: Inventory, doc: YamlDocument, file: str) -> list[InventoryIssue]:
    """Every scenario's ``service_profiles`` must name a profile of the search path (profile_dirs, then
    the built-in profiles): caught when the file is loaded, not when the guest is already up. The
    line is the scenario's (where its ``- name:`` is)."""
    from harness.profiles import available_profiles

    known = available_profiles(inv.profile_search_path())
    issues = []
    for i, sc in enumerate(inv.scenarios):
        for j, name in enumerate(sc.service_profiles):
            if name not in known:
                loc: Loc = ("scenarios", i, "service_profiles", j)
                issues.append(InventoryIssue(
                    file, doc.line_of(("scenarios", i)), format_path(loc), f"unknown service profile {name!r}",
                    f"use one of {', '.join(sorted(known)) or '(none)'} or add {name}.yml to a profile_dirs folder"))
    return issues
