"""SIMULATED on every evidence file of a simulated run: text, JSON, CSV, HTML and PNG."""

from __future__ import annotations

import json
import struct
import zlib

from harness.console import png_from_rgb565
from harness.evidence import SIMULATED_NOTICE
from harness.evidence.stamp import stamp_png, stamp_simulated


def _png_size(png: bytes) -> tuple[int, int]:
    return struct.unpack(">II", png[16:24])


def test_png_gets_a_band_above_the_picture() -> None:
    png = png_from_rgb565(struct.pack("<H", 0x001F) * (64 * 48), 64, 48)
    out = stamp_png(png)
    width, height = _png_size(out)
    assert width == 64 and height > 48
    assert SIMULATED_NOTICE.encode("latin-1", "replace") in out
    idat = out[out.index(b"IDAT") + 4:]
    raw = zlib.decompress(idat[:struct.unpack(">I", out[out.index(b"IDAT") - 4:out.index(b"IDAT")])[0]])
    stride = 1 + 64 * 3
    first_row, last_row = raw[1:stride], raw[-stride + 1:]
    assert first_row[:3] == bytes((0xB4, 0x23, 0x18))  # the red band on top
    assert last_row[:3] == bytes((0, 0, 0xFF))  # the picture below, unchanged
    assert stamp_png(out) == out


def test_text_json_html_csv() -> None:
    assert stamp_simulated("a,b\n1,2\n", "x.csv", "text").startswith(f"# {SIMULATED_NOTICE}\n")
    doc = json.loads(stamp_simulated('{"a": 1}', "x.json", "json"))
    assert list(doc) == ["simulated_notice", "a"]
    assert json.loads(stamp_simulated("[1]", "x.json", "json")) == {"simulated_notice": SIMULATED_NOTICE, "data": [1]}
    html = stamp_simulated("<html><body><p>x</p></body></html>", "x.html", "text")
    assert html.index(SIMULATED_NOTICE) < html.index("<p>x</p>")


def test_every_file_of_a_simulated_run_says_so(record_run) -> None:
    rec = record_run("RH-SIMF-1", {"CM01": "passed"}, simulated=True, finish=False)
    rec.add_evidence("import-CM01", "services.csv", "Name,Status\nW3SVC,Running\n")
    rec.add_evidence("import-CM01", "page.html", "<html><body>facts</body></html>")
    rec.add_evidence("import-CM01", "console.png", png_from_rgb565(b"\0\0" * 16, 4, 4), kind="png")
    rec.add_evidence(None, "ledger.json", '{"resources": []}', kind="json")
    folder = rec.finish()
    for path in folder.rglob("*"):
        if path.is_file() and path.name not in ("MANIFEST.sha256", "MANIFEST.sha256.sig"):
            data = path.read_bytes()
            assert (SIMULATED_NOTICE.encode() in data or SIMULATED_NOTICE.encode("latin-1", "replace") in data), path
