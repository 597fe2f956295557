"""SimulatedLab: serving the host over WS-Man, faults, reset, state, save/load."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from winrm.protocol import Protocol

from simlab.lab.facade import SimulatedLab
from tests.simlab.lab.labsupport import CM01_VMCX, ENV, INVENTORY


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    for k, v in ENV.items():
        monkeypatch.setenv(k, v)


@pytest.fixture
def lab(env: None) -> SimulatedLab:
    with SimulatedLab.from_inventory(INVENTORY) as running:
        yield running


def run_remote(lab: SimulatedLab, script: str) -> tuple[str, int]:
    """The harness's way: WinRS shell with code page 65001, powershell -Command -, script on stdin."""
    p = Protocol(endpoint=lab.endpoint, transport="ntlm", username="HV-LAB01\\rh-operator",
                 password=ENV["RH_SIM_PASSWORD"], server_cert_validation="ignore")
    shell = p.open_shell(codepage=65001)
    try:
        cmd = p.run_command(shell, "powershell", ["-NoProfile", "-NonInteractive", "-Command", "-"])
        b64 = base64.b64encode(script.encode("utf-8")).decode()
        line = f"& ([ScriptBlock]::Create([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('{b64}'))))\r\n"
        p.send_command_input(shell, cmd, line.encode(), end=True)
        out, _err, code = p.get_command_output(shell, cmd)
        p.cleanup_command(shell, cmd)
        return out.decode("utf-8"), code
    finally:
        p.close_shell(shell)


def test_remote_script_sees_the_lab_host(lab: SimulatedLab) -> None:
    out, code = run_remote(lab, "$ErrorActionPreference = 'Stop'\n"
                                "@(Get-VM | ForEach-Object { [pscustomobject][ordered]@{ Name = $_.Name; "
                                "State = [int]$_.State } }) | ConvertTo-Json -Compress")
    assert code == 0 and json.loads(out) == [{"Name": "LAB-DC01", "State": 2}, {"Name": "LAB-JUMP01", "State": 3}]


def test_remote_import_after_injecting_a_fault_and_reset(lab: SimulatedLab) -> None:
    lab.inject("duplicate_vm_id", vm="CM01")
    out, code = run_remote(lab, f"try {{ Import-VM -Path '{CM01_VMCX}' -Register }} catch {{ $_.Exception.Message }}")
    assert out.strip() == "The operation cannot be performed while the object is in use."
    assert lab.counters["wsman"] and "host" in lab.counters
    lab.reset()
    assert [v["name"] for v in lab.state()["vms"]] == ["LAB-DC01", "LAB-JUMP01"]
    out, _ = run_remote(lab, "@(Get-VM).Count")
    assert out.strip() == "2"


def test_transient_http_500_reaches_the_client(lab: SimulatedLab) -> None:
    from winrm.exceptions import WinRMTransportError

    lab.inject("winrm_http_500", count=1)
    p = Protocol(endpoint=lab.endpoint, transport="ntlm", username="HV-LAB01\\rh-operator",
                 password=ENV["RH_SIM_PASSWORD"])
    with pytest.raises(WinRMTransportError):
        p.open_shell(codepage=65001)
    p.close_shell(p.open_shell(codepage=65001))  # recovers afterwards


def test_state_is_json_and_save_load_round_trip(env: None, tmp_path: Path) -> None:
    lab = SimulatedLab.from_inventory(INVENTORY)
    lab.inject("leftover_backup_checkpoint", vm="LAB-DC01")
    json.dumps(lab.state())
    before_save = lab.host.now()
    lab.save(tmp_path)
    again = SimulatedLab.from_inventory(INVENTORY, state_dir=tmp_path)
    dc = next(v for v in again.state()["vms"] if v["name"] == "LAB-DC01")
    assert dc["checkpoints"][0]["type"] == "Recovery"
    assert again.host.now() >= before_save  # the clock resumes from the saved instant
    assert json.loads((tmp_path / "lab-state.json").read_text())["computer_name"] == "HV-LAB01"


