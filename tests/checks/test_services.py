"""Service health against profiles: every deviation in one message, bounded settle time."""

from __future__ import annotations

import pytest

from harness.checks.services import assert_services_healthy, evaluate, read_guest_services, wait_until_settled
from harness.profiles import compose, load_profile
from tests.guest.fakes import FakeService, healthy_cm01


def _run(guest, profile, **kw):
    return wait_until_settled(guest, profile, clock=guest.clock, sleep=guest.clock.sleep, poll_seconds=15, **kw)


def test_healthy_primary_passes_in_one_read() -> None:
    guest = healthy_cm01()
    out = _run(guest, load_profile("configmgr-primary"))
    assert out.result.ok, out.result.message
    assert out.polls == 1 and len(guest.calls) == 1
    params = guest.calls[0][1]
    assert params["services"] == ["SMS_EXECUTIVE", "SMS_SITE_COMPONENT_MANAGER", "MSSQLSERVER", "SQLSERVERAGENT"]
    assert params["tcp_ports"] == [1433] and params["registry_keys"] == ["HKLM:\\SOFTWARE\\Microsoft\\SMS"]


def test_stopped_and_disabled_listed_together_in_one_message() -> None:
    guest = healthy_cm01(uptime0=3600)
    guest.services["SMS_EXECUTIVE"] = FakeService(state="Stopped", mode="Auto", exit_code=1077)
    guest.services["W3SVC"] = FakeService(state="Running", mode="Disabled")
    profile = compose(["configmgr-primary", "iis"])
    guest.services["WAS"] = FakeService(mode="Manual")
    guest.ports.add(80)
    with pytest.raises(AssertionError) as info:
        assert_services_healthy(guest, profile, clock=guest.clock, sleep=guest.clock.sleep)
    assert str(info.value) == (
        "2 services not as expected on CM01 (profile configmgr-primary+iis): "
        "SMS_EXECUTIVE status Stopped (expected Running), start type Automatic; "
        "W3SVC start type Disabled (expected Automatic)")


def test_disabled_and_stopped_service() -> None:
    guest = healthy_cm01(uptime0=3600)
    guest.services["SQLSERVERAGENT"] = FakeService(state="Stopped", mode="Disabled", exit_code=1077)
    out = _run(guest, load_profile("configmgr-primary"))
    assert out.polls == 1  # a disabled service will not start by itself: no waiting
    assert out.result.problems == (
        "1 service not as expected on CM01 (profile configmgr-primary): SQLSERVERAGENT status Stopped "
        "(expected Running), start type Disabled (expected Automatic)",)


def test_service_that_fails_to_start_shows_exit_code_and_scm_event() -> None:
    guest = healthy_cm01(uptime0=90)
    guest.services["MSSQLSERVER"] = FakeService(state="Stopped", mode="Auto", exit_code=1053,
                                                display="SQL Server (MSSQLSERVER)")
    guest.events.append({"Log": "System", "Provider": "Service Control Manager", "Id": 7009, "Level": 2,
                         "Time": "2026-11-21T09:01:00Z",
                         "Message": "A timeout was reached (30000 milliseconds) while waiting for the "
                                    "SQL Server (MSSQLSERVER) service to connect."})
    out = _run(guest, load_profile("configmgr-primary"))
    assert out.polls == 1  # exit code 1053: it failed, no point waiting
    first, events = out.result.problems
    assert first.startswith("1 service not as expected on CM01 (profile configmgr-primary): MSSQLSERVER "
                            "status Stopped (expected Running), start type Automatic, exit code 1053, "
                            "event 7009 Service Control Manager: A timeout was reached")
    assert events.startswith("1 error event(s) in System log since boot from Service Control Manager on CM01")


def test_delayed_start_service_gets_settle_time_and_progress_is_logged() -> None:
    guest = healthy_cm01(uptime0=60)
    guest.services["CcmExec"] = FakeService(state="Stopped", mode="Auto", delayed=True, running_after=180)
    guest.services["WAS"] = FakeService(mode="Manual")
    guest.keys.add("HKLM:\\SOFTWARE\\Microsoft\\CCM")
    profile = compose(["configmgr-mp"])
    messages: list[str] = []
    out = _run(guest, profile, progress=messages.append)
    assert out.result.ok, out.result.message
    assert out.polls == 9 and len(guest.calls) == 9  # polls at uptime 60, 75, ..., 180
    assert messages and "waiting for 1 service(s) to settle" in messages[0] and "CcmExec (Stopped, Automatic (Delayed Start))" in messages[0]


