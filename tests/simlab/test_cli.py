"""``sim serve`` as a user runs it: a real process, a real client, SIGTERM, exit 0."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import winrm


def _serve(tmp_path, env, *extra):
    return subprocess.Popen(
        [sys.executable, "-m", "simlab.cli", "serve", "--state-dir", str(tmp_path / "state"), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )


def _endpoint(proc) -> tuple[str, list[str]]:
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("listening on "):
            return line.split()[-1], lines
    raise AssertionError("server did not start: " + "".join(lines))


def test_serve_with_password_from_env_then_sigterm(tmp_path):
    env = {**os.environ, "RH_SIM_PASSWORD": "from-env-pw"}
    proc = _serve(tmp_path, env)
    try:
        endpoint, _ = _endpoint(proc)
        r = winrm.Session(endpoint, auth=("rh-operator", "from-env-pw"), transport="ntlm").run_cmd("hostname")
        assert r.std_out == b"HV-LAB01\r\n"
    finally:
        proc.send_signal(signal.SIGTERM)
        rest = proc.communicate(timeout=30)[0]
    assert proc.returncode == 0
    assert "'commands': 1" in rest  # counters logged at stop
    assert "from-env-pw" not in rest


def test_generated_password_is_stored_not_printed(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "RH_SIM_PASSWORD"}
    proc = _serve(tmp_path, env, "--https")
    try:
        endpoint, lines = _endpoint(proc)
        assert endpoint.startswith("https://127.0.0.1:")
        stored = tmp_path / "state" / "sim-password"
        password = stored.read_text().strip()
        assert stored.stat().st_mode & 0o777 == 0o600
        assert password and password not in "".join(lines)
        r = winrm.Session(endpoint, auth=("rh-operator", password), transport="ntlm",
                          server_cert_validation="ignore").run_cmd("hostname")
        assert r.status_code == 0
    finally:
        proc.send_signal(signal.SIGINT)
        out = proc.communicate(timeout=30)[0]
    assert proc.returncode == 0
    assert "certificate: " in "".join(lines) + out


def test_lab_state_survives_a_restart(tmp_path):
    """`sim serve --inventory ... --state-dir D` keeps the lab's state across a stop and a start."""
    env = {**os.environ, "RH_SIM_PASSWORD": "pw-1", "RH_GUEST_PASSWORD": "g", "RH_NAS_USER": "u",
           "RH_NAS_PASSWORD": "n"}
    inv = ["--inventory", "inventories/sim-lab.yml"]
    ps = "powershell -NoProfile -NonInteractive -Command \"{}\""

    def run(endpoint, script):
        s = winrm.Session(endpoint, auth=("rh-operator", "pw-1"), transport="ntlm")
        return s.run_cmd(ps.format(script))

    proc = _serve(tmp_path, env, *inv)
    try:
        endpoint, _ = _endpoint(proc)
        r = run(endpoint, "New-VM -Name 'rh-survivor' -Generation 2 -NoVHD | Out-Null; (Get-VM -Name 'rh-survivor').Name")
        assert r.std_out.strip() == b"rh-survivor", r.std_err
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)
    assert proc.returncode == 0
    assert (tmp_path / "state" / "lab").is_dir()

    proc = _serve(tmp_path, env, *inv)
    try:
        endpoint, _ = _endpoint(proc)
        r = run(endpoint, "(Get-VM -Name 'rh-survivor').Name")
        assert r.std_out.strip() == b"rh-survivor", r.std_err
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)
    assert proc.returncode == 0
