"""Hyper-V console thumbnails: RGB565 pixels (Msvm_VirtualSystemManagementService.
GetVirtualSystemThumbnailImage) → PNG, with zlib only (no imaging library).

The WMI method returns ``ImageData`` as a byte array of ``width*height`` little-endian 16-bit
pixels, 5 bits red, 6 green, 5 blue, rows top to bottom. PNG wants 8-bit RGB rows each preceded by
a filter byte; channels are widened with bit replication (``r8 = r5<<3 | r5>>2``) so that full
intensity stays 255.
"""

from __future__ import annotations

import struct
from typing import Any
import zlib

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def rgb565_to_rgb888(data: bytes, width: int, height: int) -> bytes:
    """Expand ``width*height`` little-endian RGB565 pixels to packed 8-bit RGB."""
    if width <= 0 or height <= 0:
        raise ValueError(f"thumbnail size must be positive, got {width}x{height}")
    need = width * height * 2
    if len(data) < need:
        raise ValueError(f"thumbnail data has {len(data)} bytes, {width}x{height} RGB565 needs {need}")
    # Pre-computed 16-bit → 3-byte table: fast and exact.
    table = _table()
    out = bytearray(width * height * 3)
    pixels = memoryview(data)[:need].cast("H") if _little_endian_host() else None
    if pixels is None:  # pragma: no cover - big-endian hosts
        values = struct.unpack(f"<{width * height}H", bytes(data[:need]))
    else:
        values = pixels
    j = 0
    for value in values:
        out[j:j + 3] = table[value]
        j += 3
    return bytes(out)


def png_from_rgb565(data: bytes, width: int, height: int) -> bytes:
    """Encode a Hyper-V RGB565 thumbnail as a PNG (8-bit truecolour, no interlace)."""
    rgb = rgb565_to_rgb888(data, width, height)
    stride = width * 3
    raw = b"".join(b"\x00" + rgb[y * stride:(y + 1) * stride] for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (PNG_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw, 9))
            + _chunk(b"IEND", b""))


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return (struct.pack(">I", len(payload)) + kind + payload
            + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF))


_TABLE: list[bytes] | None = None


def _table() -> list[bytes]:
    global _TABLE
    if _TABLE is None:
        rows = []
        for v in range(65536):
            r5, g6, b5 = (v >> 11) & 0x1F, (v >> 5) & 0x3F, v & 0x1F
            rows.append(bytes(((r5 << 3) | (r5 >> 2), (g6 << 2) | (g6 >> 4), (b5 << 3) | (b5 >> 2))))
        _TABLE = rows
    return _TABLE


def _little_endian_host() -> bool:
    import sys
    return sys.byteorder == "little"


# --------------------------------------------------------------------------- capture + attach

THUMBNAIL_TEMPLATE = "console_thumbnail.ps1"


def capture_png(host_session: Any, vm: str, *, vm_id: str = "", width: int = 800, height: int = 600,
                timeout: float | None = 120.0) -> bytes:
    """Take the console thumbnail of ``vm`` on its Hyper-V host (``console_thumbnail.ps1``) as PNG."""
    import base64

    data = host_session.run(THUMBNAIL_TEMPLATE, {"vm": vm, "vm_id": vm_id, "width": width, "height": height},
                            timeout=timeout)
    data = getattr(data, "data", data) or {}
    pixels = base64.b64decode(str(data.get("ImageData") or ""))
    return png_from_rgb565(pixels, int(data.get("Width") or width), int(data.get("Height") or height))


def attach_screenshot(png: bytes, name: str, *, recorder: Any = None, scenario: str | None = None) -> None:
    """Attach a PNG to the Allure report and, when a run recorder is given, store it as evidence."""
    import allure

    if recorder is not None and hasattr(recorder, "marked"):
        png = recorder.marked(png, name, "png")  # a simulated run's screenshot carries SIMULATED
    allure.attach(png, name=name, attachment_type=allure.attachment_type.PNG)
    if recorder is not None and hasattr(recorder, "add_evidence"):
        filename = name if name.lower().endswith(".png") else f"{name}.png"
        recorder.add_evidence(scenario, filename, png, kind="png")
