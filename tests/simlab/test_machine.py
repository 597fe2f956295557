"""BareMachine: accounts, environment, default file system."""

from __future__ import annotations

from simlab.machine import BareMachine, Interface


def test_account_names_match_like_windows_local_accounts():
    m = BareMachine("hv-lab01", {"rh-operator": "pw"})
    assert m.computer_name == "HV-LAB01"
    for name in ("rh-operator", "RH-OPERATOR", "HV-LAB01\\rh-operator", "hv-lab01\\Rh-Operator", ".\\rh-operator"):
        assert m.check_password(name, "pw") == "rh-operator", name
    assert m.check_password("rh-operator", "PW") is None
    assert m.check_password("OTHER\\rh-operator", "pw") is None
    assert m.check_password("nobody", "pw") is None


def test_environment_and_filesystem_defaults():
    m = BareMachine("WIN1", env={"RH_EXTRA": "1"})
    env = m.environment()
    assert env["COMPUTERNAME"] == "WIN1" and env["SystemRoot"] == "C:\\Windows" and env["RH_EXTRA"] == "1"
    assert m.fs.is_dir("C:\\Windows\\System32")
    assert m.modules() == set()
    assert m.allow_unencrypted is False


def test_winrm_rights_and_interfaces():
    m = BareMachine(accounts={"a": "1", "b": "2"}, remote_users={"A"},
                    interfaces=[Interface("Lab", "10.0.0.5", gateway="")])
    assert m.may_use_winrm("a") and not m.may_use_winrm("b")
    assert m.interfaces[0].ipv4 == "10.0.0.5"
