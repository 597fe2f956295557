"""Windows PowerShell 5.1 semantics: $null, $?, streams order, exception wrapping, numeric widening, dates,
and Python errors that must never escape a script (issue 12 items 3 and 6)."""

from __future__ import annotations

import pytest

from simlab.ps.interp import CALL_DEPTH_LIMIT


def out(ps, text):
    r = ps(text)
    assert r.exit_code == 0, r.stderr
    return r.output


# about_Automatic_Variables ($?): "Contains the execution status of the last command."
def test_dollar_question_is_false_after_a_failed_command_even_silently(ps):
    assert out(ps, "Get-Item C:\\nope -ErrorAction SilentlyContinue; $?; $?") == [False, True]
    assert out(ps, "Get-Item C:\\nope -ErrorAction Ignore; $?") == [False]
    assert out(ps, "Get-Item C:\\ -ErrorAction SilentlyContinue | Out-Null; $?") == [True]


def test_dollar_question_inside_the_failing_pipeline_is_the_previous_status(ps):
    assert out(ps, "Get-Item C:\\nope -EA 0; 'x' | ForEach-Object { $? }") == [False]


def test_errors_inside_a_function_leave_the_callers_status_true(ps):
    # PowerShell issues #3629 and #10978 (5.1 and 7 alike)
    assert out(ps, "function F { Get-Item C:\\nope -EA SilentlyContinue }; F; $?") == [True]


# about_Arrays / about_Pipelines: $null is a value that enumerates once; no output enumerates nothing
@pytest.mark.parametrize("text,expected", [
    ("@($null).Count", [1]),
    ("$x = $null; @($x).Count", [1]),
    ("$n = 0; $null | ForEach-Object { $n++ }; $n", [1]),
    ("function F { }; @(F).Count", [0]),
    ("function F { $null }; @(F).Count", [1]),
    ("$n = 0; (Get-ChildItem C:\\nope -EA 0) | ForEach-Object { $n++ }; $n", [0]),
    ("@(foreach ($i in 1..2) { $null }).Count", [2]),
])
def test_null_semantics(ps, text, expected):
    assert out(ps, text) == expected


def test_function_output_and_write_host_keep_their_order(ps):
    r = ps("function F { 'a'; Write-Host 'b'; 'c' }; F; & { 'd'; Write-Host 'e' }")
    assert r.stdout == "a\r\nb\nc\r\nd\r\ne\n"


def test_write_host_ends_lines_with_lf_when_redirected(ps):
    # pywinrm's integration suite on Windows asserts "こんにちは\n" for `PowerShell -Command Write-Host こんにちは`
    assert ps("Write-Host こんにちは").stdout == "こんにちは\n"


def test_exit_sets_lastexitcode(ps):
    r = ps("exit 3")
    assert r.exit_code == 3


# Exceptions thrown by .NET methods: MethodInvocationException wrapping the .NET exception; the message is
# 'Exception calling "<name>" with "<n>" argument(s): "<inner message>"' and the FQID the inner type's name.
def test_int_parse_is_a_method_invocation_exception_around_format_exception(ps):
    text = ("try { [int]::Parse('x') } catch { $_.Exception.GetType().FullName; $_.Exception.Message;"
            " $_.Exception.InnerException.GetType().FullName; $_.FullyQualifiedErrorId; $_.CategoryInfo.Category }")
    assert out(ps, text) == ["System.Management.Automation.MethodInvocationException",
                             'Exception calling "Parse" with "1" argument(s): "Input string was not in a correct format."',
                             "System.FormatException", "FormatException", "NotSpecified"]


def test_typed_catch_matches_the_inner_exception_or_the_wrapper(ps):
    assert out(ps, "try { [int]::Parse('x') } catch [System.FormatException] { 'format' }") == ["format"]
    assert out(ps, "try { [int]::Parse('x') } catch [System.Management.Automation.MethodInvocationException] { 'mie' }") \
        == ["mie"]


def test_int_parse_overflow(ps):
    text = "try { [int]::Parse('99999999999') } catch { $_.Exception.InnerException.Message }"
    assert out(ps, text) == ["Value was either too large or too small for an Int32."]


def test_a_method_exception_is_statement_terminating(ps):
    r = ps("[int]::Parse('x'); 'goes on'")
    assert r.output == ["goes on"] and r.errors[0].exception_type == "System.Management.Automation.MethodInvocationException"


# about_Arithmetic_Operators: integer results too large for the type are widened to Double
@pytest.mark.parametrize("text,expected", [
    ("[int]::MaxValue + 1", [2147483648.0]),
    ("([int]::MaxValue + 1).GetType().Name", ["Double"]),
    ("(2147483647 * 2).GetType().Name", ["Double"]),
    ("(5 + 3).GetType().Name", ["Int32"]),
    ("(3000000000 + 1).GetType().Name", ["Int64"]),
    ("([long]::MaxValue + 1).GetType().Name", ["Double"]),
])
def test_integer_overflow_widens_to_double(ps, text, expected):
    assert out(ps, text) == expected


