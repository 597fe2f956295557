"""powershell.exe front: command line, bootstrap line, stdout/stderr streams, exit codes."""

from __future__ import annotations

import base64
import json

import winrm

from simlab.ps import run_powershell_exe


class Stdin:
    def __init__(self, text: str) -> None:
        self.text = text

    def read_all(self) -> str:
        return self.text


def run_exe(machine, argv, stdin_text=""):
    out, err = [], []
    code = run_powershell_exe(machine, argv, Stdin(stdin_text), out.append, err.append, {"USERNAME": "rh-operator"})
    return code, "".join(out), "".join(err)


def clean(stderr: str) -> str:
    return winrm.Session("http://127.0.0.1:1/wsman", auth=("u", "p"))._clean_error_msg(stderr.encode()).decode()


HARNESS = ["-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-Command", "-"]


def bootstrap(script: str, params: dict) -> str:
    b64s = base64.b64encode(script.encode("utf-8")).decode()
    b64p = base64.b64encode(json.dumps(params, ensure_ascii=False).encode("utf-8")).decode()
    return (f"& ([ScriptBlock]::Create([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('{b64s}')))) "
            f"([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('{b64p}')))\r\n")


TEMPLATE = """param([string]$ParamsJson)
$ErrorActionPreference = 'Stop'; $ProgressPreference = 'SilentlyContinue'
$P = ConvertFrom-Json $ParamsJson
try {
    $data = [pscustomobject][ordered]@{ name = $P.name; count = @($P.items).Count; first = $P.items[0] }
    Write-Output '<<<RH-RESULT>>>'
    [pscustomobject][ordered]@{ ok = $true; data = $data } | ConvertTo-Json -Depth 6 -Compress
    Write-Output '<<<RH-END>>>'
} catch {
    Write-Output '<<<RH-RESULT>>>'
    [pscustomobject][ordered]@{ ok = $false; error = [pscustomobject][ordered]@{
        type = $_.Exception.GetType().FullName; message = $_.Exception.Message
        fqid = $_.FullyQualifiedErrorId; category = "$($_.CategoryInfo.Category)"
        line = $_.InvocationInfo.ScriptLineNumber } } | ConvertTo-Json -Depth 6 -Compress
    Write-Output '<<<RH-END>>>'
}
"""


def test_bootstrap_line_with_quotes_dollar_and_japanese(machine):
    params = {"name": "O'Brien \"$env:X\" 人事", "items": ["a", "b"]}
    code, out, err = run_exe(machine, HARNESS, bootstrap(TEMPLATE, params))
    assert code == 0 and err == ""
    lines = out.split("\r\n")
    payload = json.loads(lines[lines.index("<<<RH-RESULT>>>") + 1])
    assert payload == {"ok": True, "data": {"name": "O\u0027Brien \"$env:X\" 人事", "count": 2, "first": "a"}}
    assert "\\u0027" in lines[lines.index("<<<RH-RESULT>>>") + 1]  # JavaScriptSerializer escapes '


def test_bootstrap_error_envelope(machine):
    script = TEMPLATE.replace("$data = [pscustomobject]", "Get-Item 'B:\\nope'\n    $data = [pscustomobject]")
    code, out, _ = run_exe(machine, HARNESS, bootstrap(script, {"name": "x", "items": []}))
    lines = out.split("\r\n")
    payload = json.loads(lines[lines.index("<<<RH-RESULT>>>") + 1])
    assert code == 0
    assert payload["error"] == {"type": "System.Management.Automation.ItemNotFoundException",
                                "message": "Cannot find path 'B:\\nope' because it does not exist.",
                                "fqid": "PathNotFound,Microsoft.PowerShell.Commands.GetItemCommand",
                                "category": "ObjectNotFound", "line": 5}


def test_encoded_command(machine):
    enc = base64.b64encode("'héllo'; exit 7".encode("utf-16-le")).decode()
    code, out, _ = run_exe(machine, ["-NoProfile", "-EncodedCommand", enc])
    assert (code, out) == (7, "héllo\r\n")


def test_unknown_command_message_and_exit_code(machine):
    code, out, err = run_exe(machine, ["-Command", "Get-Nothing"])
    assert code == 1 and out == ""
    assert err.startswith("#< CLIXML\r\n<Objs ")
    text = clean(err)
    assert text.startswith("Get-Nothing : The term 'Get-Nothing' is not recognized as the name of a cmdlet, function, "
                           "script file, or operable program. Check the spelling of the name, or if a path was "
                           "included, verify that the path is correct and try again.\nAt line:1 char:1")
    assert "FullyQualifiedErrorId : CommandNotFoundException" in text


def test_unknown_parameter_message(machine):
    code, _, err = run_exe(machine, ["-Command", "Get-Date -Bogus 1"])
    assert code == 1
    assert "Get-Date : A parameter cannot be found that matches parameter name 'Bogus'." in clean(err)
    assert "NamedParameterNotFound,Microsoft.PowerShell.Commands.GetDateCommand" in clean(err)


def test_statement_terminating_error_continues_script(machine):
    code, out, err = run_exe(machine, ["-Command", "Get-Date -Bogus 1; 'after'"])
    assert out == "after\r\n" and code == 0 and "Bogus" in clean(err)


def test_throw_ends_script_with_exit_1(machine):
    code, out, err = run_exe(machine, ["-Command", "throw 'stop here'; 'never'"])
    assert code == 1 and out == "" and clean(err).startswith("stop here\nAt line:1 char:1")


def test_unknown_switch(machine):
    code, _, err = run_exe(machine, ["-Bogus", "-Command", "1"])
    assert code == 1 and "'-Bogus' is not recognized" in err


def test_exit_code_and_lastexitcode(ps):
    assert ps("exit 5").exit_code == 5
    assert ps("'a'").exit_code == 0
