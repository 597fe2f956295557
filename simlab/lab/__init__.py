"""The simulated Hyper-V lab: host model, lab description, Hyper-V/system cmdlets, faults, facade.

Importing this package registers the cmdlets and faults of every lab module: its own and those of
the WSB/DISM/guest/WinPE modules listed in ``_EXTENSIONS`` (imported when present).
"""

import importlib
import importlib.util

from simlab.lab import faults, hyperv_cmdlets, system_cmdlets  # noqa: F401  (registration)
from simlab.ps import cmdlets as _generic_cmdlets  # noqa: F401  (the generic ones too)
from simlab.lab.description import Description, LabDescriptionError, load_description
from simlab.lab.facade import SimulatedLab
from simlab.lab.host import HyperVHost

_EXTENSIONS = ("guest_build", "wsb_cmdlets", "dism_cmdlets", "guest_cmdlets", "facts_cmdlets", "sql", "winpe_cmdlets",
               "storage_cmdlets", "vmhardware_cmdlets", "share_access")
for _mod in _EXTENSIONS:
    if importlib.util.find_spec(f"simlab.lab.{_mod}") is not None:
        importlib.import_module(f"simlab.lab.{_mod}")

__all__ = ["Description", "HyperVHost", "LabDescriptionError", "SimulatedLab", "load_description"]
