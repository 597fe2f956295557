"""Polling a WSB job: progress lines, failure with code and meaning, timeout."""

import datetime as _dt

import pytest

from harness.wsb.errors import WsbJobFailed, WsbJobTimeout
from harness.wsb.jobs import CHECK_SECONDS, wait_for_job
from tests.restore.fake_host import FakeHost

START = _dt.datetime(2026, 11, 21, 0, 0, tzinfo=_dt.UTC)


def job(state, op="", hr=0, detailed=0, start="2026-11-21T00:00:05Z", desc=""):
    return {"JobType": "FileRecovery", "JobState": state, "StartTime": start, "EndTime": None, "HResult": hr,
            "DetailedHResult": detailed, "ErrorDescription": desc, "CurrentOperation": op}


def polls(*answers):
    it = iter(answers)
    return lambda params: next(it)


def test_waits_logs_progress_and_returns_the_finished_job():
    host = FakeHost({"wsb_job": polls(
        {"Current": job("Running", "10% done"), "Previous": job("Completed", start="2026-11-20T00:00:00Z")},
        {"Current": job("Running", "60% done")},
        {"Current": job("Unknown", start=None), "Previous": job("Completed")})})
    sleeps = []
    wait = wait_for_job(host, what="sc: recovery", started_at=START, timeout_sec=600, poll_sec=3,
                        sleep=sleeps.append, clock=lambda: 0.0)
    assert wait.job.state == "Completed" and wait.polls == 3
    assert any("10% done" in p for p in wait.progress) and any("60% done" in p for p in wait.progress)
    # the first poll reads at once; each later one waits on the host while the job runs, up to poll_sec,
    # looking every CHECK_SECONDS; between polls the caller's sleep is only asked whether to go on
    params = [p for t, p in host.calls if t == "wsb_job"]
    assert params[0] == {} and sleeps == [0.0, 0.0]
    assert params[1] == params[2] == {"wait_seconds": 3, "check_seconds": CHECK_SECONDS,
                                      "running_states": ["In Progress", "InProgress", "Queued", "Running"]}


def test_a_poll_never_waits_past_the_timeout():
    host = FakeHost({"wsb_job": {"Current": job("Running", "3% done")}})
    ticks = iter([0.0, 55.0, 55.0, 70.0, 70.0])
    with pytest.raises(WsbJobTimeout):
        wait_for_job(host, what="sc", started_at=START, timeout_sec=60, poll_sec=15, sleep=lambda s: None,
                     clock=lambda: next(ticks))
    assert [p.get("wait_seconds") for t, p in host.calls] == [None, 5.0]


def test_a_stopping_caller_ends_the_wait_between_polls():
    class Stop(Exception):
        pass

    def sleep(seconds):
        raise Stop

    host = FakeHost({"wsb_job": {"Current": job("Running", "3% done")}})
    with pytest.raises(Stop):
        wait_for_job(host, what="sc", started_at=START, timeout_sec=600, poll_sec=15, sleep=sleep)
    assert len(host.calls) == 1


def test_failed_job_raises_with_hex_code_and_meaning():
    host = FakeHost({"wsb_job": {"Current": None, "Previous": job(
        "Completed", hr=-2139619131, detailed=-2139619131, desc="Access is denied.")}})
    with pytest.raises(WsbJobFailed) as err:
        wait_for_job(host, what="sc: recovery", started_at=START, timeout_sec=60, poll_sec=1, sleep=lambda s: None)
    text = str(err.value)
    assert "0x807800C5" in text and "share access or permissions" in text and "Access is denied." in text
    assert err.value.code == 0x807800C5


def test_timeout_is_reported_with_the_last_state():
    host = FakeHost({"wsb_job": {"Current": job("Running", "3% done")}})
    ticks = iter([0.0, 10.0, 100.0, 1000.0])
    with pytest.raises(WsbJobTimeout, match="within 1 minute.*3% done"):
        wait_for_job(host, what="sc", started_at=START, timeout_sec=60, poll_sec=1, sleep=lambda s: None,
                     clock=lambda: next(ticks))
