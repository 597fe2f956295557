"""Advanced functions bound as PowerShell 5.1 binds them (simlab/ps/binding.py).

Sources: about_Functions_Advanced_Parameters, about_Functions_CmdletBindingAttribute, about_CommonParameters,
about_Automatic_Variables (learn.microsoft.com/powershell/module/microsoft.powershell.core/about/...);
validation texts from Metadata.resx and binding texts from ParameterBinderStrings.resx in the PowerShell
repository (src/System.Management.Automation/resources).
"""

from __future__ import annotations

import pytest


def out(ps, text):
    r = ps(text)
    assert r.exit_code == 0, r.stderr
    return r.output


def err(ps, text):
    r = ps(text)
    assert r.errors, r.stdout
    e = r.errors[0]
    return e.message, e.fully_qualified_error_id, e.exception_type


def test_value_from_pipeline_binds_each_item_before_process(ps):
    text = ("function F { [CmdletBinding()] param([Parameter(ValueFromPipeline)][int]$X)\n"
            "  begin { 'begin' } process { \"got $X\" } end { 'end' } }\n1, '2' | F")
    assert out(ps, text) == ["begin", "got 1", "got 2", "end"]


def test_value_from_pipeline_by_property_name_and_alias(ps):
    text = ("function F { param([Parameter(ValueFromPipelineByPropertyName)][Alias('VMName')][string]$Name,\n"
            "  [Parameter(ValueFromPipelineByPropertyName)][int]$Size) process { \"$Name=$Size\" } }\n"
            "[pscustomobject]@{Name='a'; Size=1}, [pscustomobject]@{VMName='b'; Size='2'} | F")
    assert out(ps, text) == ["a=1", "b=2"]


def test_without_a_process_block_the_body_sees_the_last_item(ps):
    assert out(ps, "function F { param([Parameter(ValueFromPipeline)]$X) \"last $X\" }; 1,2,3 | F") == ["last 3"]


def test_input_that_binds_to_nothing_is_a_non_terminating_error(ps):
    text = ("function F { param([Parameter(ValueFromPipelineByPropertyName)]$Name) process { \"n=$Name\" } }\n"
            "[pscustomobject]@{Other=1}, [pscustomobject]@{Name='x'} | F")
    r = ps(text)
    assert r.output == ["n=x"]
    assert r.errors[0].fully_qualified_error_id == "InputObjectNotBound,F"


@pytest.mark.parametrize("decl,call,message", [
    ("[ValidateSet('a','b')][string]$Mode", "F -Mode c",
     "Cannot validate argument on parameter 'Mode'. The argument \"c\" does not belong to the set \"a,b\" specified by the "
     "ValidateSet attribute. Supply an argument that is in the set and then try the command again."),
    ("[ValidateRange(1,10)][int]$N", "F 11",
     "Cannot validate argument on parameter 'N'. The 11 argument is greater than the maximum allowed range of 10. Supply an "
     "argument that is less than or equal to 10 and then try the command again."),
    ("[ValidateRange(1,10)][int]$N", "F 0",
     "Cannot validate argument on parameter 'N'. The 0 argument is less than the minimum allowed range of 1. Supply an "
     "argument that is greater than or equal to 1 and then try the command again."),
    ("[ValidatePattern('^vm-\\d+$')]$Name", "F host1",
     "Cannot validate argument on parameter 'Name'. The argument \"host1\" does not match the \"^vm-\\d+$\" pattern. "
     "Supply an argument that matches \"^vm-\\d+$\" and try the command again."),
    ("[ValidateNotNullOrEmpty()][string]$Name", "F ''",
     "Cannot validate argument on parameter 'Name'. The argument is null or empty. Provide an argument that is not null "
     "or empty, and then try the command again."),
    ("[ValidateScript({$_ -gt 5})]$N", "F 3",
     "Cannot validate argument on parameter 'N'. The \"$_ -gt 5\" validation script for the argument with value \"3\" did "
     "not return a result of True. Determine why the validation script failed, and then try the command again."),
    ("[ValidateLength(2,3)][string]$S", "F abcd",
     "Cannot validate argument on parameter 'S'. The character length of the 4 argument is too long. Shorten the character "
     "length of the argument so it is fewer than or equal to \"3\" characters, and then try the command again."),
])
def test_validation_attributes_refuse_with_windows_texts(ps, decl, call, message):
    m, fqid, exc = err(ps, f"function F {{ [CmdletBinding()] param({decl}) 'ran' }}\n{call}")
    assert m == message
    assert fqid == "ParameterArgumentValidationError,F"
    assert exc == "System.Management.Automation.ParameterBindingValidationException"


