"""The SIMULATED notice on every evidence file of a simulated run, in a form that stays in the file:
a first line for text, a first key for JSON, a banner for HTML, a comment for XML, and a red band
with the word SIMULATED added above a PNG (the picture itself is not covered) plus a PNG text chunk.

PNG handling is zlib only (as harness/console.py): 8-bit RGB or RGBA, non-interlaced images (what the
console thumbnails are) get the band; any other PNG keeps its pixels and gets the text chunk only.
"""

from __future__ import annotations

import json
import struct
import zlib

from harness.evidence import SIMULATED_NOTICE

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_HTML_BANNER = (f'<div style="background:#b42318;color:#fff;font:700 16px sans-serif;text-align:center;'
                f'padding:8px">{SIMULATED_NOTICE}</div>')

# 5x7 bitmap letters of the word SIMULATED (rows top to bottom, "1" = ink).
_GLYPHS = {
    "S": ("01111", "10000", "10000", "01110", "00001", "00001", "11110"),
    "I": ("11111", "00100", "00100", "00100", "00100", "00100", "11111"),
    "M": ("10001", "11011", "10101", "10101", "10001", "10001", "10001"),
    "U": ("10001", "10001", "10001", "10001", "10001", "10001", "01110"),
    "L": ("10000", "10000", "10000", "10000", "10000", "10000", "11111"),
    "A": ("01110", "10001", "10001", "11111", "10001", "10001", "10001"),
    "T": ("11111", "00100", "00100", "00100", "00100", "00100", "00100"),
    "E": ("11111", "10000", "10000", "11110", "10000", "10000", "11111"),
    "D": ("11110", "10001", "10001", "10001", "10001", "10001", "11110"),
}
_RED, _WHITE = (0xB4, 0x23, 0x18), (0xFF, 0xFF, 0xFF)


def stamp_simulated(content: str | bytes, name: str, kind: str) -> str | bytes:
    """``content`` of the evidence file ``name`` with the SIMULATED notice added (idempotent)."""
    if isinstance(content, bytes):
        return stamp_png(content) if content.startswith(PNG_SIGNATURE) else content
    lower = name.lower()
    if SIMULATED_NOTICE in content[:2000]:
        return content
    if kind == "json" or lower.endswith(".json"):
        try:
            value = json.loads(content)
        except ValueError:
            value = None
        else:
            doc = {"simulated_notice": SIMULATED_NOTICE}
            doc.update(value if isinstance(value, dict) else {"data": value})
            return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    if lower.endswith((".html", ".htm")):
        at = content.lower().find("<body")
        if at >= 0:
            end = content.find(">", at) + 1
            return content[:end] + _HTML_BANNER + content[end:]
        return _HTML_BANNER + content
    if lower.endswith(".xml") and content.startswith("<?xml"):
        end = content.find("?>") + 2
        return content[:end] + f"\n<!-- {SIMULATED_NOTICE} -->" + content[end:]
    return f"# {SIMULATED_NOTICE}\n{content}"


def _chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    out, pos = [], len(PNG_SIGNATURE)
    while pos + 8 <= len(png):
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        out.append((kind, png[pos + 8:pos + 8 + length]))
        pos += 12 + length
    return out


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)


def _unfilter(raw: bytes, width: int, height: int, bpp: int) -> list[bytearray]:
    stride = width * bpp
    rows: list[bytearray] = []
    prev = bytearray(stride)
    pos = 0
    for _ in range(height):
        ftype, line = raw[pos], bytearray(raw[pos + 1:pos + 1 + stride])
        pos += 1 + stride
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 0xFF
            elif ftype == 2:
                line[i] = (line[i] + b) & 0xFF
            elif ftype == 3:
                line[i] = (line[i] + ((a + b) >> 1)) & 0xFF
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 0xFF
        rows.append(line)
        prev = line
    return rows


_WORD = "SIMULATED"


def _scale(width: int) -> int:
    return max(1, min(width // (len(_WORD) * 6 + 2), 4))


def band_height(width: int) -> int:
    """Height in pixels of the SIMULATED band :func:`stamp_png` adds above a picture ``width`` wide."""
    scale = _scale(width)
    return 7 * scale + 2 * max(2, scale * 2)


def _band(width: int, bpp: int) -> list[bytearray]:
    """Rows of a red band with SIMULATED in white, as wide as the image."""
    word = _WORD
    scale = _scale(width)
    height = band_height(width)
    top = (height - 7 * scale) // 2
    left = max(0, (width - len(word) * 6 * scale) // 2)
    alpha = (0xFF,) if bpp == 4 else ()
    rows = [bytearray(bytes(_RED + alpha) * width) for _ in range(height)]
    for n, letter in enumerate(word):
        for gy, bits in enumerate(_GLYPHS[letter]):
            for gx, bit in enumerate(bits):
                if bit != "1":
                    continue
                for dy in range(scale):
                    for dx in range(scale):
                        x = left + (n * 6 + gx) * scale + dx
                        if x < width:
                            rows[top + gy * scale + dy][x * bpp:x * bpp + 3] = bytes(_WHITE)
    return rows


def stamp_png(png: bytes) -> bytes:
    """``png`` with a SIMULATED band added above the picture and a ``Comment`` text chunk (PNGs
    this cannot decode keep their pixels and get the text chunk only). Idempotent."""
    chunks = _chunks(png)
    text = _chunk(b"tEXt", b"Comment\x00" + SIMULATED_NOTICE.encode("latin-1", "replace"))
    if any(k == b"tEXt" and SIMULATED_NOTICE.encode("latin-1", "replace") in v for k, v in chunks):
        return png
    header = next((v for k, v in chunks if k == b"IHDR"), None)
    if header is None:
        return png
    width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", header)
    if depth != 8 or color not in (2, 6) or interlace != 0:
        ihdr = PNG_SIGNATURE + _chunk(b"IHDR", header)
        return ihdr + text + png[len(ihdr):]
    bpp = 3 if color == 2 else 4
    rows = _unfilter(zlib.decompress(b"".join(v for k, v in chunks if k == b"IDAT")), width, height, bpp)
    rows = _band(width, bpp) + rows
    raw = b"".join(b"\x00" + bytes(r) for r in rows)
    new_header = struct.pack(">IIBBBBB", width, len(rows), 8, color, 0, 0, 0)
    return (PNG_SIGNATURE + _chunk(b"IHDR", new_header) + text + _chunk(b"IDAT", zlib.compress(raw, 9))
            + _chunk(b"IEND", b""))
