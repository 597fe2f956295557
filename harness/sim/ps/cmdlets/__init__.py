"""Generic cmdlets (Microsoft.PowerShell.Utility / Management / Core / Security)."""

from harness.sim.ps.cmdlets import core, filesystem, utility  # noqa: F401
