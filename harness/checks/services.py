"""Service health inside a restored guest, judged against a :class:`ServiceProfile` (issue 7).

All facts of a guest (every profile service, TCP ports, registry keys, error events since boot)
come from ONE remote command (``guest_services.ps1``). Services still starting (pending, or
Automatic and not yet started, e.g. "Automatic (Delayed Start)") get a bounded settle time: the
guest is polled until nothing is pending or the bound passes (measured both as guest uptime and as
time spent waiting), with progress logged. Then one message lists EVERY service not as expected.
"""

from __future__ import annotations

import datetime as _dt
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.checks.result import CheckResult
from harness.guest.channel import GuestChannel
from harness.profiles import ServiceExpectation, ServiceProfile, StartType

log = logging.getLogger(__name__)

TEMPLATE = "guest_services.ps1"

# Win32_Service.State (not localized) → ServiceControllerStatus names.
_STATES = {"running": "Running", "stopped": "Stopped", "start pending": "StartPending",
           "stop pending": "StopPending", "continue pending": "ContinuePending",
           "pause pending": "PausePending", "paused": "Paused"}
_PENDING = {"StartPending", "ContinuePending"}
_START_MODES = {"auto": "Automatic", "manual": "Manual", "disabled": "Disabled", "boot": "Boot",
                "system": "System"}
_START_LABEL = {StartType.AUTOMATIC: "Automatic", StartType.AUTOMATIC_DELAYED: "Automatic (Delayed Start)",
                StartType.MANUAL: "Manual", StartType.DISABLED: "Disabled"}


@dataclass(frozen=True)
class ServiceFact:
    """One service as the guest reported it."""

    name: str
    found: bool
    status: str = ""  # ServiceControllerStatus name, e.g. Running, Stopped, StartPending
    start_mode: str = ""  # Automatic | Manual | Disabled | Boot | System
    delayed: bool = False
    exit_code: int = 0
    service_exit_code: int = 0
    display_name: str = ""

    @property
    def start_type(self) -> str:
        """Start type as services.msc shows it ("Automatic (Delayed Start)" for delayed)."""
        if self.start_mode == "Automatic" and self.delayed:
            return "Automatic (Delayed Start)"
        return self.start_mode

    def matches_start(self, expected: StartType) -> bool:
        if expected is StartType.AUTOMATIC_DELAYED:
            return self.start_mode == "Automatic" and self.delayed
        if expected is StartType.AUTOMATIC:
            return self.start_mode == "Automatic" and not self.delayed
        return self.start_mode == expected.value


@dataclass(frozen=True)
class GuestServiceFacts:
    """Everything ``guest_services.ps1`` read in one command."""

    computer_name: str
    boot_time: _dt.datetime | None
    now: _dt.datetime | None
    services: Mapping[str, ServiceFact]  # by lower-case name
    ports: Mapping[int, bool] = field(default_factory=dict)
    registry_keys: Mapping[str, bool] = field(default_factory=dict)
    error_events: Sequence[Mapping[str, Any]] = ()
    raw: Any = None

    def service(self, name: str) -> ServiceFact | None:
        return self.services.get(name.lower())

    @property
    def uptime(self) -> float | None:
        if self.boot_time is None or self.now is None:
            return None
        return (self.now - self.boot_time).total_seconds()


def _list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, list) else [value]


def _time(value: Any) -> _dt.datetime | None:
    if not value:
        return None
    text = str(value)
    if text.startswith("/Date("):
        return _dt.datetime.fromtimestamp(int(text[6:text.index(")")]) / 1000, tz=_dt.timezone.utc)
    try:
        t = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=_dt.timezone.utc)


def parse_facts(data: Mapping[str, Any] | None) -> GuestServiceFacts:
    """Turn the template's data into typed facts (tolerates PS 5.1 single-object lists)."""
    data = data or {}
    services = {}
    for s in _list(data.get("Services")):
        state = str(s.get("State") or "")
        mode = str(s.get("StartMode") or "")
        fact = ServiceFact(
            name=str(s.get("Name")), found=bool(s.get("Found", True)),
            status=_STATES.get(state.lower(), state), start_mode=_START_MODES.get(mode.lower(), mode),
            delayed=bool(s.get("DelayedAutoStart")), exit_code=int(s.get("ExitCode") or 0),
            service_exit_code=int(s.get("ServiceSpecificExitCode") or 0),
            display_name=str(s.get("DisplayName") or ""))
        services[fact.name.lower()] = fact
    return GuestServiceFacts(
        computer_name=str(data.get("ComputerName") or ""), boot_time=_time(data.get("BootTime")),
        now=_time(data.get("Now")), services=services,
        ports={int(p["Port"]): bool(p.get("Listening")) for p in _list(data.get("Ports"))},
        registry_keys={str(k["Path"]): bool(k.get("Present")) for k in _list(data.get("RegistryKeys"))},
        error_events=[dict(e) for e in _list(data.get("ErrorEvents"))], raw=data)


