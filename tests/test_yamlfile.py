"""The shared YAML-with-lines reader: values and lines, syntax errors, duplicate keys, refused keys,
pydantic errors as issues (path as written, nearest line, hook fixes), reading UTF-8 with a BOM."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import pytest
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from harness import yamlfile
from harness.yamlfile import (
    MAX_ALIAS_EXPANSION,
    MAX_DEPTH,
    FileReadError,
    YamlFileError,
    YamlSyntaxError,
    format_path,
    parse_yaml,
    read_text,
    validation_issues,
)

TEXT = """\
hosts:
  - name: a
    port: 5985
  - name: b
    tags: [x, y]
"""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Host(_Strict):
    name: str
    port: int = Field(5985, le=65535)
    tags: list[str] = []
    mode: Literal["http", "https"] | list[Literal["http", "https"]] = "http"


class _Doc(_Strict):
    hosts: list[_Host]


def _issues(text: str, fix_for=None):  # type: ignore[no-untyped-def]
    doc = parse_yaml(text, "f.yml")
    with pytest.raises(ValidationError) as info:
        _Doc.model_validate(doc.data)
    return validation_issues(info.value, doc.data, doc.lines.get, "f.yml", fix_for)


def test_values_and_the_line_of_each_path() -> None:
    doc = parse_yaml(TEXT, "f.yml")
    assert doc.data == {"hosts": [{"name": "a", "port": 5985}, {"name": "b", "tags": ["x", "y"]}]}
    assert doc.lines[("hosts",)] == 1 and doc.lines[("hosts", 1)] == 4 and doc.lines[("hosts", 1, "tags")] == 5
    assert doc.line_of(("hosts", 0, "missing")) == 2  # a missing key points at its mapping
    assert format_path(("hosts", 1, "tags", 0)) == "hosts[1].tags[0]"


def test_syntax_error_has_line_and_fix() -> None:
    with pytest.raises(YamlSyntaxError) as info:
        parse_yaml("a: 1\nb: [unclosed\nc: 2\n", "f.yml")
    issue = info.value.issues[0]
    assert issue.line is not None and issue.line >= 2 and "YAML syntax error" in issue.message
    assert issue.fix and "indentation" in issue.fix


def test_duplicate_keys_are_errors_and_empty_is_none() -> None:
    with pytest.raises(YamlFileError) as info:
        parse_yaml("a: 1\nb:\n  c: 1\n  c: 2\n", "f.yml")
    issue = info.value.issues[0]
    assert (issue.path, issue.line) == ("b.c", 4) and "appears twice" in issue.message
    assert parse_yaml("# nothing\n", "f.yml").data is None


def test_a_refused_key_never_becomes_a_value() -> None:
    def refuse(key: str, node: object) -> tuple[str, str | None] | None:
        return ("not here", "remove it") if key == "secret" else None

    with pytest.raises(YamlFileError) as info:
        parse_yaml("a:\n  secret: hunter2\n", "f.yml", reject_key=refuse)
    assert str(info.value.issues[0]) == "f.yml:2: a.secret: not here\n    Fix: remove it"
    assert "hunter2" not in str(info.value)


def test_validation_errors_name_path_line_problem_and_fix() -> None:
    issues = _issues(TEXT.replace("port: 5985", "prot: 5985").replace("  - name: b\n", "  - port: 1\n"),
                     lambda err, field: f"hint for {field}" if err["type"] == "missing" else None)
    by_path = {i.path: i for i in issues}
    assert by_path["hosts[0].prot"].line == 3 and by_path["hosts[0].prot"].message == "unknown field `prot`"
    assert by_path["hosts[1].name"].line == 4 and by_path["hosts[1].name"].fix == "hint for name"


def test_union_member_labels_are_not_shown_as_fields() -> None:
    issues = _issues(TEXT.replace("port: 5985", "mode: ftp"))
    assert issues and {i.path for i in issues} == {"hosts[0].mode"} and {i.line for i in issues} == {3}


def test_read_text_drops_a_bom_and_reports_missing_and_non_utf8(tmp_path: Path) -> None:
    f = tmp_path / "x.yml"
    f.write_bytes("\ufeffa: 1\n".encode())
    assert read_text(f) == "a: 1\n"
    with pytest.raises(FileReadError) as info:
        read_text(tmp_path / "nope.yml")
    assert info.value.missing
    f.write_bytes(b"a: \xff\n")
    with pytest.raises(FileReadError, match="not UTF-8"):
        read_text(f)


# ----------------------------------------------------------------------------- hostile input


def _bomb(levels: int = 9) -> str:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    prev = "a"
    for name in "bcdefghijklmnop"[: levels - 1]:
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
        prev = name
    return "\n".join(lines) + "\n"


def _refusal(text: str) -> str:
    with pytest.raises(YamlFileError) as info:
        parse_yaml(text, "f.yml")
    return str(info.value)


def test_an_alias_bomb_is_refused_before_any_value_is_built(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[object] = []
    monkeypatch.setattr(yaml.SafeLoader, "construct_object", lambda self, node, deep=False: built.append(node))
    message = _refusal(_bomb())  # 9 levels of 9 aliases: about 4 * 10**8 values once expanded
    assert "aliases" in message and f"limit {MAX_ALIAS_EXPANSION:,}" in message and "Fix:" in message
    assert built == []


def test_a_few_aliases_and_merge_keys_still_work() -> None:
    doc = parse_yaml("base: &b {port: 5985, scheme: http}\nhost:\n  <<: *b\n  port: 5986\nlist: [*b, *b]\n", "f.yml")
    assert doc.data["host"] == {"port": 5986, "scheme": "http"}  # a written key overrides a merged one
    assert doc.data["list"] == [{"port": 5985, "scheme": "http"}] * 2


@pytest.mark.parametrize("text", ["a: &x [1, *x]\n", "a: &x {b: *x}\n"])
def test_a_recursive_alias_is_refused(text: str) -> None:
    assert "recursive alias" in _refusal(text)


@pytest.mark.parametrize("text,tag", [
    ("a: !!python/object/apply:os.system [echo hi]\n", "!!python/object/apply:os.system"),
    ("a: !!python/name:os.system ''\n", "!!python/name:os.system"),
    ("a: !custom 1\n", "!custom"),
    ("a: !!binary aGk=\n", "!!binary"),
    ("a: !!set {x}\n", "!!set"),
    ("a: =\n", "!!value"),
])
def test_tags_other_than_the_standard_ones_are_refused(text: str, tag: str) -> None:
    message = _refusal(text)
    assert f"the YAML tag {tag} is not allowed" in message and "f.yml:1" in message and "Fix:" in message


def test_standard_tags_are_allowed() -> None:
    assert parse_yaml("a: !!str 12\nb: !!int '3'\n", "f.yml").data == {"a": "12", "b": 3}


def test_nul_bytes_and_control_characters_are_refused_with_their_line() -> None:
    message = _refusal("a: 1\nb: x\x00y\n")
    assert "f.yml:2" in message and "NUL byte" in message and "UTF-8" in message
    assert "U+0007" in _refusal("a: \x07\n")
    assert "f.yml:2" in _refusal("a: 1\nb: \x7f\n")


def test_deep_nesting_is_refused_before_python_recursion_runs_out() -> None:
    assert f"more than {MAX_DEPTH} levels" in _refusal("[" * 100_000)
    chained = "a: &a [[[[[[[[[[1]]]]]]]]]]\n" + "".join(
        f"{c}: &{c} [[[[[[[[[[*{p}]]]]]]]]]]\n" for p, c in zip("abcdefg", "bcdefgh"))
    assert f"more than {MAX_DEPTH} levels" in _refusal(chained)  # deep only through aliases


def test_a_value_yaml_cannot_build_is_an_issue_not_a_crash() -> None:
    assert "f.yml:1: a: cannot read the value '2026-02-30'" in _refusal("a: 2026-02-30\n")
    assert "plain value" in _refusal("a: {[1]: 2}\n")


def test_only_regular_files_are_read_and_never_opened_otherwise(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    fifo = tmp_path / "fifo.yml"
    os.mkfifo(fifo)
    zero = tmp_path / "zero.yml"
    zero.symlink_to("/dev/zero")
    opened: list[object] = []
    monkeypatch.setattr(yamlfile.os, "open", lambda *a, **k: opened.append(a) or -1)
    for path, kind in ((fifo, "a FIFO"), (zero, "a character device (it points to /dev/zero)"), (tmp_path, "a directory")):
        with pytest.raises(FileReadError) as info:
            read_text(path)
        assert info.value.reason.startswith(kind) and "regular file" in info.value.reason
    assert opened == []


def test_a_file_over_the_size_limit_is_refused_without_reading_it(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    big = tmp_path / "big.yml"
    with big.open("wb") as f:
        f.truncate(21_000_000)  # sparse: 21 MB on paper, nothing on disk
    monkeypatch.setattr(yamlfile.os, "open", lambda *a, **k: pytest.fail("opened"))
    with pytest.raises(FileReadError) as info:
        read_text(big)
    assert "21,000,000 bytes, limit 1,000,000" in info.value.reason
    small = tmp_path / "small.yml"
    small.write_text("a: 1234\n")
    monkeypatch.undo()
    with pytest.raises(FileReadError, match="limit 4"):
        read_text(small, max_bytes=4)
    assert read_text(small) == "a: 1234\n"
