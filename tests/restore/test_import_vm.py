import pytest

from harness.errors import RemoteAlreadyExists
from harness.inventory import parse_inventory
from harness.ledger import Ledger
from harness.restore.import_vm import (
    ImportIncompatible, ImportRefused, IsolationViolation, UnmappedSwitch, import_vm, plan_import,
)
from tests.restore.fake_host import FakeHost
from tests.test_preflight import INVENTORY

RUN = "rh-20261121-0900-ab12"
SRC = "7d0c6f0e-3b0f-4a52-9d7e-2c1a5f0c0001"
NEW = "99999999-0000-0000-0000-000000000001"
SWITCHES = [{"Name": "Lab-Isolated", "SwitchType": 0}, {"Name": "Corp-External", "SwitchType": 2}]


@pytest.fixture
def inventory():
    return parse_inventory(INVENTORY, "test.yml")


@pytest.fixture
def ledger(tmp_path):
    return Ledger.create(RUN, tmp_path, {"HV-LAB01": "E:\\RestoreTests"})


def plan(inventory, import_type="copy-new-id"):
    sc = inventory.scenarios[0].model_copy(update={"import_type": import_type})
    return plan_import(inventory, sc, RUN)


def precheck(**over):
    data = {"Vmcx": f"B:\\Exports\\CM01\\Virtual Machines\\{SRC.upper()}.vmcx", "VmId": SRC, "Registered": None,
            "Files": [], "Conflicts": [], "VmcxWritten": "2026-11-20T21:00:00.0000000Z"}
    data.update(over)
    return data


def imported(switch="Lab-Isolated", vm_id=NEW):
    return {"outcome": "imported", "source": {"Id": SRC, "Name": "CM01", "Generation": 2, "Version": "9.0"},
            "vm": {"Id": vm_id, "Name": f"{RUN}-cm01", "State": 3, "Generation": 2, "Version": "9.0"},
            "adapters": [{"Name": "Network Adapter", "OriginalSwitch": "Corp-LAN", "SwitchName": switch, "Connected": True}],
            "incompatibilities": [{"MessageId": 33012, "Message": "Could not find Ethernet switch 'Corp-LAN'.",
                                   "Adapter": "Network Adapter", "Switch": "Corp-LAN", "Fix": "connected to Lab-Isolated"}],
            "switches": SWITCHES}


def test_plan_puts_everything_under_the_run_folder_with_a_prefixed_name(inventory):
    p = plan(inventory)
    assert p.run_dir == f"E:\\RestoreTests\\{RUN}\\cm01" and p.vm_name == f"{RUN}-cm01"
    assert p.folder == "B:\\Exports\\CM01" and p.vhd_path.startswith(p.run_dir) and not p.keeps_id
    reg = plan(inventory, "register")
    assert reg.copy_to == f"E:\\RestoreTests\\{RUN}\\cm01\\CM01" and reg.keeps_id


def test_copy_import_records_intent_before_the_import_and_confirms_after(inventory, ledger):
    states = []

    def do_import(params):
        states.append([(e.kind, e.state) for e in ledger.entries])
        assert params["switch_map"] == {"Corp-LAN": "Lab-Isolated"} and params["name"] == f"{RUN}-cm01"
        return imported()

    host = FakeHost({"import_precheck": precheck(), "import_vm": do_import})
    result = import_vm(host, plan(inventory), ledger)
    assert states == [[("folder", "intent"), ("vm", "intent")]]
    assert [(e.kind, e.state, e.vm_id) for e in ledger.entries] == [("folder", "created", None), ("vm", "created", NEW)]
    assert result.vm_id == NEW and result.source_id == SRC and result.expected_switches == {"Network Adapter": "Lab-Isolated"}


def test_existing_id_import_is_refused_up_front_when_the_id_is_registered(inventory, ledger):
    host = FakeHost({"import_precheck": precheck(Registered={"Id": SRC, "Name": "CM01", "Path": "E:\\Hyper-V\\CM01"})})
    with pytest.raises(ImportRefused, match=r"a VM with the backup's id .* is already registered on HV-LAB01 as 'CM01'"):
        import_vm(host, plan(inventory, "restore"), ledger)
    assert host.templates() == ["import_precheck"] and len(ledger) == 0


def test_existing_destination_files_are_refused_with_their_paths(inventory, ledger):
    path = f"E:\\RestoreTests\\{RUN}\\cm01\\Virtual Hard Disks\\CM01.vhdx"
    host = FakeHost({"import_precheck": precheck(Conflicts=[path])})
    with pytest.raises(ImportRefused, match="destination files already exist.*CM01.vhdx"):
        import_vm(host, plan(inventory), ledger)


def test_hyperv_file_exists_error_during_import_becomes_a_refusal(inventory, ledger):
    err = RemoteAlreadyExists("The file 'E:\\x\\CM01.vhdx' already exists.", host="HV-LAB01", template="import_vm")
    host = FakeHost({"import_precheck": precheck(), "import_vm": err})
    with pytest.raises(ImportRefused, match=r"E:\\x\\CM01.vhdx"):
        import_vm(host, plan(inventory), ledger)
    assert [e.state for e in ledger.entries] == ["intent", "intent"]  # teardown still covers them


def test_unmapped_switch_names_adapter_and_switch(inventory, ledger):
    refused = {"outcome": "refused", "source": {}, "vm": None, "adapters": [], "switches": SWITCHES,
               "incompatibilities": [{"MessageId": 33012, "Message": "Could not find Ethernet switch 'Corp-Mgmt'.",
                                      "Adapter": "Mgmt NIC", "Switch": "Corp-Mgmt", "Fix": "unmapped"}]}
    host = FakeHost({"import_precheck": precheck(), "import_vm": refused})
    with pytest.raises(UnmappedSwitch, match="adapter 'Mgmt NIC' on switch 'Corp-Mgmt'.*Fix: add `Corp-Mgmt: "):
        import_vm(host, plan(inventory), ledger)


def test_other_incompatibilities_are_fatal_and_listed(inventory, ledger):
    refused = {"outcome": "refused", "source": {}, "vm": None, "adapters": [], "switches": SWITCHES,
               "incompatibilities": [{"MessageId": 40010, "Message": "The VM version is not supported.", "Fix": "fatal"}]}
    host = FakeHost({"import_precheck": precheck(), "import_vm": refused})
    with pytest.raises(ImportIncompatible, match="MessageId 40010: The VM version is not supported."):
        import_vm(host, plan(inventory), ledger)


def test_isolation_guard_fails_a_vm_left_on_an_external_switch(inventory, ledger):
    host = FakeHost({"import_precheck": precheck(), "import_vm": imported(switch="Corp-External")})
    with pytest.raises(IsolationViolation, match="'Corp-External' is External"):
        import_vm(host, plan(inventory), ledger)
    assert ledger.entries[-1].state == "created"  # the VM is in the ledger, so teardown removes it
