import json

import pytest

from harness.errors import LabSafetyError, UsageError
from harness.ledger import CREATED, GONE, INTENT, Ledger, ledger_path

RUN = "rh-20261121-0900-ab12"
ROOTS = {"HV-LAB01": "E:\\RestoreTests"}


@pytest.fixture
def ledger(tmp_path):
    return Ledger.create(RUN, tmp_path, ROOTS)


def test_intent_is_on_disk_before_the_resource_exists_then_confirmed(ledger, tmp_path):
    entry = ledger.intend("vm", "HV-LAB01", "s1", vm_name=f"{RUN}-s1", path=f"E:\\RestoreTests\\{RUN}\\s1")
    on_disk = json.loads(ledger_path(tmp_path, RUN).read_text(encoding="utf-8"))
    assert on_disk["entries"][0]["state"] == INTENT and on_disk["entries"][0]["vm_name"] == f"{RUN}-s1"
    ledger.confirm(entry, vm_id="ABC")
    again = Ledger.load(ledger_path(tmp_path, RUN))
    assert again.entries[0].state == CREATED and again.entries[0].vm_id == "abc"


def test_refuses_paths_outside_the_run_folder_and_unprefixed_vm_names(ledger):
    with pytest.raises(LabSafetyError, match="outside the run folder"):
        ledger.intend("folder", "HV-LAB01", "s1", path="E:\\RestoreTests\\other")
    with pytest.raises(LabSafetyError, match="outside the run folder"):
        ledger.intend("file", "HV-LAB01", "s1", path=f"E:\\RestoreTests\\{RUN}\\..\\x")
    with pytest.raises(LabSafetyError, match="run prefix"):
        ledger.intend("vm", "HV-LAB01", "s1", vm_name="LAB-DC01")
    with pytest.raises(LabSafetyError, match="no scratch root"):
        ledger.intend("folder", "HV-OTHER", "s1", path=f"E:\\RestoreTests\\{RUN}")


def test_same_resource_twice_is_one_entry_and_settled_entries_are_closed(ledger):
    a = ledger.intend("folder", "HV-LAB01", "s1", path=f"E:\\RestoreTests\\{RUN}\\s1")
    b = ledger.intend("folder", "HV-LAB01", "s1", path=f"e:\\restoretests\\{RUN}\\S1")
    assert a is b and len(ledger) == 1
    ledger.settle(a, GONE)
    assert ledger.open_entries() == []


def test_reusing_a_run_id_with_open_entries_is_refused(ledger, tmp_path):
    ledger.intend("folder", "HV-LAB01", "s1", path=f"E:\\RestoreTests\\{RUN}")
    with pytest.raises(UsageError, match="restore-harness cleanup"):
        Ledger.create(RUN, tmp_path, ROOTS)


def test_listeners_see_every_save_unless_mirroring_is_off(ledger):
    seen = []
    ledger.add_listener(lambda l: seen.append(len(l)))
    ledger.intend("folder", "HV-LAB01", "s1", path=f"E:\\RestoreTests\\{RUN}")
    ledger.mirroring = False
    ledger.intend("folder", "HV-LAB01", "s2", path=f"E:\\RestoreTests\\{RUN}\\s2")
    assert seen == [1]
