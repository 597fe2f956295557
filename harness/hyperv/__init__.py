"""Typed Hyper-V facts parsed from template results (VMs, adapters, checkpoints, disks, switches)."""

from harness.hyperv.facts import (
    Adapter,
    Checkpoint,
    Disk,
    HostVMFacts,
    Switch,
    VM,
    SnapshotType,
    SwitchType,
    parse_host_vm_facts,
    parse_switch,
    parse_vm,
)

__all__ = [
    "Adapter", "Checkpoint", "Disk", "HostVMFacts", "Switch", "VM", "SnapshotType", "SwitchType",
    "parse_host_vm_facts", "parse_switch", "parse_vm",
]
