"""The PowerShell 5.1 parser: expression and argument modes, statements as values, errors as Windows reports them.

Expected behaviour comes from the PowerShell Language Specification 3.0 (sections 2.3 "Lexical grammar",
8.2 "Pipeline statements", 7 "Expressions"), from about_Parsing
(https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_parsing) and
from the error texts in PowerShell's ParserStrings.resx (src/System.Management.Automation/resources).
"""

from __future__ import annotations

import pytest

from simlab.ps.parser import check, parse


def out(ps, text):
    r = ps(text)
    assert r.exit_code == 0, r.stderr
    return r.output


def _types(node, acc=None):
    acc = [] if acc is None else acc
    acc.append(node.type)
    for c in node.children:
        _types(c, acc)
    return acc


# about_Parsing: "In argument mode ... a comma-separated list of values is an array" and bare words are strings.
@pytest.mark.parametrize("text,expected", [
    ("Write-Output a,b,c", ["a", "b", "c"]),
    ("Write-Output WinRM, vmms", ["WinRM", "vmms"]),
    ("Write-Output 1,2 | ForEach-Object { $_ * 10 }", [10, 20]),
    ("Write-Output -5", [-5]),
    ("Write-Output 10GB", [10 * 2**30]),
    ("Write-Output 7z", ["7z"]),
    ("Write-Output 1..3", ["1..3"]),  # argument mode: a bare word, not a range
    ("$d = 'C:\\Windows'; Write-Output $d\\System32", ["C:\\Windows\\System32"]),
    ("Write-Output $env:USERNAME\\x.txt", ["rh-operator\\x.txt"]),
    ("Write-Output a$(1+1)b", ["a2b"]),
    ("Write-Output -Name:5 | Out-Null; 'ok'", ["ok"]),
    ("Write-Output ('a' + 'b')", ["ab"]),
    ("$o = [pscustomobject]@{N='x'}; Write-Output $o.N", ["x"]),
    ("Write-Output 'it''s'", ["it's"]),
    ("Write-Output \"a`tb\"", ["a\tb"]),
])
def test_argument_mode(ps, text, expected):
    assert out(ps, text) == expected


# Issue cases: each must parse and give PowerShell's answer.
@pytest.mark.parametrize("text,expected", [
    ("[pscustomobject]@{Name='abc';Status='x';Other=1} | Select-Object Name,Status | ForEach-Object { $_.Name + $_.Status }",
     ["abcx"]),
    ("[pscustomobject]@{Name='abcd'} | Select-Object Name, @{n='Len';e={$_.Name.Length}} | ForEach-Object { $_.Len }", [4]),
    ("8GB / 1GB", [8]),
    ("1kb + 1Kb + 1KB", [3072]),
    ("2mb; 1tb; 1pb", [2 * 2**20, 2**40, 2**50]),
    ("0x10; 0xFFFFFFFF; 1.5e3; .5", [16, -1, 1500.0, 0.5]),
    ("$v = if ($true) { 'yes' } else { 'no' }; $v", ["yes"]),
    ("$v = if ($false) { 'yes' } elseif ($true) { 'maybe' }; $v", ["maybe"]),
    ("$r = foreach ($i in 1..3) { $i * 2 }; $r -join ','", ["2,4,6"]),
    ("$s = switch (2) { 1 { 'one' } 2 { 'two' } }; $s", ["two"]),
    ("$w = while ($false) { 1 }; $null -eq $w", [True]),
    ("$t = try { 1 } finally { }; $t", [1]),
])
def test_issue_cases(ps, text, expected):
    assert out(ps, text) == expected


