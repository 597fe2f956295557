"""harness.engine.host_facts: the host's facts in the run record's names."""

from harness.engine.host_facts import read_host_facts
from tests.restore.fake_host import FakeHost


def test_host_facts_give_hyperv_version_and_unknown_for_missing_facts() -> None:
    host = FakeHost({"host_facts": {"OsCaption": "Microsoft Windows Server 2022 Datacenter", "OsVersion": "10.0.20348",
                                    "OsBuild": "20348", "HyperVVersion": "10.0.20348.1", "ComputerName": "HV-LAB01"}})
    facts = read_host_facts(host)
    assert facts["hyperv_version"] == "10.0.20348.1" and facts["os_build"] == "20348"
    assert facts["ps_version"] == "unknown"
    assert read_host_facts(FakeHost({"host_facts": {"HyperVVersion": ""}}))["hyperv_version"] == "unknown"
