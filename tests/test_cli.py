"""The restore-harness command line: validate, delegation, exit codes, no tracebacks."""

from __future__ import annotations

import argparse
import sys
import types
from pathlib import Path

import pytest

from harness import cli
from harness.errors import LabError, RestoreDefect

ROOT = Path(__file__).resolve().parents[1]


def test_validate_ok(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["validate", str(ROOT / "inventories" / "sim-lab.yml")]) == 0
    out = capsys.readouterr().out
    assert "HV-LAB01 (simulated)" in out and "import-cm01 [import/copy-new-id]" in out


def test_validate_invalid_exits_2_with_line_and_no_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("hosts:\n  - name: HV\n    address: h\n    scratch_root: 'E:\\x'\n"
                   "    credentials: {username: u, password: hunter2}\n")
    assert cli.main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:5: hosts[0].credentials.password" in err
    assert "Traceback" not in err and "hunter2" not in err


def test_missing_implementation_is_an_internal_error_exit_4_without_traceback(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "harness.cleanup", None)  # import fails like a missing module
    assert cli.main(["cleanup", "--run-id", "rh-20261121-2305-ab12"]) == 4
    err = capsys.readouterr().err
    assert "internal error" in err and "harness.cleanup" in err and "Traceback" not in err


def _fake_module(monkeypatch: pytest.MonkeyPatch, name: str, **funcs: object) -> None:
    mod = types.ModuleType(name)
    for k, v in funcs.items():
        setattr(mod, k, v)
    monkeypatch.setitem(sys.modules, name, mod)


def test_run_arguments_reach_the_runner(monkeypatch: pytest.MonkeyPatch) -> None:
    got: dict[str, argparse.Namespace] = {}

    def run(args: argparse.Namespace) -> int:
        got["args"] = args
        return 5

    _fake_module(monkeypatch, "harness.runner", run=run, demo=lambda a: 0)
    code = cli.main(["run", "--inventory", "x.yml", "--scenario", "import-cm01", "--scenario", "import-sql01",
                     "--run-id", "rh-20261121-2305-ab12", "--keep", "--reports", "out", "-k", "cm01",
                     "--", "-x", "--maxfail=1"])
    assert code == 5
    a = got["args"]
    assert (a.inventory, a.scenario, a.run_id, a.keep, a.reports, a.keyword) == (
        "x.yml", ["import-cm01", "import-sql01"], "rh-20261121-2305-ab12", True, "out", "cm01")
    assert a.pytest_args == ["-x", "--maxfail=1"]
    assert a.serial is False  # the drill scheduler unless --serial


def test_serial_is_the_opt_in_of_run_and_demo(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str, argparse.Namespace]] = []
    _fake_module(monkeypatch, "harness.runner", run=lambda a: seen.append(("run", a)) or 0,
                 demo=lambda a: seen.append(("demo", a)) or 0)
    assert cli.main(["run", "--serial"]) == 0 and cli.main(["demo", "--serial"]) == 0 and cli.main(["demo"]) == 0
    assert [(name, a.serial) for name, a in seen] == [("run", True), ("demo", True), ("demo", False)]


def test_defaults_and_other_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str, argparse.Namespace]] = []
    _fake_module(monkeypatch, "harness.doctor", run_doctor=lambda a: seen.append(("doctor", a)) or 0)
    _fake_module(monkeypatch, "harness.runner", run=lambda a: 0, demo=lambda a: seen.append(("demo", a)) or 0)
    _fake_module(monkeypatch, "harness.evidence.cli", verify_evidence=lambda a: seen.append(("verify", a)) or 1,
                 status=lambda a: seen.append(("status", a)) or 0)
    assert cli.main(["doctor"]) == 0
    assert cli.main(["demo", "--reports", "r"]) == 0
    assert cli.main(["verify-evidence", "reports/evidence/rh-20261121-2305-ab12"]) == 1
    assert cli.main(["status", "--evidence-dir", "ev"]) == 0
    d = dict(seen)
    assert d["doctor"].inventory == cli.DEFAULT_INVENTORY and d["demo"].reports == "r"
    assert d["verify"].dir.endswith("ab12") and d["status"].evidence_dir == "ev"


