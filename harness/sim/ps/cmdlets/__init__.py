"""Generic cmdlets (Microsoft.PowerShell.Utility / Management / Core / Security)."""

from harness.sim.ps.cmdlets import core, filesystem, registry, utility  # noqa: F401
