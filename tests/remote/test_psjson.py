"""Windows PowerShell 5.1 ConvertTo-Json quirks, normalised in one place."""

from __future__ import annotations

import datetime as dt

import pytest

from harness.remote import psjson

UTC = dt.UTC


def test_ms_date_escaped_as_5_1_writes_it() -> None:
    # 5.1 writes "\/Date(ms)\/" - the JSON escape of '/' disappears in json.loads.
    data = psjson.loads('{"CreationTime":"\\/Date(1574202819000)\\/"}')
    assert data["CreationTime"] == dt.datetime(2019, 11, 19, 22, 33, 39, tzinfo=UTC)


def test_negative_ms_date_and_offset_form() -> None:
    assert psjson.parse_date("/Date(-62135596800000)/") == dt.datetime(1, 1, 1, tzinfo=UTC)
    with_offset = psjson.parse_date("/Date(1574202819000+0900)/")
    assert with_offset == dt.datetime(2019, 11, 19, 22, 33, 39, tzinfo=UTC)
    assert with_offset.utcoffset() == dt.timedelta(hours=9)


def test_iso_dates_from_templates_with_seven_fraction_digits() -> None:
    d = psjson.parse_date("2026-11-21T14:05:00.1234567Z")
    assert d == dt.datetime(2026, 11, 21, 14, 5, 0, 123456, tzinfo=UTC)
    assert psjson.parse_date("2026-11-21T23:05:00+09:00") == dt.datetime(2026, 11, 21, 14, 5, tzinfo=UTC)
    assert psjson.parse_date("2026-11-21T14:05:00").tzinfo is UTC  # naive → UTC
    assert psjson.parse_date(None) is None and psjson.parse_date("") is None
    with pytest.raises(ValueError):
        psjson.parse_date("yesterday")


def test_wrapped_date_and_guid_are_unwrapped() -> None:
    data = psjson.loads('{"When":{"value":"\\/Date(0)\\/","DisplayHint":2,"DateTime":"Thursday, January 1, 1970"},'
                        '"Id":{"value":"6f225311-b793-49cf-98a3-0a32108e49bb","Guid":"6f225311-b793-49cf-98a3-0a32108e49bb"}}')
    assert data["When"] == dt.datetime(1970, 1, 1, tzinfo=UTC)
    assert data["Id"] == "6f225311-b793-49cf-98a3-0a32108e49bb"


def test_an_object_with_a_value_property_is_not_mistaken_for_a_wrapper() -> None:
    data = psjson.loads('{"value":1,"Name":"x"}')
    assert data == {"value": 1, "Name": "x"}


def test_timespan_object_becomes_timedelta() -> None:
    ts = {"Ticks": 36000000000, "Days": 0, "Hours": 1, "Milliseconds": 0, "Minutes": 0, "Seconds": 0,
          "TotalDays": 0.0416, "TotalHours": 1.0, "TotalMilliseconds": 3600000.0, "TotalMinutes": 60.0,
          "TotalSeconds": 3600.0}
    assert psjson.normalize({"Uptime": ts})["Uptime"] == dt.timedelta(hours=1)
    assert psjson.timespan_seconds(ts) == 3600.0
    assert psjson.timespan_seconds(12) == 12.0


def test_single_object_empty_output_and_null_as_lists() -> None:
    assert psjson.loads("") == []
    assert psjson.loads("  \r\n") == []
    assert psjson.as_list(None) == []
    assert psjson.as_list("") == []
    assert psjson.as_list({"Name": "CM01"}) == [{"Name": "CM01"}]
    assert psjson.as_list([{"Name": "a"}, {"Name": "b"}]) == [{"Name": "a"}, {"Name": "b"}]


def test_drive_letters() -> None:
    assert psjson.drive_letter("\u0000") is None
    assert psjson.drive_letter("") is None
    assert psjson.drive_letter(None) is None
    assert psjson.drive_letter("e") == "E"
    assert psjson.drive_letter("C:\\") == "C"
    # as it arrives from JSON text
    assert psjson.drive_letter(psjson.loads('{"DriveLetter":"\\u0000"}')["DriveLetter"]) is None


def test_enums_stay_integers() -> None:
    data = psjson.loads('[{"State":2,"SwitchType":0}]')
    assert data == [{"State": 2, "SwitchType": 0}] and isinstance(data[0]["State"], int)
    assert psjson.as_int(3) == 3 and psjson.as_int("6") == 6 and psjson.as_int("Running") is None
    assert psjson.as_int(True) is None


def test_pretty_5_1_format_with_bom_and_crlf_parses() -> None:
    text = '\ufeff{\r\n    "Name":  "CM01",\r\n    "Disks":  [\r\n                  "a.vhdx"\r\n              ]\r\n}'
    assert psjson.loads(text) == {"Name": "CM01", "Disks": ["a.vhdx"]}
    assert psjson.loads(text.encode("utf-8")) == {"Name": "CM01", "Disks": ["a.vhdx"]}


def test_japanese_text_passes_through() -> None:
    assert psjson.loads('{"Path":"D:\\\\Shares\\\\HR\\\\人事","Name":"\\u4eba\\u4e8b"}') == {
        "Path": "D:\\Shares\\HR\\人事", "Name": "人事"}
