"""SimulatedLab: one object that builds the lab host from a description, serves it over WS-Man,
injects faults, and snapshots/persists its state.

    with SimulatedLab.from_inventory("inventories/sim-lab.yml") as lab:
        lab.endpoint   # http://127.0.0.1:<port>/wsman
        lab.inject("leftover_backup_checkpoint", vm="CM01")
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from simlab.lab import persist
from simlab.lab.build import build_host
from simlab.lab.description import Description, load_description
from simlab.lab.faults import REGISTRY, FaultContext, apply_fault
from simlab.lab.host import HyperVHost


class SimulatedLab:
    """The built-in simulated lab (see simlab/docs/simulator.md). Not started until ``start()``/``with``."""

    def __init__(self, description: Description, *, port: int = 0, https: bool = False,
                 state_dir: str | Path | None = None, environ: dict[str, str] | None = None) -> None:
        self.description = description
        self._port = port
        self._https = https
        self._environ = environ
        self.state_dir = Path(state_dir) if state_dir else None
        self.server: Any = None
        loaded = persist.load(self.state_dir) if self.state_dir else None
        if loaded is not None:
            self.host: HyperVHost = loaded
            self._pending_server_faults: list[tuple[str, dict[str, Any]]] = []
        else:
            self.host = self._fresh_host()

    @classmethod
    def from_inventory(cls, path: str | Path, *, port: int = 0, https: bool = False,
                       state_dir: str | Path | None = None, host: str | None = None) -> SimulatedLab:
        """Build from the ``simulated_lab:`` section of an inventory file (LabDescriptionError if bad).
        ``host``: the lab host this instance is (an inventory with several simulated hosts gets one
        instance per host, each its own machine built from the same description under its own name)."""
        description = load_description(path)
        if host is not None and host != description.host.name:
            description = renamed_host(description, host)
        return cls(description, port=port, https=https, state_dir=state_dir)

    def _fresh_host(self) -> HyperVHost:
        host = build_host(self.description, self._environ)
        self._pending_server_faults = []
        ctx = FaultContext(host, None, self.description)
        for f in self.description.faults:
            params = {k: v for k, v in (f.model_extra or {}).items()}
            spec = REGISTRY.get(f.fault)
            if spec is not None and spec.needs_server:
                self._pending_server_faults.append((f.fault, params))
                continue
            try:
                apply_fault(ctx, f.fault, **params)
            except ValueError as e:
                i = self.description.faults.index(f)
                raise self.description.error(f"faults[{i}]", str(e), "correct the fault entry") from None
        return host

    # ------------------------------------------------------------------ serving
    def start(self) -> SimulatedLab:
        if self.server is None:
            from simlab.server import WSManServer

            self.server = WSManServer(self.host, https=self._https, port=self._port).start()
            for name, params in self._pending_server_faults:
                apply_fault(FaultContext(self.host, self.server, self.description), name, **params)
            self._pending_server_faults = []
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None
        if self.state_dir is not None:
            self.save(self.state_dir)
        _close_guest_endpoints(self.host)

    def __enter__(self) -> SimulatedLab:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _require_server(self) -> Any:
        if self.server is None:
            raise RuntimeError("the simulated lab is not serving; use `with SimulatedLab(...)` or .start()")
        return self.server

    @property
    def endpoint(self) -> str:
        return self._require_server().endpoint

    @property
    def port(self) -> int:
        return self._require_server().port

    @property
    def cert_path(self) -> Path | None:
        return self.server.cert_path if self.server is not None else None

    @property
    def counters(self) -> dict[str, Any]:
        """WS-Man counters (requests, shells, faults served) and model counters (imports, merges ...)."""
        out: dict[str, Any] = {"host": dict(self.host.counters)}
        if self.server is not None:
            out["wsman"] = self.server.counters
        return out

    # ------------------------------------------------------------------ faults and state
    def inject(self, fault: str, **where: Any) -> None:
        """Apply a registered fault now (see simlab.lab.faults.documentation())."""
        apply_fault(FaultContext(self.host, self.server, self.description), fault, **where)

    def guest_endpoints(self) -> dict[str, tuple[str, int]]:
        """VM name -> (address, port) of the WS-Man endpoint of each running guest (loopback; the
        guest's lab address is what Get-VMNetworkAdapter IPAddresses shows)."""
        rt = self.host.machines.get("guest_runtime")
        if rt is None:
            return {}
        return {name: (ep["host"], int(ep["port"])) for name, ep in sorted(rt.endpoints().items())}

    def state(self) -> dict[str, Any]:
        """A JSON-able snapshot of the host model (VMs, switches, volumes, services, counters) and
        the running guests' WS-Man endpoints (``guest_endpoints``: VM name -> [address, port])."""
        out = self.host.state()
        out["guest_endpoints"] = {k: list(v) for k, v in self.guest_endpoints().items()}
        return out

    def reset(self) -> None:
        """Back to exactly what the description says (faults from the description re-applied)."""
        _close_guest_endpoints(self.host)
        self.host = self._fresh_host()
        if self.server is not None:
            self.server.machine = self.host
            self.server.faults.clear()
            for name, params in self._pending_server_faults:
                apply_fault(FaultContext(self.host, self.server, self.description), name, **params)
            self._pending_server_faults = []

    def save(self, directory: str | Path) -> Path:
        return persist.save(self.host, directory)

    def load(self, directory: str | Path) -> None:
        loaded = persist.load(directory)
        if loaded is None:
            raise FileNotFoundError(f"no saved lab state in {directory}")
        _close_guest_endpoints(self.host)
        self.host = loaded
        if self.server is not None:
            self.server.machine = self.host


def _close_guest_endpoints(host: HyperVHost) -> None:
    rt = host.machines.get("guest_runtime")
    if rt is not None and hasattr(rt, "close_endpoints"):
        rt.close_endpoints()


def renamed_host(description: Description, name: str) -> Description:
    """The description of the same machine called ``name``: the host's name and its local accounts
    (``OLDNAME\\user`` becomes ``NAME\\user``) change; everything else (volumes, exports, backups,
    guests) is the same, as for lab hosts built from one image."""
    old = description.host.name
    accounts = [a.model_copy(update={"user": name + a.user[len(old):]})
                if a.user.lower().startswith(old.lower() + "\\") else a for a in description.accounts]
    return description.model_copy(update={"host": description.host.model_copy(update={"name": name}),
                                          "accounts": accounts})
