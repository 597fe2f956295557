"""Preflight against the simulated lab over real WinRM: a share source is checked with its own
credential (the session's logon does not reach it: the second hop)."""

from __future__ import annotations

import pytest

from harness.inventory import load_inventory
from harness.inventory.loader import parse_inventory
from harness.preflight import run_preflight
from harness.remote.session import connect

sim = pytest.importorskip("simlab")

INVENTORY = "inventories/sim-lab.yml"
RUN = "rh-20261122-0100-pf01"


@pytest.fixture
def env(monkeypatch):
    monkeypatch.setenv("RH_SIM_PASSWORD", "sim-pass-123")
    monkeypatch.setenv("RH_GUEST_PASSWORD", "guest-pass-1")
    monkeypatch.setenv("RH_NAS_USER", "wsb-reader")
    monkeypatch.setenv("RH_NAS_PASSWORD", "nas-pass-456")
    return monkeypatch


def _preflight(lab, inv):
    host_cfg = inv.hosts[0].model_copy(update={"address": "127.0.0.1", "port": int(lab.port)})
    scenarios = [inv.scenario("wsb-fs01-files")]
    with connect(host_cfg) as host:
        return run_preflight(inv, {host_cfg.name: host}, scenarios, RUN).hosts[host_cfg.name]


def test_share_source_is_readable_with_its_credential(env):
    inv = load_inventory(INVENTORY)
    with sim.SimulatedLab.from_inventory(INVENTORY) as lab:
        hp = _preflight(lab, inv)
    assert not hp.problems, hp.problems
    assert any("backup source" in line and "\\\\NAS01\\wsb" in line and "readable" in line for line in hp.lines)


def test_wrong_share_password_is_a_named_problem_without_the_password(env):
    # the inventory's share credential names another variable than the one the (simulated) NAS knows
    text = open(INVENTORY, encoding="utf-8").read().replace("password_env: RH_NAS_PASSWORD",
                                                             "password_env: RH_NAS_PASSWORD_TYPO", 1)
    inv = parse_inventory(text, INVENTORY)
    env.setenv("RH_NAS_PASSWORD_TYPO", "not-the-password-789")
    with sim.SimulatedLab.from_inventory(INVENTORY) as lab:
        hp = _preflight(lab, inv)
    problem = next(p for p in hp.problems if "\\\\NAS01\\wsb" in p)
    assert "not readable" in problem and "The user name or password is incorrect" in problem
    assert "not-the-password-789" not in " ".join(hp.problems + hp.lines)


def test_share_access_denied_is_a_named_problem(env):
    inv = load_inventory(INVENTORY)
    with sim.SimulatedLab.from_inventory(INVENTORY) as lab:
        lab.inject("share_access_denied", target="\\\\NAS01\\wsb")
        hp = _preflight(lab, inv)
    problem = next(p for p in hp.problems if "\\\\NAS01\\wsb" in p)
    assert "Access is denied" in problem
