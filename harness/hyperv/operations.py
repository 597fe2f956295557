"""Hyper-V operations on a lab host, each ONE templated remote command returning typed results.

``host`` is anything with ``run(template, params, *, timeout=None, idempotent=False)`` (the
harness core's :class:`harness.remote.session.RemoteHost`); tests pass a fake with the same method.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from harness.hyperv.facts import HostVMFacts, as_list, parse_host_vm_facts


class RemoteRunner(Protocol):
    """The part of ``RemoteHost`` the harness modules use."""

    def run(self, template: str, params: Mapping[str, Any] | None = None, *,
            timeout: float | None = None, idempotent: bool = False) -> Any: ...


def gather_vm_facts(host: RemoteRunner, host_name: str, vms: Iterable[tuple[str, str]]) -> HostVMFacts:
    """Facts for all the given VMs (``(vm id, folder to scan for .avhd files)``) in one command."""
    params = {"vms": [{"id": vm_id, "scan": scan} for vm_id, scan in vms]}
    return parse_host_vm_facts(host_name, host.run("vm_facts", params, idempotent=True))


@dataclass(frozen=True)
class MergeSample:
    """One poll while waiting for a checkpoint merge."""

    at: str
    merging: bool
    avhd_disks: int
    checkpoints: int


@dataclass(frozen=True)
class RemediationResult:
    """What a checkpoint remediation did: per-checkpoint outcome, progress samples, done or not."""

    policy: str
    finished: bool
    actions: tuple[Mapping[str, Any], ...] = ()
    samples: tuple[MergeSample, ...] = ()
    note: str = ""

    def summary(self) -> str:
        if self.policy == "none":
            return "remediation policy 'none': nothing was done"
        parts = []
        for a in self.actions:
            if a.get("Removed"):
                parts.append(f"removed checkpoint '{a.get('Name')}'")
            else:
                parts.append(f"could not remove checkpoint '{a.get('Name')}': {a.get('Error')}")
        if self.samples:
            last = self.samples[-1]
            parts.append(f"{len(self.samples)} progress sample(s); last: merging={last.merging}, "
                         f".avhdx disks={last.avhd_disks}, checkpoints={last.checkpoints}")
        if self.note:
            parts.append(self.note)
        parts.append("finished" if self.finished else "NOT finished")
        return f"{self.policy}: " + "; ".join(parts)


def remove_checkpoints(
    host: RemoteRunner, vm_id: str, checkpoint_ids: Sequence[str], *, timeout_sec: int = 600, poll_sec: int = 5,
) -> RemediationResult:
    """Remediation ``remove``: Remove-VMSnapshot, then wait until merged and no disk is an .avhdx."""
    data = host.run("checkpoint_remediate", {
        "vm_id": vm_id, "checkpoint_ids": list(checkpoint_ids), "timeout_sec": timeout_sec, "poll_sec": poll_sec,
    }, timeout=timeout_sec + 120) or {}
    samples = tuple(
        MergeSample(at=str(s.get("At", "")), merging=bool(s.get("Merging")), avhd_disks=int(s.get("AvhdDisks") or 0),
                    checkpoints=int(s.get("Checkpoints") or 0))
        for s in as_list(data.get("samples"))
    )
    return RemediationResult("remove", bool(data.get("finished")), tuple(as_list(data.get("actions"))), samples)


def restart_vmms(host: RemoteRunner, *, timeout_sec: int = 300) -> RemediationResult:
    """Remediation ``restart-vmms``: Restart-Service vmms and wait until it runs again."""
    data = host.run("restart_vmms", {"timeout_sec": timeout_sec, "poll_sec": 2}, timeout=timeout_sec + 120) or {}
    running = bool(data.get("running"))
    note = "vmms restarted and running" if running else f"vmms status after restart: {data.get('after')}"
    return RemediationResult("restart-vmms", running, note=note)
