"""Isolation guard before a restored VM starts, and the outside probe from inside the guest."""

from __future__ import annotations

from typing import Any

import pytest

from harness.checks.isolation import guard_before_start, outside_probe
from harness.errors import LabSafetyError
from harness.guest.channel import CommandOutput
from harness.hyperv.facts import Adapter, HostVMFacts, Switch, SwitchType, VM

SWITCHES = {s.name.lower(): s for s in [Switch("Lab-Isolated", SwitchType.PRIVATE), Switch("Lab-Internal", SwitchType.INTERNAL),
                                         Switch("Corp-External", SwitchType.EXTERNAL)]}


def _vm(*adapters: Adapter) -> tuple[VM, HostVMFacts]:
    vm = VM(id="1", name="RH-x-CM01", state=3, generation=2, version="9.0", adapters=adapters)
    return vm, HostVMFacts(host="HV-LAB01", vms={"1": vm}, switches=SWITCHES)


def test_guard_passes_private_and_listed_internal() -> None:
    vm, facts = _vm(Adapter("NIC1", "Lab-Isolated", True), Adapter("NIC2", "Lab-Internal", True))
    assert guard_before_start(vm, facts, ["Lab-Isolated", "Lab-Internal"]).ok


def test_guard_refuses_external_and_unlisted_internal() -> None:
    vm, facts = _vm(Adapter("NIC1", "Corp-External", True), Adapter("NIC2", "Lab-Internal", True))
    with pytest.raises(LabSafetyError) as info:
        guard_before_start(vm, facts, ["Lab-Isolated"])
    msg = str(info.value)
    assert msg.startswith("refusing to start restored VM RH-x-CM01 on HV-LAB01: ")
    assert "'NIC1': switch 'Corp-External' is External" in msg and "'NIC2': switch 'Lab-Internal' is Internal but not listed" in msg
    assert "Fix: connect every adapter" in msg


class _ProbeGuest:
    kind, vm = "fake", "CM01"

    def __init__(self, reached: set[str]) -> None:
        self.reached = reached
        self.params: dict[str, Any] = {}

    def describe(self) -> str:
        return "fake"

    def run(self, template: str, params: dict[str, Any], timeout: float | None = None) -> Any:
        assert template == "guest_probe.ps1"
        self.params = params
        return {"ComputerName": "CM01", "Probes": [
            {"Address": t["address"], "Port": t["port"], "Reached": t["address"] in self.reached} for t in params["targets"]]}

    def run_command(self, command: str, timeout: float | None = None) -> CommandOutput:
        raise AssertionError


def test_outside_probe_must_fail_to_reach() -> None:
    guest = _ProbeGuest(set())
    assert outside_probe(guest, ["10.0.0.1:443", {"address": "corp-dc01.corp.example", "port": 389}]).ok
    assert guest.params["targets"] == [{"address": "10.0.0.1", "port": 443}, {"address": "corp-dc01.corp.example", "port": 389}]


def test_outside_probe_reports_each_reached_address() -> None:
    result = outside_probe(_ProbeGuest({"10.0.0.1"}), ["10.0.0.1:443", "8.8.8.8"])
    assert result.problems == ("CM01 reached 10.0.0.1:443, which must be unreachable from an isolated network",)
