"""WS-Management endpoint of the simulated lab (see simlab/docs/simulator-protocol.md)."""

from simlab.server.server import Counters, Faults, WSManServer

__all__ = ["Counters", "Faults", "WSManServer"]
