"""Manifest verification and `restore-harness verify-evidence`."""

from __future__ import annotations

import argparse
import subprocess
from pathlib import Path

import pytest

from harness.evidence.cli import verify_evidence
from harness.evidence.manifest import verify_tree


@pytest.fixture
def run_dir(record_run) -> Path:
    rec = record_run("RH-1", {"CM01": "passed"}, finish=False)
    rec.add_evidence("import-CM01", "services.json", '{"W3SVC": "Running"}')
    return rec.finish()


def _verify(path: Path, capsys) -> tuple[int, str]:
    code = verify_evidence(argparse.Namespace(dir=str(path)))
    out = capsys.readouterr()
    return code, out.out + out.err


def test_intact_dir_verifies(run_dir: Path, capsys) -> None:
    code, text = _verify(run_dir, capsys)
    assert code == 0 and "5 files match" in text and "Good \"restore-harness\" signature by restore-lab@example.org" in text


def test_changed_file_is_named(run_dir: Path, capsys) -> None:
    target = run_dir / "files/import-CM01/services.json"
    target.write_text('{"W3SVC": "Stopped"}', encoding="utf-8")
    code, text = _verify(run_dir, capsys)
    assert code == 1 and "CHANGED files/import-CM01/services.json" in text


def test_added_file_is_named(run_dir: Path, capsys) -> None:
    (run_dir / "files/import-CM01/extra.png").write_bytes(b"\x89PNG")
    code, text = _verify(run_dir, capsys)
    assert code == 1 and "ADDED files/import-CM01/extra.png" in text


def test_removed_file_is_named(run_dir: Path, capsys) -> None:
    (run_dir / "evidence.html").unlink()
    code, text = _verify(run_dir, capsys)
    assert code == 1 and "REMOVED evidence.html" in text


def test_missing_manifest_fails_naming_it(run_dir: Path, capsys) -> None:
    (run_dir / "MANIFEST.sha256").unlink()
    code, text = _verify(run_dir, capsys)
    assert code == 1 and "MANIFEST.sha256: manifest file is missing" in text


def test_garbled_manifest_line_is_named(run_dir: Path) -> None:
    (run_dir / "MANIFEST.sha256").write_text("not a line\n", encoding="utf-8")
    result = verify_tree(run_dir)
    assert not result.ok and "MANIFEST.sha256:1" in (result.error or "")


def test_missing_dir_is_a_usage_error(tmp_path: Path, capsys) -> None:
    code, text = _verify(tmp_path / "nope", capsys)
    assert code == 4 and "no such directory" in text


def test_manifest_is_sha256sum_compatible(run_dir: Path) -> None:
    proc = subprocess.run(["sha256sum", "--check", "--strict", "MANIFEST.sha256"], cwd=run_dir,
                          capture_output=True, text=True, check=False)
    if proc.returncode == 127:
        pytest.skip("sha256sum not installed")
    assert proc.returncode == 0, proc.stdout + proc.stderr
