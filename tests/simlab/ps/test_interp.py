"""Language constructs of the simulated PowerShell (one small script per construct)."""

from __future__ import annotations

import pytest

from simlab.ps.api import PSObject


def out(ps, text):
    r = ps(text)
    assert r.exit_code == 0, r.stderr
    return r.output


@pytest.mark.parametrize("text,expected", [
    ("$a = @(1,2,3); $a[-1]", [3]),
    ("$a = 1,2,3; $a.Count", [3]),
    ("$x = ,1; $x.Count", [1]),
    ("@().Count", [0]),
    ("'abc'.Length", [3]),
    ("$null.Count", [0]),
    ("$null -eq [string]$null", [False]),  # [string]$null is String.Empty, so methods work on it
    ("([string]$null).ToLower().Length", [0]),
    ("$o = [pscustomobject]@{S=$null}; ([string]$o.S) -eq ''", [True]),
    ("$h = @{a=1}; $h.a += 2; $h['a']", [3]),
    ("$h = [ordered]@{b=1; a=2}; $h.Keys -join ','", ["b,a"]),
    ("$o = [pscustomobject]@{N='x'}; $o.N", ["x"]),
    ("$vms = @([pscustomobject]@{Name='a'}, [pscustomobject]@{Name='b'}); $vms.Name -join '+'", ["a+b"]),
    ("'{0}-{1:N2}' -f 'a', 3", ["a-3.00"]),
    ("\"x $(1+2) ${env:USERNAME}\"", ["x 3 rh-operator"]),
    ("\"tab`there\"", ["tab\there"]),
    ("'it''s'", ["it's"]),
    ("$x = 5; @\"\nv=$x\n\"@", ["v=5"]),
    ("@'\nv=$x\n'@", ["v=$x"]),
    ("1..3 | ForEach-Object { $_ * 2 }", [2, 4, 6]),
    ("5..3", [5, 4, 3]),
    ("'a' -eq 'A'", [True]),
    ("'a' -ceq 'A'", [False]),
    ("1,2,3 -gt 1", [2, 3]),
    ("'10' -gt 9", [False]),  # left operand is a string: string comparison
    ("9 -lt '10'", [True]),
    ("'abc' -like 'a*'", [True]),
    ("if ('VM-01' -match '^VM-(\\d+)$') { $Matches[1] }", ["01"]),
    ("'a,b' -split ','", ["a", "b"]),
    ("'aXb' -replace 'x', '-'", ["a-b"]),
    ("'ab' -replace '(a)(b)', '$2$1'", ["ba"]),
    ("3 -in 1,2,3", [True]),
    ("1,2 -contains 3", [False]),
    ("'5' -is [string]", [True]),
    ("'5' -as [int]", [5]),
    ("[int]'42' + 1", [43]),
    ("'4' + 2", ["42"]),
    ("7 / 2", [3.5]),
    ("6 / 2", [3]),
    ("-not $false", [True]),
    ("!$null", [True]),
    ("5 -band 4", [4]),
    ("[string]::IsNullOrEmpty('')", [True]),
    ("[string]::Join(',', @('a','b'))", ["a,b"]),
    ("[math]::Round(2.567, 2)", [2.57]),
    ("[IO.Path]::GetFileName('C:\\a\\b.vhdx')", ["b.vhdx"]),
    ("[IO.Path]::GetExtension('C:\\a\\b.vhdx')", [".vhdx"]),
    ("[IO.Path]::Combine('C:\\a', 'b')", ["C:\\a\\b"]),
    ("'  x '.Trim().ToUpper()", ["X"]),
    ("'a-b-c'.Split('-')[1]", ["b"]),
    ("'abc'.Substring(1)", ["bc"]),
    ("'abc'.StartsWith('a')", [True]),
    ("'7'.PadLeft(3, '0')", ["007"]),
    ("[regex]::Escape('a.b')", ["a\\.b"]),
    ("[guid]'6f225311-b793-49cf-98a3-0a32108e49bb' | ForEach-Object { \"$_\" }", ["6f225311-b793-49cf-98a3-0a32108e49bb"]),
    ("[version]'10.0.1' -gt [version]'9.0'", [True]),
    ("$PSVersionTable.PSVersion.Major", [5]),
    ("[Environment]::MachineName", ["HV-LAB01"]),
    ("$i = 0; while ($i -lt 3) { $i++ }; $i", [3]),
    ("$i = 0; do { $i++ } until ($i -ge 2); $i", [2]),
    ("for ($i = 0; $i -lt 5; $i++) { if ($i -eq 1) { continue }; if ($i -eq 3) { break }; $i }", [0, 2]),
    ("foreach ($x in 1,2) { $x * 10 }", [10, 20]),
    ("switch ('b') {\n 'a' { 1 }\n 'b' { 2 }\n default { 3 }\n}", [2]),
    ("switch -wildcard ('VM-9') {\n 'VM-*' { 'vm' }\n default { 'other' }\n}", ["vm"]),
    ("switch -regex ('abc') {\n '^a' { 'A'; break }\n 'c$' { 'C' }\n}", ["A"]),
    ("function Add-Two {\n param([int]$A, [int]$B = 2)\n $A + $B\n}\nAdd-Two -A 3", [5]),
    ("function Add-Two {\n param([int]$A, [int]$B = 2)\n $A + $B\n}\nAdd-Two 3 4", [7]),
    ("function F {\n param([switch]$On)\n if ($On) { 'on' } else { 'off' } }\nF -On; F", ["on", "off"]),
    ("function F($x) { return $x * 2; 'never' }\nF 4", [8]),
    ("function P {\n process { $_ + 1 }\n}\n1,2 | P", [2, 3]),
    ("$sb = { param($n) $n + 1 }; & $sb 1", [2]),
    ("$h = @{ A = 1 }; function F {\n param($A)\n $A\n}\nF @h", [1]),
    ("$x = 1; . { $x = 2 }; $x", [2]),
    ("$x = 1; & { $x = 2 }; $x", [1]),
    ("$script:c = 0; 1..3 | ForEach-Object { $script:c += $_ }; $c", [6]),
    ("$n = 0; 1,2,3 | ForEach-Object { $n++ }; $n", [3]),
    ("$a = New-Object System.Collections.ArrayList; [void]$a.Add(1); $a.Count", [1]),
    ("$d = [datetime]'2024-01-01T00:00:00Z'; ($d.AddDays(1) - $d).TotalSeconds", [86400.0]),
    ("([datetime]'2024-01-02T03:04:05Z').ToString('o')", ["2024-01-02T03:04:05.0000000Z"]),
    ("([datetime]'2024-01-02T03:04:05Z').ToString('yyyy-MM-dd HH:mm')", ["2024-01-02 03:04"]),
    ("[Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('5Lq65LqL'))", ["人事"]),
    ("[Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes('a'))", ["YQ=="]),
    ("& ([ScriptBlock]::Create('param($p) \"got $p\"')) 'x'", ["got x"]),
])
def test_construct(ps, text, expected):
    assert out(ps, text) == expected


