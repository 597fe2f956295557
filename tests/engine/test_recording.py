"""The evidence wired into the engine (harness/engine/recording.py, harness/engine/run.py): which key
signs, a demo-like run against the simulated lab that leaves a signed folder both `verify-evidence`
and `ssh-keygen -Y verify` accept, restore times and RTO on the lab host's clock, the backup-age policy
for an import's export, and what the operator is told after the folder is finished."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from harness import cli
from harness.engine import recording
from harness.engine.run import open_run
from harness.evidence.keys import KEY_ENV, SigningKeyError, generate
from harness.evidence.record import RunRecorder
from harness.inventory import load_inventory
from harness.restore import registry
from harness.restore.protocol import BackupUsed, MethodOutcome
from tests.engine.fake_method import FakeMethod
from tests.engine.test_run import LabClockHost, make_run, registered, scenario

REPO = Path(__file__).resolve().parents[2]
SIM = REPO / "inventories" / "sim-lab.yml"


def reports_settings(**kw) -> SimpleNamespace:
    base = {"signing_key": None, "create_signing_key": False, "tsa_url": None, "title": "T", "organisation": None}
    return SimpleNamespace(reports=SimpleNamespace(**{**base, **kw}))


# ----------------------------------------------------------------------------- which key signs


def test_the_option_wins_over_the_environment_and_the_inventory(tmp_path: Path) -> None:
    a, b = generate(str(tmp_path / "a"), "a@lab"), generate(str(tmp_path / "b"), "b@lab")
    inv = reports_settings(signing_key=str(tmp_path / "b"))
    assert recording.signing_key(inv, str(tmp_path / "a"), env={}).fingerprint == a.fingerprint
    assert recording.signing_key(inv, None, env={KEY_ENV: str(tmp_path / "a")}).fingerprint == a.fingerprint
    assert recording.signing_key(inv, None, env={}).fingerprint == b.fingerprint
    assert recording.signing_key(reports_settings(), None, env={}) is None  # unsigned, said after finish


def test_a_missing_key_is_a_usage_error_unless_the_inventory_asks_to_create_it(tmp_path: Path) -> None:
    ref = str(tmp_path / "keys" / "demo_ed25519")
    with pytest.raises(SigningKeyError, match="restore-harness keygen"):
        recording.signing_key(reports_settings(signing_key=ref), None, env={})
    notices: list[str] = []
    inv = reports_settings(signing_key=ref, create_signing_key=True)
    key = recording.signing_key(inv, None, env={}, notice=notices.append)
    assert key.identity == recording.DEMO_IDENTITY and "throwaway" in notices[0]
    trusted = (tmp_path / "keys" / "allowed_signers").read_text(encoding="utf-8")
    assert trusted.strip() == key.allowed_signers_line
    again = recording.signing_key(inv, None, env={}, notice=notices.append)  # created once, then reused
    assert again.fingerprint == key.fingerprint and len(notices) == 1


def test_an_unsigned_folder_is_said_after_finish(tmp_path: Path) -> None:
    inv_file = tmp_path / "lab.yml"
    inv_file.write_text("version: 1\n", encoding="utf-8")
    rec = RunRecorder("rh-20261121-0900-ab12", tmp_path, inv_file, simulated=False)
    rec.finish()
    (line,) = recording.finish_notes(rec)
    assert line.startswith("WARNING:") and "UNSIGNED" in line and "restore-harness keygen" in line


# ----------------------------------------------------------------------------- a demo-like run


@pytest.fixture
def demo_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    """One import of the simulated lab as `restore-harness demo` runs it: the sim inventory's own key
    (reports/keys/demo_ed25519, created on first use), reports in a temporary folder."""
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.chdir(tmp_path)  # the inventory's relative key path lands here, not in the repository
    inventory = load_inventory(SIM)
    chosen = [inventory.scenario("import-cm01")]
    notices: list[str] = []
    with open_run(inventory, SIM, scenarios=chosen, reports=tmp_path / "reports", notice=notices.append) as run:
        run.restore(chosen[0])
        run.boot(chosen[0])
        run.services_healthy(chosen[0])
        run.recorder.check("import-cm01", "vm registered", "passed", expected={"id_rule": "same as backup"},
                           found={"id": "x"})
    return SimpleNamespace(run=run, folder=run.recorder.dir, notices=notices,
                           allowed=tmp_path / "reports" / "keys" / "allowed_signers",
                           record=json.loads((run.recorder.dir / "run.json").read_text(encoding="utf-8")))


def test_a_demo_run_is_signed_and_verify_evidence_accepts_it(demo_run, capsys) -> None:
    sig = demo_run.record["signature"]
    assert sig["signed"] is True and sig["identity"] == recording.DEMO_IDENTITY
    assert any("--allowed-signers reports/keys/allowed_signers" in n for n in demo_run.notices)
    assert cli.main(["verify-evidence", str(demo_run.folder), "--allowed-signers", str(demo_run.allowed)]) == 0
    out = capsys.readouterr().out
    assert f"Good \"restore-harness\" signature by {recording.DEMO_IDENTITY}" in out and "SIMULATED run" in out


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="ssh-keygen (Debian: openssh-client) not installed")
def test_a_demo_run_is_accepted_by_ssh_keygen_verify(demo_run) -> None:
    manifest = (demo_run.folder / "MANIFEST.sha256").read_bytes()
    res = subprocess.run(["ssh-keygen", "-Y", "verify", "-f", str(demo_run.allowed), "-I", recording.DEMO_IDENTITY,
                          "-n", "restore-harness", "-s", str(demo_run.folder / "MANIFEST.sha256.sig")],
                         input=manifest, capture_output=True, check=False)
    assert res.returncode == 0, res.stderr.decode()
    assert b"Good \"restore-harness\" signature" in res.stdout + res.stderr


def test_a_demo_run_records_policies_title_profiles_and_the_lab_clock(demo_run) -> None:
    rec = demo_run.record
    assert rec["title"] == "Restore test evidence (simulated lab)" and rec["max_backup_age_days"] == 7
    assert rec["operator"] and rec["controller_host"]
    assert [c["name"] for c in rec["config_files"]] == ["sim-lab.yml", "profiles/configmgr-primary.yml"]
    (sc,) = rec["scenarios"]
    assert sc["restores_vm"] is True and sc["rto_minutes"] is not None and sc["rto_met"] is True
    # the import's backup time is the export's (.vmcx written), its age measured on the lab clock
    assert sc["backup"]["version_id"].lower().endswith(".vmcx") and sc["backup"]["age_days"] is not None
    clock = rec["clock"]["hosts"]["HV-LAB01"]
    assert rec["clock"]["reference_host"] == "HV-LAB01" and clock["readings"] >= 4
    check = sc["checks"][0]
    assert check["expected"] == {"id_rule": "same as backup"} and check["evidence"][0].endswith("check-vm_registered.json")


def test_status_shows_a_simulated_system_as_simulated_only_never_compliant(demo_run, capsys) -> None:
    evidence = demo_run.folder.parent
    code = cli.main(["status", "--evidence-dir", str(evidence), "--allowed-signers", str(demo_run.allowed), "--json"])
    doc = json.loads(capsys.readouterr().out)
    (system,) = doc["systems"]
    assert code == 1 and system["system"] == "CM01" and system["simulated_only"] is True
    assert system["compliant"] is False and doc["folders"][0]["counted"] is True


# ----------------------------------------------------------------------------- lab time


def test_a_bmr_reports_lab_time_not_controller_time(tmp_path: Path) -> None:
    """The simulated lab's clock jumps while WinPE recovers and the guest boots (minutes of lab time
    in a fraction of a second here): the recorded restore and RTO must cover that lab time."""
    inventory = load_inventory(SIM)
    chosen = [inventory.scenario("bmr-fs01")]
    with open_run(inventory, SIM, scenarios=chosen, reports=tmp_path, notice=lambda _t: None) as run:
        result = run.restore(chosen[0]).result
        run.services_healthy(chosen[0])
    (sc,) = run.recorder.data["scenarios"]
    lab_seconds = result.recovery_seconds + (result.boot.heartbeat_after_s or 0)
    assert result.boot.ok and lab_seconds > 60  # WinPE and the boot took minutes on the lab host
    assert sc["restore"]["duration_minutes"] * 60 >= lab_seconds
    assert sc["rto_minutes"] >= sc["restore"]["duration_minutes"] and sc["rto_met"] is True


# ----------------------------------------------------------------------------- policies for every method


def test_an_import_of_an_old_export_is_a_backup_age_finding(tmp_path: Path) -> None:
    lab_now = datetime(2026, 11, 21, 0, 0, tzinfo=UTC)
    exported = lab_now - timedelta(days=9.9)

    class OldExport(FakeMethod):
        def run(self, ctx, sc, plan):  # an import whose export (.vmcx) was written 9.9 days ago
            return MethodOutcome(None, BackupUsed("CM01.vmcx", exported, "B:\\Exports\\CM01"), "imported",
                                 lab_now, lab_now)

    with registered(OldExport(name="import-like")):
        run = make_run(tmp_path, [scenario(method="import-like")], LabClockHost(start=lab_now, step=60),
                       max_backup_age_days=7)  # the inventory's policies.max_backup_age_days
        run.restore(scenario(method="import-like"))
    (sc,) = run.recorder.data["scenarios"]
    assert sc["backup"]["age_days"] == 9.9 and sc["backup"]["backup_time"] == "2026-11-11T02:24:00Z"
    assert [f["kind"] for f in sc["findings"] if f["kind"] == "backup-age"] == ["backup-age"]
    assert "9.9 days old" in sc["findings"][0]["message"]


def test_a_scenarios_own_limit_reaches_the_record(tmp_path: Path) -> None:
    sc = SimpleNamespace(**vars(scenario()), wsb=SimpleNamespace(max_age_days=2))
    assert recording.backup_age_override(sc) == 2.0 and recording.backup_age_override(scenario()) is None
    assert registry.restores_vm("import") is True


def test_a_host_whose_clock_cannot_be_read_mid_run_still_gets_its_failed_restore_recorded(tmp_path: Path) -> None:
    class LostHost(LabClockHost):
        def run(self, template, params, **kw):
            if len(self.calls) >= 1:  # the first reading worked, then the host was lost
                self.calls.append(template)
                raise ConnectionError("host unreachable")
            return super().run(template, params, **kw)

    from harness.errors import LabError

    with registered(FakeMethod(outcome=LabError("lost HV-LAB01"))):
        run = make_run(tmp_path, [scenario()], LostHost())
        run.now("HV-LAB01")  # the preflight's reading
        with pytest.raises(LabError):
            run.restore(scenario())
    (sc,) = run.recorder.data["scenarios"]
    assert sc["restore"]["ok"] is False and sc["restore"]["message"] == "lost HV-LAB01"
    assert sc["restore"]["started"].startswith("2026-11-21T00:00")  # from the last measured offset


def test_a_signed_folder_names_its_signer_and_a_failed_time_stamp_is_said(tmp_path: Path) -> None:
    inv_file = tmp_path / "lab.yml"
    inv_file.write_text("version: 1\n", encoding="utf-8")
    key = generate(str(tmp_path / "keys" / "k"), "restore-lab@example.org")
    (tmp_path / "keys" / "allowed_signers").write_text(key.allowed_signers_line + "\n", encoding="utf-8")
    rec = RunRecorder("rh-20261121-0900-ab12", tmp_path, inv_file, simulated=False, signing_key=key,
                      tsa_url="http://127.0.0.1:9/tsr")  # nothing listens on the discard port
    rec.finish()
    lines = recording.finish_notes(rec)
    assert lines[0] == f"Evidence {rec.dir} signed by restore-lab@example.org ({key.fingerprint})"
    assert lines[1] == f"  verify: restore-harness verify-evidence {rec.dir} --allowed-signers {tmp_path / 'keys' / 'allowed_signers'}"
    assert lines[2].startswith("WARNING: no RFC 3161 time-stamp (http://127.0.0.1:9/tsr): ") and rec.timestamp_problem


def test_ctrl_c_is_recorded_and_the_folder_is_still_finished_and_signed(tmp_path: Path) -> None:
    inventory = load_inventory(SIM)
    chosen = [inventory.scenario("import-sql01")]
    with pytest.raises(KeyboardInterrupt):
        with open_run(inventory, SIM, scenarios=chosen, reports=tmp_path, notice=lambda _t: None) as run:
            raise KeyboardInterrupt
    record = json.loads((run.recorder.dir / "run.json").read_text(encoding="utf-8"))
    assert record["interrupted"] == "interrupted (Ctrl+C)" and record["signature"]["signed"] is True
    assert (run.recorder.dir / "MANIFEST.sha256.sig").is_file()
