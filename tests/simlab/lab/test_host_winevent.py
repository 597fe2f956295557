"""Get-WinEvent on the Hyper-V host itself (guest_cmdlets.get_win_event over the host's event log), through
run_script on the cast's lab host: -LogName, -FilterHashtable (LogName, Id, StartTime), the event
properties as 5.1 JSON, and NoMatchingEventsFound as a non-terminating error."""

from __future__ import annotations

import datetime as _dt

import pytest

from simlab.lab.guest import HYPERV_WORKER_LOG, HYPERV_WORKER_PROVIDER, event_log_of
from simlab.ps import run_script
from tests.simlab.lab.labsupport import cast_host, ps_error, ps_json


@pytest.fixture
def host():
    h = cast_host()
    log = event_log_of(h)
    t0 = h.clock.now()
    log.write(HYPERV_WORKER_LOG, HYPERV_WORKER_PROVIDER, 18560, 4, "'OLD' was reset.", t0 - _dt.timedelta(days=2))
    log.write(HYPERV_WORKER_LOG, HYPERV_WORKER_PROVIDER, 18590, 1,
              "'rh-FS01' has encountered a fatal error. ... ErrorCode0: 0x7B, ...", t0 - _dt.timedelta(minutes=5))
    return h


def test_log_name_lists_newest_first_with_the_event_properties(host):
    out = ps_json(host, f"@(Get-WinEvent -LogName '{HYPERV_WORKER_LOG}') | Select-Object 'Id', 'LevelDisplayName', "
                        "'ProviderName', 'LogName', 'Message', 'TimeCreated' | ConvertTo-Json -Compress")
    assert [e["Id"] for e in out] == [18590, 18560]
    assert out[0]["LevelDisplayName"] == "Critical" and out[0]["ProviderName"] == HYPERV_WORKER_PROVIDER
    assert out[0]["LogName"] == HYPERV_WORKER_LOG and "0x7B" in out[0]["Message"]
    assert out[0]["TimeCreated"].startswith("/Date(")


def test_filter_hashtable_by_id_and_start_time(host):
    out = ps_json(host, f"$f = @{{ LogName = '{HYPERV_WORKER_LOG}'; Id = 18590, 18560; "
                        "StartTime = (Get-Date).AddHours(-1) }\n"
                        "@(Get-WinEvent -FilterHashtable $f) | ForEach-Object { $_.Id } | ConvertTo-Json -Compress")
    assert out == 18590


def test_no_match_is_a_non_terminating_no_matching_events_found(host):
    r = run_script(host, "Get-WinEvent -FilterHashtable @{LogName='" + HYPERV_WORKER_LOG + "'; Id=12345}\n'after'")
    assert r.stdout.strip() == "after" and r.exit_code == 0
    assert r.errors[0].message == "No events were found that match the specified selection criteria."
    err = ps_error(host, "Get-WinEvent -FilterHashtable @{LogName='" + HYPERV_WORKER_LOG + "'; Id=12345} "
                         "-ErrorAction Stop")
    assert err["fqid"] == "NoMatchingEventsFound,Microsoft.PowerShell.Commands.GetWinEventCommand"
    assert err["category"] == "ObjectNotFound"
    quiet = run_script(host, "$n = @(Get-WinEvent -LogName 'Setup' -ErrorAction SilentlyContinue).Count\n$n")
    assert quiet.stdout.strip() == "0" and not quiet.stderr


def test_system_log_starts_with_the_boot_entries(host):
    out = ps_json(host, "@(Get-WinEvent -LogName System | Select-Object 'Id', 'ProviderName') | ConvertTo-Json -Compress")
    assert [(e["Id"], e["ProviderName"]) for e in out] == [
        (6005, "EventLog"), (6009, "EventLog"), (12, "Microsoft-Windows-Kernel-General")]
