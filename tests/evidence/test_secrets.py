"""No secret reaches a file under reports/: a run with credentials from env, remote-operation steps
carrying them in scripts/params/results, and recorded messages and attachments containing them."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import textwrap
import urllib.parse
from pathlib import Path

HOST_PASSWORD = "Hv-Lab!pa55#Wörd"
NAS_PASSWORD = "nas/S3cret&42"

CONFTEST = '''
from pathlib import Path
from types import SimpleNamespace
import pytest
from harness.secrets import resolve_credential
from harness.evidence.record import RunRecorder
from harness.evidence.pytest_hooks import EvidenceHooks

REC = {}

def pytest_configure(config):
    Path("lab.yml").write_text("hosts: []\\n", encoding="utf-8")
    ref = lambda env: SimpleNamespace(username="rh-operator", username_env=None, password_env=env, keyring=None)
    REC["host"] = resolve_credential(ref("RH_SIM_PASSWORD"), purpose="host HV-LAB01")
    REC["nas"] = resolve_credential(ref("RH_NAS_PASSWORD"), purpose="share \\\\\\\\NAS01\\\\wsb")
    rec = RunRecorder("RH-SECRET-1", Path("reports"), Path("lab.yml"), simulated=True,
                      operator="rh-operator " + REC["host"].password.get_secret_value())
    REC["rec"] = rec
    config.pluginmanager.register(EvidenceHooks(rec), "rh_evidence")

@pytest.fixture
def secrets():
    return REC
'''

TESTS = '''
import base64, json
from datetime import datetime, timedelta, timezone
from harness.evidence.allure_steps import remote_operation_listener

def test_restore_with_credentials(secrets):
    host_pw, nas_pw, rec = (secrets["host"].password.get_secret_value(), secrets["nas"].password.get_secret_value(),
                           secrets["rec"])
    params = {"Share": "\\\\\\\\NAS01\\\\wsb", "User": "NAS01\\\\backup", "Password": nas_pw}
    remote_operation_listener({
        "host": "HV-LAB01", "template": "wsb_get_versions",
        "script": "net use \\\\\\\\NAS01\\\\wsb /user:backup " + nas_pw + "  # pw " + host_pw,
        "params": params, "result": json.dumps({"ok": False, "error": {"message": "logon failed for " + nas_pw}}),
        "ok": False, "error": "logon failed for " + nas_pw, "duration": 2.0})
    t0 = datetime(2025, 3, 10, tzinfo=timezone.utc)
    rec.host_facts("HV-LAB01", {"os_caption": "Windows Server 2022", "winrm_user": "rh-operator:" + host_pw})
    rec.scenario_started("wsb-items-FS01", system="FS01", method="WSB item recovery", import_type=None,
                         host="HV-LAB01", rto_target_minutes=30)
    rec.backup_used("wsb-items-FS01", version_id="v1", backup_time=t0, target="\\\\\\\\NAS01\\\\wsb (" + nas_pw + ")", age_days=1)
    rec.restore_finished("wsb-items-FS01", started=t0, finished=t0 + timedelta(minutes=5), ok=False,
                         message="0x807800C5 access denied with " + nas_pw)
    bootstrap = base64.b64encode(("$pw = '" + host_pw + "'").encode("utf-16-le")).decode()
    p = rec.add_evidence("wsb-items-FS01", "transcript.txt", "powershell -EncodedCommand " + bootstrap + "\\n" + host_pw)
    rec.check("wsb-items-FS01", "share reachable", "failed", "net use failed: " + nas_pw, evidence=[p])
    rec.add_evidence(None, "params.json", json.dumps(params))
    rec.finish()
'''


def _forms(secret: str) -> list[bytes]:
    forms = {secret.encode("utf-8"), secret.encode("utf-16-le"),
             urllib.parse.quote(secret, safe="").encode(), base64.b64encode(secret.encode("utf-8")),
             base64.b64encode(secret.encode("utf-16-le"))}
    return sorted(forms)


def test_no_secret_in_any_report_file(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(textwrap.dedent(CONFTEST), encoding="utf-8")
    (tmp_path / "test_inline.py").write_text(textwrap.dedent(TESTS), encoding="utf-8")
    env = dict(os.environ, RH_SIM_PASSWORD=HOST_PASSWORD, RH_NAS_PASSWORD=NAS_PASSWORD)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:restore_harness", "-p", "no:cacheprovider",
         "--alluredir=reports/allure-results", "test_inline.py"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    files = [p for p in (tmp_path / "reports").rglob("*") if p.is_file()]
    # the run really wrote what we scan: Allure results with attachments, and the evidence dir
    assert any(p.name.endswith("-attachment.txt") for p in files)
    assert any(p.name == "transcript.txt" for p in files) and any(p.name == "evidence.html" for p in files)
    assert any(b"********" in p.read_bytes() for p in files if p.name == "transcript.txt")
    leaks = [(p.relative_to(tmp_path).as_posix(), form) for p in files for secret in (HOST_PASSWORD, NAS_PASSWORD)
             for form in _forms(secret) if form in p.read_bytes()]
    assert leaks == []
