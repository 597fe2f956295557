"""Templates → one remote operation → typed result (the remote execution contract, one place).

* :func:`render` turns ``harness/remote/templates/<name>.ps1`` into script text. Jinja2 is used for
  ``{% include '_common.ps1' %}`` only: no values are ever rendered into PowerShell source.
* :func:`bootstrap_line` builds the single stdin line that decodes the base64 script and the
  base64 parameters JSON on the far side (``_bootstrap.ps1``).
* :func:`parse_result` finds the one JSON result between ``<<<RH-RESULT>>>`` and ``<<<RH-END>>>``,
  returns the normalised ``data`` or raises the typed error (:func:`error_from_record`).
* :func:`run_script` does all of it over a :class:`~harness.remote.transport.Transport`.
"""

from __future__ import annotations

import base64
import datetime as _dt
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import jinja2
from pydantic import SecretStr

from harness.errors import (
    RemoteAccessDenied,
    RemoteAlreadyExists,
    RemoteNotFound,
    RemoteNotInstalled,
    RemoteProtocolError,
    RemoteScriptError,
)
from harness.remote import psjson
from harness.remote.transport import RawResult, Transport
from harness.secrets import REDACTOR, reveal

TEMPLATE_DIR = Path(__file__).parent / "templates"
POWERSHELL_COMMAND = "powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -Command -"
RESULT_START = "<<<RH-RESULT>>>"
RESULT_END = "<<<RH-END>>>"
_INCLUDE_ONLY = re.compile(r"\{%-?\s*include\s+'(_[A-Za-z0-9_]+\.ps1)'\s*-?%\}")


class TemplateError(Exception):
    """A template is missing or breaks the template rules (a harness bug, not a lab problem)."""


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        # PowerShell uses '{#' legitimately ('if ($x) {# note'); keep Jinja comments out of its way.
        comment_start_string="<#jinja",
        comment_end_string="jinja#>",
    )


def template_file(name: str) -> str:
    """``host_facts`` or ``host_facts.ps1`` → ``host_facts.ps1``."""
    return name if name.endswith(".ps1") else f"{name}.ps1"


def list_templates(include_private: bool = False) -> list[str]:
    """Template file names; ``_``-prefixed helpers (bootstrap, includes) only if asked."""
    return sorted(p.name for p in TEMPLATE_DIR.glob("*.ps1") if include_private or not p.name.startswith("_"))


def check_template_source(name: str) -> None:
    """Raise :class:`TemplateError` if a template uses Jinja2 for anything but ``_*.ps1`` includes."""
    source = (TEMPLATE_DIR / template_file(name)).read_text(encoding="utf-8")
    stripped = _INCLUDE_ONLY.sub("", source)
    for marker in ("{{", "{%"):
        if marker in stripped:
            raise TemplateError(f"template {name}: only {{% include '_x.ps1' %}} is allowed, found {marker!r} "
                                f"(values travel as JSON parameters, never as template variables)")


def render(name: str) -> str:
    """The PowerShell text of template ``name`` with its includes resolved (CRLF line ends)."""
    file = template_file(name)
    if not (TEMPLATE_DIR / file).is_file():
        raise TemplateError(f"no template {file} in {TEMPLATE_DIR}")
    check_template_source(file)
    try:
        text = _environment().get_template(file).render()
    except jinja2.TemplateError as exc:
        raise TemplateError(f"template {file}: {exc}") from None
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


# ----------------------------------------------------------------------------- bootstrap


def _json_default(value: Any) -> Any:
    if isinstance(value, SecretStr):  # unwrapped only here, as the parameters leave the process
        return reveal(value)
    if isinstance(value, _dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=_dt.UTC)).isoformat()
    if isinstance(value, (_dt.date, uuid.UUID, Path)):
        return str(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"parameter value of type {type(value).__name__} cannot be sent as JSON")


def params_json(params: Mapping[str, Any] | None) -> str:
    """The parameters document sent to a script (UTF-8 JSON object)."""
    return json.dumps(dict(params or {}), ensure_ascii=False, default=_json_default, separators=(",", ":"))


