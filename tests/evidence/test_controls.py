"""Control mapping: the default, a custom mapping from the inventory, and errors naming the field."""

from __future__ import annotations

import json

import pytest

from harness.evidence.controls import ControlMappingError, controls_for, validate_mapping


def test_default_maps_every_check_to_the_four_controls() -> None:
    assert controls_for("anything", validate_mapping(None)) == [
        "ISO/IEC 27001:2022 A.8.13", "SOC 2 A1.3", "NIST SP 800-53 CP-4", "NIST SP 800-53 CP-9(1)"]


def test_custom_mapping_by_pattern(record_run) -> None:
    mapping = {"controls": {"BCP-7": "Quarterly restore test", "SOC 2 A1.3": "Recovery plan testing"},
               "checks": {"*": ["BCP-7"], "services*": ["SOC 2 A1.3"]}}
    rec = record_run("RH-CTL-1", {"CM01": "passed"}, control_mapping=mapping)
    checks = json.loads((rec.dir / "run.json").read_text(encoding="utf-8"))["scenarios"][0]["checks"]
    assert {c["name"]: c["controls"] for c in checks} == {"VM registered": ["BCP-7"],
                                                          "services healthy": ["BCP-7", "SOC 2 A1.3"]}
    assert "Quarterly restore test" in (rec.dir / "evidence.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(("mapping", "needle"), [
    ({"controls": {}, "checks": {"*": []}}, "'controls' must map control ids to titles"),
    ({"controls": {"A": "a"}, "checks": {"*": "A"}}, r"checks\['\*'\] must be a list"),
    ({"controls": {"A": "a"}, "checks": {"*": ["B"]}}, r"names 'B', not in 'controls' \(A\)"),
])
def test_bad_mapping_names_the_field(mapping: dict, needle: str) -> None:
    with pytest.raises(ControlMappingError, match=needle):
        validate_mapping(mapping, "inventories/lab.yml: evidence.controls")
