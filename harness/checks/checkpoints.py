"""No backup checkpoint, differencing chain or stray .avhdx may survive a restore.

After restoring a backup taken while the VM ran, the VM can carry a Recovery checkpoint
(SnapshotType 1) or one whose name contains "Backup"/"バックアップ"; it keeps a differencing disk in
use and breaks the next backup (seed 004 §3.1.2 (9)). The check reports each leftover; the
remediation the inventory names then runs once (:mod:`harness.restore.remediation`) and the check
runs again.
"""

from __future__ import annotations

from harness.checks.result import CheckResult
from harness.hyperv.facts import VM


def check_checkpoints(vm: VM, host: str) -> CheckResult:
    """Expected: no leftover checkpoint, every disk a base disk, no .avhd(x) file in the VM folders."""
    problems: list[str] = []
    for cp in vm.leftover_checkpoints:
        why = "Recovery checkpoint" if cp.is_recovery else "backup checkpoint (name)"
        problems.append(f"expected no backup/recovery checkpoint, found {why} {cp.describe()}")
    for disk in vm.differencing_disks:
        parent = f" (parent {disk.parent_path})" if disk.parent_path else ""
        problems.append(f"expected a base disk, found differencing disk {disk.path}{parent}")
    for path in vm.stray_avhd_files:
        problems.append(f"expected no .avhdx left in the VM folders, found {path}")
    if vm.is_merging:
        problems.append("expected no disk merge in progress, found the VM merging disks")
    evidence = {
        "checkpoints": [{"name": c.name, "type": int(c.snapshot_type), "id": c.id} for c in vm.checkpoints],
        "disks": [{"path": d.path, "vhd_type": int(d.vhd_type), "parent": d.parent_path} for d in vm.disks],
        "avhd_files": list(vm.avhd_files),
    }
    return CheckResult("checkpoints", f"VM {vm.name} on {host}", tuple(problems), evidence)