@cache
def _bootstrap_template() -> str:
    lines = [ln.strip() for ln in (TEMPLATE_DIR / "_bootstrap.ps1").read_text(encoding="utf-8").splitlines()]
    code = [ln for ln in lines if ln and not ln.startswith("#")]
    if len(code) != 1 or "RH_SCRIPT_B64" not in code[0] or "RH_PARAMS_B64" not in code[0]:
        raise TemplateError("_bootstrap.ps1 must hold exactly one code line with RH_SCRIPT_B64 and RH_PARAMS_B64")
    return code[0]


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def bootstrap_line(script: str, params: Mapping[str, Any] | None = None) -> str:
    """The single stdin line: only base64 text is spliced into it (docs/architecture.md)."""
    return _bootstrap_template().replace("RH_SCRIPT_B64", _b64(script)).replace("RH_PARAMS_B64", _b64(params_json(params)))


class StdinPayload(bytes):
    """The stdin bytes of one command. They carry the parameters JSON in base64, secrets included,
    so ``repr``/``str`` show only the size: pytest's ``-l``/``-vvv`` print every frame's locals, and
    the transport's ``stdin`` argument is one of them."""

    def __repr__(self) -> str:
        return f"<stdin: {len(self)} bytes, not shown>"

    __str__ = __repr__


def stdin_for(script: str, params: Mapping[str, Any] | None = None) -> bytes:
    """The stdin bytes for ``powershell.exe -Command -``: the bootstrap line and CRLF."""
    return StdinPayload((bootstrap_line(script, params) + "\r\n").encode("ascii"))


def decode_bootstrap(line: str) -> tuple[str, dict[str, Any]]:
    """Inverse of :func:`bootstrap_line` (tests, diagnostics): the script and the parameters."""
    parts = re.findall(r"FromBase64String\('([A-Za-z0-9+/=]*)'\)", line)
    if len(parts) != 2:
        raise ValueError("not a bootstrap line")
    script = base64.b64decode(parts[0]).decode("utf-8")
    return script, json.loads(base64.b64decode(parts[1]).decode("utf-8"))


# ----------------------------------------------------------------------------- results


def decode_output(data: bytes) -> str:
    """Remote stdout as text (UTF-8, code page 65001; a BOM and bad bytes tolerated)."""
    return data.decode("utf-8", errors="replace").lstrip("\ufeff")


_CLIXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def clixml_to_text(data: bytes | str) -> str:
    """Readable text from stderr that may hold ``#< CLIXML`` blocks (error/warning/verbose streams).

    Progress records are dropped; ``_x000D__x000A_`` escapes are decoded. Non-CLIXML text is kept.
    """
    text = decode_output(data) if isinstance(data, bytes) else data
    if "#< CLIXML" not in text:
        return text.strip()
    out: list[str] = []
    for chunk in text.split("#< CLIXML"):
        chunk = chunk.strip()
        if not chunk:
            continue
        if not chunk.startswith("<Objs"):
            out.append(chunk)
            continue
        try:
            root = ElementTree.fromstring(chunk)
        except ElementTree.ParseError:
            out.append(chunk)
            continue
        for el in root:
            tag = el.tag.rsplit("}", 1)[-1]
            if tag == "S":
                stream = el.get("S") or "Output"
                value = _CLIXML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), el.text or "")
                out.append(value if stream == "Error" else f"[{stream}] {value}")
    joined = "".join(s if s.endswith("\n") else s + "\n" for s in out)
    return re.sub(r"\n{3,}", "\n\n", joined).strip()


@dataclass(frozen=True)
class Envelope:
    """The parsed result block: ``ok`` plus ``data`` or ``error``."""

    ok: bool
    data: Any = None
    error: dict[str, Any] | None = None


def _tail(text: str, limit: int = 2000) -> str:
    return text if len(text) <= limit else "…" + text[-limit:]


