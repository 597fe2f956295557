"""One-line descriptions and the retry/keep-session decisions of harness/remote/failures.py."""

from __future__ import annotations

import ssl
from xml.etree.ElementTree import ParseError

import pytest
import requests
from winrm.exceptions import WinRMTransportError, WSManFaultError

from harness.remote.failures import (
    MalformedAnswer,
    describe,
    is_certificate_error,
    is_transient,
    keeps_session,
)

EP = "https://hv:5986/wsman"


@pytest.mark.parametrize("exc, text, transient", [
    (requests.exceptions.ReadTimeout("read timed out"), "no answer from https://hv:5986/wsman within 30 s", True),
    (requests.exceptions.ChunkedEncodingError("Connection broken: IncompleteRead(10 bytes read, 90 more expected)"),
     "was cut off before it was complete", True),
    (requests.exceptions.ConnectionError("Max retries exceeded (Caused by NewConnectionError('[Errno 111] "
                                         "Connection refused'))"), "refused: nothing listens there", True),
    (requests.exceptions.ConnectionError(ConnectionResetError(104, "Connection reset by peer")),
     "was reset", True),
    (requests.exceptions.ConnectionError("('Connection aborted.', RemoteDisconnected('Remote end closed connection "
                                         "without response'))"), "closed the connection without answering", True),
    (WinRMTransportError("http", 502, ""), "HTTP 502 from https://hv:5986/wsman with an empty body", True),
    (WinRMTransportError("http", 404, "<html><head><title>Not Found</title></head></html>"),
     "HTTP 404 from https://hv:5986/wsman with an HTML page (Not Found)", False),
    (MalformedAnswer("Create (open shell)", ParseError("no element found: line 1, column 0")),
     "the answer from https://hv:5986/wsman to Create (open shell) is not a valid WS-Management response "
     "(ParseError", False),
])
def test_describe_is_one_line_and_says_what_happened(exc: BaseException, text: str, transient: bool) -> None:
    line = describe(exc, endpoint=EP, read_timeout=30)
    assert text in line and "\n" not in line
    assert is_transient(exc) is transient
    assert not keeps_session(exc)


def test_a_certificate_failure_is_never_transient() -> None:
    inner = ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")
    exc = requests.exceptions.SSLError(requests.exceptions.ConnectionError(inner))
    assert is_certificate_error(exc) and not is_transient(exc)
    assert "is not trusted" in describe(exc, endpoint=EP)


def test_a_soap_fault_keeps_the_session() -> None:
    fault = WSManFaultError(500, "m", "<r/>", "The shell was not found", wsman_fault_code=2150858843)
    assert keeps_session(fault) and not is_transient(fault)
    assert describe(fault, endpoint=EP) == f"WS-Management fault 2150858843 from {EP}: The shell was not found"
