"""Hyper-V console thumbnails: RGB565 pixels (Msvm_VirtualSystemManagementService.
GetVirtualSystemThumbnailImage) → PNG, encoded by Pillow.

The WMI method returns ``ImageData`` as a byte array of ``width*height`` little-endian 16-bit
pixels, 5 bits red, 6 green, 5 blue, rows top to bottom. Pillow's raw decoder ``BGR;16`` reads
exactly that layout (red in the high bits) and widens each channel to 8 bits (full intensity stays
255); the PNG is written by Pillow's encoder.
"""

from __future__ import annotations

import io
from typing import Any

from PIL import Image

RAW_MODE = "BGR;16"  # Pillow's name for little-endian 5-6-5 with red in bits 11-15


def image_from_rgb565(data: bytes, width: int, height: int) -> Image.Image:
    """The thumbnail as an RGB Pillow image; a clear ValueError for a wrong size or short data."""
    if width <= 0 or height <= 0:
        raise ValueError(f"thumbnail size must be positive, got {width}x{height}")
    need = width * height * 2
    if len(data) < need:
        raise ValueError(f"thumbnail data has {len(data)} bytes, {width}x{height} RGB565 needs {need}")
    return Image.frombuffer("RGB", (width, height), bytes(data[:need]), "raw", RAW_MODE, 0, 1)


def png_from_rgb565(data: bytes, width: int, height: int) -> bytes:
    """Encode a Hyper-V RGB565 thumbnail as a PNG."""
    out = io.BytesIO()
    image_from_rgb565(data, width, height).save(out, format="PNG", optimize=True)
    return out.getvalue()


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