def test_settle_bound_ends_the_wait_and_reports() -> None:
    guest = healthy_cm01(uptime0=0)
    guest.services["SMS_EXECUTIVE"] = FakeService(state="Start Pending", mode="Auto")
    profile = load_profile("configmgr-primary")  # settle_seconds: 600
    out = _run(guest, profile)
    assert 600 <= out.waited < 615
    assert "SMS_EXECUTIVE status StartPending (expected Running), start type Automatic" in out.result.problems[0]


def test_missing_service_port_and_registry_key() -> None:
    guest = healthy_cm01()
    del guest.services["SQLSERVERAGENT"]
    guest.ports.clear()
    guest.keys.clear()
    result = evaluate(read_guest_services(guest, load_profile("configmgr-primary")), load_profile("configmgr-primary"))
    assert result.problems == (
        "1 service not as expected on CM01 (profile configmgr-primary): SQLSERVERAGENT not installed "
        "(expected Running, Automatic)",
        "TCP port 1433 not listening on CM01",
        "registry key HKLM:\\SOFTWARE\\Microsoft\\SMS missing on CM01",
    )


def test_single_service_profile_accepts_ps51_single_object() -> None:
    guest = healthy_cm01()
    guest.services["LanmanServer"] = FakeService(state="Stopped", mode="Auto", exit_code=1077)
    guest.uptime0 = 5000
    guest.ports.add(445)
    out = _run(guest, load_profile("file-server"))
    assert out.result.problems == ("1 service not as expected on CM01 (profile file-server): LanmanServer "
                                   "status Stopped (expected Running), start type Automatic",)


@pytest.mark.parametrize("mode, delayed, ok", [("Automatic", False, True), ("Automatic", True, True),
                                                ("Manual", False, False), ("Disabled", False, False)])
def test_a_list_of_accepted_start_types(mode, delayed, ok) -> None:
    from harness.checks.services import ServiceFact, service_problem
    from harness.profiles import ServiceExpectation

    expect = ServiceExpectation(name="SMS_EXECUTIVE", start_type=["Automatic", "AutomaticDelayed"])
    fact = ServiceFact(name="SMS_EXECUTIVE", found=True, status="Running", start_mode=mode, delayed=delayed)
    problem = service_problem(expect, fact)
    assert (problem is None) is ok
    if not ok:
        assert f"start type {mode} (expected Automatic or Automatic (Delayed Start))" in problem


def test_a_single_start_type_stays_strict() -> None:
    from harness.checks.services import ServiceFact, service_problem
    from harness.profiles import ServiceExpectation

    expect = ServiceExpectation(name="MSSQLSERVER", start_type="Automatic")
    fact = ServiceFact(name="MSSQLSERVER", found=True, status="Running", start_mode="Automatic", delayed=True)
    assert "expected Automatic)" in service_problem(expect, fact)


def test_dependency_event_is_listed_under_its_subject_service_only() -> None:
    from harness.checks.services import parse_facts
    data = {"ComputerName": "CM01", "Services": [
        {"Name": "MSSQLSERVER", "State": "Stopped", "StartMode": "Auto", "ExitCode": 1053,
         "DisplayName": "SQL Server (MSSQLSERVER)"},
        {"Name": "SQLSERVERAGENT", "State": "Stopped", "StartMode": "Auto", "ExitCode": 1077,
         "DisplayName": "SQL Server Agent (MSSQLSERVER)"}],
        "ErrorEvents": [
            {"Log": "System", "Provider": "Service Control Manager", "Id": 7001, "Message":
             "The SQL Server Agent (MSSQLSERVER) service depends on the SQL Server (MSSQLSERVER) service which "
             "failed to start because of the following error: The dependency service or group failed to start."},
            {"Log": "System", "Provider": "Service Control Manager", "Id": 7023, "Message":
             "The SQL Server (MSSQLSERVER) service terminated with the following error: The service did not "
             "respond to the start or control request in a timely fashion."}]}
    profile = compose(["sql-server"])
    message = evaluate(parse_facts(data), profile).problems[0]
    sql, agent = message.split(": ", 1)[1].split("; ")[:2]
    assert sql.startswith("MSSQLSERVER status Stopped (expected Running), start type Automatic, exit code 1053, "
                          "event 7023 ") and "7001" not in sql
    assert agent.startswith("SQLSERVERAGENT status Stopped") and "event 7001 " in agent and "7023" not in agent