def test_description_faults_are_applied_at_build(env: None, tmp_path: Path) -> None:
    text = INVENTORY.read_text(encoding="utf-8").replace(
        "  faults: []", "  faults:\n    - {fault: leftover_backup_checkpoint, vm: CM01}\n    - {fault: wsb_not_installed}")
    p = tmp_path / "lab.yml"
    p.write_text(text, encoding="utf-8")
    lab = SimulatedLab.from_inventory(p)
    assert "WindowsServerBackup" not in lab.host.modules()
    assert any(f["fault"] == "leftover_backup_checkpoint" for f in lab.host.flags["applied_faults"])
    bad = tmp_path / "bad.yml"
    bad.write_text(text.replace("{fault: wsb_not_installed}", "{fault: no_such_fault}"), encoding="utf-8")
    with pytest.raises(ValueError, match=r"faults\[1\].*unknown fault 'no_such_fault'"):
        SimulatedLab.from_inventory(bad)


def _start_cm01(lab: SimulatedLab) -> None:
    """Import CM01 onto the isolated switch and start it (the guest boots in simulated time)."""
    out, code = run_remote(lab, "$ErrorActionPreference = 'Stop'\n"
                           f"$r = Compare-VM -Path '{CM01_VMCX}' -Copy -GenerateNewId -VirtualMachinePath 'E:\\RestoreTests\\CM01' "
                           "-VhdDestinationPath 'E:\\RestoreTests\\CM01\\Virtual Hard Disks'\n"
                           "$r.Incompatibilities | ForEach-Object { $_.Source | Connect-VMNetworkAdapter -SwitchName Lab-Isolated }\n"
                           "$vm = Import-VM -CompatibilityReport $r\nStart-VM -VM $vm\n'started'")
    assert code == 0 and out.strip() == "started", out


def test_guest_lifecycle_ip_addresses_endpoints_and_stop(lab: SimulatedLab) -> None:
    import socket

    _start_cm01(lab)
    lab.host.clock.advance(400)
    out, _ = run_remote(lab, "(Get-VMNetworkAdapter -VMName CM01).IPAddresses | ConvertTo-Json -Compress")
    ip = lab.host.guest_runtime.guest("CM01").ip_address
    assert json.loads(out) == ip and ip.startswith("192.168.50.")
    eps = lab.guest_endpoints()
    address, port = eps["CM01"]
    assert address == "127.0.0.1" and lab.state()["guest_endpoints"]["CM01"] == [address, port]
    socket.create_connection((address, port), timeout=5).close()  # the guest's WS-Man listens
    run_remote(lab, "Stop-VM -Name CM01 -TurnOff")
    assert "CM01" not in lab.guest_endpoints()  # the stop hook ended the guest at once
    with pytest.raises(OSError):
        socket.create_connection((address, port), timeout=5).close()


def test_full_lab_save_load_keeps_state_and_restarts_guest_endpoints(lab: SimulatedLab, tmp_path: Path) -> None:
    lab.inject("leftover_backup_checkpoint", vm="LAB-DC01")
    _start_cm01(lab)
    lab.host.clock.advance(400)
    before = lab.state()
    lab.save(tmp_path)
    other = SimulatedLab.from_inventory(INVENTORY, state_dir=tmp_path)
    try:
        after = other.state()
        assert after.pop("now") >= before.pop("now")  # the clock resumes from the saved instant
        eps_before, eps_after = before.pop("guest_endpoints"), after.pop("guest_endpoints")
        assert after == before
        assert set(eps_after) == set(eps_before) == {"CM01"}  # the running guest is serving again
        assert other.host.guest_runtime.guest("CM01").computer_name == "CM01"
    finally:
        other.host.guest_runtime.close_endpoints()


def test_one_description_serves_several_hosts_each_under_its_own_name(env: None) -> None:
    first = SimulatedLab.from_inventory(INVENTORY)
    second = SimulatedLab.from_inventory(INVENTORY, host="HV-LAB02")
    assert (first.host.computer_name, second.host.computer_name) == ("HV-LAB01", "HV-LAB02")
    assert [a.user for a in second.description.accounts] == ["HV-LAB02\\rh-operator"]  # its own local account
    assert first.host is not second.host and first.description.host.name == "HV-LAB01"  # not shared, not changed
    assert [v["name"] for v in second.state()["vms"]] == [v["name"] for v in first.state()["vms"]]
