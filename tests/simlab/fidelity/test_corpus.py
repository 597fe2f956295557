"""The fidelity corpus through the WinRM endpoint: Windows PowerShell 5.1 as admins write it, with the
output the sources (Microsoft docs, PowerShell's tests) show. At least 95% must hold; failures are listed
(and explained in simlab/docs/fidelity.md)."""

from __future__ import annotations

import importlib.util

import winrm

from simlab.machine import BareMachine
from simlab.server import WSManServer
from tests.simlab.fidelity.corpus import Outcome, load_cases, run_cases
from tests.simlab.server.conftest import PASSWORD, USER

THRESHOLD = 0.95
# Parse failures of `needs: [parser]` cases are excused only while the lab still parses with tree-sitter;
# once the hand-written parser (simlab.ps.parser) is in, every case counts.
NEW_PARSER = importlib.util.find_spec("simlab.ps.parser") is not None


def _run() -> list[Outcome]:
    with WSManServer(BareMachine("HV-LAB01", {USER: PASSWORD})) as srv:
        protocol = winrm.Session(srv.endpoint, auth=(USER, PASSWORD), transport="ntlm").protocol
        return run_cases(protocol, load_cases())


def _report(outcomes: list[Outcome]) -> str:
    lines = []
    for o in outcomes:
        if not o.passed:
            mark = " [needs parser]" if "parser" in o.case.needs else ""
            lines.append(f"{o.case.id}{mark}: expected {o.case.stdout!r} / error {o.case.error!r}; "
                         f"got {o.stdout[:300]!r} / {o.errors[:300]!r}")
    return "\n".join(lines)


def test_corpus_is_large_and_sourced() -> None:
    cases = load_cases()
    assert len(cases) >= 300
    assert all(c.source.startswith("https://") for c in cases)


def test_corpus_holds_at_95_percent() -> None:
    outcomes = _run()
    total = len(outcomes)
    passed = sum(o.passed for o in outcomes)
    # excused: written as Windows parses it, failing today only because the lab's parser cannot parse it
    excused = [] if NEW_PARSER else [o for o in outcomes
                                     if not o.passed and "parser" in o.case.needs and o.parse_failure]
    counted = total - len(excused)
    rate = passed / counted
    print(f"\nfidelity corpus: {passed}/{total} pass ({passed / total:.1%} of all cases); "
          f"{len(excused)} wait for the new parser; {rate:.1%} of the {counted} others")
    print(_report(outcomes))
    assert rate >= THRESHOLD, f"{rate:.1%} < 95%:\n" + _report([o for o in outcomes if o not in excused])
