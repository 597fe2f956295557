"""Item-level WSB restore flow against scripted template answers."""

from __future__ import annotations

import pytest

from harness import naming
from harness.errors import RemoteAccessDenied, RemoteNotFound, RemoteNotInstalled
from harness.inventory import load_inventory
from harness.ledger import Ledger
from harness.restore.wsb_items import plan_file_restore, restore_files
from harness.secrets import REDACTOR
from harness.wsb.errors import BackupTargetUnavailable, ItemNotInBackup, ManifestError, WsbNotInstalled
from tests.restore.fake_host import FakeHost
from tests.restore.wsb_fakes import FILES, catalog, hashes, job_poll

RUN = "rh-20261121-0900-ab12"


@pytest.fixture
def env(monkeypatch):
    monkeypatch.setenv("RH_NAS_USER", "wsb-reader")
    monkeypatch.setenv("RH_NAS_PASSWORD", "S3cret-for-NAS!")
    monkeypatch.setenv("RH_SIM_PASSWORD", "x")


@pytest.fixture
def inv(env):
    return load_inventory("inventories/sim-lab.yml")


@pytest.fixture
def ledger(tmp_path):
    return Ledger.create(RUN, tmp_path, {"HV-LAB01": "E:\\RestoreTests"})


def run(inv, ledger, answers):
    sc = inv.scenario("wsb-fs01-files")
    plan = plan_file_restore(inv, sc, RUN)
    host = FakeHost(answers)
    return host, plan, restore_files(host, inv, sc, plan, ledger, sleep=lambda s: None)


def good_answers(**over):
    answers = {"wsb_backup_sets": catalog(), "wsb_start_file_recovery": {"Now": "2026-11-21T00:00:00Z"},
               "wsb_job": job_poll(), "wsb_hash_files": hashes()}
    answers.update(over)
    return answers


def test_plan_mirrors_original_paths_under_the_run_folder(inv):
    plan = plan_file_restore(inv, inv.scenario("wsb-fs01-files"), RUN)
    assert plan.restore_root == "E:\\RestoreTests\\rh-20261121-0900-ab12\\wsb-fs01-files\\files"
    assert plan.item_target("D:\\Shares\\HR\\人事") == plan.restore_root + "\\D\\Shares\\HR"
    assert all(naming.is_inside_run_dir(plan.item_target(i), "E:\\RestoreTests", RUN) for i in plan.items)


def test_restore_verifies_content_and_never_targets_the_original(inv, ledger):
    host, plan, result = run(inv, ledger, good_answers())
    starts = [p for t, p in host.calls if t == "wsb_start_file_recovery"]
    assert [p["source_path"] for p in starts] == ["D:\\Shares\\Finance", "D:\\Shares\\HR\\人事"]
    assert all(p["target_path"].startswith(plan.restore_root) for p in starts)
    target = dict(starts[0]["target"])  # the password stays a SecretStr until the parameters JSON
    assert "S3cret-for-NAS!" not in repr(target)
    assert target.pop("password").get_secret_value() == "S3cret-for-NAS!"
    assert target == {"kind": "share", "path": "\\\\NAS01\\wsb", "user": "wsb-reader"}
    assert REDACTOR.redact("pw S3cret-for-NAS!") == "pw ********"  # registered when resolved
    assert host.templates().count("wsb_hash_files") == 1  # all files hashed in ONE command
    # the folder was recorded before the first recovery started
    assert ledger.entries[0].path == plan.run_dir and ledger.entries[0].state == "created"
    check, table = result.content_check()
    assert check.ok, check.message
    assert result.chosen.age_check.ok and result.chosen.backup.version_id == "11/20/2026-21:00"


def test_corrupted_and_missing_files_are_listed(inv, ledger):
    files = dict(FILES)
    files["D:\\Shares\\Finance\\予算2026.xlsx"] = b"corrupted bytes"
    del files["D:\\Shares\\HR\\人事\\名簿.xlsx"]
    _, _, result = run(inv, ledger, good_answers(wsb_hash_files=hashes(files)))
    check, table = result.content_check()
    assert not check.ok
    assert "1 changed: D:\\Shares\\Finance\\予算2026.xlsx" in check.message
    assert "1 missing: D:\\Shares\\HR\\人事\\名簿.xlsx" in check.message


def test_backup_too_old_is_a_finding_not_a_crash(inv, ledger):
    _, _, result = run(inv, ledger, good_answers(wsb_backup_sets=catalog(backup_time="2026-10-01T12:00:00Z")))
    age = result.chosen.age_check
    assert not age.ok and "11/20/2026-21:00" in age.message and "50.5 days old" in age.message
    assert "at most 7 days" in age.message


def test_item_missing_from_the_backup(inv, ledger):
    def start(params):
        if params["source_path"].endswith("人事"):
            raise RemoteNotFound(f"The file or folder {params['source_path']} does not exist in the backup.")
        return {"Now": "2026-11-21T00:00:00Z"}

    with pytest.raises(ItemNotInBackup, match="人事 could not be recovered from backup 11/20/2026-21:00"):
        run(inv, ledger, good_answers(wsb_start_file_recovery=start))


def test_share_access_denied_names_code_and_meaning(inv, ledger):
    err = RemoteAccessDenied("Access is denied.", details={"hresult": -2139619131})
    with pytest.raises(BackupTargetUnavailable) as exc:
        run(inv, ledger, good_answers(wsb_backup_sets=err))
    text = str(exc.value)
    assert "\\\\NAS01\\wsb" in text and "0x807800C5" in text and "share access or permissions" in text
    assert "S3cret" not in text


def test_wsb_not_installed_is_a_lab_problem(inv, ledger):
    err = RemoteNotInstalled("The term 'New-WBBackupTarget' is not recognized", host="HV-LAB01")
    with pytest.raises(WsbNotInstalled, match="Install-WindowsFeature Windows-Server-Backup"):
        run(inv, ledger, good_answers(wsb_backup_sets=err))


def test_missing_manifest_stops_before_restoring(inv, ledger):
    with pytest.raises(ManifestError, match="does not exist beside the backup"):
        run(inv, ledger, good_answers(wsb_backup_sets=catalog(manifest=False)))
    assert len(ledger) == 0
