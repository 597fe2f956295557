"""Network isolation of a restored VM: a guard before it starts and an optional probe from inside.

A restored clone of a production server must never reach the production network (duplicate
names, IPs, SIDs; a ConfigMgr site server would start processing clients). :func:`guard_before_start`
refuses to let a VM start unless every adapter is connected to an isolated switch (it reuses
``harness.checks.switches.isolation_violations``, the one definition of "isolated").
:func:`outside_probe` runs ``guest_probe.ps1`` in the guest: every address the inventory names as
"outside" must be UNREACHABLE, otherwise isolation is broken.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from harness.checks.result import CheckResult
from harness.checks.switches import isolation_violations
from harness.errors import LabSafetyError
from harness.guest.channel import GuestChannel
from harness.hyperv.facts import VM, HostVMFacts

PROBE_TEMPLATE = "guest_probe.ps1"


def isolation_check(vm: VM, facts: HostVMFacts, listed: Iterable[str]) -> CheckResult:
    """Every adapter connected, and only to isolated switches (disconnected adapters are safe but
    reported, since the guest then cannot be checked over the network)."""
    problems = list(isolation_violations(vm, facts, listed))
    subject = f"{vm.name} on {facts.host}"
    evidence = {"adapters": [{"name": a.name, "switch": a.switch, "connected": a.connected} for a in vm.adapters]}
    return CheckResult(name="network isolation", subject=subject, problems=tuple(problems), evidence=evidence)


def guard_before_start(vm: VM, facts: HostVMFacts, listed: Iterable[str]) -> CheckResult:
    """Raise :class:`LabSafetyError` when ``vm`` must not start; return the passing check otherwise."""
    result = isolation_check(vm, facts, listed)
    if not result.ok:
        raise LabSafetyError(
            f"refusing to start restored VM {vm.name} on {facts.host}: "
            + "; ".join(result.problems)
            + ". Fix: connect every adapter to a Private switch (or an Internal switch listed in the "
              "host's isolated_switches) before the VM starts")
    return result


def _targets(targets: Sequence[Mapping[str, Any] | str]) -> list[dict[str, Any]]:
    out = []
    for t in targets:
        if isinstance(t, str):
            address, _, port = t.rpartition(":") if t.count(":") == 1 else (t, "", "")
            out.append({"address": address or t, "port": int(port) if port.isdigit() else 0})
        else:
            out.append({"address": str(t["address"]), "port": int(t.get("port") or 0)})
    return out


def outside_probe(channel: GuestChannel, targets: Sequence[Mapping[str, Any] | str],
                  timeout: float | None = None) -> CheckResult:
    """From inside the guest, try each outside address (``"10.1.2.3:443"`` or ``{address, port}``);
    the check fails for every one that answers."""
    wanted = _targets(targets)
    if not wanted:
        raise ValueError("outside_probe needs at least one address outside the isolated network")
    data = channel.run(PROBE_TEMPLATE, {"targets": wanted}, timeout=timeout) or {}
    probes = data.get("Probes") or []
    probes = probes if isinstance(probes, list) else [probes]
    computer = str(data.get("ComputerName") or channel.vm)
    answered = {(str(p.get("Address")), int(p.get("Port") or 0)) for p in probes}
    problems = []
    for p in probes:
        if p.get("Reached"):
            where = f"{p.get('Address')}:{p.get('Port')}" if p.get("Port") else str(p.get("Address"))
            problems.append(f"{computer} reached {where}, which must be unreachable from an isolated network")
    for t in wanted:
        if (t["address"], t["port"]) not in answered:
            problems.append(f"probe of {t['address']}:{t['port']} returned no result")
    return CheckResult(name="outside probe", subject=f"{computer} ({channel.describe()})",
                       problems=tuple(problems), evidence={"probes": probes})