# DateTime.Kind (docs for System.DateTime.Kind / DateTime.Parse)
def test_datetime_kind(ps):
    text = ("(Get-Date).Kind; [datetime]::UtcNow.Kind; ([datetime]'2024-01-01').Kind; (Get-Date).ToUniversalTime().Kind;"
            " [datetime]::Now.Kind")
    assert [str(k) for k in out(ps, text)] == ["Local", "Utc", "Unspecified", "Utc", "Local"]


# Issue 12 item 6: no Python error escapes; each becomes an ErrorRecord try/catch handles.
def test_math_sqrt_of_negative_is_nan(ps):
    assert [str(v) for v in out(ps, "[math]::Sqrt(-1)")] == ["nan"] and ps("[string][math]::Sqrt(-1)").output == ["NaN"]


def test_add_years_out_of_range(ps):
    text = "try { (Get-Date).AddYears(10000) } catch { $_.Exception.GetType().Name; $_.Exception.InnerException.GetType().Name }"
    assert out(ps, text) == ["MethodInvocationException", "ArgumentOutOfRangeException"]


def test_timespan_from_days_overflow(ps):
    text = "try { [timespan]::FromDays(1e10) } catch { $_.Exception.Message; $_.Exception.InnerException.GetType().Name }"
    assert out(ps, text) == ['Exception calling "FromDays" with "1" argument(s): "TimeSpan overflowed because the duration '
                             'is too long."', "OverflowException"]


def test_recursion_goes_thousands_of_frames_deep(ps):
    text = "function F($n) { if ($n -le 0) { return 0 }; 1 + (F ($n - 1)) }; F 1500"
    assert out(ps, text) == [1500]


def test_call_depth_overflow_is_catchable(ps):
    # 5.1: "The script failed due to call depth overflow." (CallDepthOverflow); PowerShell issue #25869 measures
    # about 4700 calls in a 5.1 console
    text = "$script:d = 0; function F { $script:d++; F }; try { F } catch { $_.Exception.Message; $_.FullyQualifiedErrorId; $script:d }"
    # the script itself is the first of the CALL_DEPTH_LIMIT frames
    assert out(ps, text) == ["The script failed due to call depth overflow.", "CallDepthOverflow", CALL_DEPTH_LIMIT - 1]


# about_Arrays (ForEach and Where methods) and about_Functions (filter: the body runs per pipeline item)
@pytest.mark.parametrize("text,expected", [
    ("(1,2,3).ForEach{ $_ * 2 } -join ','", ["2,4,6"]),
    ("(1,2,3).ForEach({ $_ + 1 }) -join ','", ["2,3,4"]),
    ("(1..5).Where({ $_ -gt 2 }) -join ','", ["3,4,5"]),
    ("(1..5).Where({ $_ -gt 2 }, 'First') -join ','", ["3"]),
    ("(1..5).Where({ $_ -gt 2 }, 'Last', 2) -join ','", ["4,5"]),
    ("@([pscustomobject]@{N='a'}, [pscustomobject]@{N='b'}).ForEach('N') -join ','", ["a,b"]),
    ("filter Dbl { $_ * 2 }; (1,2 | Dbl) -join ','", ["2,4"]),
])
def test_magic_methods_and_filters(ps, text, expected):
    assert out(ps, text) == expected


# about_Assignment_Operators (chained assignment) and about_Arithmetic_Operators (-shl/-shr)
@pytest.mark.parametrize("text,expected", [
    ("$a = $b = 3; $a; $b", [3, 3]),
    ("if ($v = 'x') { $v }", ["x"]),
    ("5 -shl 2; -8 -shr 1; 1 -shl 31", [20, -4, -2147483648]),
])
def test_chained_assignment_and_shifts(ps, text, expected):
    assert out(ps, text) == expected


# about_Trap: continue resumes silently with the next statement, break rethrows, default writes the error
def test_trap_continue_break_and_default(ps):
    r = ps("trap { \"trapped: $($_.Exception.Message)\"; continue }; 'a'; throw 'boom'; 'b'")
    assert r.output == ["a", "trapped: boom", "b"] and r.errors == []
    r = ps("trap { 't'; break }; 'a'; throw 'x'; 'b'")
    assert r.output == ["a", "t"] and r.exit_code == 1
    r = ps("trap { 't' }; throw 'x'; 'b'")
    assert r.output == ["t", "b"] and r.errors[0].message == "x"


def test_typed_trap_in_a_function(ps):
    text = "function F { trap [System.FormatException] { 'fmt'; continue }; [int]::Parse('x'); 'after' }; F"
    assert out(ps, text) == ["fmt", "after"]
