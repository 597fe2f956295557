"""Manifest parsing and content comparison (Japanese paths, missing/extra/changed, tables)."""

import hashlib
import json

import pytest

from harness.checks.content import (
    FileFact,
    ManifestFormatError,
    check_content,
    inline_manifest,
    parse_manifest,
    under_items,
)


def h(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


FILES = {"D:\\Shares\\Finance\\予算.xlsx": b"budget", "D:\\Shares\\HR\\人事\\名簿.csv": b"names",
         "D:\\Shares\\Finance\\sub\\a.txt": b"a"}
MANIFEST = json.dumps({"files": [{"path": p, "sha256": h(c), "size": len(c)} for p, c in FILES.items()]},
                      ensure_ascii=False)


def found(files=FILES):
    return [FileFact(p, h(c), len(c)) for p, c in files.items()]


def test_json_and_sha256sum_manifests():
    assert len(parse_manifest("\ufeff" + MANIFEST, "m.json")) == 3
    lines = "\n".join(f"{h(c)}  {p}" for p, c in FILES.items())
    entries = parse_manifest("# comment\n" + lines, "m.txt")
    assert {e.path for e in entries} == set(FILES)


@pytest.mark.parametrize("text, where", [("", "empty"), ("{bad", "not valid JSON"),
                                         ('{"files":[{"path":"D:\\\\x","sha256":"abc"}]}', "64 hex"),
                                         ("zzz  D:\\x", "line 1")])
def test_bad_manifest_names_source_and_entry(text, where):
    with pytest.raises(ManifestFormatError, match=where):
        parse_manifest(text, "\\\\NAS01\\wsb\\m.json")


def test_everything_matches_including_japanese_names_and_case():
    expected = parse_manifest(MANIFEST, "m")
    restored = [FileFact(f.path.upper(), f.sha256, f.size) for f in found()]
    check, table = check_content(expected, restored, "FS01")
    assert check.ok, check.message
    assert table.summary() == "3 as expected, 0 missing, 0 extra, 0 changed"


def test_missing_extra_and_changed_are_all_listed():
    expected = parse_manifest(MANIFEST, "m")
    files = dict(FILES)
    files["D:\\Shares\\Finance\\予算.xlsx"] = b"corrupted"
    del files["D:\\Shares\\HR\\人事\\名簿.csv"]
    files["D:\\Shares\\Finance\\Copy of a.txt"] = b"a"
    check, table = check_content(expected, found(files), "FS01")
    assert not check.ok
    assert "1 missing: D:\\Shares\\HR\\人事\\名簿.csv" in check.message
    assert "1 changed: D:\\Shares\\Finance\\予算.xlsx (SHA-256" in check.message
    assert "1 extra: D:\\Shares\\Finance\\Copy of a.txt" in check.message
    csv_text = table.to_csv()
    assert csv_text.startswith("\ufeffstatus,path") and "missing,D:\\Shares\\HR\\人事\\名簿.csv" in csv_text
    assert "<tr class='changed'><td>changed</td><td>D:\\Shares\\Finance\\予算.xlsx" in table.to_html()


def test_size_mismatch_alone_is_a_change():
    e = FileFact("D:\\x.bin", h(b"x"), 5)
    check, _ = check_content([e], [FileFact("D:\\x.bin", h(b"x"), 1)], "s")
    assert "size 5 expected, 1 found" in check.message


def test_empty_expectation_cannot_pass():
    check, _ = check_content([], found(), "s")
    assert not check.ok and "nothing could be verified" in check.message


def test_only_entries_under_the_restored_items_count():
    entries = parse_manifest(MANIFEST, "m") + [FileFact("D:\\Other\\z", h(b"z"))]
    picked = under_items(entries, ["D:\\Shares\\Finance"], recursive=False)
    assert [e.path for e in picked] == ["D:\\Shares\\Finance\\予算.xlsx"]
    assert len(under_items(entries, ["d:\\shares\\finance", "D:\\Shares\\HR\\人事"])) == 3


def test_inline_manifest_validation():
    with pytest.raises(ManifestFormatError, match=r"wsb.expected_files\[0\]"):
        inline_manifest([{"path": "D:\\a", "sha256": "nope"}])
