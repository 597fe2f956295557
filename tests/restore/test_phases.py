"""harness/restore/phases.py: a restore telling its runner that its bytes are in place."""

from __future__ import annotations

from harness.restore import phases


def test_bytes_in_place_outside_a_drill_does_nothing() -> None:
    phases.bytes_in_place()  # no callback installed on this thread: no error, nothing to call
    seen: list[int] = []
    with phases.on_bytes_in_place(lambda: seen.append(1)):
        phases.bytes_in_place()
        phases.bytes_in_place()  # at most once
    phases.bytes_in_place()
    assert seen == [1]
