"""The simulated lab (see docs/simulator.md). ``from harness.sim import SimulatedLab``.

The import is lazy so that importing a leaf module (harness.sim.winfs, harness.sim.ps) does not
build the whole lab package.
"""

from typing import Any

__all__ = ["SimulatedLab"]


def __getattr__(name: str) -> Any:
    if name == "SimulatedLab":
        from harness.sim.lab.facade import SimulatedLab

        return SimulatedLab
    raise AttributeError(f"module 'harness.sim' has no attribute {name!r}")
