"""Template rendering, the bootstrap line, sentinel parsing and error mapping."""

from __future__ import annotations

import base64

import pytest

from harness import errors
from harness.remote import scripts
from harness.remote.transport import RawResult
from harness.secrets import MASK, register_secret


def ok(json_text: str, before: str = "", after: str = "") -> RawResult:
    out = f"{before}<<<RH-RESULT>>>\r\n{json_text}\r\n<<<RH-END>>>\r\n{after}"
    return RawResult(out.encode("utf-8"), b"", 0)


def test_render_resolves_includes_and_uses_crlf() -> None:
    text = scripts.render("host_facts")
    assert text.startswith("param([string]$ParamsJson)\r\n")
    assert "function Write-RhResult" in text  # from _common.ps1
    assert "{%" not in text and "\n" not in text.replace("\r\n", "")
    assert scripts.render("host_facts.ps1") == text


def test_render_unknown_template() -> None:
    with pytest.raises(scripts.TemplateError, match="no template nope.ps1"):
        scripts.render("nope")


def test_templates_take_no_values(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "bad.ps1").write_text("param([string]$ParamsJson)\n$x = '{{ vm_name }}'\n")
    (tmp_path / "_common.ps1").write_text("# nothing\n")
    monkeypatch.setattr(scripts, "TEMPLATE_DIR", tmp_path)
    scripts._environment.cache_clear()
    try:
        with pytest.raises(scripts.TemplateError, match="only"):
            scripts.render("bad")
    finally:
        scripts._environment.cache_clear()


def test_bootstrap_round_trip_with_hostile_params() -> None:
    script = scripts.render("echo")
    params = {"name": "CM01'; Remove-Item C:\\ -Recurse; '$x", "jp": "人事", "n": 3, "list": ["a", None]}
    line = scripts.bootstrap_line(script, params)
    assert "\n" not in line and "\r" not in line
    assert line.startswith("& ([ScriptBlock]::Create(") and "Remove-Item" not in line and "人事" not in line
    back_script, back_params = scripts.decode_bootstrap(line)
    assert back_script == script and back_params == params
    stdin = scripts.stdin_for(script, params)
    assert stdin.endswith(b"\r\n") and stdin.count(b"\r\n") == 1


def test_bootstrap_has_no_length_limit() -> None:
    script = "param([string]$ParamsJson)\r\n" + "$null = 1\r\n" * 5000
    line = scripts.bootstrap_line(script, {})
    assert len(line) > 8191
    assert scripts.decode_bootstrap(line)[0] == script


def test_success_with_noise_around_and_normalised_data() -> None:
    raw = ok('{"ok":true,"data":{"When":"\\/Date(0)\\/","Items":[1,2]}}', before="WARNING: x\r\n", after="junk\r\n")
    data = scripts.parse_result(raw, host="HV-LAB01", template="t")
    assert data["Items"] == [1, 2] and data["When"].year == 1970


def test_stdout_with_bom_and_utf8_japanese() -> None:
    raw = RawResult("\ufeff<<<RH-RESULT>>>\n{\"ok\":true,\"data\":\"人事\"}\n<<<RH-END>>>\n".encode(), b"", 0)
    assert scripts.parse_result(raw) == "人事"


@pytest.mark.parametrize(
    ("error", "cls"),
    [
        ({"type": "Microsoft.HyperV.PowerShell.VirtualizationException", "fqid": "InvalidParameter,Microsoft.HyperV.PowerShell.Commands.GetVM",
          "category": "InvalidArgument", "message": "Hyper-V was unable to find a virtual machine"}, errors.RemoteScriptError),
        ({"type": "System.Management.Automation.ItemNotFoundException", "fqid": "PathNotFound,Microsoft.PowerShell.Commands.GetItemCommand",
          "category": "ObjectNotFound", "message": "Cannot find path"}, errors.RemoteNotFound),
        ({"type": "System.Management.Automation.CommandNotFoundException", "fqid": "CommandNotFoundException",
          "category": "ObjectNotFound", "message": "The term 'Get-VM' is not recognized"}, errors.RemoteNotInstalled),
        ({"type": "System.IO.FileNotFoundException", "fqid": "Modules_ModuleNotFound,Microsoft.PowerShell.Commands.ImportModuleCommand",
          "category": "ResourceUnavailable", "message": "module not loaded"}, errors.RemoteNotInstalled),
        ({"type": "System.UnauthorizedAccessException", "fqid": "x", "category": "PermissionDenied",
          "message": "Access is denied"}, errors.RemoteAccessDenied),
        ({"type": "Microsoft.HyperV.PowerShell.VirtualizationException", "fqid": "ObjectAlreadyExists,Microsoft.HyperV.PowerShell.Commands.ImportVM",
          "category": "ResourceExists", "message": "already exists"}, errors.RemoteAlreadyExists),
    ],
)
def test_errors_map_to_types(error: dict, cls: type) -> None:
    import json

    raw = ok(json.dumps({"ok": False, "error": {**error, "target": "CM01", "line": 12}}))
    with pytest.raises(errors.RemoteScriptError) as info:
        scripts.parse_result(raw, host="HV-LAB01", template="vm_facts")
    exc = info.value
    assert type(exc) is cls
    assert (exc.fqid, exc.category, exc.target, exc.line) == (error["fqid"], error["category"], "CM01", 12)
    assert str(exc).startswith("vm_facts on HV-LAB01: ")