def test_try_catch_typed_and_finally(ps):
    text = """
    $log = @()
    try { Get-Item 'C:\\missing' -ErrorAction Stop }
    catch [System.IO.IOException] { $log += 'io' }
    catch [System.Management.Automation.ItemNotFoundException] { $log += "nf:$($_.Exception.Message)" }
    finally { $log += 'fin' }
    $log
    """
    assert out(ps, text) == ["nf:Cannot find path 'C:\\missing' because it does not exist.", "fin"]


def test_throw_object_fields(ps):
    text = "try { throw 'bad thing' } catch { $_.FullyQualifiedErrorId; $_.CategoryInfo.Category; $_.Exception.GetType().FullName; $_.InvocationInfo.ScriptLineNumber }"
    assert out(ps, text) == ["bad thing", "OperationStopped", "System.Management.Automation.RuntimeException", 1]


def test_error_action_preference_stop_escalates_non_terminating(ps):
    text = "$ErrorActionPreference = 'Stop'\ntry { Write-Error 'nope'; 'after' } catch { \"caught $($_.Exception.Message)\" }"
    assert out(ps, text) == ["caught nope"]


def test_silently_continue_records_in_error(ps):
    r = ps("Get-Item C:\\x -ErrorAction SilentlyContinue; $Error.Count; 'next'")
    assert r.output == [1, "next"] and r.stderr == ""


def test_error_variable(ps):
    assert out(ps, "Get-Item C:\\x -ErrorAction SilentlyContinue -ErrorVariable ev; $ev.Count") == [1]


def test_unsupported_construct_is_loud(ps):
    r = ps("class Foo { }")
    assert r.exit_code == 1
    assert "does not support" in r.errors[0].message and "line 1" in r.errors[0].message


def test_unsupported_static_member_is_loud(ps):
    r = ps("'a'\n[System.Math]::Bar()")
    assert r.exit_code == 1 and "[System.Math]::Bar()" in r.errors[-1].message and "line 2" in r.errors[-1].message


def test_unsupported_not_catchable(ps):
    r = ps("try { [System.Math]::Bar() } catch { 'swallowed' }")
    assert r.output == [] and r.exit_code == 1


def test_member_assignment_on_custom_object(ps):
    assert out(ps, "$o = [pscustomobject]@{a=1}; $o.a = 5; $o.a") == [5]


def test_pscustomobject_string_form(ps):
    assert out(ps, "\"$([pscustomobject][ordered]@{a=1; b=2})\"") == ["@{a=1; b=2}"]


def test_enum_compares_by_name(ps, machine):
    from simlab.ps.api import enum_type

    state = enum_type("Microsoft.HyperV.PowerShell.VMState", {"Running": 2, "Off": 3})
    r = ps("$vm.State -eq 'Running'; \"$($vm.State)\"; [int]$vm.State",
           variables={"vm": PSObject({"State": state("Running")})})
    assert r.output == [True, "Running", 2]


def test_range_at_pipeline_start_with_expression(ps):
    assert out(ps, "$n = 3; 0..($n-1)") == [0, 1, 2]


