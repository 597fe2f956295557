"""Fixtures: a bare simulated machine and WS-Man servers on loopback, stopped after each test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from simlab.machine import BareMachine
from simlab.server import WSManServer

USER = "rh-operator"
PASSWORD = "S1m-Passw0rd!"  # test-only credential of the simulated machine


@pytest.fixture
def sim_machine() -> BareMachine:
    return BareMachine("HV-LAB01", {USER: PASSWORD})


@pytest.fixture
def wsman_factory() -> Iterator[Callable[..., WSManServer]]:
    """Start servers with any options (``machine=`` defaults to a fresh bare machine)."""
    started: list[WSManServer] = []

    def make(machine: Any = None, **kwargs: Any) -> WSManServer:
        srv = WSManServer(machine or BareMachine("HV-LAB01", {USER: PASSWORD}), **kwargs)
        srv.start()
        started.append(srv)
        return srv

    yield make
    for srv in started:
        srv.stop()


@pytest.fixture
def wsman_server(sim_machine: BareMachine) -> Iterator[WSManServer]:
    with WSManServer(sim_machine) as srv:
        yield srv


@pytest.fixture
def wsman_https(sim_machine: BareMachine) -> Iterator[WSManServer]:
    with WSManServer(sim_machine, https=True) as srv:
        yield srv
