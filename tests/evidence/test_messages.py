"""Check messages without pytest's introspection, each line once."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from harness.evidence.messages import clean_message
from harness.evidence.pytest_hooks import check_message


@pytest.mark.parametrize(("text", "expected"), [
    ("AssertionError: backup checkpoint left behind\nassert not ['CM01 - Backup']\n +  where ['x'] = f()",
     "backup checkpoint left behind"),
    ("Failed: services: MSSQLSERVER is Stopped, expected Running\nFailed: services: MSSQLSERVER is Stopped, expected Running",
     "services: MSSQLSERVER is Stopped, expected Running"),
    ("assert False\n +  where False = ok(vm)", "assert False"),
    ("Lab problem: HV-LAB01 did not answer\n- switch A\n- switch B", "Lab problem: HV-LAB01 did not answer\n- switch A\n- switch B"),
    ("", ""),
])
def test_clean_message(text: str, expected: str) -> None:
    assert clean_message(text) == expected


def test_check_message_reads_the_crash_message() -> None:
    report = SimpleNamespace(longrepr=SimpleNamespace(reprcrash=SimpleNamespace(
        message="AssertionError: VM CM01 is Off\nassert 'Off' == 'Running'\n  - Running\n  + Off")))
    assert check_message(report) == "VM CM01 is Off"
