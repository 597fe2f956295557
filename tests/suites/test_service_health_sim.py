"""The real service-health suite (suites/test_service_health.py) against the simulated lab over real
WinRM: healthy, with service faults in the guest, with a guest that cannot be reached and with a
guest stuck at a 0x7B stop screen. Faults go through the inventory's ``simulated_lab.faults`` so the
suite runs unchanged, as a user runs it. Each run starts one simulated lab; runs are few and coarse.

The healthy run also carries ``GUEST_PATHS`` (a small extra test file using the plugin's fixtures)
that reaches the booted guest both ways through the harness API: PowerShell Direct through the host
and the guest's own WinRM endpoint (``SimulatedLab.guest_endpoints()``), each as a testinfra Host.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import yaml

from harness.evidence.stamp import band_height

pytest_plugins = ["pytester"]

REPO = Path(__file__).resolve().parents[2]
SUITE = REPO / "suites" / "test_service_health.py"

GUEST_PATHS = r'''
import pytest

from harness.guest.backend import WinRMChannel, guest_host
from harness.guest.direct import DirectChannel
from harness.guest.select import GuestTarget, GuestUnreachable, select_channel, winrm_opener
from harness.secrets import Credential, resolve_credential

pytestmark = [pytest.mark.needs_vm]


@pytest.fixture
def vm(restored, restore_run, inventory, scenario):
    result = restored.require_vm()
    restore_run.boot(scenario)
    host_cfg = inventory.scenario_host(scenario)
    cred = resolve_credential(inventory.guest(scenario.vm).credentials, purpose="guest")
    return result.vm_name, host_cfg, restore_run.hosts[host_cfg.name], cred, restore_run.simulated_labs[0]


def _select(vm, mode, address, cred=None):
    name, host_cfg, host, good, _ = vm
    return select_channel(GuestTarget(name, cred or good, mode, address, []), host_session=host,
                          host_name=host_cfg.name, open_winrm=winrm_opener(host_cfg, name))


def _check(host):
    assert host.check_output("$env:COMPUTERNAME") == "CM01"
    assert host.check_output("Write-Output %s", "D:\\Shares\\HR\\人事 'x'") == "D:\\Shares\\HR\\人事 'x'"
    assert host.check_output("(Get-Service -Name %s).Status", "MSSQLSERVER") == "Running"


@pytest.mark.parametrize("mode", ["powershell-direct", "winrm"])
def test_failing_command_has_nonzero_rc(vm, mode):
    address = "{}:{}".format(*vm[4].guest_endpoints()[vm[0]]) if mode == "winrm" else None
    result = guest_host(_select(vm, mode, address)).run("Get-Service -Name %s", "NoSuchService")
    assert result.rc != 0 and "Cannot find any service" in result.stderr


def test_default_is_powershell_direct_through_the_host(vm):
    channel = _select(vm, "auto", None)  # sim-lab guests have no address: isolated, so PS Direct
    assert isinstance(channel, DirectChannel), channel.describe()
    _check(guest_host(channel))


def test_guest_own_winrm_endpoint_as_testinfra_host(vm):
    address, port = vm[4].guest_endpoints()[vm[0]]
    channel = _select(vm, "winrm", f"{address}:{port}")
    assert isinstance(channel, WinRMChannel), channel.describe()
    host = guest_host(channel)
    assert host.backend.get_pytest_id() == f"winrm://{vm[0]}"
    _check(host)


def test_neither_path_works_names_both_and_the_fix(vm):
    address = "{}:{}".format(*vm[4].guest_endpoints()[vm[0]])
    wrong = Credential("Administrator", "Not-The-Guest-Pw-731")
    with pytest.raises(GuestUnreachable) as info:
        _select(vm, "auto", address, wrong)
    msg = str(info.value)
    assert msg.startswith(f"cannot reach guest {vm[0]}: WinRM at {address}: "), msg
    assert f"; PowerShell Direct via {vm[1].name}: " in msg and "The credential is invalid." in msg, msg
    assert "Fix: make the guest reachable over WinRM" in msg and "Not-The-Guest-Pw-731" not in msg
'''


def _lab(pytester: pytest.Pytester, faults: list[dict] | None = None, guest_password_env: str | None = None) -> Path:
    data = yaml.safe_load((REPO / "inventories" / "sim-lab.yml").read_text(encoding="utf-8"))
    data["scenarios"] = [s for s in data["scenarios"] if s["name"] == "import-cm01"]
    data["simulated_lab"]["faults"] = list(faults or [])
    if guest_password_env:
        for g in data["guests"]:
            g["credentials"]["password_env"] = guest_password_env
    path = pytester.path / "lab.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    pytester.path.joinpath("test_service_health.py").write_text(SUITE.read_text(encoding="utf-8"), encoding="utf-8")
    return path


def _run(pytester: pytest.Pytester, faults: list[dict] | None = None, **kw) -> pytest.RunResult:
    inv = _lab(pytester, faults, **kw)
    return pytester.runpytest_subprocess("--inventory", str(inv), "--reports", "out", "--alluredir", "out/allure",
                                         "-p", "no:cacheprovider", "-rA")


def _allure(pytester: pytest.Pytester, name_part: str) -> dict:
    for f in (pytester.path / "out" / "allure").glob("*-result.json"):
        data = json.loads(f.read_text(encoding="utf-8"))
        if name_part in data.get("name", ""):
            return data
    raise AssertionError(f"no Allure result named like {name_part!r}")


def _steps(result: dict) -> list[dict]:
    out, stack = [], list(result.get("steps", []))
    while stack:
        step = stack.pop(0)
        out.append(step)
        stack.extend(step.get("steps", []))
    return out


def _decode_png(data: bytes) -> tuple[int, int, list[tuple[int, int, int]]]:
    """Decode the PNG (Pillow, which also checks the chunk CRCs): width, height, RGB pixels."""
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG" and image.mode == "RGB", (image.format, image.mode)
    raw = image.tobytes()
    return image.width, image.height, [tuple(raw[i:i + 3]) for i in range(0, len(raw), 3)]


def _screenshot(pytester: pytest.Pytester) -> tuple[int, int, list[tuple[int, int, int]]]:
    result = _allure(pytester, "console screenshot")
    pngs = [a for a in result.get("attachments", []) if a.get("type") == "image/png"]
    assert len(pngs) == 1, result.get("attachments")
    return _decode_png((pytester.path / "out" / "allure" / pngs[0]["source"]).read_bytes())


def test_healthy_lab_passes_and_the_guest_is_reached_both_ways(pytester):
    pytester.path.joinpath("test_guest_paths.py").write_text(GUEST_PATHS, encoding="utf-8")
    result = _run(pytester)
    assert result.ret == 0, result.stdout.str()
    result.assert_outcomes(passed=7)
    services = _allure(pytester, "services healthy")
    assert services["status"] == "passed"
    assert any("via PowerShell Direct to VM" in s["name"] for s in _steps(services)), _steps(services)
    width, height, pixels = _screenshot(pytester)
    colours = Counter(pixels)
    # the console is 800x600; a simulated run's screenshot carries the SIMULATED band above it
    assert (width, height) == (800, 600 + band_height(800)) and len(colours) > 1  # background and text
    assert (255, 255, 255) in colours


def test_stopped_disabled_and_failing_services_in_one_message(pytester):
    result = _run(pytester, [
        {"fault": "service_stopped", "guest": "CM01", "service": "SMS_EXECUTIVE"},
        {"fault": "service_disabled", "guest": "CM01", "service": "SMS_SITE_COMPONENT_MANAGER"},
        {"fault": "service_fails_to_start", "guest": "CM01", "service": "SQLSERVERAGENT"}])
    assert result.ret == 1, result.stdout.str()
    result.assert_outcomes(passed=1, failed=1)
    message = _allure(pytester, "services healthy")
    assert message["status"] == "failed"
    text = message["statusDetails"]["message"]
    assert text.startswith("AssertionError: "), text
    head, _, rest = text.removeprefix("AssertionError: ").partition(": ")
    assert head == "3 services not as expected on CM01 (profile configmgr-primary)", text
    lines = rest.split("; ")
    assert lines[0] == "SMS_EXECUTIVE status Stopped (expected Running), start type Automatic (Delayed Start)"
    assert lines[1] == ("SMS_SITE_COMPONENT_MANAGER status Stopped (expected Running), start type Disabled "
                        "(expected Automatic or Automatic (Delayed Start))")
    assert lines[2].startswith("SQLSERVERAGENT status Stopped (expected Running), start type Automatic, "
                               "exit code 1053, event 7023 Service Control Manager: The SQL Server Agent "
                               "(MSSQLSERVER) service terminated with the following error:"), lines[2]
    assert "1 error event(s) in System log since boot from Service Control Manager on CM01" in text
    assert "assert " not in text and "where" not in text  # no pytest introspection in the report
    # the failed check records what it expected and what it found, linked from its row as check-<name>.json
    (sc,) = json.loads(next((pytester.path / "out" / "evidence").glob("*/run.json")).read_text(encoding="utf-8"))[
        "scenarios"]
    check = next(c for c in sc["checks"] if c["name"] == "services healthy")
    assert check["outcome"] == "failed" and check["message"].count("SMS_EXECUTIVE status Stopped") == 1
    assert check["expected"]["services"]["SMS_EXECUTIVE"] == {"status": "Running", "start_type":
                                                              "Automatic or Automatic (Delayed Start)"}
    assert check["found"]["services"]["SMS_EXECUTIVE"]["status"] == "Stopped"
    assert check["found"]["services"]["SMS_SITE_COMPONENT_MANAGER"]["start_type"] == "Disabled"
    assert any(e.endswith("check-services_healthy.json") for e in check["evidence"])


def test_guest_unreachable_is_a_lab_problem_naming_each_path(pytester, monkeypatch):
    monkeypatch.setenv("RH_WRONG_GUEST_PW", "Wrong-Guest-Pw-5512")
    result = _run(pytester, guest_password_env="RH_WRONG_GUEST_PW")
    assert result.ret == 3, result.stdout.str()
    result.stdout.fnmatch_lines(["*GuestUnreachable: *cannot reach guest *-import-cm01: WinRM: no address for the "
                                 "guest in the inventory*; PowerShell Direct via HV-LAB01: *The credential is "
                                 "invalid.*Fix: *"])
    assert "Wrong-Guest-Pw-5512" not in result.stdout.str()


def test_guest_at_0x7b_stop_screen_fails_with_the_screenshot_attached(pytester):
    result = _run(pytester, [{"fault": "missing_boot_driver", "guest": "CM01"}])
    assert result.ret == 1, result.stdout.str()
    result.stdout.fnmatch_lines(["*GuestDidNotBoot*did not answer the heartbeat*"])
    _, _, pixels = _screenshot(pytester)
    background, _ = Counter(pixels).most_common(1)[0]
    # Windows 10+ stop screen blue #0078D7 (0, 120, 215), through RGB565 and back to 8 bits
    assert all(abs(got - want) <= 4 for got, want in zip(background, (0, 120, 215))), background
