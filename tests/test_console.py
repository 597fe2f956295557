"""RGB565 thumbnail → PNG (Pillow): decode the PNG and compare every pixel."""

from __future__ import annotations

import io
import struct

import pytest
from PIL import Image

from harness.console import image_from_rgb565, png_from_rgb565


def _decode_png(png: bytes) -> tuple[int, int, bytes]:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.mode == "RGB"
    return image.width, image.height, image.tobytes()


def _rgb565(r: int, g: int, b: int) -> bytes:
    return struct.pack("<H", ((r >> 3) << 11) | ((g >> 2) << 5) | (b >> 3))


def test_known_colours_round_trip_through_png() -> None:
    # 3x2 image: red, green, blue / white, black, a grey
    pixels = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255), (0, 0, 0), (132, 130, 132)]
    data = b"".join(_rgb565(*p) for p in pixels)
    width, height, rgb = _decode_png(png_from_rgb565(data, 3, 2))
    assert (width, height) == (3, 2)
    got = [tuple(rgb[i:i + 3]) for i in range(0, len(rgb), 3)]
    assert got[:5] == pixels[:5]  # full intensity stays 255, black stays 0
    assert all(abs(a - b) <= 4 for a, b in zip(got[5], pixels[5]))  # 5/6 bits keep the grey within a step


def test_every_565_value_widens_to_its_8_bit_value() -> None:
    data = struct.pack("<65536H", *range(65536))
    rgb = image_from_rgb565(data, 256, 256).tobytes()
    for v in range(0, 65536, 7):
        r5, g6, b5 = v >> 11, (v >> 5) & 0x3F, v & 0x1F
        exact = (r5 * 255 / 31, g6 * 255 / 63, b5 * 255 / 31)
        assert all(abs(got - want) < 1 for got, want in zip(rgb[v * 3:v * 3 + 3], exact)), hex(v)


def test_rows_are_top_to_bottom() -> None:
    data = _rgb565(255, 0, 0) * 2 + _rgb565(0, 0, 255) * 2
    _, _, rgb = _decode_png(png_from_rgb565(data, 2, 2))
    assert rgb[:3] == b"\xff\x00\x00" and rgb[-3:] == b"\x00\x00\xff"


def test_short_data_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="4x4 RGB565 needs 32"):
        png_from_rgb565(b"\x00" * 10, 4, 4)
    with pytest.raises(ValueError, match="must be positive"):
        png_from_rgb565(b"", 0, 4)


def test_capture_and_attach(monkeypatch) -> None:
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
