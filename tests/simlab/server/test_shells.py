"""WinRS commands and the events clock (simlab/server/shells.py wraps each command in the clock's
activity): commands in several shells at once overlap in simulated time, exactly."""

from __future__ import annotations

import base64
import datetime as _dt
import threading
import time
from collections.abc import Callable
from typing import Any

from winrm.protocol import Protocol

from simlab.clock import SimClock
from simlab.machine import BareMachine
from tests.simlab.server.conftest import PASSWORD, USER

START = _dt.datetime(2026, 11, 21, 0, 0, tzinfo=_dt.timezone.utc)


def _ps(endpoint: str, script: str) -> str:
    p = Protocol(endpoint=endpoint, transport="ntlm", username=f"HV-LAB01\\{USER}", password=PASSWORD)
    shell = p.open_shell(codepage=65001)
    try:
        cmd = p.run_command(shell, "powershell", ["-NoProfile", "-NonInteractive", "-EncodedCommand",
                                                  base64.b64encode(script.encode("utf-16-le")).decode()])
        out, _err, code = p.get_command_output(shell, cmd)
        p.cleanup_command(shell, cmd)
        assert code == 0, out
        return out.decode("utf-8").strip()
    finally:
        p.close_shell(shell)


def test_sleeps_in_three_shells_at_once_overlap_in_simulated_time(wsman_factory: Callable[..., Any]) -> None:
    clock = SimClock(START, mode="events", quiet=0.01)
    srv = wsman_factory(BareMachine("HV-LAB01", {USER: PASSWORD}, clock=clock))
    ends: dict[int, str] = {}

    def client(seconds: int) -> None:
        # busy until every client's command runs (a working command holds the clock), then sleep
        ends[seconds] = _ps(srv.endpoint, "while (-not (Test-Path 'C:\\go')) { }\n"
                            f"Start-Sleep -Seconds {seconds}; (Get-Date).ToUniversalTime().ToString('HH:mm:ss')")

    threads = [threading.Thread(target=client, args=(s,)) for s in (600, 1800, 3600)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 30
    while srv.counters["commands"] < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    clock_before = clock.seconds()
    srv.machine.fs.write("C:\\go", b"")
    for t in threads:
        t.join(60)
    assert clock_before == 0.0
    # one hour of simulated sleeping in three shells takes one simulated hour, not 100 minutes
    assert clock.seconds() == 3600.0
    assert ends == {600: "00:10:00", 1800: "00:30:00", 3600: "01:00:00"}


def test_the_clock_holds_from_a_command_end_until_the_client_reads_it(wsman_factory: Callable[..., Any]) -> None:
    """A client that has not yet read its command's end is about to send its next command: an idle
    lab must not run ahead to its next scheduled instant in that gap (a drill's polls would then see
    minutes pass between two commands that came 0.2 s apart)."""
    clock = SimClock(START, mode="events", quiet=0.01)
    srv = wsman_factory(BareMachine("HV-LAB01", {USER: PASSWORD}, clock=clock))
    p = Protocol(endpoint=srv.endpoint, transport="ntlm", username=f"HV-LAB01\\{USER}", password=PASSWORD)
    shell = p.open_shell(codepage=65001)
    try:
        clock.at(START + _dt.timedelta(seconds=300))  # something scheduled: a guest's heartbeat, a job's end
        cmd = p.run_command(shell, "powershell", ["-NoProfile", "-NonInteractive", "-EncodedCommand",
                                                  base64.b64encode("'x'".encode("utf-16-le")).decode()])
        deadline = time.monotonic() + 30
        while clock._active and time.monotonic() < deadline:  # the command has ended on the server
            time.sleep(0.01)
        time.sleep(0.3)  # the client reads the end late (30 times the quiet time)
        assert clock.seconds() == 0.0
        _out, _err, code = p.get_command_output(shell, cmd)
        p.cleanup_command(shell, cmd)
        assert code == 0
    finally:
        p.close_shell(shell)
