"""WinPE automation: cmd quoting rules of params.cmd and the rendered run.cmd."""

from __future__ import annotations

import pytest

from harness.bmr.automation import (
    UnsafeValue, WinPEParams, cmd_set_line, cmd_unescape_set_line, parse_logs, render_params, render_run_cmd,
    startnet_cmd,
)

HOSTILE = ["p%ath%x", "a&b|c<d>e^f(g)h", "50%", "!bang!", "sp ace", "%RH_TARGET%"]


@pytest.mark.parametrize("value", HOSTILE)
def test_quoted_values_round_trip_through_cmd_batch_rules(value):
    name, got = cmd_unescape_set_line(cmd_set_line("RH_SHARE_PASSWORD", value, field="pw"))
    assert (name, got) == ("RH_SHARE_PASSWORD", value)


@pytest.mark.parametrize("value,what", [('a"b', "double quote"), ("a\r\nb", "line break"), ("a\x00", "NUL"),
                                        ("人事", "non-ASCII")])
def test_values_cmd_cannot_carry_are_refused_with_field_and_fix(value, what):
    with pytest.raises(UnsafeValue) as e:
        cmd_set_line("RH_SHARE_USER", value, field="backup source credentials (user)")
    assert "backup source credentials (user)" in str(e.value) and what in str(e.value) and "Fix:" in str(e.value)


def test_bare_values_refuse_anything_needing_quotes():
    assert cmd_set_line("RH_TARGET", "\\\\NAS01\\wsb", field="t", bare=True) == 'set "RH_TARGET=\\\\NAS01\\wsb"'
    for bad in ("\\\\NAS 01\\wsb", "FS01&calc", "x%y"):
        with pytest.raises(UnsafeValue):
            cmd_set_line("RH_MACHINE", bad, field="machine", bare=True)


def test_params_file_starts_echo_off_and_holds_the_password_only_once():
    text = render_params(WinPEParams("11/19/2026-22:00", "\\\\NAS01\\wsb", "FS01", ("nic\\1\\e1r68x64.inf",), 1,
                                     "NAS01\\wsb-reader", "s3cr%t"))
    lines = text.split("\r\n")
    assert lines[0] == "@echo off" and text.endswith("\r\n")
    assert text.count("s3cr%%t") == 1 and 'set "RH_NIC_INF_1=nic\\1\\e1r68x64.inf"' in lines


def test_local_target_carries_no_credential():
    text = render_params(WinPEParams("11/19/2026-22:00", "B:", "HV-PROD01"))
    assert "RH_SHARE" not in text


def test_run_cmd_renders_only_counts_and_has_every_step():
    text = render_run_cmd(nic_count=2, driver_count=1, share=True, force_unsigned=False)
    assert "\r\n" in text and "{{" not in text and "{%" not in text
    assert 'drvload "%RH_AUTO%\\restore-harness\\%RH_NIC_INF_2%"' in text
    assert "net use %RH_TARGET%" in text
    assert ("wbadmin start sysrecovery -version:%RH_VERSION% \"-backupTarget:%RH_TARGET%\" \"-machine:%RH_MACHINE%\" "
            "-restoreAllVolumes -recreateDisks -quiet") in text
    assert "/Add-Driver \"/Driver:%RH_AUTO%\\restore-harness\\drivers\\1\" /Recurse\r\n" in text
    assert "/Get-Drivers" in text and "drivers\\2" not in text
    local = render_run_cmd(nic_count=0, driver_count=0, share=False, force_unsigned=True)
    assert "net use" not in local and "drvload" not in local.replace("rem", "")  # no NIC step
    with pytest.raises(ValueError):
        render_run_cmd(nic_count="1", driver_count=0, share=False, force_unsigned=False)  # type: ignore[arg-type]


def test_startnet_runs_the_automation_and_shuts_down():
    text = startnet_cmd()
    assert "wpeinit" in text and "restore-harness\\run.cmd" in text and "wpeutil shutdown" in text
    assert "> %RH_AUTO%\\restore-harness\\logs\\exitcode.txt echo %RH_RC%" in text


def test_logs_name_the_failed_step():
    logs = parse_logs("...ERROR - ...", "13\r\n", "RH-STEP start\r\nRH-STEP drvload-1 0\r\nRH-STEP net-use 0\r\n"
                      "RH-STEP wbadmin 1\r\n")
    assert not logs.ok and logs.exit_code == 13 and logs.failed_step == "wbadmin (exit code 1)"
    good = parse_logs("", "0", "RH-STEP start\nRH-STEP wbadmin 0\nRH-STEP windows-volume D:\nRH-STEP done 0\n")
    assert good.ok and good.windows_volume == "D:" and good.failed_step is None