def read_guest_services(channel: GuestChannel, profile: ServiceProfile,
                        timeout: float | None = None) -> GuestServiceFacts:
    """Read all facts the profile needs from the guest in ONE remote command."""
    params = {
        "services": [s.name for s in profile.services],
        "tcp_ports": list(profile.tcp_ports),
        "registry_keys": list(profile.registry_keys),
        "error_events": [{"log": e.log, "sources": list(e.sources)} for e in profile.error_events],
    }
    return parse_facts(channel.run(TEMPLATE, params, timeout=timeout))


def _keys(fact: ServiceFact | None, name: str) -> set[str]:
    return {name.lower()} | ({fact.display_name.lower()} if fact and fact.display_name else set())


def _first_mention(message: str, keys: set[str]) -> int:
    found = [message.find(k) for k in keys if k and k in message]
    return min(found) if found else -1


def _events_about(fact: ServiceFact | None, name: str, facts: GuestServiceFacts) -> list[str]:
    """Error events whose subject is this service. SCM messages name their subject service first
    (7001 "The A service depends on the B service which failed ...", in English and localized texts
    alike), so an event counts for the service mentioned earliest, not for every service it names."""
    keys = _keys(fact, name)
    others = [_keys(f, f.name) for f in facts.services.values() if f.name.lower() != name.lower()]
    out = []
    for e in facts.error_events:
        msg = str(e.get("Message", ""))
        low = msg.lower()
        mine = _first_mention(low, keys)
        if mine < 0:
            continue
        if any(0 <= (pos := _first_mention(low, k)) < mine for k in others):
            continue
        out.append(f"event {e.get('Id')} {e.get('Provider')}: {' '.join(msg.split())}")
    return out


def service_problem(expect: ServiceExpectation, fact: ServiceFact | None,
                    facts: GuestServiceFacts | None = None) -> str | None:
    """One service's deviation as text, or None when it is as expected."""
    want_status = expect.status.value
    accepted = expect.accepted_start_types
    start_label = " or ".join(_START_LABEL[t] for t in accepted)
    want_start = f", {start_label}" if accepted else ""
    if fact is None or not fact.found:
        return f"{expect.name} not installed (expected {want_status}{want_start})"
    parts = []
    status_bad = fact.status != want_status
    start_bad = bool(accepted) and not any(fact.matches_start(t) for t in accepted)
    if status_bad:
        parts.append(f"status {fact.status} (expected {want_status})")
    if start_bad:
        parts.append(f"start type {fact.start_type} (expected {start_label})")
    elif status_bad:
        parts.append(f"start type {fact.start_type}")
    if not parts:
        return None
    if status_bad and fact.exit_code not in (0, 1077):  # 1077: never started since boot
        code = f"exit code {fact.exit_code}"
        if fact.exit_code == 1066:
            code += f" (service-specific {fact.service_exit_code})"
        parts.append(code)
    if status_bad and facts is not None:
        parts.extend(_events_about(fact, expect.name, facts)[:2])
    return f"{expect.name} " + ", ".join(parts)


def may_still_settle(expect: ServiceExpectation, fact: ServiceFact | None) -> bool:
    """True when Windows may still bring the service to the expected state by itself."""
    if fact is None or not fact.found or expect.status.value != "Running":
        return False
    if fact.status in _PENDING:
        return True
    return (fact.status == "Stopped" and fact.start_mode == "Automatic"
            and fact.exit_code in (0, 1077))


