"""simlab.ps.cmdlets.objects: CSV, Out-File, members, Compare-Object, Select-String, modules."""

from __future__ import annotations


def test_convertto_csv_type_line_and_empty_null(ps) -> None:  # noqa: ANN001
    r = ps("[pscustomobject]@{ a = 1; b = $null } | ConvertTo-Csv")
    assert r.output == ["#TYPE System.Management.Automation.PSCustomObject", '"a","b"', '"1",']


def test_out_file_writes_utf16le_with_bom(ps, machine) -> None:  # noqa: ANN001
    r = ps("'hi' | Out-File C:\\o.txt; 'more' | Out-File C:\\o.txt -Append")
    assert r.errors == []
    assert machine.fs.read("C:\\o.txt") == b"\xff\xfe" + "hi\r\nmore\r\n".encode("utf-16-le")


def test_export_csv_is_ascii_and_import_reads_it(ps, machine) -> None:  # noqa: ANN001
    r = ps("[pscustomobject]@{ n = 'x' } | Export-Csv C:\\e.csv -NoTypeInformation; (Import-Csv C:\\e.csv).n")
    assert r.output == ["x"] and machine.fs.read("C:\\e.csv") == b'"n"\r\n"x"\r\n'


def test_get_member_note_properties(ps) -> None:  # noqa: ANN001
    r = ps("[pscustomobject]@{ a = 1 } | Get-Member -MemberType NoteProperty | ForEach-Object { $_.Definition }")
    assert r.output == ["int a=1"]


def test_add_member_existing_name_is_member_already_exists(ps) -> None:  # noqa: ANN001
    r = ps("$o = [pscustomobject]@{ a = 1 }; $o | Add-Member -NotePropertyName a -NotePropertyValue 2; $o.a")
    assert r.output == [1] and r.errors[0].fully_qualified_error_id.startswith("MemberAlreadyExists")


def test_compare_object_order(ps) -> None:  # noqa: ANN001
    r = ps("Compare-Object @('dog','bird') @('cat','bird') -IncludeEqual | ForEach-Object { $_.SideIndicator }")
    assert r.output == ["==", "=>", "<="]


def test_select_string_pipeline_and_quiet(ps) -> None:  # noqa: ANN001
    assert ps("('a1','b2' | Select-String '\\d' | Select-Object -First 1).Line").output == ["a1"]
    assert ps("'abc' | Select-String 'z' -Quiet").output == [False]


def test_import_module_missing_is_windows_error(ps) -> None:  # noqa: ANN001
    r = ps("Import-Module NoSuchModule")
    assert r.errors[0].message == ("The specified module 'NoSuchModule' was not loaded because no valid module file "
                                   "was found in any module directory.")
    assert r.errors[0].fully_qualified_error_id == "Modules_ModuleNotFound,Microsoft.PowerShell.Commands.ImportModuleCommand"


def test_new_timespan_and_invoke_expression(ps) -> None:  # noqa: ANN001
    assert ps("(New-TimeSpan -Hours 1 -Minutes 30).TotalMinutes").output == [90]
    assert ps("$x = 2; Invoke-Expression '$x * 21'").output == [42]


def test_json_shapes_of_piped_guid_date_and_array(ps) -> None:  # noqa: ANN001
    g = "6b2d1b0b-0000-4000-8000-000000000001"
    assert ps(f"[guid]'{g}' | ConvertTo-Json -Compress").output == [f'{{"value":"{g}","Guid":"{g}"}}']
    assert ps(",@(1,2) | ConvertTo-Json -Compress").output == ['{"value":[1,2],"Count":2}']
    out = ps("Get-Date -Year 2024 -Month 5 -Day 1 -Hour 9 -Minute 0 -Second 0 -Millisecond 0 | "
             "ConvertTo-Json -Compress").output[0]
    assert out == ('{"value":"\\/Date(1714554000000)\\/","DisplayHint":2,'
                   '"DateTime":"Wednesday, May 1, 2024 9:00:00 AM"}')


def test_select_object_output_is_named_after_its_input(ps) -> None:  # noqa: ANN001
    r = ps("$s = 'abc' | Select-Object Length; $s.PSObject.TypeNames[0]; ($s | ConvertTo-Csv)[0]")
    assert r.output == ["Selected.System.String", "#TYPE Selected.System.String"]
