"""No secret in any output, whatever pytest prints: a real suite run with ``-l -vvv`` against an outside
lab that dies while the WSB file recovery (which carries the NAS share credential) is in flight.
Every output - the console, the Allure results, the evidence, the ledger - is scanned for each
planted secret in plain text, base64 (UTF-8 and UTF-16LE, at any alignment) and URL-encoded forms."""

from __future__ import annotations

import base64
import math
import urllib.parse
from pathlib import Path

from tests.faults.conftest import SECRETS, wait_for

PASSWORDS = [v for k, v in SECRETS.items() if "PASSWORD" in k]
RUN_ID = "rh-20261201-0320-sec1"


def _b64_pieces(data: bytes) -> list[str]:
    """The base64 text of ``data`` as it appears inside longer base64 text at offsets 0, 1 and 2."""
    out = []
    for k in range(3):
        enc = base64.b64encode(b"\0" * k + data).decode("ascii")
        out.append(enc[math.ceil(8 * k / 6):(8 * (k + len(data))) // 6])
    return out


def forms(secret: str) -> dict[str, str]:
    found = {"plain": secret, "url": urllib.parse.quote(secret, safe=""), "url+": urllib.parse.quote_plus(secret)}
    for enc in ("utf-8", "utf-16-le"):
        for i, piece in enumerate(_b64_pieces(secret.encode(enc))):
            found[f"base64 {enc} @{i}"] = piece
    return found


def leaks(text: str, where: str) -> list[str]:
    return [f"{name} of secret #{PASSWORDS.index(s)} in {where}" for s in PASSWORDS
            for name, form in forms(s).items() if form in text]


def all_outputs(console: str, reports: Path) -> list[tuple[str, str]]:
    out = [("console", console)]
    for path in sorted(reports.rglob("*")):
        if path.is_file():
            out.append((str(path.relative_to(reports)), path.read_bytes().decode("utf-8", errors="replace")))
    return out


def test_lab_dying_during_wsb_file_recovery_leaks_no_secret_with_l_vvv(start_lab, start_run) -> None:
    # As the run is today, without harness.redaction_hooks (tested on its own in
    # tests/test_redaction_hooks.py): the credentials must already be safe at the source.
    lab = start_lab(faults=[{"fault": "winrm_slow", "seconds": 0.8}])
    extra = ["-l", "-vvv", "-k", "test_wsb_file_restore"]
    run = start_run(lab, RUN_ID, ["wsb-fs01-files"], extra)
    # the scenario folder is recorded just before the first Start-WBFileRecovery (with the share credential)
    wait_for("the WSB file recovery to start",
             lambda: [e for e in run.entries(kind="folder") if e["path"].endswith("\\wsb-fs01-files")],
             proc=run.proc, output=run.output)
    lab.kill()
    code = run.wait()
    console = run.output.text
    assert code == 3, console[-4000:]  # a lab problem, reported as such
    assert "Lab problem:" in console and "refused" in console  # the fault hit the credentialed operation
    assert "'NoneType' object has no attribute" not in console and "StopIteration" not in console
    outputs = all_outputs(console, lab.reports)
    assert any(name.endswith("-result.json") for name, _ in outputs)  # Allure results were written
    found = [leak for name, text in outputs for leak in leaks(text, name)]
    assert found == []