# Expression mode (spec 7): precedence — comma binds tighter than arithmetic, -f above comparison, unary ops.
@pytest.mark.parametrize("text,expected", [
    ("(1,2 + 3).Count", [3]),
    ("'{0}{1}' -f 'a','b'", ["ab"]),
    ("-not 1 -eq 2", [False]),
    ("!$false -and $true", [True]),
    ("1 + 2 * 3 - 4 / 2", [5]),
    ("10 % 4", [2]),
    ("$a = 5; $a -= 2; $a *= 3; $a", [9]),
    ("$x = 1\n$y = $x +\n 2\n$y", [3]),
    ("@(1,\n2,\n3).Count", [3]),
    ("[int][string]'7' + 1", [8]),
    ("[string]::Join('-', ('a','b'))", ["a-b"]),
    ("[int] '5' * 2", [10]),
    ("$h = @{ a = 1\n b = 'x' }\n$h.b", ["x"]),
    ("$h = @{ 'k y' = 1; 2 = 'two' }; $h['k y']; $h[2]", [1, "two"]),
    ("'a b c' -split ' ' -join '+'", ["a+b+c"]),
    ("-split ' a  b '", ["a", "b"]),
    ("$i = 0; $a = 1,2,3; $a[$i++]; $i", [1, 1]),
    ("$s = 'x'; \"v=$($s.ToUpper())\"", ["v=X"]),
    ("\"${env:USERNAME}!\"", ["rh-operator!"]),
    ("'a' -replace 'a','b' -replace 'b','c'", ["c"]),
    ("(Get-Date).Year -gt 2000", [True]),
    ("3 -in 1,2,3", [True]),
    ("$f = { param($x) $x + 1 }; & $f 1", [2]),
    ("$sb = { 'dot' }; . $sb", ["dot"]),
    ("function F { param($a) $a }; F 5", [5]),  # param() on the same line as the body
    ("function G($a, $b = 2) { $a + $b }; G 1", [3]),
    ("@'\nverbatim $x\n'@", ["verbatim $x"]),
    ("$n = 'v'; @\"\nline1\n$n\n\"@", ["line1\nv"]),
    ("<# block\ncomment #> 'after'", ["after"]),
    ("'a' # comment\n'b'", ["a", "b"]),
    ("Write-Output `\n  'continued'", ["continued"]),
])
def test_expression_mode(ps, text, expected):
    assert out(ps, text) == expected


def test_labels_break_out_of_the_outer_loop(ps):
    text = ":outer foreach ($i in 1..3) { foreach ($j in 1..3) { if ($j -eq 2) { continue outer }; \"$i$j\" } }"
    assert out(ps, text) == ["11", "21", "31"]


def test_statement_nodes():
    root = parse("$x = if ($a) { 1 }\nGet-Item -Path a,b > $null 2>&1")
    types = _types(root)
    assert "if_statement" in types and "assignment_expression" in types
    assert "array_literal_expression" in types and types.count("redirection") == 2


