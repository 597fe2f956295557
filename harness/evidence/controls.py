"""Which audit controls a restore test's checks support. The default maps every check to:

* ISO/IEC 27001:2022 Annex A 8.13 "Information backup" (backup copies are regularly tested);
* SOC 2 (2017 Trust Services Criteria) A1.3 "recovery plan procedures ... are tested";
* NIST SP 800-53 Rev. 5 CP-4 "Contingency Plan Testing" and CP-9(1) "System Backup | Testing for
  Reliability and Integrity".

A mapping is ``{"controls": {id: title}, "checks": {check name pattern: [control ids]}}``; patterns
are shell-style (``fnmatch``, ``*`` matches every check) and every matching pattern adds its ids. The
inventory can carry its own mapping (passed to the recorder); :func:`validate_mapping` names the
field at fault.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from typing import Any

DEFAULT_CONTROLS: dict[str, str] = {
    "ISO/IEC 27001:2022 A.8.13": "Information backup: backup copies tested regularly",
    "SOC 2 A1.3": "Recovery plan procedures supporting system recovery are tested",
    "NIST SP 800-53 CP-4": "Contingency plan testing",
    "NIST SP 800-53 CP-9(1)": "System backup: testing for reliability and integrity",
}
DEFAULT_MAPPING: dict[str, Any] = {"controls": DEFAULT_CONTROLS, "checks": {"*": list(DEFAULT_CONTROLS)}}


class ControlMappingError(ValueError):
    """A control mapping that cannot be used (message names the field and the fix)."""


def validate_mapping(mapping: Mapping[str, Any] | None, source: str = "control mapping") -> dict[str, Any]:
    """A checked copy of ``mapping`` (the default when None)."""
    if mapping is None:
        return {"controls": dict(DEFAULT_CONTROLS), "checks": {k: list(v) for k, v in DEFAULT_MAPPING["checks"].items()}}
    controls = mapping.get("controls")
    checks = mapping.get("checks")
    if not isinstance(controls, Mapping) or not controls:
        raise ControlMappingError(f"{source}: 'controls' must map control ids to titles, e.g. "
                                  "{'ISO/IEC 27001:2022 A.8.13': 'Information backup'}")
    if not isinstance(checks, Mapping) or not checks:
        raise ControlMappingError(f"{source}: 'checks' must map check name patterns to control ids, e.g. {{'*': [...]}}")
    for pattern, ids in checks.items():
        if isinstance(ids, str) or not isinstance(ids, Sequence):
            raise ControlMappingError(f"{source}: checks[{pattern!r}] must be a list of control ids")
        unknown = [i for i in ids if i not in controls]
        if unknown:
            raise ControlMappingError(f"{source}: checks[{pattern!r}] names {', '.join(map(repr, unknown))}, "
                                      f"not in 'controls' ({', '.join(controls)}); add it there or fix the id")
    return {"controls": {str(k): str(v) for k, v in controls.items()},
            "checks": {str(k): [str(i) for i in v] for k, v in checks.items()}}


def controls_for(check: str, mapping: Mapping[str, Any]) -> list[str]:
    """The control ids ``check`` supports under ``mapping`` (in the mapping's control order)."""
    ids = {i for pattern, lst in mapping["checks"].items() if fnmatch.fnmatchcase(check, pattern) for i in lst}
    return [c for c in mapping["controls"] if c in ids]


def control_summary(scenarios: Sequence[Mapping[str, Any]], mapping: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Per control: its title and the checks of this run that support it, with outcomes."""
    out = []
    for cid, title in mapping["controls"].items():
        rows = [{"system": sc.get("system"), "scenario": sc.get("scenario"), "check": c.get("name"),
                 "outcome": c.get("outcome")}
                for sc in scenarios for c in sc.get("checks", []) if cid in (c.get("controls") or [])]
        out.append({"id": cid, "title": title, "checks": rows,
                    "passed": sum(1 for r in rows if r["outcome"] == "passed"),
                    "failed": sum(1 for r in rows if r["outcome"] in ("failed", "broken"))})
    return out
