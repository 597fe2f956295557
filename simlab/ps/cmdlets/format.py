"""Format-Table, Format-List, Format-Wide, Out-String, Out-Default, Out-Host (layout in simlab.ps.formatting)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from simlab.ps.api import Bound, Param, cmdlet
from simlab.ps.cmdlets.utility import _calc, _prop
from simlab.ps.formatting import WIDTH, format_block, format_list, format_table, format_wide, out_string
from simlab.ps.values import as_list

U = "Microsoft.PowerShell.Utility"


def _items(b: Bound) -> list[Any]:
    if b.input:
        return [x for x in b.input if x is not None]
    return [x for x in as_list(b.get("InputObject")) if x is not None] if "InputObject" in b else []


def _resolver(ctx: Any) -> Any:
    def resolve(item: Any, spec: Any) -> tuple[str, Any]:
        name, expr = _calc(ctx, spec)
        return name, _prop(ctx, item, expr)
    return resolve


def _props(b: Bound) -> list[Any] | None:
    p = b.get("Property")
    if p is None:
        return None
    return as_list(p)


@cmdlet("Format-Table", [Param("Property", "object[]", 0), Param("AutoSize", "switch"),
                         Param("HideTableHeaders", "switch"), Param("Wrap", "switch"), Param("GroupBy", "any"),
                         Param("View", "string"), Param("Force", "switch"),
                         Param("InputObject", "any", from_pipeline=True)],
        module=U, pipeline="all", aliases=("ft",))
def format_table_cmd(ctx: Any, b: Bound) -> Iterator[Any]:
    items = _items(b)
    if not items:
        return
    lines = format_table(items, _props(b), _resolver(ctx), b.switch("AutoSize"), b.switch("HideTableHeaders"))
    yield from format_block(lines, len(items))


@cmdlet("Format-List", [Param("Property", "object[]", 0), Param("GroupBy", "any"), Param("View", "string"),
                        Param("Force", "switch"), Param("InputObject", "any", from_pipeline=True)],
        module=U, pipeline="all", aliases=("fl",))
def format_list_cmd(ctx: Any, b: Bound) -> Iterator[Any]:
    items = _items(b)
    if not items:
        return
    yield from format_block(format_list(items, _props(b), _resolver(ctx)), len(items))


@cmdlet("Format-Wide", [Param("Property", "any", 0), Param("AutoSize", "switch"), Param("Column", "int"),
                        Param("GroupBy", "any"), Param("Force", "switch"),
                        Param("InputObject", "any", from_pipeline=True)],
        module=U, pipeline="all", aliases=("fw",))
def format_wide_cmd(ctx: Any, b: Bound) -> Iterator[Any]:
    items = _items(b)
    if not items:
        return
    prop = b.get("Property")
    if isinstance(prop, list):
        prop = prop[0] if prop else None
    lines = format_wide(items, prop, _resolver(ctx), b.get("Column"), b.switch("AutoSize"))
    yield from format_block(lines, len(items))


@cmdlet("Out-String", [Param("InputObject", "any", from_pipeline=True), Param("Stream", "switch"),
                       Param("Width", "int")], module=U, pipeline="all")
def out_string_cmd(ctx: Any, b: Bound) -> Iterator[Any]:
    items = b.input if b.input else as_list(b.get("InputObject"))
    text = out_string([x for x in items if x is not None], b.get("Width") or WIDTH)
    if b.switch("Stream"):
        yield from text.split("\r\n")[:-1]
    else:
        yield text


@cmdlet("Out-Default", [Param("InputObject", "any", from_pipeline=True)], module="Microsoft.PowerShell.Core",
        pipeline="all")
def out_default_cmd(ctx: Any, b: Bound) -> None:
    text = out_string([x for x in _items(b)])
    for line in text.split("\r\n")[:-1]:
        ctx.write_host(line)


@cmdlet("Out-Host", [Param("InputObject", "any", from_pipeline=True), Param("Paging", "switch")],
        module="Microsoft.PowerShell.Core", pipeline="all", aliases=("oh",))
def out_host_cmd(ctx: Any, b: Bound) -> None:
    out_default_cmd(ctx, b)