# Error texts: ParserStrings.resx; positions as `At line:L char:C` reports them.
@pytest.mark.parametrize("text,error_id,message,line,column", [
    ("function f { if ($x) { 1 }\n", "MissingEndCurlyBrace", "Missing closing '}' in statement block or type definition.", 1, 12),
    ("$a = (1 + 2", "MissingEndParenthesisInExpression", "Missing closing ')' in expression.", 1, 12),
    ("'abc", "TerminatorExpectedAtEndOfString", "The string is missing the terminator: '.", 1, 1),
    ("1 +", "ExpectedValueExpression", "You must provide a value expression following the '+' operator.", 1, 3),
    ("if ($x) 1", "MissingStatementBlock", "Missing statement block after if ( condition ).", 1, 9),
    ("Get-X | ", "EmptyPipeElement", "An empty pipe element is not allowed.", 1, 7),
    ("Get-X | 1", "ExpressionsMustBeFirstInPipeline", "Expressions are only allowed as the first element of a pipeline.", 1, 9),
    ("try { 1 }", "MissingCatchOrFinally", "The Try statement is missing its Catch or Finally block.", 1, 10),
    ("@{a=1", "IncompleteHashLiteral", "The hash literal was incomplete.", 1, 1),
    ("@{a 1}", "MissingEqualsInHashLiteral", "Missing '=' operator after key in hash literal.", 1, 5),
    ("$x[", "MissingArrayIndexExpression", "Array index expression is missing or not valid.", 1, 4),
    ("Get-X && Get-Y", "InvalidEndOfLine", "The token '&&' is not a valid statement separator in this version.", 1, 7),
    ("$x = $a ?? 1", "UnexpectedToken", "Unexpected token '?' in expression or statement.", 1, 9),
    ("Write-Host a & b", "AmpersandNotAllowed", "The ampersand (&) character is not allowed. The & operator is reserved for "
     "future use; wrap an ampersand in double quotation marks (\"&\") to pass it as part of a string.", 1, 14),
    ("1 | Out-Null < x", "RedirectionNotSupported", "The '<' operator is reserved for future use.", 1, 14),
    ("foreach ($x 1..2) {}", "MissingInInForeach", "Missing 'in' after variable in foreach loop.\n"
     "The correct form is: foreach ($a in $b) {...}", 1, 13),
    ("do { } ($x)", "MissingWhileOrUntilInDoWhile", "Missing while or until keyword in do loop.", 1, 8),
    ("function { }", "MissingNameAfterKeyword", "Missing name after function keyword.", 1, 10),
    ("$x.Foo(1,", "MissingExpressionAfterToken", "Missing expression after ','.", 1, 10),
    ("@x", "SplattingNotPermitted", "The splatting operator '@' cannot be used to reference variables in an expression. "
     "'@x' can be used only as an argument to a command. To reference variables in an expression use '$x'.", 1, 1),
])
def test_parse_errors(text, error_id, message, line, column):
    err = check(text)
    assert err is not None
    assert (err.error_id, err.message, err.line, err.column) == (error_id, message, line, column)


def test_parse_error_is_a_parse_exception_with_the_position(ps):
    r = ps("'before'\nfunction f { 1")
    assert r.exit_code == 1 and r.output == []  # nothing runs when the script does not parse
    rec = r.errors[0]
    assert (rec.error_id, rec.category, rec.exception_type) == (
        "MissingEndCurlyBrace", "ParserError", "System.Management.Automation.ParseException")
    assert rec.position[:2] == (2, 12)


def test_templates_style_constructs_parse():
    text = ("param([string]$ParamsJson)\n$ErrorActionPreference = 'Stop'\n"
            "function Write-RhResult { [CmdletBinding()] param([Parameter(Mandatory, ValueFromPipeline)] $InputObject,\n"
            "  [ValidateSet('a','b')][string]$Mode = 'a') process { $InputObject } }\n"
            "$envelope = [pscustomobject][ordered]@{ ok = $true }\n"
            "try { 1 } catch [System.IO.IOException], [System.Exception] { 2 } finally { 3 }\n"
            "switch -regex ($x) { '^a' { 1; break } default { 2 } }\n"
            "for ($i = 0; $i -lt 3; $i++) { }\n"
            "do { $i-- } until ($i -le 0)\n"
            "[System.Collections.Generic.List[string]]::new()\n")
    assert check(text) is None


def test_parse_error_console_form(ps):
    # powershell.exe 5.1 -Command with a syntax error: position first, then the message, reason
    # ParentContainsErrorRecordException (ParseException's error record)
    import re

    r = ps("'x'\nfunction f { if ($x) { 1 }\n")
    lines = [x.replace("_x000D__x000A_", "") for x in re.findall(r'<S S="Error">(.*?)</S>', r.stderr)]
    assert lines[:6] == ["At line:2 char:12", "+ function f { if ($x) { 1 }", "+            ~",
                         "Missing closing '}' in statement block or type definition.",
                         "    + CategoryInfo          : ParserError: (:) [], ParentContainsErrorRecordException",
                         "    + FullyQualifiedErrorId : MissingEndCurlyBrace"]
