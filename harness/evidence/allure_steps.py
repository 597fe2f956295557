"""Remote operations as Allure steps: one step per operation, with its duration, the rendered
PowerShell script (redacted), the parameters JSON and the raw result JSON as attachments.

The pytest plugin registers :func:`remote_operation_listener` with ``harness.remote.events``. It
reads the fields of ``harness.remote.events.OperationEvent`` (``host``, ``template``, ``script``,
``params``, ``duration`` in seconds, ``ok``, ``outcome``, ``exit_code``, ``stdout``, ``stderr``,
``error``, ``data``); a mapping with the same keys works too, as do ``result`` (instead of
``data``) and ``started``/``finished`` datetimes (instead of ``duration``). Events whose ``phase`` is
``"start"`` are ignored: a step is written once the operation has ended. Everything attached is
redacted again here, whatever the sender already did.
"""

from __future__ import annotations

import hashlib
import json
import re
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

import allure
from allure_commons.model2 import Status, StatusDetails

from harness.evidence import allure_threads
from harness.evidence.redaction import redact_text, redact_value


def _get(event: Any, *names: str) -> Any:
    for name in names:
        if isinstance(event, dict) and name in event:
            return event[name]
        value = getattr(event, name, None)
        if value is not None:
            return value
    return None


def _duration_seconds(event: Any) -> float | None:
    duration = _get(event, "duration", "elapsed")
    if isinstance(duration, (int, float)):
        return float(duration)
    started, finished = _get(event, "started"), _get(event, "finished")
    if isinstance(started, datetime) and isinstance(finished, datetime):
        return (finished - started).total_seconds()
    return None


BULKY_KEYS = frozenset({"ImageData"})
"""Result fields that carry raw binary data (console thumbnails' RGB565 pixels): never attached; the
PNG made from them is (harness/console.py)."""
MAX_INLINE_TEXT = 64 * 1024