def test_progress_preference_silences_progress(ps):
    loud = ps("Write-Progress -Activity 'Copying' -Status 'x' -PercentComplete 5")
    quiet = ps("$ProgressPreference = 'SilentlyContinue'; Write-Progress -Activity 'Copying' -PercentComplete 5")
    assert 'S="progress"' in loud.stderr and "Copying" in loud.stderr
    assert quiet.stderr == ""


def test_write_host_goes_to_stdout_not_output(ps):
    r = ps("Write-Host 'hello world'; 'x'")
    # Write-Host ends its line with LF when output is redirected (pywinrm's CI: "こんにちは\n"); output lines with CRLF
    assert r.output == ["x"] and r.stdout == "hello world\nx\r\n"


@pytest.mark.parametrize("text,expected", [
    ("$o = [pscustomobject]@{a=1}; $o[0].a; $o[-1].a", [1, 1]),
    ("$o = [pscustomobject]@{a=1}; $null -eq $o[1]", [True]),
    ("(Get-Date -Date '2024-01-02T00:00:00Z')[0].Day", [2]),
    ("$n = 42; $n[0]; $n[-1]", [42, 42]),
    ("'abc'[0]; 'abc'[-1]", ["a", "c"]),
])
def test_index_into_single_object(ps, text, expected):
    assert out(ps, text) == expected


@pytest.mark.parametrize("text,expected", [
    ("$x = 1; $y = $x++; $y; $x", [1, 2]),
    ("$x = 1; $z = ++$x; $z", [2]),
    ("$x = 5; ($x++) + 1; $x", [6, 6]),
    ("$x = 5; $x--; --$x; $x", [3]),  # as statements they output nothing
    ("$i = 0; $a = 'p', 'q'; $a[$i++]; $a[$i++]; $i", ["p", "q", 2]),
    ("$i = 0; \"[$($i++)]\"; $i", ["[]", 1]),  # statements inside $() do not output either
    ("($v = 3); $v", [3, 3]),
])
def test_increment_as_value(ps, text, expected):
    assert out(ps, text) == expected


@pytest.mark.parametrize("text,expected", [
    ("$p = 'C:\\a\\b'; $r = 'C:\\a'; $p.StartsWith($r + '\\')", [True]),
    ("'abcdef'.Substring(1 * 2, 5 - 3)", ["cd"]),
    ("[string]::Format('{0}', '{0}!' -f 'x')", ["x!"]),
    ("'x'.Equals('x' -eq 'x')", [False]),  # String.Equals(object) with a Boolean
])
def test_expression_as_method_argument(ps, text, expected):
    assert out(ps, text) == expected


@pytest.mark.parametrize("text, message, fqid", [
    ("Test-Path -LiteralPath $null",
     "Cannot bind argument to parameter 'Path' because it is null.",
     "ParameterArgumentValidationErrorNullNotAllowed,Microsoft.PowerShell.Commands.TestPathCommand"),
    ("Test-Path -Path ''",
     "Cannot bind argument to parameter 'Path' because it is an empty string.",
     "ParameterArgumentValidationErrorEmptyStringNotAllowed,Microsoft.PowerShell.Commands.TestPathCommand"),
])
def test_mandatory_parameter_refuses_null_and_empty(ps, text, message, fqid):
    r = ps("try { " + text + " } catch { $_.Exception.Message; $_.FullyQualifiedErrorId; \"$($_.CategoryInfo.Category)\" }")
    assert r.output == [message, fqid, "InvalidData"]


@pytest.mark.parametrize("text", [
    "& {\n    param([string]$A, [string]$B)\n    'got ' + $A + $B\n} 'v' 'w'",
    "Invoke-Command -ScriptBlock {\n    param([string]$A, [string]$B)\n    'got ' + $A + $B\n} -ArgumentList 'v', 'w'",
    "$b = {\n    param([string]$A, [string]$B)\n    'got ' + $A + $B\n}\n& $b 'v' 'w'",
    "function F {\n    param([string]$A, [string]$B)\n    'got ' + $A + $B\n}\nF 'v' 'w'",
])
def test_param_block_on_its_own_line_binds_arguments(ps, text):
    # tree-sitter nests param() differently when a newline follows '{'; both shapes bind alike
    assert ps(text).output == ["got vw"]


def test_redirecting_errors_of_a_script_block_joins_them_to_its_output_in_order(ps):
    r = ps("$o = & { 'before'; Write-Error 'boom'; 'after' } 2>&1\n"
           "$o | ForEach-Object { if ($_ -is [System.Management.Automation.ErrorRecord]) { 'E:' + $_ } else { $_ } }")
    assert r.output == ["before", "E:boom", "after"]
    assert not r.errors  # merged errors are output, not the error stream


def test_redirecting_errors_of_a_function_joins_them_to_its_output(ps):
    r = ps("function F { Write-Error 'bad'; 'ok' }\n@(F 2>&1).Count")
    assert r.output == [2]


def test_without_redirection_script_block_errors_stay_on_the_error_stream(ps):
    r = ps("& { Write-Error 'boom'; 'after' }")
    assert r.output == ["after"] and [e.message for e in r.errors] == ["boom"]
