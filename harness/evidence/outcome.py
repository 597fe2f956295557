"""How a scenario, a system and a run are judged from the recorded facts (one place, used by the
evidence report and by ``status``).

* A scenario passed when the restore finished ok, at least one check passed and none failed or was
  broken. A failed check or a failed restore makes it ``failed`` (restore defect); otherwise a
  broken check makes it ``broken`` (the lab or harness could not audit); no checks: ``incomplete``.
* A ``finding`` is a defect the run observed and then remediated (a leftover backup checkpoint
  removed by the scenario's remediation policy). It is listed in the report but does not decide
  the outcome: the check that runs again after the remediation does (passed or failed).
* A system passed in a run when every scenario of that system in the run passed.
* RTO (restore start -> services healthy) is measured and compared with the target; missing the
  target is shown as a finding but does not by itself fail the system (add an RTO check for that).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

OUTCOMES = ("passed", "failed", "broken", "skipped", "finding")


def scenario_outcome(scenario: Mapping[str, Any]) -> str:
    """``passed`` | ``failed`` | ``broken`` | ``incomplete`` for one recorded scenario."""
    outcomes = [c.get("outcome") for c in scenario.get("checks", [])]
    restore = scenario.get("restore") or {}
    if restore.get("ok") is False or "failed" in outcomes:
        return "failed"
    if "broken" in outcomes:
        return "broken"
    if restore.get("ok") is True and "passed" in outcomes:
        return "passed"
    return "incomplete"


def system_outcomes(scenarios: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """``{system: outcome}``: ``passed`` only when all of the system's scenarios passed, else the
    worst outcome (failed > broken > incomplete)."""
    rank = {"failed": 3, "broken": 2, "incomplete": 1, "passed": 0}
    result: dict[str, str] = {}
    for sc in scenarios:
        system = str(sc.get("system"))
        outcome = scenario_outcome(sc)
        if system not in result or rank[outcome] > rank[result[system]]:
            result[system] = outcome
    return result
