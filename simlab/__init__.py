"""The simulated lab (see simlab/docs/simulator.md). ``from simlab import SimulatedLab``.

The import is lazy so that importing a leaf module (simlab.winfs, simlab.ps) does not
build the whole lab package.
"""

from typing import Any

__all__ = ["SimulatedLab"]


def __getattr__(name: str) -> Any:
    if name == "SimulatedLab":
        from simlab.lab.facade import SimulatedLab

        return SimulatedLab
    raise AttributeError(f"module 'simlab' has no attribute {name!r}")
