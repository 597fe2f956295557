"""Generic cmdlets (Microsoft.PowerShell.Utility / Management / Core / Security)."""

from simlab.ps.cmdlets import core, filesystem, format, objects, psdrive, registry, utility  # noqa: F401