def _without_bulk(value: Any) -> Any:
    """A copy without raw pixel data and other huge strings: each is replaced by a short note."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in BULKY_KEYS and item not in (None, ""):
                size = len(item) if isinstance(item, (str, list, bytes)) else 0
                out[key] = f"<raw data omitted from the report ({size} characters/items); see the PNG attachment>"
            else:
                out[key] = _without_bulk(item)
        return out
    if isinstance(value, list):
        return [_without_bulk(v) for v in value]
    if isinstance(value, str) and len(value) > MAX_INLINE_TEXT:
        return value[:2000] + f"... <{len(value) - 2000} more characters omitted from the report>"
    return value


_BULKY_JSON_FIELD = re.compile(r'"(' + "|".join(BULKY_KEYS) + r')"\s*:\s*"([^"]*)"')
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/]{4096,}={0,2}")


LEDGER_WRITE = "ledger_write"
"""The template that mirrors the run ledger to a host (harness/cleanup.py): its ``content`` parameter is
the whole ledger at that moment, written after every change (27 copies in a demo run, most of the
report's attachments). The step shows its entries, states and SHA-256 instead; the run's final ledger
is evidence (``files/_run/ledger.json``)."""


def _ledger_params(params: Any) -> Any:
    """``ledger_write`` parameters with the mirrored ledger summarised (see :data:`LEDGER_WRITE`)."""
    content = params.get("content") if isinstance(params, dict) else None
    if not isinstance(content, str):
        return params
    digest = hashlib.sha256(content.encode("utf-8")).hexdigest()
    try:
        entries = json.loads(content).get("entries") or []
        states: dict[str, int] = {}
        for entry in entries:
            states[str(entry.get("state"))] = states.get(str(entry.get("state")), 0) + 1
        summary: Any = {"entries": len(entries), "by state": states}
    except (ValueError, AttributeError):
        summary = "not a ledger document"
    return {**params, "content": {"sha256": digest, "characters": len(content), "ledger": summary,
                                  "note": "the run's final ledger is in the evidence folder: files/_run/ledger.json"}}


def _trim_text(text: str) -> str:
    """Raw output text (stdout/stderr) without raw pixel data and other long base64 runs."""
    text = _BULKY_JSON_FIELD.sub(
        lambda m: f'"{m.group(1)}":"<raw data omitted from the report ({len(m.group(2))} characters/items); '
                  f'see the PNG attachment>"', text)
    text = _BASE64_RUN.sub(lambda m: f"<{len(m.group(0))} characters of base64 data omitted from the report>", text)
    return _without_bulk(text)


def _as_json_text(value: Any) -> str:
    if isinstance(value, (bytes, bytearray)):
        value = value.decode("utf-8", errors="replace")
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return redact_text(_without_bulk(value))
    # indent 1: readable, and a third smaller than indent 2 (the single-file report embeds every attachment)
    return json.dumps(redact_value(_without_bulk(value)), ensure_ascii=False, indent=1, default=str)


def _result_of(event: Any) -> Any:
    """The raw result document: the returned data when the operation succeeded, else what went wrong."""
    result = _get(event, "result", "data")
    if result is not None:
        return result
    return {
        "ok": bool(_get(event, "ok")),
        "outcome": _get(event, "outcome"),
        "exit_code": _get(event, "exit_code"),
        "error": _get(event, "error"),
    }


def step_title(event: Any) -> str:
    """``"<host>: <template> (<seconds> s)"``, e.g. ``HV-LAB01: get_vm (0.84 s)``."""
    host = _get(event, "host") or "?"
    name = _get(event, "template", "operation", "name") or "remote operation"
    seconds = _duration_seconds(event)
    timing = f" ({seconds:.2f} s)" if seconds is not None else ""
    return redact_text(f"{host}: {name}{timing}")


class AttachmentSettings:
    """Which of a remote operation's attachments the report gets: the inventory's
    ``reports.attach_scripts`` (the rendered script and its parameters JSON) and
    ``reports.attach_raw_results`` (the raw result JSON, and a failed operation's stdout). The step
    itself, its time, status and error message, and a failed operation's stderr are always written:
    without them a failure could not be explained. The plugin sets them from each inventory it reads."""

    def __init__(self) -> None:
        self.scripts = True
        self.raw_results = True

    def configure(self, reports: Any) -> None:
        """Take ``attach_scripts`` and ``attach_raw_results`` from an inventory's ``reports`` settings."""
        self.scripts, self.raw_results = bool(reports.attach_scripts), bool(reports.attach_raw_results)


ATTACHMENTS = AttachmentSettings()


def remote_operation_listener(event: Any) -> None:
    """Write one finished remote operation into the current Allure test as a step (no-op when
    Allure is not collecting); on another thread than the tests' (a drill's worker) the step is kept
    for the test that takes that work (harness/evidence/allure_threads.py). What it attaches follows
    :data:`ATTACHMENTS`."""
    if _get(event, "phase") == "start":
        return
    ok = _get(event, "ok")
    error = _get(event, "error")
    seconds = _duration_seconds(event)
    out = allure_threads.writer()
    with out.step(step_title(event)) as step:
        script = _get(event, "script")
        if script and ATTACHMENTS.scripts:
            out.attach_shared(step, redact_text(str(script)), "script.ps1", allure.attachment_type.TEXT)
        params = _get(event, "params")
        if _get(event, "template") == LEDGER_WRITE:
            params = _ledger_params(params)
        if params is not None and ATTACHMENTS.scripts:
            out.attach_shared(step, _as_json_text(params), "params.json", allure.attachment_type.JSON)
        if ATTACHMENTS.raw_results:
            out.attach_shared(step, _as_json_text(_result_of(event)), "result.json", allure.attachment_type.JSON)
        for stream in ("stdout", "stderr"):
            text = _get(event, stream)
            if stream == "stdout" and (ok is True or not ATTACHMENTS.raw_results):
                continue  # a successful operation's stdout is its result, attached above as result.json
            if text:
                out.attach(redact_text(_trim_text(str(text))), f"{stream}.txt", allure.attachment_type.TEXT)
    if step is None:
        return
    if seconds is not None and step.stop is not None:
        step.start = int(step.stop - seconds * 1000)
    if ok is False:
        step.status = Status.BROKEN
        step.statusDetails = StatusDetails(message=redact_text(str(error or "remote operation reported ok=false")))


class AllureProgress:
    """The engine's progress as Allure steps and attachments; what a drill's worker reports is kept
    and shown in the test that takes its outcome (harness/evidence/allure_threads.py)."""

    KINDS = {"text": allure.attachment_type.TEXT, "json": allure.attachment_type.JSON,
             "csv": allure.attachment_type.CSV, "html": allure.attachment_type.HTML}

    def step(self, title: str) -> AbstractContextManager[Any]:
        return allure_threads.writer().step(title)

    def attach(self, text: str, name: str, kind: str = "text") -> None:
        allure_threads.writer().attach(text, name, self.KINDS.get(kind, allure.attachment_type.TEXT))

    def elsewhere(self, key: str, title: str) -> AbstractContextManager[Any]:
        return allure_threads.capture(key, title)

    def hand_over(self, key: str, *, wait: bool = True, after: str | None = None) -> None:
        allure_threads.hand_over(key, wait=wait, after=after)

    def hand_over_rest(self) -> None:
        allure_threads.hand_over_rest()