def test_error_messages_are_redacted() -> None:
    register_secret("script-secret-55")
    raw = ok('{"ok":false,"error":{"type":"X","message":"bad password script-secret-55","fqid":"f","category":"c"}}')
    with pytest.raises(errors.RemoteScriptError) as info:
        scripts.parse_result(raw)
    assert "script-secret-55" not in str(info.value) and MASK in str(info.value)


CLIXML = (
    '#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">'
    '<Obj S="progress" RefId="0"><TN RefId="0"><T>System.Management.Automation.PSCustomObject</T></TN></Obj>'
    '<S S="Error">At line:1 char:1_x000D__x000A_</S><S S="Error">+ Get-Foo : 人事 not found_x000D__x000A_</S>'
    '<S S="warning">careful</S></Objs>'
)


def test_no_sentinel_is_a_protocol_error_with_decoded_redacted_stderr() -> None:
    register_secret("stderr-secret-66")
    raw = RawResult(b"some output\r\n", (CLIXML.replace("careful", "careful stderr-secret-66")).encode(), 1)
    with pytest.raises(errors.RemoteProtocolError) as info:
        scripts.parse_result(raw, host="HV-LAB01", template="host_facts")
    msg = str(info.value)
    assert "no result came back" in msg and "exit code 1" in msg
    assert "+ Get-Foo : 人事 not found" in msg and "_x000D_" not in msg and "<Objs" not in msg
    assert "stderr-secret-66" not in msg and "[warning] careful" in msg
    assert isinstance(info.value, errors.LabError)


@pytest.mark.parametrize(
    ("stdout", "expected"),
    [
        ("<<<RH-RESULT>>>\n{\"ok\":true}\n", "no <<<RH-END>>>"),
        ("<<<RH-RESULT>>>\n{not json\n<<<RH-END>>>\n", "not valid JSON"),
        ("<<<RH-RESULT>>>\n[1]\n<<<RH-END>>>\n", "not {\"ok\""),
        ("<<<RH-RESULT>>>\n{\"ok\":true}\n<<<RH-END>>>\n<<<RH-RESULT>>>\n{\"ok\":true}\n<<<RH-END>>>\n", "2 result blocks"),
        ("<<<RH-RESULT>>>\n{\"ok\":false}\n<<<RH-END>>>\n", "without an \"error\""),
    ],
)
def test_malformed_results(stdout: str, expected: str) -> None:
    with pytest.raises(errors.RemoteProtocolError, match=expected):
        scripts.parse_result(RawResult(stdout.encode(), b"", 0))


def test_clixml_plain_text_passthrough() -> None:
    assert scripts.clixml_to_text(b"plain error\r\n") == "plain error"


def test_params_json_types() -> None:
    import datetime as dt
    import uuid

    text = scripts.params_json({"d": dt.datetime(2026, 1, 1), "u": uuid.UUID(int=1), "s": ("a",)})
    assert '"d":"2026-01-01T00:00:00+00:00"' in text and '"u":"00000000-0000-0000-0000-000000000001"' in text
    with pytest.raises(TypeError):
        scripts.params_json({"x": object()})
    # base64 of the params is what travels
    line = scripts.bootstrap_line("s", {"a": 1})
    assert base64.b64encode(b'{"a":1}').decode() in line
