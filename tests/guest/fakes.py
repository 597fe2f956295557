"""Test doubles for guest channels: a small model of a Windows guest answering guest templates.

The fake answers ``guest_services.ps1`` the way the template's data is shaped (Win32_Service
State/StartMode strings, DelayedAutoStart, ExitCode) from a service table that can change with a
fake clock, so settle logic is tested without real waiting.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.guest.channel import CommandOutput

BOOT = _dt.datetime(2026, 11, 21, 9, 0, tzinfo=_dt.timezone.utc)


@dataclass
class FakeService:
    state: str = "Running"  # Win32_Service.State
    mode: str = "Auto"  # Win32_Service.StartMode
    delayed: bool = False
    exit_code: int = 0
    running_after: float | None = None  # uptime (s) at which a Stopped service becomes Running
    display: str = ""


@dataclass
class FakeClock:
    t: float = 0.0

    def __call__(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += seconds


@dataclass
class FakeGuest:
    """A guest channel double. ``uptime0``: guest uptime when the test starts."""

    computer: str = "CM01"
    services: dict[str, FakeService] = field(default_factory=dict)
    ports: set[int] = field(default_factory=set)
    keys: set[str] = field(default_factory=set)
    events: list[dict[str, Any]] = field(default_factory=list)
    clock: FakeClock = field(default_factory=FakeClock)
    uptime0: float = 600.0
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    kind: str = "fake"
    vm: str = "CM01"

    def describe(self) -> str:
        return f"fake channel to {self.vm}"

    def uptime(self) -> float:
        return self.uptime0 + self.clock.t

    def run(self, template: str, params: Mapping[str, Any], timeout: float | None = None) -> Any:
        self.calls.append((template, dict(params)))
        assert template == "guest_services.ps1", template
        now = BOOT + _dt.timedelta(seconds=self.uptime())
        rows = []
        for name in params["services"]:
            svc = self.services.get(name)
            if svc is None:
                rows.append({"Name": name, "Found": False, "State": "", "StartMode": "", "DelayedAutoStart": False,
                             "ExitCode": 0, "ServiceSpecificExitCode": 0, "DisplayName": ""})
                continue
            state = svc.state
            if svc.running_after is not None and self.uptime() >= svc.running_after:
                state = "Running"
            rows.append({"Name": name, "Found": True, "State": state, "StartMode": svc.mode,
                         "DelayedAutoStart": svc.delayed, "ExitCode": svc.exit_code,
                         "ServiceSpecificExitCode": 0, "DisplayName": svc.display or name})
        events = [e for c in params["error_events"] for e in self.events
                  if e["Log"] == c["log"] and e["Provider"] in c["sources"]]
        data: dict[str, Any] = {
            "ComputerName": self.computer, "BootTime": BOOT.isoformat(), "Now": now.isoformat(),
            "Services": rows if len(rows) != 1 else rows[0],  # PS 5.1 style: one item is not a list
            "Ports": [{"Port": p, "Listening": p in self.ports} for p in params["tcp_ports"]],
            "RegistryKeys": [{"Path": k, "Present": k in self.keys} for k in params["registry_keys"]],
            "ErrorEvents": events,
        }
        return data

    def run_command(self, command: str, timeout: float | None = None) -> CommandOutput:
        raise AssertionError("not used")


def healthy_cm01(**kw: Any) -> FakeGuest:
    """CM01 as a healthy ConfigMgr primary site server."""
    return FakeGuest(
        services={"SMS_EXECUTIVE": FakeService(display="SMS Executive"),
                  "SMS_SITE_COMPONENT_MANAGER": FakeService(display="SMS Site Component Manager"),
                  "MSSQLSERVER": FakeService(display="SQL Server (MSSQLSERVER)"),
                  "SQLSERVERAGENT": FakeService(display="SQL Server Agent (MSSQLSERVER)"),
                  "W3SVC": FakeService(display="World Wide Web Publishing Service")},
        ports={1433, 80}, keys={"HKLM:\\SOFTWARE\\Microsoft\\SMS"}, **kw)
