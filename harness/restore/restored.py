"""A scenario's restore as the engine hands it to checks: the method's result, or the defect that
stopped it. Asking for the VM of a restore that has none says why, in two exceptions the pytest
plugin turns into a skip and a failure (this module knows nothing of pytest)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness.errors import RestoreDefect
from harness.restore.protocol import BackupUsed
from harness.restore.registry import no_vm_reason, restores_vm


class NoVmToCheck(Exception):
    """The scenario's method restores no VM (``wsb-files``): a VM check does not apply (a skip)."""


class RestoreFailed(RestoreDefect, AssertionError):
    """A check asked for the restored VM, but the restore failed with a defect (a failed check)."""


@dataclass
class Restored:
    """One scenario's restore: ``result`` on success, else ``defect`` (a RestoreDefect)."""

    scenario: Any
    result: Any = None
    defect: RestoreDefect | None = None
    backup: BackupUsed | None = None

    def require_vm(self) -> Any:
        """The result of a VM-producing restore. Raises :class:`NoVmToCheck` when the method restores
        files, :class:`RestoreFailed` when the restore failed."""
        if not restores_vm(self.scenario):
            raise NoVmToCheck(no_vm_reason(self.scenario))
        return self.require_result("restored VM")

    def require_result(self, what: str = "restore result") -> Any:
        """The result, or :class:`RestoreFailed` naming the defect that left none."""
        if self.result is None:
            raise RestoreFailed(f"{self.scenario.name}: no {what} to check: the restore failed: {self.defect}")
        return self.result
