"""``restore-harness doctor``: a verdict per scenario, space for every method, BMR media, share credential."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import cli
from harness.doctor import DoctorReport, ScenarioCheck, judge_space
from harness.preflight import GiB, HostPreflight, PreflightReport

ROOT = Path(__file__).resolve().parents[1]
SIM = ROOT / "inventories" / "sim-lab.yml"


def _table(out: str) -> dict[str, list[str]]:
    rows = {}
    for line in out.splitlines():
        cells = line.split()
        if cells and cells[0] in ("import-cm01", "import-vmm01", "import-sql01", "wsb-fs01-files", "wsb-cm01-vm",
                                  "bmr-fs01"):
            rows[cells[0]] = cells
    return rows


def test_the_simulated_lab_is_ready_with_space_for_every_method(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["doctor", str(SIM)]) == 0
    out = capsys.readouterr().out
    rows = _table(out)
    assert set(rows) == {"import-cm01", "import-vmm01", "import-sql01", "wsb-fs01-files", "wsb-cm01-vm", "bmr-fs01"}
    assert all(r[-1] == "ready" for r in rows.values())
    # import: VHDX maximum sizes (127 + 500 GB); WSB: bounded by the used space in the backup; BMR: its disk
    assert rows["import-cm01"][3:5] == ["627.0", "GiB"]
    assert rows["wsb-cm01-vm"][3:6] == ["≤", "960.0", "GiB"]  # C: 60 GB + D: 900 GB used in HV-PROD01's backup
    assert rows["wsb-fs01-files"][3:6] == ["≤", "120.0", "GiB"]  # the items are on D: (120 GB used)
    assert rows["bmr-fs01"][3:5] == ["127.0", "GiB"]
    assert "WARNING: all 6 scenarios together may need up to" in out
    assert "6 of 6 scenario(s) ready" in out


def test_bmr_media_and_a_missing_vm_are_scenario_problems(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = SIM.read_text(encoding="utf-8")
    split = text.index("# ---- simulated lab ----")
    head = (text[:split].replace("winpe_iso: 'B:\\ISO\\WinPE_amd64.iso'", "winpe_iso: 'B:\\ISO\\missing.iso'")
            .replace("drivers: ['B:\\Drivers\\Storage']", "drivers: ['B:\\Drivers\\Nowhere']")
            .replace("    source: prod-wsb\n    vm: CM01", "    source: prod-wsb\n    vm: CM99"))
    inv = tmp_path / "lab.yml"
    inv.write_text(head + text[split:], encoding="utf-8")
    assert cli.main(["doctor", str(inv), "--scenario", "bmr-fs01", "--scenario", "wsb-cm01-vm",
                     "--scenario", "import-sql01"]) == 3
    out = capsys.readouterr().out
    rows = _table(out)
    assert rows["bmr-fs01"][-2:] == ["NOT", "READY"] and rows["wsb-cm01-vm"][-2:] == ["NOT", "READY"]
    assert rows["import-sql01"][-1] == "ready"
    assert "PROBLEM: WinPE ISO B:\\ISO\\missing.iso not found on the host" in out
    assert "PROBLEM: driver folder B:\\Drivers\\Nowhere not found on the host" in out
    assert "PROBLEM: VM CM99 is not in backup" in out and "(it holds CM01, VMM01)" in out
    assert "1 of 3 scenario(s) ready" in out


def test_an_unresolvable_share_credential_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    text = SIM.read_text(encoding="utf-8")
    split = text.index("# ---- simulated lab ----")
    head = text[:split].replace("      username_env: RH_NAS_USER\n      password_env: RH_NAS_PASSWORD",
                                "      username_env: RH_NAS_USER\n      password_env: RH_DOCTOR_UNSET_PASSWORD")
    inv = tmp_path / "lab.yml"
    inv.write_text(head + text[split:], encoding="utf-8")
    monkeypatch.delenv("RH_DOCTOR_UNSET_PASSWORD", raising=False)
    assert cli.main(["doctor", str(inv), "--scenario", "wsb-fs01-files"]) == 3
    out = capsys.readouterr().out
    assert "RH_DOCTOR_UNSET_PASSWORD" in out and "NOT READY" in out


def test_an_unknown_scenario_lists_the_known_ones(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["doctor", str(SIM), "--scenario", "import-cm99"]) == 4
    err = capsys.readouterr().err
    assert "unknown scenario(s) import-cm99" in err and "import-cm01, import-vmm01" in err
    assert len(err.splitlines()) == 1


def _report(free_gib: int, *needs: tuple[int, bool]) -> DoctorReport:
    hp = HostPreflight("HV", facts={"ComputerName": "HV"}, free=free_gib * GiB)
    report = DoctorReport(PreflightReport({"HV": hp}))
    report.scenarios = [ScenarioCheck(f"s{i}", "import", "HV", needed=n * GiB, bound=b) for i, (n, b) in enumerate(needs)]
    return report


def test_space_each_scenario_alone_and_all_together() -> None:
    alone = _report(100, (95, False))
    judge_space(alone)
    assert alone.scenarios[0].problems and "not enough scratch space" in alone.scenarios[0].problems[0]
    exact = _report(100, (50, False), (50, False))
    judge_space(exact)
    assert all(sc.ready for sc in exact.scenarios) and "together need" in exact.host_problems["HV"][0]
    assert not exact.ready
    bound = _report(100, (50, False), (50, True))
    judge_space(bound)
    assert bound.ready and "may need up to" in bound.host_warnings["HV"][0]
