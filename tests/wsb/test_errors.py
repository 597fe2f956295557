"""WSB error codes: formatting, meanings, unverified marking, extraction from messages."""

from harness.wsb.errors import CODES, code_of_error, codes_in, explain, hex32


def test_hex32_formats_signed_int32_values():
    assert hex32(-2139619131) == "0x807800C5"
    assert hex32(0x800423F4) == "0x800423F4"
    assert hex32(0) == "0x00000000"


def test_known_codes_explain_their_meaning():
    assert "non-retryable" in explain(0x800423F4) and "VSS_E_WRITERERROR_NONRETRYABLE" in explain(0x800423F4)
    assert "SOURCE volume" in explain(0x80780119)
    assert "share access or permissions" in explain(-2139619131)


def test_unverified_meaning_says_so():
    assert CODES[0x80780166].verified is False
    assert "UNVERIFIED" in explain(0x80780166)


def test_unknown_code_is_not_guessed():
    text = explain(0x80001234)
    assert text.startswith("0x80001234") and "not in the harness's table" in text


def test_codes_are_found_in_messages_and_details():
    assert codes_in("failed (0x807800C5) then 0x807800c5 and 0x80780166") == [0x807800C5, 0x80780166]
    assert code_of_error({"hresult": -2139619131}, "Access is denied.") == 0x807800C5
    # a generic COM code in the record loses to a WSB code in the text
    assert code_of_error({"hresult": -2147467259}, "backup failed (0x80780119)") == 0x80780119
    assert code_of_error({}, "no code here") is None
