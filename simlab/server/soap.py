"""WS-Management SOAP envelopes: parse a request, build responses and Windows-shaped faults.

Namespaces, actions and fault shapes follow [MS-WSMV] and what Windows Server 2022 sends; fault
codes and their sources are listed in simlab/docs/simulator-protocol.md.
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

NS = {
    "s": "http://www.w3.org/2003/05/soap-envelope",
    "a": "http://schemas.xmlsoap.org/ws/2004/08/addressing",
    "w": "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd",
    "p": "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd",
    "x": "http://schemas.xmlsoap.org/ws/2004/09/transfer",
    "rsp": "http://schemas.microsoft.com/wbem/wsman/1/windows/shell",
    "f": "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault",
}
SHELL_URI = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd"
RSP = NS["rsp"]
ACTIONS = {
    "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create": "Create",
    "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete": "Delete",
    RSP + "/Command": "Command",
    RSP + "/Send": "Send",
    RSP + "/Receive": "Receive",
    RSP + "/Signal": "Signal",
}
RESPONSE_ACTIONS = {
    "Create": "http://schemas.xmlsoap.org/ws/2004/09/transfer/CreateResponse",
    "Delete": "http://schemas.xmlsoap.org/ws/2004/09/transfer/DeleteResponse",
    "Command": RSP + "/CommandResponse",
    "Send": RSP + "/SendResponse",
    "Receive": RSP + "/ReceiveResponse",
    "Signal": RSP + "/SignalResponse",
}
FAULT_ACTION = "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault"
ANONYMOUS = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"


class SoapFault(Exception):
    """A WS-Management fault as Windows sends it (HTTP 500 with a SOAP Fault body)."""

    def __init__(self, code: str, subcode: str, wsman_code: int, message: str) -> None:
        super().__init__(message)
        self.code = code  # "s:Sender" / "s:Receiver"
        self.subcode = subcode  # e.g. "w:TimedOut"
        self.wsman_code = wsman_code
        self.message = message


def timed_out() -> SoapFault:
    return SoapFault("s:Receiver", "w:TimedOut", 2150858793,
                     "The WS-Management service cannot complete the operation within the time specified in "
                     "OperationTimeout.  ")


def shell_not_found(shell_id: str) -> SoapFault:
    return SoapFault("s:Sender", "w:InvalidSelectors", 2150858843,
                     f"The request for the Windows Remote Shell with ShellId {shell_id} failed because the shell "
                     "was not found on the server. Possible causes are: the specified ShellId is incorrect or the "
                     "shell no longer exists on the server. Provide the correct ShellId or create a new shell and "
                     "retry the operation. ")


def too_many_shells(limit: int) -> SoapFault:
    return SoapFault("s:Receiver", "w:QuotaLimit", 2150859173,
                     f"The WS-Management service cannot process the request. This user is allowed a maximum number "
                     f"of {limit} concurrent shells, which has been exceeded. Close existing shells or raise the "
                     "quota for this user. ")


def access_denied() -> SoapFault:
    return SoapFault("s:Sender", "w:AccessDenied", 5, "Access is denied. ")


def command_not_found(command_id: str) -> SoapFault:
    # Code not verified against a capture; see simlab/docs/simulator-protocol.md.
    return SoapFault("s:Sender", "w:InvalidParameter", 87,
                     f"The parameter is incorrect. The command {command_id} does not exist in this shell. ")


def unsupported(what: str) -> SoapFault:
    # Code not verified against a capture; see simlab/docs/simulator-protocol.md.
    return SoapFault("s:Sender", "w:ActionNotSupported", 2150858771,
                     f"The WS-Management service cannot process the request. {what} is not supported by the "
                     "simulated lab. ")


def invalid_request(what: str) -> SoapFault:
    return SoapFault("s:Sender", "w:InvalidParameter", 87, f"The parameter is incorrect. {what} ")


@dataclass
class Request:
    """The parts of a WS-Man request the shell plugin needs."""

    action: str  # "Create", "Command", ...
    action_uri: str
    message_id: str
    resource_uri: str
    shell_id: str | None
    operation_timeout: float
    max_envelope_size: int
    options: dict[str, str] = field(default_factory=dict)
    body: ET.Element | None = None


_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")


def parse_duration(text: str | None, default: float = 60.0) -> float:
    """xs:duration (``PT20S``, ``PT20.000S``, ``PT1M``) → seconds."""
    m = _DURATION.match((text or "").strip())
    if not text or not m:
        return default
    d, h, mi, s = m.groups()
    return int(d or 0) * 86400 + int(h or 0) * 3600 + int(mi or 0) * 60 + float(s or 0)


def parse_request(data: bytes) -> Request:
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise invalid_request(f"The request is not well-formed XML ({exc}).") from None
    header = root.find("s:Header", NS)
    body = root.find("s:Body", NS)
    if header is None:
        raise invalid_request("The SOAP header is missing.")

    def text(path: str) -> str | None:
        el = header.find(path, NS)
        return el.text.strip() if el is not None and el.text else None

    action_uri = text("a:Action") or ""
    action = ACTIONS.get(action_uri)
    if action is None:
        raise unsupported(f"The action {action_uri!r}")
    options = {}
    for opt in header.findall("w:OptionSet/w:Option", NS):
        options[opt.get("Name", "")] = (opt.text or "").strip()
    shell_id = None
    for sel in header.findall("w:SelectorSet/w:Selector", NS):
        if sel.get("Name") == "ShellId":
            shell_id = (sel.text or "").strip()
    try:
        max_env = int(text("w:MaxEnvelopeSize") or 153600)
    except ValueError:
        max_env = 153600
    return Request(
        action=action,
        action_uri=action_uri,
        message_id=text("a:MessageID") or "",
        resource_uri=text("w:ResourceURI") or "",
        shell_id=shell_id,
        operation_timeout=parse_duration(text("w:OperationTimeout")),
        max_envelope_size=max_env,
        options=options,
        body=body,
    )


def _envelope(action: str, relates_to: str, body: str) -> bytes:
    msg_id = f"uuid:{str(uuid.uuid4()).upper()}"
    xml = (
        '<s:Envelope xml:lang="en-US" '
        f'xmlns:s="{NS["s"]}" xmlns:a="{NS["a"]}" xmlns:x="{NS["x"]}" xmlns:w="{NS["w"]}" '
        f'xmlns:rsp="{NS["rsp"]}" xmlns:p="{NS["p"]}">'
        f"<s:Header><a:Action>{escape(action)}</a:Action><a:MessageID>{msg_id}</a:MessageID>"
        f"<a:To>{ANONYMOUS}</a:To><a:RelatesTo>{escape(relates_to)}</a:RelatesTo></s:Header>"
        f"<s:Body>{body}</s:Body></s:Envelope>"
    )
    return xml.encode("utf-8")


def response(req: Request, body: str) -> bytes:
    return _envelope(RESPONSE_ACTIONS[req.action], req.message_id, body)


def fault_envelope(fault: SoapFault, relates_to: str, machine: str) -> bytes:
    body = (
        f"<s:Fault><s:Code><s:Value>{fault.code}</s:Value><s:Subcode><s:Value>{fault.subcode}</s:Value>"
        f'</s:Subcode></s:Code><s:Reason><s:Text xml:lang="en-US">{escape(fault.message)}</s:Text></s:Reason>'
        f'<s:Detail><f:WSManFault xmlns:f="{NS["f"]}" Code="{fault.wsman_code}" Machine={quoteattr(machine)}>'
        f"<f:Message>{escape(fault.message)}</f:Message></f:WSManFault></s:Detail></s:Fault>"
    )
    return _envelope(FAULT_ACTION, relates_to, body)
