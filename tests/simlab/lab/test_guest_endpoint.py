"""Each running guest gets its own WS-Man endpoint on loopback: pywinrm and testinfra reach it."""

from __future__ import annotations

import pytest
import winrm

from simlab.lab.guest import runtime_of
from tests.simlab.lab.test_guest import _vm_from_export, host  # noqa: F401 - fixture


@pytest.fixture
def running_cm01(host):  # noqa: ANN001, ANN201, F811
    host.guest_runtime.start_endpoints = True
    vm = _vm_from_export(host, "CM01")
    host.start_vm(vm)
    host.clock.advance(400)
    ep = runtime_of(host).endpoints()["CM01"]
    yield host, vm, ep
    host.stop_vm(vm, turn_off=True)
    runtime_of(host).state("CM01")  # notices the VM is off and stops the endpoint


def test_guest_endpoint_runs_powershell_inside_the_guest(running_cm01) -> None:  # noqa: ANN001
    host, vm, ep = running_cm01
    assert runtime_of(host).ip_addresses("CM01")[1] == f"127.0.0.1:{ep['port']}"
    s = winrm.Session(f"http://127.0.0.1:{ep['port']}/wsman", auth=("CM01\\Administrator", "guest-pw"),
                      transport="ntlm", message_encryption="always")
    r = s.run_ps("$env:COMPUTERNAME; (Get-Service -Name W3SVC).Status.ToString()")
    assert r.status_code == 0, r.std_err
    assert r.std_out.decode().split() == ["CM01", "Running"]


def test_testinfra_reaches_the_guest(running_cm01) -> None:  # noqa: ANN001
    testinfra = pytest.importorskip("testinfra")
    host, vm, ep = running_cm01
    h = testinfra.get_host(f"winrm://CM01\\Administrator:guest-pw@127.0.0.1:{ep['port']}"
                           "?no_ssl=true&no_verify_ssl=true&transport=ntlm")
    out = h.check_output("powershell -NoProfile -Command \"(Get-Service MSSQLSERVER).Status.ToString()\"")
    assert out.strip() == "Running"