def test_harness_errors_map_to_exit_codes(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def lab(args: argparse.Namespace) -> int:
        raise LabError("HV-LAB01 unreachable")

    def defect(args: argparse.Namespace) -> int:
        raise RestoreDefect("VM not registered")

    _fake_module(monkeypatch, "harness.doctor", run_doctor=lab)
    _fake_module(monkeypatch, "harness.runner", run=defect, demo=lambda a: 1 / 0)
    assert cli.main(["doctor"]) == 3
    assert cli.main(["run"]) == 1
    assert cli.main(["demo"]) == 4
    err = capsys.readouterr().err
    assert "HV-LAB01 unreachable" in err and "internal error: ZeroDivisionError" in err and "Traceback" not in err


def test_usage_errors_exit_4(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["run", "--run-id", "yesterday"]) == 4
    assert "not a run id" in capsys.readouterr().err
    assert cli.main(["no-such-command"]) == 4
    assert cli.main(["validate", "x", "--", "-x"]) == 4
    assert cli.main(["--help"]) == 0


def test_a_broken_sim_module_fails_its_own_command_loudly_and_no_other(monkeypatch: pytest.MonkeyPatch,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    import harness.labs

    class Broken:
        name = "sim"
        value = "simlab.cli:main"

        def load(self) -> object:
            raise ImportError("cannot import name 'core' (circular import)")

    monkeypatch.setattr(harness.labs, "command_providers", lambda: [Broken()])
    assert cli.main(["validate", str(ROOT / "inventories" / "sim-lab.yml")]) == 0
    assert cli.main(["sim", "serve"]) == 4
    err = capsys.readouterr().err
    assert "internal error: ImportError" in err and "circular import" in err


def test_sim_says_how_to_install_it_when_the_simulated_lab_is_not_installed(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import harness.labs

    monkeypatch.setattr(harness.labs, "command_providers", lambda: [])
    assert cli.main(["sim", "serve"]) == 4
    assert "pip install 'restore-harness[sim]'" in capsys.readouterr().err


def test_doctor_takes_the_inventory_as_argument_or_option(monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    seen: list[argparse.Namespace] = []
    _fake_module(monkeypatch, "harness.doctor", run_doctor=lambda a: seen.append(a) or 0)
    assert cli.main(["doctor", "labs/my-lab.yml"]) == 0
    assert cli.main(["doctor", "--inventory", "labs/other.yml"]) == 0
    assert cli.main(["doctor", "a.yml", "--inventory", "b.yml"]) == 4
    assert "two inventories given" in capsys.readouterr().err
    assert [a.inventory for a in seen] == ["labs/my-lab.yml", "labs/other.yml"]


def test_cleanup_needs_the_run_id(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    seen: list[argparse.Namespace] = []
    _fake_module(monkeypatch, "harness.cleanup", run_cleanup=lambda a: seen.append(a) or 0)
    assert cli.main(["cleanup", "--inventory", "x.yml"]) == 4
    assert "--run-id" in capsys.readouterr().err
    assert cli.main(["cleanup", "--inventory", "x.yml", "--run-id", "rh-20261121-2305-ab12"]) == 0
    assert seen[0].run_id == "rh-20261121-2305-ab12" and seen[0].inventory == "x.yml"


def test_a_missing_role_on_the_host_is_a_lab_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    from harness.errors import RemoteNotInstalled

    def missing(args: argparse.Namespace) -> int:
        raise RemoteNotInstalled("The term 'Get-WBSummary' is not recognized", host="HV-LAB01", template="x")

    _fake_module(monkeypatch, "harness.doctor", run_doctor=missing)
    assert cli.main(["doctor"]) == 3


def test_status_and_verify_evidence_take_the_folders_from_the_inventorys_reports_dir(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seen: list[argparse.Namespace] = []
    _fake_module(monkeypatch, "harness.evidence.cli", verify_evidence=lambda a: seen.append(a) or 0,
                 status=lambda a: seen.append(a) or 0)
    inv = tmp_path / "lab.yml"
    inv.write_text((ROOT / "inventories" / "sim-lab.yml").read_text(encoding="utf-8")
                   .replace("reports:\n  dir: reports\n", "reports:\n  dir: /srv/rh/reports\n"), encoding="utf-8")
    assert cli.main(["status", "--inventory", str(inv)]) == 0
    assert cli.main(["verify-evidence", "--inventory", str(inv), "--run-id", "rh-20261121-2305-ab12"]) == 0
    assert cli.main(["status", "--inventory", str(inv), "--evidence-dir", "elsewhere"]) == 0
    assert [a.evidence_dir if a.command == "status" else a.dir for a in seen] == [
        "/srv/rh/reports/evidence", "/srv/rh/reports/evidence/rh-20261121-2305-ab12", "elsewhere"]
    monkeypatch.chdir(tmp_path)  # no default inventory here: the default folder
    assert cli.main(["status"]) == 0 and seen[-1].evidence_dir == "reports/evidence"
    assert cli.main(["verify-evidence"]) == 4
    assert "give a run's evidence folder" in capsys.readouterr().err
    bad = tmp_path / "bad.yml"
    bad.write_text("hosts: []\n")
    assert cli.main(["status", "--inventory", str(bad)]) == 2  # an invalid inventory is said as validate says it
    err = capsys.readouterr().err
    assert str(bad) in err and "Traceback" not in err


def test_detail_options_work_after_the_command_too(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[argparse.Namespace] = []
    _fake_module(monkeypatch, "harness.runner", run=lambda a: seen.append(a) or 0, demo=lambda a: 0)
    assert cli.main(["run", "-v", "--debug"]) == 0
    assert cli.main(["-v", "run"]) == 0
    assert cli.main(["run"]) == 0
    assert [(a.verbose, a.debug) for a in seen] == [(1, True), (1, False), (0, False)]


def test_run_options_for_ci(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    seen: list[argparse.Namespace] = []
    _fake_module(monkeypatch, "harness.runner", run=lambda a: seen.append(a) or 0, demo=lambda a: 0)
    assert cli.main(["run", "--suite", "a.py", "--suite", "dir", "--json", "s.json", "--junitxml", "j.xml",
                     "--lab-problem-exit", "0", "--defect-exit", "7", "--copy-evidence", "artifact"]) == 0
    a = seen[0]
    assert (a.suite, a.json, a.junitxml, a.lab_problem_exit, a.defect_exit, a.copy_evidence) == (
        ["a.py", "dir"], "s.json", "j.xml", 0, 7, "artifact")
    assert cli.main(["run", "--lab-problem-exit", "x"]) == 4
    assert "not an exit code" in capsys.readouterr().err
