"""Render the evidence report (evidence.html) from the evidence document built by
:func:`harness.evidence.record.build_evidence`.

One self-contained HTML file: CSS inlined, no scripts, no remote fonts or images, so it opens from an
archive share or a ``file://`` URL years later exactly as it did on the day.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from typing import Any

import json

import jinja2
from markupsafe import Markup

from harness.evidence import SIMULATED_NOTICE

_OUTCOME_LABEL = {
    "passed": "PASSED",
    "failed": "FAILED",
    "broken": "COULD NOT AUDIT",
    "skipped": "SKIPPED",
    "incomplete": "INCOMPLETE",
    "finding": "FINDING (remediated by the run)",
}


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("harness.evidence", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["outcome_label"] = lambda v: _OUTCOME_LABEL.get(str(v), str(v).upper())
    env.filters["or_dash"] = lambda v: "—" if v is None or v == "" else v
    env.filters["minutes"] = lambda v: "—" if v is None else f"{float(v):.1f} min"
    env.filters["when"] = _when
    env.filters["value"] = _value
    return env


def _value(value: Any) -> str:
    """An expected/found value for a table cell: text as is, structures as compact JSON."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def _when(value: Any) -> str:
    """``2025-03-10T08:00:00.123Z`` -> ``2025-03-10 08:00:00 UTC`` (seconds are enough for people; the
    zone is always shown: every recorded time is UTC on the lab host's clock)."""
    if not value:
        return "—"
    text = str(value).replace("Z", "").replace("T", " ")
    return text.split(".")[0] + " UTC"


def stylesheet() -> str:
    """The report's CSS (inlined into the page)."""
    return resources.files("harness.evidence").joinpath("templates/evidence.css").read_text(encoding="utf-8")


def render_html(evidence: Mapping[str, Any]) -> str:
    """The evidence report HTML for an evidence document."""
    template = _env().get_template("evidence.html.j2")
    # the stylesheet is our own file, not data: marked safe so autoescaping leaves its quotes alone
    return template.render(ev=evidence, css=Markup(stylesheet()), simulated_notice=SIMULATED_NOTICE)