def parse_envelope(raw: RawResult, *, host: str = "", template: str = "") -> Envelope:
    """Find exactly one sentinel block in stdout and decode it; raise a clear error otherwise."""
    stdout = decode_output(raw.stdout)
    lines = stdout.splitlines()
    starts = [i for i, ln in enumerate(lines) if ln.strip() == RESULT_START]
    ends = [i for i, ln in enumerate(lines) if ln.strip() == RESULT_END]

    def protocol_error(what: str) -> RemoteProtocolError:
        stderr = REDACTOR.redact(clixml_to_text(raw.stderr))
        out = REDACTOR.redact(stdout.strip())
        msg = (f"{template} on {host}: {what} (exit code {raw.exit_code})."
               f"\n--- stderr ---\n{_tail(stderr) or '(empty)'}\n--- stdout ---\n{_tail(out) or '(empty)'}")
        return RemoteProtocolError(msg, host=host, template=template, exit_code=raw.exit_code, stdout=out, stderr=stderr)

    if not starts:
        raise protocol_error("no result came back (no <<<RH-RESULT>>> line): the script did not run to its "
                             "result, e.g. a parse error, a missing module or powershell.exe failed to start")
    if len(starts) > 1:
        raise protocol_error(f"{len(starts)} result blocks came back; a template must print exactly one")
    start = starts[0]
    end = next((i for i in ends if i > start), None)
    if end is None:
        raise protocol_error("the result block has no <<<RH-END>>> line (output cut off)")
    body = "\n".join(lines[start + 1:end]).strip()
    try:
        doc = json.loads(body) if body else None
    except json.JSONDecodeError as exc:
        raise protocol_error(f"the result is not valid JSON ({exc})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("ok"), bool):
        raise protocol_error('the result is not {"ok": true|false, ...}')
    if doc["ok"]:
        return Envelope(True, data=psjson.normalize(doc.get("data")))
    err = doc.get("error")
    if not isinstance(err, dict):
        raise protocol_error('{"ok": false} without an "error" object')
    return Envelope(False, error=err)


def _classify(type_: str, fqid: str, category: str) -> type[RemoteScriptError]:
    t, f, c = type_.lower(), fqid.lower(), category.lower()
    if ("commandnotfound" in t or "commandnotfound" in f or "modulenotfound" in f
            or "module_modulenotfound" in f or "featurenotinstalled" in f or "notinstalled" in f):
        return RemoteNotInstalled
    if c in ("permissiondenied", "securityerror") or "unauthorizedaccess" in t or "accessdenied" in f \
            or "unauthorizedaccess" in f or "securityexception" in t:
        return RemoteAccessDenied
    if c == "resourceexists" or "alreadyexists" in f or "alreadyexists" in t or "duplicate" in f:
        return RemoteAlreadyExists
    if c == "objectnotfound" or "notfound" in f or "notfound" in t:
        return RemoteNotFound
    return RemoteScriptError


def error_from_record(error: Mapping[str, Any], *, host: str = "", template: str = "") -> RemoteScriptError:
    """The typed exception for a template's ``{"ok": false, "error": {...}}`` (messages redacted)."""
    type_ = str(error.get("type") or "")
    fqid = str(error.get("fqid") or "")
    category = str(error.get("category") or "")
    cls = _classify(type_, fqid, category)
    line = error.get("line")
    return cls(
        REDACTOR.redact(str(error.get("message") or "(no message)")),
        type=type_, fqid=fqid, category=category,
        target=REDACTOR.redact(str(error["target"])) if error.get("target") is not None else None,
        line=line if isinstance(line, int) else None, host=host, template=template,
        details=REDACTOR.redact_obj(dict(error)),
    )


def parse_result(raw: RawResult, *, host: str = "", template: str = "") -> Any:
    """The normalised ``data`` of a successful result, or the typed exception for a failed one."""
    env = parse_envelope(raw, host=host, template=template)
    if not env.ok:
        raise error_from_record(env.error or {}, host=host, template=template)
    return env.data


def run_script(
    transport: Transport, script: str, params: Mapping[str, Any] | None, deadline: float, *,
    host: str = "", label: str = "", idempotent: bool = False,
) -> tuple[Any, RawResult]:
    """Run rendered ``script`` with ``params`` over ``transport``; return (data, raw result)."""
    raw = transport.run(POWERSHELL_COMMAND, stdin_for(script, params), deadline, label=label, idempotent=idempotent)
    return parse_result(raw, host=host, template=label), raw
