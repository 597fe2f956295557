"""RGB565 thumbnail → PNG: decode the PNG we write (zlib only) and compare every pixel."""

from __future__ import annotations

import struct
import zlib

import pytest

from harness.console import PNG_SIGNATURE, png_from_rgb565, rgb565_to_rgb888


def _decode_png(png: bytes) -> tuple[int, int, bytes]:
    assert png[:8] == PNG_SIGNATURE
    pos, idat = 8, b""
    width = height = 0
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos:pos + 4])
        kind, payload = png[pos + 4:pos + 8], png[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", png[pos + 8 + length:pos + 12 + length])
        assert crc == zlib.crc32(kind + payload) & 0xFFFFFFFF, f"bad CRC in {kind!r}"
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", payload)
            assert (depth, colour, interlace) == (8, 2, 0)
        elif kind == b"IDAT":
            idat += payload
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * 3
    rows = []
    for y in range(height):
        line = raw[y * (stride + 1):(y + 1) * (stride + 1)]
        assert line[0] == 0, "filter type None expected"
        rows.append(line[1:])
    return width, height, b"".join(rows)


def _rgb565(r: int, g: int, b: int) -> bytes:
    return struct.pack("<H", ((r >> 3) << 11) | ((g >> 2) << 5) | (b >> 3))


def test_known_colours_round_trip_through_png() -> None:
    # 3x2 image: red, green, blue / white, black, a mid grey (exact in 565 after widening).
    pixels = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255), (0, 0, 0), (132, 130, 132)]
    data = b"".join(_rgb565(*p) for p in pixels)
    width, height, rgb = _decode_png(png_from_rgb565(data, 3, 2))
    assert (width, height) == (3, 2)
    got = [tuple(rgb[i:i + 3]) for i in range(0, len(rgb), 3)]
    assert got == pixels


def test_every_565_value_widens_with_bit_replication() -> None:
    data = struct.pack("<65536H", *range(65536))
    rgb = rgb565_to_rgb888(data, 256, 256)
    for v in (0x0000, 0xFFFF, 0xF800, 0x07E0, 0x001F, 0x1234, 0xABCD):
        r5, g6, b5 = v >> 11, (v >> 5) & 0x3F, v & 0x1F
        assert tuple(rgb[v * 3:v * 3 + 3]) == ((r5 << 3) | (r5 >> 2), (g6 << 2) | (g6 >> 4), (b5 << 3) | (b5 >> 2))


def test_rows_are_top_to_bottom() -> None:
    data = _rgb565(255, 0, 0) * 2 + _rgb565(0, 0, 255) * 2
    _, _, rgb = _decode_png(png_from_rgb565(data, 2, 2))
    assert rgb[:3] == b"\xff\x00\x00" and rgb[-3:] == b"\x00\x00\xff"


def test_short_data_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="4x4 RGB565 needs 32"):
        png_from_rgb565(b"\x00" * 10, 4, 4)


def test_capture_and_attach(monkeypatch, tmp_path) -> None:
    import base64

    import allure

    from harness.console import attach_screenshot, capture_png

    class Host:
        def run(self, template, params, timeout=None):
            assert template == "console_thumbnail.ps1" and params == {"vm": "RH-1-CM01", "vm_id": "", "width": 2, "height": 1}
            return {"Width": 2, "Height": 1, "ImageData": base64.b64encode(_rgb565(255, 0, 0) + _rgb565(0, 0, 255)).decode()}

    png = capture_png(Host(), "RH-1-CM01", width=2, height=1)
    assert _decode_png(png) == (2, 1, b"\xff\x00\x00\x00\x00\xff")
    attached, stored = [], []
    monkeypatch.setattr(allure, "attach", lambda body, name, attachment_type: attached.append((name, attachment_type)))

    class Recorder:
        def add_evidence(self, scenario, name, content, kind="text"):
            stored.append((scenario, name, content, kind))

    attach_screenshot(png, "console CM01", recorder=Recorder(), scenario="cm01-import")
    assert attached == [("console CM01", allure.attachment_type.PNG)]
    assert stored == [("cm01-import", "console CM01.png", png, "png")]
