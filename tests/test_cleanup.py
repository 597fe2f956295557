import argparse

import pytest

from harness.cleanup import HostMirror, load_ledger, teardown
from harness.ledger import Ledger
from tests.restore.fake_host import FakeHost

RUN = "rh-20261121-0900-ab12"
ROOT = f"E:\\RestoreTests\\{RUN}"


@pytest.fixture
def ledger(tmp_path):
    led = Ledger.create(RUN, tmp_path, {"HV-LAB01": "E:\\RestoreTests"})
    led.intend("folder", "HV-LAB01", "_run", path=ROOT)
    led.intend("folder", "HV-LAB01", "s1", path=f"{ROOT}\\s1")
    vm = led.intend("vm", "HV-LAB01", "s1", vm_name=f"{RUN}-s1", path=f"{ROOT}\\s1")
    led.confirm(vm, vm_id="11111111-2222-3333-4444-555555555555")
    return led


def test_teardown_sends_exactly_the_ledger_vms_first_folders_deepest_first(ledger):
    host = FakeHost({"ledger_remove": lambda p: [{"seq": i["seq"], "outcome": "removed", "message": "ok"} for i in p["items"]]})
    report = teardown(ledger, {"HV-LAB01": host})
    assert {t for t, _ in host.calls} == {"ledger_remove"}
    assert all(p["run_prefix"] == f"{RUN}-" and p["run_dir"] == ROOT for _, p in host.calls)
    assert [[(i["kind"], i["path"]) for i in p["items"]] for _, p in host.calls] == [
        [("vm", f"{ROOT}\\s1")], [("folder", f"{ROOT}\\s1")], [("folder", ROOT)]]  # one entry per command
    assert report.ok and ledger.open_entries() == []


def test_each_entry_is_settled_as_it_is_removed_so_a_stopped_teardown_leaves_an_exact_ledger(ledger):
    seen: list[list[str]] = []

    def remove(p):
        seen.append([e.state for e in ledger])  # the ledger as it stands when the next command is sent
        if p["items"][0]["path"] == ROOT:
            raise KeyboardInterrupt  # teardown abandoned before the run folder went
        return [{"seq": i["seq"], "outcome": "removed", "message": "ok"} for i in p["items"]]

    with pytest.raises(KeyboardInterrupt):
        teardown(ledger, {"HV-LAB01": FakeHost({"ledger_remove": remove})})
    assert seen == [["intent", "intent", "created"], ["intent", "intent", "removed"],
                    ["intent", "removed", "removed"]]
    assert [(e.kind, e.path) for e in ledger.open_entries()] == [("folder", ROOT)]
    assert ledger.load(ledger.path).open_entries()[0].path == ROOT  # the file says so too


def test_a_host_without_a_fresh_connection_is_reported_with_the_reason(ledger):
    report = teardown(ledger, {}, unreachable={"HV-LAB01": "connection refused"})
    assert len(report.left) == 3 and all("HV-LAB01 not reachable: connection refused" in x for x in report.left)
    assert len(ledger.open_entries()) == 3


def test_refused_or_failed_removals_stay_open_for_cleanup(ledger):
    host = FakeHost({"ledger_remove": lambda p: [{"seq": i["seq"], "outcome": "refused" if i["kind"] == "vm" else "removed",
                                                  "message": "outside"} for i in p["items"]]})
    report = teardown(ledger, {"HV-LAB01": host})
    assert not report.ok and "refused: outside" in ledger.open_entries()[0].message
    assert [e.kind for e in ledger.open_entries()] == ["vm"]


def test_mirror_writes_the_ledger_into_the_run_folder_it_recorded_first(tmp_path):
    led = Ledger.create(RUN, tmp_path, {"HV-LAB01": "E:\\RestoreTests"})
    host = FakeHost({"ledger_write": {"path": "x"}})
    mirror = HostMirror({"HV-LAB01": host})
    mirror.prepare(led, ["HV-LAB01"])
    led.add_listener(mirror)
    mirror(led)
    assert host.calls[0][1]["path"] == f"{ROOT}\\ledger.json"
    assert led.entries[0].path == ROOT and led.entries[0].state == "created"


def test_cleanup_reads_the_host_copy_when_the_local_ledger_is_gone(tmp_path, ledger):
    text = ledger.to_json()
    ledger.path.unlink()
    inventory = argparse.Namespace(hosts=[argparse.Namespace(name="HV-LAB01", scratch_root="E:\\RestoreTests")])
    host = FakeHost({"ledger_read": {"exists": True, "content": "\ufeff" + text}})
    loaded = load_ledger(tmp_path, RUN, inventory, {"HV-LAB01": host})
    assert len(loaded.open_entries()) == 3 and host.calls[0][1]["path"] == f"{ROOT}\\ledger.json"


def test_cleanup_leaves_reporting_its_errors_to_the_cli(tmp_path, capsys):
    # one place prints errors and maps them to exit codes: an invalid inventory is 2 as for every
    # command, a damaged ledger a harness error (4) naming the file, each said once on stderr
    from harness import cli
    from harness.exitcodes import ExitCode

    bad = tmp_path / "bad.yml"
    bad.write_text("hosts: [\n", encoding="utf-8")
    assert cli.main(["cleanup", "--inventory", str(bad), "--run-id", RUN]) == ExitCode.INVALID
    err = capsys.readouterr().err
    assert str(bad) in err and not err.startswith("error:")
    (tmp_path / "ledger").mkdir()
    (tmp_path / "ledger" / f"{RUN}.json").write_text("{not json", encoding="utf-8")
    code = cli.main(["cleanup", "--inventory", "inventories/sim-lab.yml", "--run-id", RUN, "--reports", str(tmp_path)])
    out, err = capsys.readouterr()
    assert code == ExitCode.HARNESS and out == ""
    assert err.count(f"{RUN}.json is not valid JSON") == 1 and err.startswith("restore-harness cleanup: ")
