"""The VM console as Hyper-V's GetVirtualSystemThumbnailImage returns it: RGB565 pixels, little-endian,
row by row (WidthPixels × HeightPixels × 2 bytes). Draws a plausible screen with a tiny built-in
5×7 bitmap font: the sign-in screen with the computer name, the blue stop-error screen, the
"booting" spinner screen, a WinPE console, or the firmware's "no operating system" summary.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

# 5x7 glyphs, one string of 7 rows per character; '#' = pixel on.
_FONT_ROWS = {
    "A": " ### #   ##   #######   ##   ##   #", "B": "#### #   ##   ##### #   ##   ##### ",
    "C": " ### #   ##    #    #    #   # ### ", "D": "#### #   ##   ##   ##   ##   ##### ",
    "E": "######    #    #### #    #    #####", "F": "######    #    #### #    #    #    ",
    "G": " ### #   ##    # ####   ##   # ####", "H": "#   ##   ##   #######   ##   ##   #",
    "I": " ###   #    #    #    #    #   ### ", "J": "  ###   #    #    #    # #  #  ##  ",
    "K": "#   ##  # # #  ##   # #  #  # #   #", "L": "#    #    #    #    #    #    #####",
    "M": "#   ### ### # ##   ##   ##   ##   #", "N": "#   ###  ## # ##  ###   ##   ##   #",
    "O": " ### #   ##   ##   ##   ##   # ### ", "P": "#### #   ##   ##### #    #    #    ",
    "Q": " ### #   ##   ##   ## # ##  #  ## #", "R": "#### #   ##   ##### # #  #  # #   #",
    "S": " ####    #     ###     #    #####  ", "T": "#####  #    #    #    #    #    #  ",
    "U": "#   ##   ##   ##   ##   ##   # ### ", "V": "#   ##   ##   ##   ##   # # #   #  ",
    "W": "#   ##   ##   ## # ## # ## # # # # ", "X": "#   ##   # # #   #   # # #   ##   #",
    "Y": "#   ##   # # #   #    #    #    #  ", "Z": "#####    #   #   #   #   #    #####",
    "0": " ### #   ##  ### # ###  ##   # ### ", "1": "  #   ##    #    #    #    #   ### ",
    "2": " ### #   #    #   #   #   #   #####", "3": "#####   #   #     #     ##   # ### ",
    "4": "   #   ##  # # #  # #####   #    # ", "5": "######    ####     #    ##   # ### ",
    "6": "  ##  #   #    #### #   ##   # ### ", "7": "#####    #   #   #   #    #    #   ",
    "8": " ### #   ##   # ### #   ##   # ### ", "9": " ### #   ##   # ####    #   #  ##  ",
    ":": "       ##   ##        ##   ##      ", ".": "                          ##   ##  ",
    "-": "               #####               ", "_": "                              #####",
    "(": "   #   #   #    #    #     #     # ", ")": " #     #     #    #    #   #   #   ",
    "\\": "     #     #     #     #     #     ", "/": "         #   #   #   #   #         ",
    ">": " #     #     #     #   #   #   #   ", "+": "       #    #  #####  #    #       ",
    "%": "##   ##  #   #   #   #   #  ##   ##", "'": "  #    #   #                       ",
    "?": " ### #   #    #   #   #         #  ", " ": " " * 35,
}
_GLYPHS = {ch: [rows[i * 5:(i + 1) * 5].ljust(5) for i in range(7)] for ch, rows in _FONT_ROWS.items()}


def rgb565(r: int, g: int, b: int) -> int:
    return ((r >> 3) << 11) | ((g >> 2) << 5) | (b >> 3)


class Canvas:
    def __init__(self, w: int, h: int, bg: int) -> None:
        self.w, self.h = w, h
        self.px = [bg] * (w * h)

    def text(self, x: int, y: int, s: str, color: int, scale: int = 1) -> None:
        for ch in s.upper():
            glyph = _GLYPHS.get(ch, _GLYPHS["?"])
            for gy, row in enumerate(glyph):
                for gx, bit in enumerate(row):
                    if bit == "#":
                        for dy in range(scale):
                            for dx in range(scale):
                                px, py = x + gx * scale + dx, y + gy * scale + dy
                                if 0 <= px < self.w and 0 <= py < self.h:
                                    self.px[py * self.w + px] = color
            x += 6 * scale

    def bytes(self) -> bytes:
        out = bytearray()
        for p in self.px:
            out += p.to_bytes(2, "little")
        return bytes(out)


def text_width(s: str, scale: int = 1) -> int:
    return len(s) * 6 * scale


def render(state: Any, now: _dt.datetime, width: int = 160, height: int = 120) -> bytes:
    """RGB565 image of the console of a VM whose guest state is ``state`` (guest.GuestState or None)."""
    white = rgb565(255, 255, 255)
    scale = max(1, min(width // 160, height // 120))
    phase = getattr(state, "phase", "NoOS")
    if phase == "BugCheck":
        c = Canvas(width, height, rgb565(0x00, 0x78, 0xD7))
        c.text(8 * scale, 8 * scale, ":(", white, scale * 2)
        c.text(8 * scale, 34 * scale, "YOUR PC RAN INTO A", white, scale)
        c.text(8 * scale, 44 * scale, "PROBLEM AND NEEDS", white, scale)
        c.text(8 * scale, 54 * scale, "TO RESTART.", white, scale)
        c.text(8 * scale, 74 * scale, "STOP CODE:", white, scale)
        c.text(8 * scale, 84 * scale, "INACCESSIBLE_BOOT_DEVICE", white, scale)
        c.text(8 * scale, 96 * scale, f"0x{getattr(state, 'stop_code', 0) or 0:08X}", white, scale)
        return c.bytes()
    if phase == "WinPE":
        c = Canvas(width, height, rgb565(0, 0, 0))
        c.text(4 * scale, 8 * scale, "X:\\WINDOWS\\SYSTEM32>", rgb565(192, 192, 192), scale)
        return c.bytes()
    if phase == "Running" and state.machine is not None:
        if now < state.machine.booted_at:
            c = Canvas(width, height, rgb565(0, 0, 0))
            c.text((width - text_width("STARTING WINDOWS", scale)) // 2, height // 2, "STARTING WINDOWS", white, scale)
            return c.bytes()
        c = Canvas(width, height, rgb565(0x10, 0x3A, 0x6E))
        name = state.machine.computer_name
        c.text((width - text_width(name, scale * 2)) // 2, height // 3, name, white, scale * 2)
        for i, line in enumerate(("PRESS CTRL+ALT+DELETE", "TO SIGN IN.")):
            c.text((width - text_width(line, scale)) // 2, height // 3 + (24 + 10 * i) * scale, line, white, scale)
        c.text(4 * scale, height - 10 * scale, now.strftime("%H:%M"), white, scale)
        return c.bytes()
    c = Canvas(width, height, rgb565(0, 0, 0))
    c.text(4 * scale, 8 * scale, "VIRTUAL MACHINE BOOT SUMMARY", white, scale)
    c.text(4 * scale, 24 * scale, "NO OPERATING SYSTEM WAS LOADED.", white, scale)
    return c.bytes()


