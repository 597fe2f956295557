"""The simulated Windows PowerShell 5.1: interpreter, generic cmdlets, powershell.exe front.

Imports are lazy because simlab.winfs imports simlab.ps.api (and the file-system
cmdlets import winfs).
"""

from __future__ import annotations

from typing import Any

__all__ = ["ScriptResult", "run_block_on", "run_powershell_exe", "run_script"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from simlab.ps import host

        return getattr(host, name)
    raise AttributeError(name)