def expected_of(profile: ServiceProfile) -> dict[str, Any]:
    """What the profile expects, in the same shape as what the guest reported (the check's "expected")."""
    services = {}
    for s in profile.services:
        accepted = [_START_LABEL[t] for t in s.accepted_start_types]
        services[s.name] = {"status": s.status.value, "start_type": " or ".join(accepted) or "any"}
    return {"profile": profile.name, "services": services, "ports": {p: True for p in profile.tcp_ports},
            "registry_keys": {k: True for k in profile.registry_keys},
            "error_events": [f"none from {', '.join(e.sources)} in the {e.log} log since boot"
                             for e in profile.error_events]}


def evaluate(facts: GuestServiceFacts, profile: ServiceProfile) -> CheckResult:
    """Compare facts with the profile; the result lists EVERY deviation."""
    subject = f"{facts.computer_name or '?'} (profile {profile.name})"
    service_lines = [p for s in profile.services
                     if (p := service_problem(s, facts.service(s.name), facts)) is not None]
    problems: list[str] = []
    if service_lines:
        n = len(service_lines)
        problems.append(f"{n} service{'s' if n != 1 else ''} not as expected on {subject}: "
                        + "; ".join(service_lines))
    for port in profile.tcp_ports:
        if not facts.ports.get(port, False):
            problems.append(f"TCP port {port} not listening on {facts.computer_name}")
    for key in profile.registry_keys:
        if not facts.registry_keys.get(key, False):
            problems.append(f"registry key {key} missing on {facts.computer_name}")
    for check in profile.error_events:
        srcs = {s.lower() for s in check.sources}
        hits = [e for e in facts.error_events
                if str(e.get("Log", "")).lower() == check.log.lower() and str(e.get("Provider", "")).lower() in srcs]
        if hits:
            first = hits[0]
            problems.append(
                f"{len(hits)} error event(s) in {check.log} log since boot from "
                f"{', '.join(sorted({str(e.get('Provider')) for e in hits}))} on {facts.computer_name}, "
                f"first: {first.get('Id')} {' '.join(str(first.get('Message', '')).split())[:200]}")
    evidence = {"expected": expected_of(profile),
                "found": {"computer_name": facts.computer_name, "profile": profile.name,
                          "services": {f.name: {"status": f.status, "start_type": f.start_type,
                                                "exit_code": f.exit_code} for f in facts.services.values()},
                          "ports": dict(facts.ports), "registry_keys": dict(facts.registry_keys),
                          "error_events": list(facts.error_events)}}
    return CheckResult(name="service health", subject=subject, problems=tuple(problems), evidence=evidence)


@dataclass(frozen=True)
class SettleOutcome:
    """The final facts after settling, how long was waited and how many reads it took."""

    facts: GuestServiceFacts
    result: CheckResult
    waited: float
    polls: int
    still_pending: tuple[str, ...]


def wait_until_settled(
    channel: GuestChannel, profile: ServiceProfile, *, poll_seconds: float = 10.0,
    clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
    timeout: float | None = None, progress: Callable[[str], None] | None = None,
) -> SettleOutcome:
    """Poll the guest until no service may still settle, or every pending service's bound passed.

    A service's bound (``settle_seconds``) is over when the guest has been up that long or the
    harness has waited that long, whichever comes first.
    """
    say = progress or log.info
    started = clock()
    polls = 0
    while True:
        facts = read_guest_services(channel, profile, timeout=timeout)
        polls += 1
        waited = clock() - started
        uptime = facts.uptime
        pending = []
        for svc in profile.services:
            fact = facts.service(svc.name)
            bound = profile.settle_for(svc)
            within = waited < bound and (uptime is None or uptime < bound)
            if may_still_settle(svc, fact) and within:
                pending.append(f"{svc.name} ({fact.status if fact else '?'}, {fact.start_type if fact else '?'})")
        if not pending:
            result = evaluate(facts, profile)
            return SettleOutcome(facts, result, waited, polls, ())
        up = f"guest up {uptime:.0f} s, " if uptime is not None else ""
        say(f"{facts.computer_name or channel.vm}: waiting for {len(pending)} service(s) to settle "
            f"({up}waited {waited:.0f} s, poll {polls}): {', '.join(pending)}")
        sleep(poll_seconds)


def assert_services_healthy(channel: GuestChannel, profile: ServiceProfile, **kwargs: Any) -> SettleOutcome:
    """Settle, then raise ``AssertionError`` listing every deviation in one message."""
    outcome = wait_until_settled(channel, profile, **kwargs)
    if not outcome.result.ok:
        raise AssertionError("; ".join(outcome.result.problems))
    return outcome
