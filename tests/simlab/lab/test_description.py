"""The lab description: the cast loads; bad input names file, field, YAML line and fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from simlab.lab.build import build_host
from simlab.lab.description import LabDescriptionError, load_description, parse_size
from tests.simlab.lab.labsupport import ENV, INVENTORY

MINIMAL = """\
inventory: {}
simulated_lab:
  host:
    name: HV-T
    volumes:
      - {letter: C, size: 100GB, free: 50GB}
"""


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "lab.yml"
    p.write_text(text, encoding="utf-8")
    return p


def test_the_cast_loads_as_the_architecture_describes() -> None:
    d = load_description(INVENTORY)
    assert d.host.name == "HV-LAB01" and d.host.os.build == 20348
    assert {s.name: s.type for s in d.switches} == {"Lab-Isolated": "Private", "Lab-Internal": "Internal",
                                                   "Corp-External": "External"}
    assert [(v.name, v.state) for v in d.vms] == [("LAB-DC01", "Running"), ("LAB-JUMP01", "Off")]
    assert [(e.name, e.generation, e.version, e.adapters[0].switch) for e in d.exports] == [
        ("CM01", 2, "9.0", "Corp-LAN"), ("VMM01", 2, "9.0", "Corp-Mgmt"), ("SQL01", 1, "8.0", "Corp-LAN")]
    assert d.accounts[0].password_env == "RH_SIM_PASSWORD"


def test_the_cast_builds_volumes_with_the_described_free_space_and_export_folders() -> None:
    h = build_host(load_description(INVENTORY), dict(ENV))
    assert h.fs.volume_of("C:\\").free() == 40 * 2**30 and h.fs.volume_of("E:\\").label == "RestoreScratch"
    names = {p.rsplit("\\", 1)[1] for p, _ in h.fs.walk("B:\\Exports\\CM01")}
    assert {"7D0C6F0E-3B0F-4A52-9D7E-2C1A5F0C0001.vmcx", "7D0C6F0E-3B0F-4A52-9D7E-2C1A5F0C0001.vmrs",
            "7D0C6F0E-3B0F-4A52-9D7E-2C1A5F0C0001.vmgs", "CM01.vhdx", "CM01-Data.vhdx", "Snapshots"} <= names
    sql = {p.rsplit("\\", 1)[1] for p, _ in h.fs.walk("B:\\Exports\\SQL01")}
    assert not any(n.endswith(".vmgs") for n in sql)  # configuration version 8.0 has no .vmgs (seed 004 §1.6)
    assert h.disk("B:\\Exports\\CM01\\Virtual Hard Disks\\CM01-Data.vhdx").file_size == 210 * 2**30
    assert h.accounts == {"rh-operator": ENV["RH_SIM_PASSWORD"]}


def test_bad_value_names_file_field_line_and_fix(tmp_path: Path) -> None:
    p = _write(tmp_path, MINIMAL + "  switches:\n    - {name: X, type: Bridge}\n")
    with pytest.raises(LabDescriptionError) as e:
        load_description(p)
    msg = str(e.value)
    assert msg.startswith(f"{p}:8: simulated_lab.switches[0].type:") and "Fix: use one of the allowed values" in msg


def test_unknown_key_and_missing_field(tmp_path: Path) -> None:
    p = _write(tmp_path, MINIMAL.replace("    name: HV-T\n", "    nmae: HV-T\n"))
    msg = str(pytest.raises(LabDescriptionError, load_description, p).value)
    assert "simulated_lab.host.name: Field required" in msg and "simulated_lab.host.nmae" in msg
    assert f"{p}:4:" in msg


def test_size_and_yaml_errors(tmp_path: Path) -> None:
    assert parse_size("1.5TB") == int(1.5 * 2**40) and parse_size(4096) == 4096
    p = _write(tmp_path, MINIMAL.replace("free: 50GB", "free: lots"))
    assert "is not a size" in str(pytest.raises(LabDescriptionError, load_description, p).value)
    p = _write(tmp_path, "simulated_lab:\n  host: [unclosed\n")
    assert "Fix: fix the YAML syntax" in str(pytest.raises(LabDescriptionError, load_description, p).value)


def test_missing_password_env_is_an_error_with_the_fix(tmp_path: Path) -> None:
    p = _write(tmp_path, MINIMAL + "  accounts:\n    - {user: HV-T\\op, password_env: RH_T_PW}\n")
    with pytest.raises(LabDescriptionError) as e:
        build_host(load_description(p), {})
    assert "environment variable RH_T_PW is not set" in str(e.value) and "export RH_T_PW=" in str(e.value)
    assert ":8:" in str(e.value)


def test_files_larger_than_the_volume_allows_are_refused(tmp_path: Path) -> None:
    text = MINIMAL + ("  exports:\n    - name: Big\n      path: C:\\Exports\\Big\n"
                      "      disks: [{file: big.vhdx, size: 200GB, file_size: 80GB}]\n")
    with pytest.raises(LabDescriptionError, match="host.volumes\\[0\\].free"):
        build_host(load_description(_write(tmp_path, text)), {})


def test_a_duplicate_key_is_an_error_with_its_line(tmp_path: Path) -> None:
    p = _write(tmp_path, MINIMAL.replace("    name: HV-T\n", "    name: HV-T\n    name: HV-U\n"))
    msg = str(pytest.raises(LabDescriptionError, load_description, p).value)
    assert msg.startswith(f"{p}:5: simulated_lab.host.name: key 'name' appears twice") and "Fix: keep one" in msg


def test_time_mode_and_throughput_fields_reach_the_clock_and_the_host(tmp_path: Path) -> None:
    text = MINIMAL.replace("      - {letter: C, size: 100GB, free: 50GB}\n",
                           "      - {letter: C, size: 100GB, free: 50GB, read: 500MB, write: 250MB}\n"
                           "    network: 1GB\n")
    p = _write(tmp_path, text + "  time: {mode: events, quiet: 0.01}\n")
    h = build_host(load_description(p), {})
    assert (h.clock.mode, h.clock.quiet) == ("events", 0.01)
    assert h.io_rates["C:"] == (500 * 2**20, 250 * 2**20) and h.network_rate == 2**30


def test_an_unknown_time_mode_names_the_field(tmp_path: Path) -> None:
    p = _write(tmp_path, MINIMAL + "  time: {mode: realtime}\n")
    with pytest.raises(LabDescriptionError) as e:
        load_description(p)
    assert "simulated_lab.time.mode:" in str(e.value) and "Fix:" in str(e.value)
