"""RunRecorder: what lands in the run's evidence directory."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from harness.evidence.manifest import read_manifest, sha256_file
from harness.evidence.record import RecorderError, RunRecorder

T0 = datetime(2025, 3, 10, 8, 0, tzinfo=UTC)


def _cm01_run(reports_dir: Path, inventory_file: Path, *, simulated: bool = False) -> RunRecorder:
    rec = RunRecorder("RH-20250310-0800", reports_dir, inventory_file, simulated=simulated,
                      operator="山田 太郎", ci_job="nightly#42")
    rec.host_facts("HV-LAB01", {"os_caption": "Microsoft Windows Server 2022 Datacenter", "os_build": "20348"})
    rec.scenario_started("import-copy-CM01", system="CM01", method="Hyper-V import", import_type="copy",
                         host="HV-LAB01", rto_target_minutes=60)
    rec.backup_used("import-copy-CM01", version_id="03/09/2025-21:00", backup_time=T0 - timedelta(hours=11),
                    target=r"\\NAS01\wsb", age_days=0.46)
    rec.restore_finished("import-copy-CM01", started=T0, finished=T0 + timedelta(minutes=30), ok=True, message="imported")
    rec.services_healthy("import-copy-CM01", T0 + timedelta(minutes=75))
    return rec


def test_finish_writes_all_files_and_returns_the_run_dir(reports_dir: Path, inventory_file: Path, clock) -> None:
    rec = _cm01_run(reports_dir, inventory_file)
    svc = rec.add_evidence("import-copy-CM01", "services.json", '{"SMS_EXECUTIVE": "Running"}', kind="json")
    rec.check("import-copy-CM01", "services healthy", "passed", "all 5 services running", evidence=[svc])
    out = rec.finish()
    assert out == reports_dir / "evidence" / "RH-20250310-0800"
    names = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert names == {"run.json", "evidence.json", "evidence.html", "MANIFEST.sha256",
                     "files/import-copy-CM01/services.json", "files/_config/lab.yml"}
    manifest = read_manifest(out / "MANIFEST.sha256")
    assert set(manifest) == names - {"MANIFEST.sha256"}
    assert manifest["run.json"] == sha256_file(out / "run.json")


def test_run_json_holds_backup_restore_rto_and_checks(reports_dir: Path, inventory_file: Path, clock) -> None:
    rec = _cm01_run(reports_dir, inventory_file)
    rec.check("import-copy-CM01", "VM registered", "passed")
    rec.check("import-copy-CM01", "no backup checkpoint", "failed", "checkpoint 'バックアップ' left")
    run = json.loads((rec.finish() / "run.json").read_text(encoding="utf-8"))
    assert run["operator"] == "山田 太郎" and run["ci_job"] == "nightly#42"
    assert run["inventory"]["sha256"] == sha256_file(inventory_file)
    sc = run["scenarios"][0]
    assert sc["backup"] == {"version_id": "03/09/2025-21:00", "backup_time": "2025-03-09T21:00:00Z",
                            "target": r"\\NAS01\wsb", "age_days": 0.46}
    assert sc["restore"]["duration_minutes"] == 30.0 and sc["restore"]["ok"] is True
    assert sc["rto_minutes"] == 75.0 and sc["rto_met"] is False
    assert [c["outcome"] for c in sc["checks"]] == ["passed", "failed"]
    assert sc["checks"][1]["message"] == "checkpoint 'バックアップ' left"
    assert sc["outcome"] == "failed"


def test_run_json_is_written_while_the_run_goes_on(reports_dir: Path, inventory_file: Path, clock) -> None:
    rec = _cm01_run(reports_dir, inventory_file)
    run = json.loads((rec.dir / "run.json").read_text(encoding="utf-8"))
    assert run["finished"] is None and run["scenarios"][0]["restore"]["ok"] is True


def test_evidence_outside_the_run_dir_is_copied_in(reports_dir: Path, inventory_file: Path, tmp_path: Path, clock) -> None:
    rec = _cm01_run(reports_dir, inventory_file)
    outside = tmp_path / "compare-vm.txt"
    outside.write_text("Incompatibility: switch Corp-LAN not found", encoding="utf-8")
    rec.check("import-copy-CM01", "switch mapping", "passed", evidence=[outside])
    run = json.loads((rec.finish() / "run.json").read_text(encoding="utf-8"))
    rel = run["scenarios"][0]["checks"][0]["evidence"][0]
    assert rel == "files/import-copy-CM01/compare-vm.txt"
    assert (rec.dir / rel).read_text(encoding="utf-8") == outside.read_text(encoding="utf-8")


def test_same_evidence_name_twice_gets_a_new_file(reports_dir: Path, inventory_file: Path, clock) -> None:
    rec = _cm01_run(reports_dir, inventory_file)
    a = rec.add_evidence("import-copy-CM01", "out.txt", "one")
    b = rec.add_evidence("import-copy-CM01", "out.txt", "two")
    assert a != b and a.read_text() == "one" and b.read_text() == "two"


@pytest.mark.parametrize(
    ("call", "needle"),
    [
        (lambda r: r.check("nope", "x", "passed"), "was not started"),
        (lambda r: r.check("import-copy-CM01", "x", "green"), "not one of passed, failed, broken, skipped"),
        (lambda r: r.scenario_started("import-copy-CM01", system="CM01", method="m", import_type=None,
                                      host="h", rto_target_minutes=None), "already started"),
        (lambda r: r.check("import-copy-CM01", "x", "passed", evidence=[Path("/nonexistent/e.txt")]), "does not exist"),
    ],
)
def test_misuse_is_reported_clearly(reports_dir: Path, inventory_file: Path, clock, call, needle: str) -> None:
    rec = _cm01_run(reports_dir, inventory_file)
    with pytest.raises(RecorderError, match=needle):
        call(rec)


def test_finished_evidence_is_never_overwritten(reports_dir: Path, inventory_file: Path, clock) -> None:
    rec = _cm01_run(reports_dir, inventory_file)
    rec.check("import-copy-CM01", "VM registered", "passed")
    rec.finish()
    with pytest.raises(RecorderError, match="already finished"):
        rec.finish()
    with pytest.raises(RecorderError, match="already holds finished evidence"):
        RunRecorder("RH-20250310-0800", reports_dir, inventory_file, simulated=False)


def test_a_late_interruption_does_not_rewrite_the_signed_record(reports_dir: Path, inventory_file: Path, clock) -> None:
    """Ctrl-C can arrive while the session ends, after the folder was finished: run.json stays as
    it was written (and so as MANIFEST.sha256 and its signature say)."""
    rec = _cm01_run(reports_dir, inventory_file)
    rec.finish()
    before = (rec.dir / "run.json").read_bytes()
    rec.mark_interrupted("interrupted (SIGINT)")
    assert (rec.dir / "run.json").read_bytes() == before


def test_run_id_must_be_a_plain_folder_name(reports_dir: Path, inventory_file: Path) -> None:
    with pytest.raises(RecorderError, match="not usable as a directory name"):
        RunRecorder("../escape", reports_dir, inventory_file, simulated=False)
