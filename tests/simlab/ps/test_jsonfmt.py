"""ConvertTo-Json / ConvertFrom-Json as Windows PowerShell 5.1 prints them."""

from __future__ import annotations

from simlab.ps.api import PSObject, enum_type, utc


def one(ps, text, **kw):
    r = ps(text, **kw)
    assert r.exit_code == 0, r.stderr
    assert len(r.output) == 1
    return r.output[0]


def test_pretty_format_two_spaces_after_colon_crlf_and_nesting(ps):
    assert one(ps, "[pscustomobject][ordered]@{a=1; b=[ordered]@{c='x'}; d=@(1,2)} | ConvertTo-Json") == (
        '{\r\n    "a":  1,\r\n    "b":  {\r\n              "c":  "x"\r\n          },\r\n'
        '    "d":  [\r\n              1,\r\n              2\r\n          ]\r\n}')


def test_compress(ps):
    assert one(ps, "[pscustomobject][ordered]@{a=1; b='x'} | ConvertTo-Json -Compress") == '{"a":1,"b":"x"}'


def test_enum_as_integer_and_date_as_escaped_ms(ps):
    state = enum_type("Microsoft.HyperV.PowerShell.VMState", {"Running": 2, "Off": 3})
    vm = PSObject({"State": state("Off"), "When": utc(2019, 11, 19, 22, 33, 39)})
    assert one(ps, "$vm | ConvertTo-Json -Compress", variables={"vm": vm}) == \
        '{"State":3,"When":"\\/Date(1574202819000)\\/"}'


def test_single_item_not_wrapped_and_array_when_more(ps):
    assert one(ps, "@(5) | ConvertTo-Json") == "5"
    assert one(ps, "1,2 | ConvertTo-Json -Compress") == "[1,2]"
    assert one(ps, "ConvertTo-Json -InputObject @(5) -Compress") == "[5]"


def test_no_output_for_null_or_empty(ps):
    assert ps("$null | ConvertTo-Json").output == []
    assert ps("@() | ConvertTo-Json").output == []


def test_default_depth_2_truncates_to_string(ps):
    text = one(ps, "[pscustomobject]@{a=[pscustomobject]@{b=[pscustomobject]@{c=[pscustomobject]@{d=1}}}} | ConvertTo-Json -Compress")
    assert text == '{"a":{"b":{"c":"@{d=1}"}}}'
    text = one(ps, "[pscustomobject]@{a=[pscustomobject]@{b=@{c=1}}} | ConvertTo-Json -Compress -Depth 1")
    assert text == '{"a":{"b":"System.Collections.Hashtable"}}'


def test_javascriptserializer_escapes(ps):
    assert one(ps, "'<a&b>' | ConvertTo-Json") == '"\\u003ca\\u0026b\\u003e"'


def test_convertfrom_json_array_is_one_object(ps):
    r = ps("$x = '[{\"a\":1},{\"a\":2}]' | ConvertFrom-Json; ($x | Measure-Object).Count; $x[1].a")
    assert r.output[1] == 2
    r = ps("('[1,2]' | ConvertFrom-Json | Measure-Object).Count")
    assert r.output == [1]  # 5.1 emits the whole array as a single pipeline object
