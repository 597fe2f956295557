"""WS-Management endpoint of the simulated lab (see docs/simulator-protocol.md)."""

from harness.sim.server.server import Counters, Faults, WSManServer

__all__ = ["Counters", "Faults", "WSManServer"]
