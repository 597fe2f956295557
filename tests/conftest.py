"""Fixtures every test shares: runs sign their evidence with a key made once per test session in a
temporary folder (``$RH_SIGNING_KEY``), so no test creates the simulated lab's demo key in the
repository's reports/ folder. Tests of the key's own resolution clear the variable."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.evidence.keys import KEY_ENV, generate


@pytest.fixture(scope="session")
def session_signing_key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A signing key for the whole test session, with an allowed_signers file beside it."""
    folder = tmp_path_factory.mktemp("signing")
    key = generate(str(folder / "evidence_ed25519"), "tests@restore-harness")
    (folder / "allowed_signers").write_text(key.allowed_signers_line + "\n", encoding="utf-8")
    return folder / "evidence_ed25519"


@pytest.fixture(autouse=True)
def _signing_key_env(session_signing_key: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv(KEY_ENV, str(session_signing_key))
    yield


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """``make test`` (``-n auto --dist loadfile``): each test file on one worker, as xdist's own
    ``loadfile`` mode does, so a module fixture starts one simulated lab. The harness's plugin
    schedules a restore run by lab host (harness/xdist_hosts.py, where it exists): the project's own
    tests are not such a run, and without this hook they would all go to one worker."""
    if getattr(config.option, "dist", "no") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    return LoadFileScheduling(config, log)
