"""Choose how to reach a restored guest: ``winrm``, ``powershell-direct`` or ``auto``.

``auto`` (the default) uses the guest's own WinRM endpoint when the inventory gives an address and
the guest answers there; otherwise PowerShell Direct through the Hyper-V host when every adapter
of the VM sits on an isolated (host-only) switch. When neither works, :class:`GuestUnreachable`
says what was tried and why each path failed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from harness.errors import HarnessError, LabError, UsageError
from harness.guest.backend import WinRMChannel
from harness.guest.channel import GuestChannel, ScriptRunner
from harness.guest.direct import DirectChannel
from harness.secrets import Credential, redact, resolve_credential

log = logging.getLogger(__name__)

Mode = Literal["winrm", "powershell-direct", "auto"]
PROBE_COMMAND = "$env:COMPUTERNAME"


class GuestUnreachable(LabError):
    """No transport reached the guest; ``attempts`` holds (path, reason) pairs."""

    def __init__(self, vm: str, attempts: Sequence[tuple[str, str]], fix: str) -> None:
        lines = "; ".join(f"{path}: {reason.rstrip('.')}" for path, reason in attempts)
        super().__init__(f"cannot reach guest {vm}: {lines}. Fix: {fix}")
        self.vm = vm
        self.attempts = list(attempts)


@dataclass(frozen=True)
class GuestTarget:
    """What selection needs about one guest (from the inventory ``guests:`` entry and host facts).

    ``isolation_problems``: adapters of the VM that are NOT on an isolated switch (from
    ``harness.checks.switches.isolation_violations``); ``None`` when unknown.
    """

    vm: str
    credential: Credential
    mode: Mode = "auto"
    address: str | None = None
    isolation_problems: Sequence[str] | None = None


def _probe(channel: GuestChannel, timeout: float | None) -> str:
    out = channel.run_command(PROBE_COMMAND, timeout=timeout)
    if out.rc != 0:
        raise LabError(f"probe command failed with exit status {out.rc}: "
                       f"{out.stderr.decode('utf-8', 'replace').strip()[:200]}")
    return out.stdout.decode("utf-8", "replace").strip()


def _reason(exc: BaseException) -> str:
    return redact(" ".join(str(exc).split()))[:300] or type(exc).__name__


def select_channel(
    target: GuestTarget, *, host_session: ScriptRunner | None, host_name: str = "",
    open_winrm: Callable[[str, Credential], ScriptRunner] | None = None,
    probe_timeout: float | None = 60.0,
) -> GuestChannel:
    """Return a working channel to ``target`` (probed with one cheap command) or raise
    :class:`GuestUnreachable`. ``open_winrm(address, credential)`` opens a harness session to the
    guest's WinRM endpoint (same auth options as hosts)."""
    attempts: list[tuple[str, str]] = []
    mode = target.mode

    if mode in ("winrm", "auto"):
        if not target.address:
            attempts.append(("WinRM", "no address for the guest in the inventory (guests[].address)"))
        elif open_winrm is None:
            attempts.append(("WinRM", "no WinRM session factory was given to the harness"))
        else:
            try:
                channel = WinRMChannel(open_winrm(target.address, target.credential), target.vm,
                                       address=target.address)
                name = _probe(channel, probe_timeout)
                log.info("guest %s reached over WinRM at %s (computer name %s)", target.vm, target.address, name)
                return channel
            except (HarnessError, OSError) as exc:
                attempts.append((f"WinRM at {target.address}", _reason(exc)))

    if mode in ("powershell-direct", "auto"):
        problems = target.isolation_problems
        if host_session is None:
            attempts.append(("PowerShell Direct", "no session to the Hyper-V host"))
        elif mode == "auto" and problems:
            attempts.append(("PowerShell Direct", "not used: the VM is not on a host-only isolated switch ("
                             + "; ".join(problems) + ")"))
        else:
            try:
                channel = DirectChannel(host_session, target.vm, target.credential, host_name=host_name)
                name = _probe(channel, probe_timeout)
                log.info("guest %s reached by PowerShell Direct via %s (computer name %s)",
                         target.vm, host_name or "the host", name)
                return channel
            except (HarnessError, OSError) as exc:
                attempts.append((f"PowerShell Direct via {host_name or 'the host'}", _reason(exc)))

    if mode == "winrm":
        fix = ("give the guest an address reachable from the controller on the isolated lab network, "
               "or set transport: powershell-direct (or auto) for this guest")
    elif mode == "powershell-direct":
        fix = ("check that the VM is running, has booted, and that the guest credential is right "
               "(PowerShell Direct needs a local administrator of the guest)")
    else:
        fix = ("make the guest reachable over WinRM (guests[].address) or keep it on an isolated switch "
               "and make sure it is running with the right guest credential for PowerShell Direct")
    raise GuestUnreachable(target.vm, attempts, fix)


def guest_host_config(host_cfg: Any, address: str, vm: str) -> Any:
    """A host-like config for a guest's WinRM endpoint: the lab host's auth options (scheme, auth,
    certificate checks, timeouts) with the guest's address (``name`` or ``name:port``)."""
    name, _, port = address.rpartition(":") if address.count(":") == 1 else (address, "", "")
    update: dict[str, Any] = {"name": vm, "address": name or address, "port": int(port) if port.isdigit() else None}
    return host_cfg.model_copy(update=update)


def winrm_opener(host_cfg: Any, vm: str) -> Callable[[str, Credential], ScriptRunner]:
    """``open_winrm`` for :func:`select_channel`: a :class:`RemoteHost` on the guest's endpoint
    (one reused WinRS shell, code page 65001, same auth options as the host)."""
    from harness.remote.session import RemoteHost

    def open_session(address: str, credential: Credential) -> ScriptRunner:
        return RemoteHost(guest_host_config(host_cfg, address, vm), credential)

    return open_session


def guest_channel(inventory: Any, host_cfg: Any, host_session: ScriptRunner, scenario: Any, vm_name: str,
                  isolation_problems: Sequence[str] | None = None) -> GuestChannel:
    """A working channel into the restored guest of ``scenario`` (VM ``vm_name`` on ``host_cfg``), by
    the inventory's ``guests:`` entry for the scenario's VM; a UsageError when there is none."""
    guest = inventory.guest(scenario.vm)
    if guest is None:
        raise UsageError(f"{scenario.name}: no guests: entry for {scenario.vm} in the inventory. Fix: add "
                         f"guests: [{{vm: {scenario.vm}, credentials: ...}}] to log on to the restored system")
    credential = resolve_credential(guest.credentials, purpose=f"guest {guest.vm}")
    target = GuestTarget(vm_name, credential, guest.transport, guest.address, list(isolation_problems or []))
    return select_channel(target, host_session=host_session, host_name=host_cfg.name,
                          open_winrm=winrm_opener(host_cfg, vm_name))
