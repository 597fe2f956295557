"""Run ids and run resource names."""

from __future__ import annotations

import datetime as dt

import pytest

from harness import naming


def test_run_id_format_and_time() -> None:
    rid = naming.new_run_id(dt.datetime(2026, 11, 21, 23, 5, tzinfo=dt.UTC), rand="ab12")
    assert rid == "rh-20261121-2305-ab12"
    assert naming.is_run_id(rid)
    assert naming.run_started_at(rid) == dt.datetime(2026, 11, 21, 23, 5, tzinfo=dt.UTC)
    jst = dt.timezone(dt.timedelta(hours=9))
    assert naming.new_run_id(dt.datetime(2026, 11, 22, 8, 5, tzinfo=jst), rand="zz99") == "rh-20261121-2305-zz99"


def test_random_part_differs_and_is_valid() -> None:
    ids = {naming.new_run_id() for _ in range(20)}
    assert len(ids) > 1 and all(naming.is_run_id(i) for i in ids)
    with pytest.raises(ValueError):
        naming.new_run_id(rand="AB!2")


def test_resource_names_belong_to_their_run_only() -> None:
    rid, other = "rh-20261121-2305-ab12", "rh-20261121-2306-cd34"
    name = naming.resource_name(rid, "CM01")
    assert name == "rh-20261121-2305-ab12-CM01"
    assert naming.belongs_to_run(name, rid) and not naming.belongs_to_run(name, other)
    assert naming.run_id_of(name) == rid and naming.base_name(name) == "CM01"
    for foreign in ("LAB-DC01", "CM01", "rh-20261121-2305-ab12", "xrh-20261121-2305-ab12-CM01"):
        assert not naming.belongs_to_run(foreign, rid)
        assert naming.run_id_of(foreign) is None


def test_resource_name_rejects_bad_bases() -> None:
    for bad in ("", "a\\b", "x:y", "q?"):
        with pytest.raises(ValueError):
            naming.resource_name("rh-20261121-2305-ab12", bad)
    with pytest.raises(ValueError, match="longer"):
        naming.resource_name("rh-20261121-2305-ab12", "x" * 90)
    with pytest.raises(ValueError, match="not a run id"):
        naming.run_prefix("run-1")


def test_scratch_dir_and_containment() -> None:
    rid = "rh-20261121-2305-ab12"
    assert naming.scratch_dir("E:\\RestoreTests", rid, "CM01") == "E:\\RestoreTests\\rh-20261121-2305-ab12\\CM01"
    assert naming.is_inside_run_dir("e:\\restoretests\\RH-20261121-2305-AB12\\CM01\\x.vhdx", "E:\\RestoreTests", rid)
    assert not naming.is_inside_run_dir("E:\\RestoreTests\\other\\x", "E:\\RestoreTests", rid)
    assert not naming.is_inside_run_dir("E:\\RestoreTests\\rh-20261121-2305-ab12\\..\\x", "E:\\RestoreTests", rid)
    with pytest.raises(ValueError):
        naming.scratch_dir("RestoreTests", rid)


def test_the_longest_run_id_bounds_every_run_ids_names() -> None:
    assert naming.is_run_id(naming.LONGEST_RUN_ID)
    assert len(naming.new_run_id()) == len(naming.LONGEST_RUN_ID)
    base = "x" * naming.MAX_BASE_LENGTH
    assert len(naming.resource_name(naming.LONGEST_RUN_ID, base)) == naming.MAX_NAME_LENGTH
    with pytest.raises(ValueError, match="longer than 100"):
        naming.resource_name(naming.new_run_id(), base + "x")
    assert naming.bmr_vm_base("FS01") == "FS01-BMR"
