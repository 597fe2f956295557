"""Fixtures for the evidence tests: an inventory file, a settable clock, a signing key with the
auditor's allowed_signers file, and a recorded (signed) run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import harness.evidence.record as record_mod
from harness.evidence.keys import SigningKey, generate
from harness.evidence.record import RunRecorder


@dataclass
class Clock:
    """What ``utc_now()`` returns inside the recorder while a test runs."""

    now: datetime


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    c = Clock(datetime(2025, 3, 10, 9, 0, tzinfo=UTC))
    monkeypatch.setattr(record_mod, "utc_now", lambda: c.now)
    return c


@pytest.fixture
def inventory_file(tmp_path: Path) -> Path:
    path = tmp_path / "lab.yml"
    path.write_text("hosts:\n  - name: HV-LAB01\n", encoding="utf-8")
    return path


@pytest.fixture
def reports_dir(tmp_path: Path) -> Path:
    return tmp_path / "reports"


@pytest.fixture
def signing_key(tmp_path: Path) -> SigningKey:
    """A fresh Ed25519 evidence key in a file (mode 0600) with identity restore-lab@example.org."""
    return generate(str(tmp_path / "keys" / "evidence_ed25519"), "restore-lab@example.org")


@pytest.fixture
def allowed_signers(tmp_path: Path, signing_key: SigningKey) -> Path:
    """The auditor's allowed_signers file trusting :func:`signing_key`."""
    path = tmp_path / "auditor" / "allowed_signers"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(signing_key.allowed_signers_line + "\n", encoding="utf-8")
    return path


RecordRun = Callable[..., RunRecorder]


@pytest.fixture
def record_run(reports_dir: Path, inventory_file: Path, clock: Clock, signing_key: SigningKey) -> RecordRun:
    """Record and finish a run: ``record_run(run_id, {system: "passed"|"failed"|"broken"}, when=...)``;
    signed with :func:`signing_key` unless ``signed=False``."""

    def make(run_id: str, systems: dict[str, str], *, when: datetime | None = None, simulated: bool = False,
             finish: bool = True, signed: bool = True, **kwargs: object) -> RunRecorder:
        if when is not None:
            clock.now = when
        rec = RunRecorder(run_id, reports_dir, inventory_file, simulated=simulated, operator="lab-admin",
                          signing_key=signing_key if signed else None, **kwargs)
        rec.host_facts("HV-LAB01", {"os_caption": "Microsoft Windows Server 2022 Datacenter",
                                    "os_version": "10.0.20348", "os_build": "20348", "hyperv_version": "10.0.20348.1"})
        for system, outcome in systems.items():
            sc = f"import-{system}"
            rec.scenario_started(sc, system=system, method="Hyper-V import", import_type="copy",
                                 host="HV-LAB01", rto_target_minutes=60)
            start = clock.now - timedelta(minutes=50)
            rec.backup_used(sc, version_id="03/09/2025-21:00", backup_time=start - timedelta(hours=12),
                            target="B:", age_days=0.5)
            rec.restore_finished(sc, started=start, finished=start + timedelta(minutes=20), ok=True)
            rec.services_healthy(sc, start + timedelta(minutes=45))
            rec.check(sc, "VM registered", "passed")
            rec.check(sc, "services healthy", outcome, "" if outcome == "passed" else f"{outcome} check")
        if finish:
            rec.finish()
        return rec

    return make
