"""Starting a restored VM: isolation guard first, Start-VM, heartbeat wait with progress, timeout."""

from __future__ import annotations

import pytest

from harness.errors import LabSafetyError
from harness.hyperv.facts import VM, Adapter, HostVMFacts, Switch
from harness.restore.boot import GuestDidNotBoot, boot_vm, heartbeat_ok
from tests.restore.fake_host import FakeHost

VM_ID = "7d0c6f0e-3b0f-4a52-9d7e-2c1a5f0c0001"


def _facts(switch: str = "Lab-Isolated") -> HostVMFacts:
    vm = VM(id=VM_ID, name="rh-x-import-cm01", state=3, generation=2, version="9.0",
            adapters=(Adapter("Network Adapter", switch, True),))
    switches = {"lab-isolated": Switch("Lab-Isolated", 0), "corp-external": Switch("Corp-External", 2)}
    return HostVMFacts(host="HV-LAB01", vms={VM_ID: vm}, switches=switches)


class Clock:
    def __init__(self) -> None:
        self.t = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.t

    def sleep(self, s: float) -> None:
        self.sleeps.append(s)
        self.t += s


def _beats(*answers: tuple[int, str]):
    seq = list(answers)

    def answer(params):
        state, beat = seq.pop(0) if len(seq) > 1 else seq[0]
        return {"Name": "rh-x-import-cm01", "State": state, "Heartbeat": beat}
    return answer


def test_starts_after_the_guard_and_waits_for_the_heartbeat_with_progress() -> None:
    clock = Clock()
    host = FakeHost({"vm_start": {"Name": "rh-x-import-cm01", "State": 2, "Heartbeat": "NoContact"},
                     "vm_heartbeat": _beats((2, "NoContact"), (2, "OkApplicationsUnknown"))})
    lines: list[str] = []
    result = boot_vm(host, VM_ID, _facts(), ["Lab-Isolated"], clock=clock, sleep=clock.sleep, progress=lines.append)
    assert host.templates() == ["vm_start", "vm_heartbeat", "vm_heartbeat"]
    assert result.heartbeat == "OkApplicationsUnknown" and len(result.polls) == 2
    assert lines[0].startswith("rh-x-import-cm01: waiting for the guest heartbeat (state 2, heartbeat NoContact")
    assert clock.sleeps == [0.5, 1.0]  # backs off


def test_an_adapter_on_an_external_switch_never_starts() -> None:
    host = FakeHost({})
    with pytest.raises(LabSafetyError, match="refusing to start restored VM rh-x-import-cm01.*External"):
        boot_vm(host, VM_ID, _facts("Corp-External"), ["Lab-Isolated"])
    assert host.calls == []


def test_no_heartbeat_within_the_timeout_is_a_restore_defect() -> None:
    clock = Clock()
    host = FakeHost({"vm_start": {"State": 2, "Heartbeat": "NoContact"},
                     "vm_heartbeat": _beats((2, "NoContact"))})
    with pytest.raises(GuestDidNotBoot, match=r"did not answer the heartbeat within 1 min \(last: state 2, "
                                               r"heartbeat NoContact\)"):
        boot_vm(host, VM_ID, _facts(), [], timeout_sec=60, clock=clock, sleep=clock.sleep, progress=lambda s: None)
    assert clock.t >= 60


def test_a_vm_that_turns_off_while_booting_fails_at_once() -> None:
    clock = Clock()
    host = FakeHost({"vm_start": {"State": 2, "Heartbeat": "NoContact"}, "vm_heartbeat": _beats((3, ""))})
    with pytest.raises(GuestDidNotBoot, match="stopped while booting"):
        boot_vm(host, VM_ID, _facts(), [], clock=clock, sleep=clock.sleep, progress=lambda s: None)


@pytest.mark.parametrize("status, ok", [("OkApplicationsHealthy", True), ("OkApplicationsUnknown", True),
                                        ("NoContact", False), ("LostCommunication", False), ("", False)])
def test_heartbeat_ok(status: str, ok: bool) -> None:
    assert heartbeat_ok(status) is ok


def test_the_bound_counts_the_vms_uptime_on_the_host() -> None:
    # the host says the VM has run 20 minutes without a heartbeat: the 15-minute bound is over even
    # though the harness itself waited only a moment
    clock = Clock()
    host = FakeHost({"vm_start": {"State": 2, "Heartbeat": "NoContact"},
                     "vm_heartbeat": lambda p: {"State": 2, "Heartbeat": "NoContact", "UptimeSeconds": 1200}})
    with pytest.raises(GuestDidNotBoot, match="within 15 min"):
        boot_vm(host, VM_ID, _facts(), [], timeout_sec=900, clock=clock, sleep=clock.sleep, progress=lambda s: None)
    assert clock.t < 900
