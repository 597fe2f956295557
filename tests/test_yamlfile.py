"""The shared YAML-with-lines reader: values and lines, syntax errors, duplicate keys, refused keys,
pydantic errors as issues (path as written, nearest line, hook fixes), reading UTF-8 with a BOM."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from harness.yamlfile import (
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
