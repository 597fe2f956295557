"""Run context files in the Allure results directory: environment.properties, executor.json and
categories.json, plus the category rules for the Allure 3 config (one definition for both).

Categories separate what the run found from what stopped it from finding anything:

* "Restore defects" - status failed (an assertion about the restored system did not hold);
* "Lab problems" - status broken, message contains "Lab problem:" (``harness.errors.LabError``);
* "Harness errors" - any other broken result (a bug or misuse of the harness).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

# Regexes written to work in both generators: Allure 2 (Java, full match, every matching category)
# and Allure 3 (JavaScript RegExp.test, first matching category). JavaScript has no (?s), so
# [\s\S] stands for "any character including newline".
LAB_PROBLEM_MARK = "Lab problem:"
CATEGORIES: list[dict[str, Any]] = [
    {"name": "Restore defects", "matchedStatuses": ["failed"]},
    {"name": "Lab problems", "matchedStatuses": ["broken"], "messageRegex": r"[\s\S]*Lab problem:[\s\S]*"},
    {"name": "Harness errors", "matchedStatuses": ["broken"], "messageRegex": r"^(?![\s\S]*Lab problem:)[\s\S]*"},
]


def _escape_properties(text: str, *, key: bool) -> str:
    """Java .properties escaping (ASCII output with \\uXXXX, so any reader decodes it the same)."""
    out = []
    for i, ch in enumerate(text):
        if ch == "\\":
            out.append("\\\\")
        elif ch in "=:#!" or (key and ch == " ") or (ch == " " and i == 0):
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) > 0x7E:
            out.extend(f"\\u{u:04x}" for u in _utf16_units(ch))
        else:
            out.append(ch)
    return "".join(out)


def _utf16_units(ch: str) -> list[int]:
    data = ch.encode("utf-16-be")
    return [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2)]


def environment_entries(
    *, harness_version: str, hosts: Mapping[str, Mapping[str, Any]], inventory_sha256: str | None,
    simulated: bool, run_id: str, clock: Mapping[str, Any] | None = None,
) -> dict[str, str]:
    """The key/value pairs shown as the report's environment (``clock`` is the run record's clock
    block: which host's clock the evidence times are on, and the controller's offset to it)."""
    env = {
        "run.id": run_id,
        "harness.version": harness_version,
        "inventory.sha256": inventory_sha256 or "unknown",
        "simulated": "yes" if simulated else "no",
    }
    reference = (clock or {}).get("reference_host")
    clocks = (clock or {}).get("hosts") or {}
    if reference:
        offset = clocks.get(reference, {}).get("offset_seconds")
        zone = clocks.get(reference, {}).get("time_zone") or "not reported"
        env["clock"] = (f"times named in steps and parameters are ISO 8601 UTC (+00:00) on {reference}'s clock "
                        f"(lab host zone {zone}, controller offset {float(offset):+.3f} s); the start/stop times and "
                        "timeline Allure draws itself are in your browser's zone")
    else:
        env["clock"] = "evidence times are UTC on the controller's clock (no lab host clock was read)"
    for host, entry in sorted(clocks.items()):
        env[f"host.{host}.time_zone"] = str(entry.get("time_zone") or "not reported")
        env[f"host.{host}.clock_offset"] = f"{float(entry.get('offset_seconds') or 0):+.3f} s (host - controller)"
    for host, facts in sorted(hosts.items()):
        caption, version = _fact(facts, "os_caption", "OsCaption"), _fact(facts, "os_version", "OsVersion")
        build = _fact(facts, "os_build", "OsBuild", "BuildNumber")
        os_text = " ".join(v for v in (caption, version) if v)
        if build:
            os_text = f"{os_text} (build {build})".strip()
        env[f"host.{host}.os"] = os_text or "unknown"
        env[f"host.{host}.hyperv_version"] = _fact(facts, "hyperv_version", "HyperVVersion") or "unknown"
    return env


def _fact(facts: Mapping[str, Any], *names: str) -> str:
    """The first non-empty fact among ``names`` (snake_case from the recorder API, PascalCase as the
    PowerShell templates return them)."""
    for name in names:
        value = facts.get(name)
        if value not in (None, ""):
            return str(value)
    return ""


def write_environment(results_dir: Path, entries: Mapping[str, str]) -> Path:
    """Write ``environment.properties`` (ASCII, Java escaping)."""
    path = results_dir / "environment.properties"
    lines = [f"{_escape_properties(k, key=True)}={_escape_properties(str(v), key=False)}" for k, v in entries.items()]
    path.write_text("\n".join(lines) + "\n", encoding="ascii")
    return path


def executor_info(
    *, run_id: str, build_order: int, simulated: bool, ci_job: str | None = None, ci_url: str | None = None,
) -> dict[str, Any]:
    """The executor.json document (who ran the build; buildName = run id)."""
    info: dict[str, Any] = {
        "name": "restore-harness",
        "type": "ci" if ci_job else "manual",
        "buildName": run_id,
        "buildOrder": build_order,
        "reportName": "Restore test" + (" — SIMULATED" if simulated else ""),
    }
    if ci_job:
        info["buildName"] = f"{run_id} ({ci_job})"
    if ci_url:
        info["buildUrl"] = ci_url
    return info


def write_executor(results_dir: Path, info: Mapping[str, Any]) -> Path:
    """Write ``executor.json``."""
    path = results_dir / "executor.json"
    path.write_text(json.dumps(dict(info), ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def write_categories(results_dir: Path) -> Path:
    """Write ``categories.json`` (read by Allure 2; Allure 3 takes :data:`CATEGORIES` from its config)."""
    path = results_dir / "categories.json"
    path.write_text(json.dumps(CATEGORIES, indent=2), encoding="utf-8")
    return path


def build_order(history_file: Path | None) -> int:
    """Next build number: runs already in the Allure history JSONL (one line per run) + 1."""
    if history_file is None or not history_file.is_file():
        return 1
    with history_file.open("rb") as fh:
        return sum(1 for line in fh if line.strip()) + 1
