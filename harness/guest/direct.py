"""PowerShell Direct: reach a guest through its Hyper-V host (``Invoke-Command -VMName``).

PowerShell Direct talks over VMBus, so it works for a restored VM on a Private switch that the
controller cannot reach over the network. The host runs ``guest_direct.ps1``, which sends the guest template's text and its JSON parameters into
the VM; the guest template prints its own result envelope, which comes back as text and is
unwrapped here. The guest password travels inside the host script's JSON parameters: it is
registered with the redactor so it never shows in logs or attachments.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.guest.channel import CommandOutput, ScriptRunner, parse_envelope, render_template, result_data
from harness.remote import scripts
from harness.secrets import Credential, register_secret

DIRECT_TEMPLATE = "guest_direct.ps1"
COMMAND_TEMPLATE = "guest_command.ps1"


class DirectChannel:
    """A guest reached by PowerShell Direct from ``host_session`` (the Hyper-V host's session)."""

    kind = "powershell-direct"

    def __init__(self, host_session: ScriptRunner, vm: str, credential: Credential, *,
                 host_name: str = "", default_timeout: float | None = 600.0) -> None:
        self.host_session = host_session
        self.vm = vm
        self.credential = credential
        self.host_name = host_name or getattr(host_session, "name", "") or "the Hyper-V host"
        self.default_timeout = default_timeout
        register_secret(credential.password)

    def describe(self) -> str:
        return f"PowerShell Direct to VM {self.vm!r} through {self.host_name} as {self.credential.username}"

    def _base(self) -> dict[str, Any]:
        return {"vm": self.vm, "username": self.credential.username, "password": self.credential.password}

    def run(self, template: str, params: Mapping[str, Any], timeout: float | None = None) -> Any:
        """Run guest template ``template`` in the VM; return its data or raise its error."""
        payload = self._base() | {"script": render_template(template), "params": scripts.params_json(params)}
        outer = result_data(self.host_session.run(DIRECT_TEMPLATE, payload,
                                                  timeout=timeout or self.default_timeout))
        text = str((outer or {}).get("output", "")) if isinstance(outer, Mapping) else ""
        return parse_envelope(text, host=f"{self.vm} (PowerShell Direct via {self.host_name})", template=template)

    def run_command(self, command: str, timeout: float | None = None) -> CommandOutput:
        """Run PowerShell ``command`` text in the VM (testinfra ``host.run``)."""
        data = self.run(COMMAND_TEMPLATE, {"command": command}, timeout=timeout) or {}
        return CommandOutput(rc=int(data.get("rc", 1)),
                             stdout=str(data.get("stdout", "")).encode("utf-8"),
                             stderr=str(data.get("stderr", "")).encode("utf-8"))
