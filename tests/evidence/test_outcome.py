"""How scenarios are judged: a remediated finding is shown but does not decide the outcome."""

from harness.evidence.outcome import scenario_outcome, system_outcomes


def _scenario(*outcomes: str, ok: bool = True, system: str = "CM01") -> dict:
    return {"system": system, "restore": {"ok": ok}, "checks": [{"name": f"c{i}", "outcome": o} for i, o in enumerate(outcomes)]}


def test_finding_remediated_and_rechecked_clean_passes():
    assert scenario_outcome(_scenario("passed", "finding", "passed", "passed")) == "passed"


def test_finding_whose_recheck_failed_fails():
    assert scenario_outcome(_scenario("passed", "finding", "failed", "failed")) == "failed"


def test_only_a_finding_is_not_a_pass():
    assert scenario_outcome(_scenario("finding")) == "incomplete"


def test_system_outcome_takes_the_worst_scenario():
    assert system_outcomes([_scenario("passed"), _scenario("failed")]) == {"CM01": "failed"}
    assert system_outcomes([_scenario("passed"), _scenario("passed", "finding", "passed")]) == {"CM01": "passed"}
