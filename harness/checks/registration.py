"""Is the restored VM registered, with the right identity, generation and configuration version?"""

from __future__ import annotations

from dataclasses import dataclass

from harness.checks.result import CheckResult
from harness.hyperv.facts import HostVMFacts


@dataclass(frozen=True)
class RegistrationExpectation:
    """What the restore should have produced.

    ``vm_id`` is the id the restore reported; ``source_id`` the GUID of the backup's .vmcx, empty
    for a VM the run created itself (bare-metal recovery into a new VM: no backed-up VM id to keep
    or to differ from); ``keeps_id`` True for the existing-ID import types (register, restore) and
    False for a copy with a new ID. ``generation``/``version`` come from the backup's configuration
    (BMR: the generation the run created the VM with).
    """

    vm_id: str
    vm_name: str
    source_id: str
    keeps_id: bool
    generation: int | None = None
    version: str | None = None


def check_registration(facts: HostVMFacts, exp: RegistrationExpectation) -> CheckResult:
    """Look the VM up by id in the host facts and compare identity, generation and version."""
    subject = f"VM {exp.vm_name} on {facts.host}"
    vm = facts.vm(exp.vm_id)
    if vm is None:
        return CheckResult("registration", subject, (
            f"expected a VM with id {exp.vm_id} to be registered, found none "
            f"(registered run VMs: {', '.join(sorted(v.name for v in facts.vms.values())) or 'none'})",
        ), {"expected_id": exp.vm_id})
    problems = []
    source = exp.source_id.lower()
    if source and exp.keeps_id and vm.id != source:
        problems.append(f"expected the backup's VM id {source} (existing-ID import), found {vm.id}")
    if source and not exp.keeps_id and vm.id == source:
        problems.append(f"expected a new VM id (copy with new ID), found the backup's id {vm.id}")
    if vm.name != exp.vm_name:
        problems.append(f"expected the name {exp.vm_name}, found {vm.name}")
    if exp.generation is not None and vm.generation != exp.generation:
        problems.append(f"expected generation {exp.generation}, found {vm.generation}")
    if exp.version is not None and vm.version != exp.version:
        problems.append(f"expected configuration version {exp.version}, found {vm.version}")
    evidence = {
        "expected": {"id_rule": ("created by the run" if not source else "same as backup" if exp.keeps_id else "new"),
                     "id": exp.vm_id, "source_id": source,
                     "generation": exp.generation, "version": exp.version, "name": exp.vm_name},
        "found": {"id": vm.id, "name": vm.name, "generation": vm.generation, "version": vm.version,
                  "state": vm.state_name},
    }
    return CheckResult("registration", subject, tuple(problems), evidence)
