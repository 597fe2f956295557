"""Start a restored VM and wait until its guest answers the Hyper-V heartbeat.

Every restore method ends with a registered VM that is OFF. Before the service checks can log on,
the VM must start, and it may start only on isolated switches: :func:`boot_vm` runs the isolation
guard (``harness.checks.isolation.guard_before_start``, the one definition of "isolated") on fresh
host facts, then ``Start-VM`` (``vm_start.ps1``), then polls ``vm_heartbeat.ps1`` until the
heartbeat is OK (``Ok*`` status: the guest OS runs its integration services) or the timeout passes,
logging progress on every poll. A guest that never answers is a restore defect (it does not boot:
e.g. 0x7B after a BMR to dissimilar hardware); the message names the VM, the last state and
heartbeat and how long the harness waited.
"""

from __future__ import annotations

import datetime as _dt
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from harness.checks.isolation import guard_before_start
from harness.errors import RestoreDefect
from harness.hyperv.facts import HostVMFacts
from harness.hyperv.operations import RemoteRunner

log = logging.getLogger(__name__)

DEFAULT_BOOT_TIMEOUT_MINUTES = 15.0
RUNNING, OFF = 2, 3  # Microsoft.HyperV.PowerShell.VMState


class GuestDidNotBoot(RestoreDefect):
    """The restored VM started but its guest never answered the heartbeat within the timeout."""


@dataclass(frozen=True)
class BootResult:
    """When the VM was started and when its heartbeat answered; the polls in between."""

    vm_id: str
    vm_name: str
    started: _dt.datetime
    heartbeat_at: _dt.datetime
    heartbeat: str
    polls: tuple[str, ...] = field(default_factory=tuple)

    def summary(self) -> str:
        waited = (self.heartbeat_at - self.started).total_seconds()
        return (f"{self.vm_name} started {self.started.isoformat(timespec='seconds')}, heartbeat "
                f"{self.heartbeat} after {waited:.0f} s ({len(self.polls)} poll(s))")


def heartbeat_ok(status: str) -> bool:
    """``VMHeartbeatStatus`` names that mean the guest OS answers (OkApplicationsHealthy, ...Unknown,
    ...Critical: the OS runs; application health is judged by the service checks)."""
    return str(status).lower().startswith("ok")


def boot_vm(host: RemoteRunner, vm_id: str, facts: HostVMFacts, isolated: Iterable[str], *,
            timeout_sec: float = DEFAULT_BOOT_TIMEOUT_MINUTES * 60, first_poll_sec: float = 0.5,
            max_poll_sec: float = 15.0, clock: Callable[[], float] = time.monotonic,
            sleep: Callable[[float], None] = time.sleep, progress: Callable[[str], None] | None = None,
            now: Callable[[], _dt.datetime] = lambda: _dt.datetime.now(_dt.UTC)) -> BootResult:
    """Guard, start and wait for the heartbeat of restored VM ``vm_id`` (facts: current host facts
    that include the VM). Raises ``LabSafetyError`` (guard), ``GuestDidNotBoot`` (timeout)."""
    say = progress or log.info
    vm = facts.vm(vm_id)
    if vm is None:
        raise RestoreDefect(f"restored VM {vm_id} is not registered on {facts.host}: nothing to start")
    guard_before_start(vm, facts, isolated)
    started = now()
    data = host.run("vm_start", {"vm_id": vm_id}) or {}
    name = str(data.get("Name") or vm.name)
    t0 = clock()
    wait = first_poll_sec
    polls: list[str] = []
    state, beat = int(data.get("State") or 0), str(data.get("Heartbeat") or "")
    uptime = _uptime(data)
    while True:
        if state == RUNNING and heartbeat_ok(beat):
            return BootResult(vm_id, name, started, now(), beat, tuple(polls))
        # the bound: how long the VM has run on the host (its Uptime) or how long we waited, whichever
        # is longer (a guest in a reboot loop restarts its uptime; the harness's own wait still ends)
        waited = max(clock() - t0, uptime)
        line = f"{name}: waiting for the guest heartbeat (state {state}, heartbeat {beat or '-'}, waited {waited:.0f} s)"
        polls.append(line)
        say(line)
        if state == OFF and len(polls) > 1:
            raise GuestDidNotBoot(f"restored VM {name} on {facts.host} stopped while booting (state {state}, "
                                  f"heartbeat {beat or '-'}) after {waited:.0f} s")
        if waited >= timeout_sec:
            raise GuestDidNotBoot(
                f"restored VM {name} on {facts.host} started but its guest did not answer the heartbeat within "
                f"{timeout_sec / 60:g} min (last: state {state}, heartbeat {beat or '-'}); look at the console "
                f"screenshot: the guest may not boot (e.g. 0x7B INACCESSIBLE_BOOT_DEVICE)")
        sleep(min(wait, max(0.0, timeout_sec - waited)) or wait)
        wait = min(wait * 2, max_poll_sec)
        data = host.run("vm_heartbeat", {"vm_id": vm_id}, idempotent=True) or {}
        state, beat = int(data.get("State") or 0), str(data.get("Heartbeat") or "")
        uptime = _uptime(data)


def _uptime(data: Any) -> float:
    """``UptimeSeconds`` of a ``vm_start``/``vm_heartbeat`` answer (0 when absent or not a number)."""
    try:
        return max(0.0, float(data.get("UptimeSeconds") or 0))
    except (TypeError, ValueError):
        return 0.0


def boot_timeout_sec(scenario: Any) -> float:
    """The scenario's heartbeat bound: its typed ``boot_timeout_minutes`` (inventory default 15)."""
    return float(scenario.boot_timeout_minutes) * 60
