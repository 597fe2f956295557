"""The user's own PowerShell templates, run on a lab host (the ``lab_host`` fixture).

A user template follows the contract of the built-in ones (docs/remote.md): ``param([string]$ParamsJson)``,
``$P = ConvertFrom-Json $ParamsJson``, ``{% include '_common.ps1' %}`` for the helpers, exactly one
``Write-RhResult`` (or ``Write-RhError``), Windows PowerShell 5.1 syntax. Templates are looked up in
the inventory's ``template_dirs`` first (relative to the inventory file), then among the built-in
templates; includes resolve the same way. Parameters travel as JSON, never spliced into the script.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from harness.errors import UsageError
from harness.remote.scripts import TEMPLATE_DIR, template_file

_INCLUDE_ONLY = re.compile(r"\{%-?\s*include\s+'(_[A-Za-z0-9_]+\.ps1)'\s*-?%\}")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def find_template(name: str, search_path: Sequence[Path]) -> Path:
    """The file of template ``name`` (``check_x`` or ``check_x.ps1``): the first folder of
    ``search_path`` that has it, else the built-in templates; a UsageError naming where it looked."""
    file = template_file(name)
    if not _NAME.match(file) or file.startswith("_"):
        raise UsageError(f"template name {name!r}: use a plain file name like check_sql.ps1 (no folders, no '_' "
                         f"prefix: those are includes)")
    folders = [*search_path, TEMPLATE_DIR]
    for folder in folders:
        if (folder / file).is_file():
            return folder / file
    raise UsageError(f"template {file} not found in {', '.join(str(f) for f in folders)}. Fix: put it in one of "
                     f"the inventory's template_dirs (docs/writing-checks.md)")


def render_template(name: str, search_path: Sequence[Path]) -> str:
    """The script text of a user (or built-in) template with its ``_*.ps1`` includes resolved."""
    path = find_template(name, search_path)
    source = path.read_text(encoding="utf-8-sig")
    for marker in ("{{", "{%"):
        if marker in _INCLUDE_ONLY.sub("", source):
            raise UsageError(f"template {path}: only {{% include '_x.ps1' %}} is allowed, found {marker!r}; values "
                             f"travel as JSON parameters ($P), never as template variables")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader([str(path.parent), *map(str, search_path),
                                                             str(TEMPLATE_DIR)]),
                             undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True,
                             comment_start_string="<#jinja", comment_end_string="jinja#>")
    try:
        text = env.from_string(source).render()
    except jinja2.TemplateError as exc:
        raise UsageError(f"template {path}: {exc}") from None
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


@dataclass
class LabHost:
    """A lab host for user checks: ``run(template, params)`` runs a template from the user's folders
    (or a built-in one) over the harness's connection and returns the result's ``data`` (JSON
    normalised: ``harness.remote.psjson``). A script error comes back as a typed exception
    (``RemoteScriptError`` and its subclasses, harness/errors.py), a broken connection as a LabError."""

    name: str
    remote: Any
    search_path: Sequence[Path] = field(default_factory=list)

    def run(self, template: str, params: Mapping[str, Any] | None = None, *, timeout: float | None = None,
            idempotent: bool = False) -> Any:
        """Run ``template`` with ``params`` (sent as one JSON document). ``idempotent=True`` lets the
        transport retry it after a dropped connection (only for read-only templates)."""
        script = render_template(template, self.search_path)
        return self.remote.run_script(script, dict(params or {}), label=template_file(template).removesuffix(".ps1"),
                                      timeout=timeout, idempotent=idempotent)
