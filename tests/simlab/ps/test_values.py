"""values.py: the format operator as .NET (invariant culture) formats numbers and strings."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("text,expected", [
    ("'{0:X8}' -f -2147212300", "800423F4"),  # HRESULT 0x800423F4 (VSS) from a negative Int32
    ("'0x{0:X8}' -f -2147024891", "0x80070005"),
    ("'{0:X}' -f -5000000000", "FFFFFFFED5FA0E00"),  # outside Int32: Int64 bits
    ("'{0:x8}' -f 255", "000000ff"),
    ("'{0:N2}' -f 1234.5", "1,234.50"),
    ("'{0:N2}' -f 2.675", "2.68"),  # .NET Framework: 15 digits, then half away from zero
    ("'{0:N0}' -f 1234567", "1,234,567"),
    ("'{0:N2}' -f -1234.567", "-1,234.57"),
    ("'{0:D4}' -f 7", "0007"),
    ("'{0:D4}' -f -7", "-0007"),
    ("'[{0,-10}]' -f 'ab'", "[ab        ]"),
    ("'[{0,6}]' -f 'ab'", "[    ab]"),
    ("'[{0,8:N1}]' -f 3.14159", "[     3.1]"),
    ("'{0:N2}' -f '3'", "3"),  # a String is not IFormattable: the format is ignored
    ("'{0:N2}' -f $true", "True"),
    ("'{0:E}' -f 1234.5", "1.234500E+003"),
    ("'{0:P1}' -f 0.1234", "12.3 %"),
    ("'{0:0.00}' -f 3.14159", "3.14"),
])
def test_format_operator(ps, text, expected):
    r = ps(text)
    assert r.exit_code == 0, r.stderr
    assert r.output == [expected]


def test_hex_of_double_is_invalid(ps):
    r = ps("try { '{0:X}' -f 1.5 } catch { $_.Exception.Message }")
    assert r.output == ["Error formatting a string: Format specifier was invalid.."]