def test_validation_passes_and_validateset_ignores_case(ps):
    assert out(ps, "function F { param([ValidateSet('Running','Off')]$S, [ValidateRange(1,5)]$N) \"$S$N\" }; F running 5") \
        == ["running5"]


def test_validation_applies_to_pipeline_input(ps):
    r = ps("function F { param([Parameter(ValueFromPipeline)][ValidateRange(1,2)][int]$N) process { $N } }; 1,5 | F")
    assert r.errors[0].error_id == "ParameterArgumentValidationError"


def test_common_parameters_on_advanced_functions(ps):
    text = ("function F { [CmdletBinding()] param($A) Write-Error 'boom'; 'after'; [string]$ErrorActionPreference }\n"
            "F -A 1 -ErrorAction SilentlyContinue -ErrorVariable ev\n$ev.Count")
    r = ps(text)
    assert r.output == ["after", "SilentlyContinue", 1] and r.errors == []


def test_verbose_common_parameter_sets_the_preference(ps):
    assert out(ps, "function F { [CmdletBinding()] param() [string]$VerbosePreference }; F -Verbose; F") == ["Continue", "SilentlyContinue"]


def test_simple_functions_reject_common_parameters(ps):
    m, fqid, _ = err(ps, "function F { param($A) $A }; F -ErrorAction Stop")
    assert m == "A parameter cannot be found that matches parameter name 'ErrorAction'."
    assert fqid == "NamedParameterNotFound,F"


def test_psboundparameters_myinvocation_and_args(ps):
    text = ("function F { param($A, $B = 2) $PSBoundParameters.Keys -join ','; $PSBoundParameters.ContainsKey('B');"
            " $MyInvocation.MyCommand.Name }\nF -A 1\nfunction G { param($A, $B) \"$A $B\"; $args -join '+' }; G 1 x y z")
    assert out(ps, text) == ["A", False, "F", "1 x", "y+z"]


def test_advanced_function_refuses_extra_positional_arguments(ps):
    m, fqid, _ = err(ps, "function F { [CmdletBinding()] param($A) $A }; F 1 2")
    assert m == "A positional parameter cannot be found that accepts argument '2'."
    assert fqid == "PositionalParameterNotFound,F"


def test_parameter_sets_and_pscmdlet(ps):
    text = ("function F { [CmdletBinding(DefaultParameterSetName='ByName')]\n"
            " param([Parameter(ParameterSetName='ByName', Position=0)]$Name, [Parameter(ParameterSetName='ById')][int]$Id)\n"
            " $PSCmdlet.ParameterSetName }\nF -Id 3; F vm1; F")
    assert out(ps, text) == ["ById", "ByName", "ByName"]
    m, _, _ = err(ps, text.replace("F -Id 3; F vm1; F", "F -Id 3 -Name x"))
    assert m == "Parameter set cannot be resolved using the specified named parameters."


def test_mandatory_parameter_missing_and_null(ps):
    m, fqid, _ = err(ps, "function F { param([Parameter(Mandatory)]$A) $A }; F")
    assert m == "Cannot process command because of one or more missing mandatory parameters: A."
    assert fqid == "MissingMandatoryParameter,F"
    m, _, _ = err(ps, "function F { param([Parameter(Mandatory)][string]$A) $A }; F -A ''")
    assert m == "Cannot bind argument to parameter 'A' because it is an empty string."


def test_explicit_positions_leave_the_others_named_only(ps):
    text = "function F { param([Parameter(Position=1)]$B, [Parameter(Position=0)]$A, $C) \"$A$B$C\" }; F 1 2"
    assert out(ps, text) == ["12"]


def test_switch_parameters_and_prefixes(ps):
    assert out(ps, "function F { param([switch]$Force, $Name) \"$Force $Name\" }; F -Fo -Na x; F x") == ["True x", "False x"]


def test_pscmdlet_should_process_with_whatif(ps):
    text = ("function F { [CmdletBinding(SupportsShouldProcess)] param() if ($PSCmdlet.ShouldProcess('vm1', 'Stop')) { 'did' } }\n"
            "F; F -WhatIf")
    r = ps(text)
    assert r.output == ["did"]
    assert 'What if: Performing the operation "Stop" on target "vm1".' in r.stdout


def test_pscmdlet_write_error_sets_the_callers_status(ps):
    # PowerShell issue #3629: $PSCmdlet.WriteError sets $? to False in the caller, Write-Error in a function does not
    text = ("function F { [CmdletBinding()] param() $PSCmdlet.WriteError((Write-Error 'x' 2>&1)) }\n"
            "function G { Write-Error 'y' }\nF -ErrorAction SilentlyContinue; $?; G 2>$null; $?")
    assert out(ps, text)[-2:] == [False, True]
