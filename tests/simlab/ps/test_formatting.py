"""simlab.ps.formatting: 5.1's default views, table/list layout and widths."""

from __future__ import annotations

from simlab.ps.api import Hashtable, PSObject
from simlab.ps.formatting import Formatter, double_g15, out_string


def _svc(name: str, display: str) -> PSObject:
    return PSObject([("Status", "Running"), ("Name", name), ("DisplayName", display)],
                    ["System.ServiceProcess.ServiceController", "System.Object"])


def test_service_view_widths_and_truncation() -> None:
    text = out_string([_svc("WinRM", "Windows Remote Management (WS-Management)")])
    lines = text.split("\r\n")
    assert lines[1] == "Status   Name               DisplayName" + " " * 27
    assert lines[3].rstrip() == "Running  WinRM              Windows Remote Management (WS-Manag..."


def test_custom_object_table_up_to_four_properties_list_from_five() -> None:
    four = PSObject([("a", 1), ("b", "x"), ("c", 3), ("d", 4)])
    five = PSObject([("a", 1), ("b", 2), ("c", 3), ("d", 4), ("e", 5)])
    assert out_string([four]) == "\r\na b c d\r\n- - - -\r\n1 x 3 4\r\n\r\n\r\n"
    assert out_string([five]) == "\r\n\r\na : 1\r\nb : 2\r\nc : 3\r\nd : 4\r\ne : 5\r\n\r\n\r\n\r\n"


def test_numbers_right_aligned_with_their_header() -> None:
    obj = PSObject([("Name", "foo"), ("Value", 123)])
    assert out_string([obj]).split("\r\n")[1:4] == ["Name Value", "---- -----", "foo    123"]


def test_hashtable_name_column_is_30_and_hashtables_share_a_table() -> None:
    lines = out_string([Hashtable([("a", 1)]), Hashtable([("b", 2)])], width=60).split("\r\n")
    assert lines[1] == "Name" + " " * 27 + "Value" + " " * 23
    assert [ln.rstrip() for ln in lines[3:5]] == ["a" + " " * 30 + "1", "b" + " " * 30 + "2"]


def test_strings_inside_a_table_do_not_end_it() -> None:
    f = Formatter()
    first = f.feed(PSObject([("a", 1)]))
    assert first == [""]  # the table's first blank line is written at once
    assert f.feed("text") == []
    assert f.feed(PSObject([("a", 22)])) == []
    assert f.close() == [" a", " -", " 1", "text", "22", "", ""]


def test_double_shows_15_significant_digits() -> None:
    assert double_g15(0.05902777777777778) == "0.0590277777777778"
    assert double_g15(1e20) == "1E+20" and double_g15(0.00001) == "1E-05"


def test_width_option_limits_padding() -> None:
    text = out_string([Hashtable([("k", "v")])], width=40)
    assert text.split("\r\n")[1] == "Name" + " " * 27 + "Value   "


def test_registry_key_view_lists_values_in_the_property_column() -> None:
    key = PSObject([("Name", "HKEY_LOCAL_MACHINE\\SOFTWARE\\Contoso"), ("PSChildName", "Contoso"),
                    ("Property", ["A", "Longer"])], ["Microsoft.Win32.RegistryKey", "System.Object"],
                   methods={"GetValue": lambda n: {"A": 1, "Longer": "x"}[n]})
    lines = [ln.rstrip() for ln in out_string([key]).split("\r\n")]
    assert lines[:9] == ["", "", "    Hive: HKEY_LOCAL_MACHINE\\SOFTWARE", "", "", "Name" + " " * 27 + "Property",
                         "----" + " " * 27 + "--------", "Contoso" + " " * 24 + "A      : 1",
                         " " * 31 + "Longer : x"]


def test_event_record_view_groups_by_provider() -> None:
    import datetime as dt
    ev = PSObject([("TimeCreated", dt.datetime(2024, 5, 1, 9, 0, tzinfo=dt.timezone.utc)), ("Id", 6005),
                   ("LevelDisplayName", "Information"), ("ProviderName", "EventLog"),
                   ("Message", "The Event log service was started.")],
                  ["System.Diagnostics.Eventing.Reader.EventLogRecord", "System.Object"])
    lines = [ln.rstrip() for ln in out_string([ev], width=120).split("\r\n")]
    assert lines[2] == "   ProviderName: EventLog"
    assert lines[4] == "TimeCreated                     Id LevelDisplayName Message"
    assert lines[6] == "5/1/2024 9:00:00 AM           6005 Information      The Event log service was started."


def test_default_width_is_the_80_column_winrm_console() -> None:
    lines = out_string([Hashtable([("k", "v")])]).split("\r\n")
    assert len(lines[1]) == 79


def test_error_record_in_success_stream_prints_its_error_view() -> None:
    from simlab.ps.api import ErrorRecord
    rec = ErrorRecord("Cannot find path 'C:\\nope' because it does not exist.", "PathNotFound", "ObjectNotFound",
                      "System.Management.Automation.ItemNotFoundException", target="C:\\nope", command="Get-Item",
                      command_type="Microsoft.PowerShell.Commands.GetItemCommand")
    assert out_string([rec]).split("\r\n")[:3] == [
        "Get-Item : Cannot find path 'C:\\nope' because it does not exist.",
        "    + CategoryInfo          : ObjectNotFound: (C:\\nope:String) [Get-Item], ItemNotFoundException",
        "    + FullyQualifiedErrorId : PathNotFound,Microsoft.PowerShell.Commands.GetItemCommand"]


def test_cim_instances_are_tables_and_wmi_objects_lists_of_their_display_set() -> None:
    props = [("SystemDirectory", "C:\\Windows\\system32"), ("Organization", ""), ("BuildNumber", "20348"),
             ("RegisteredUser", "Windows User"), ("SerialNumber", "1"), ("Version", "10.0.20348"), ("Caption", "x")]
    cim = PSObject(props, ["Microsoft.Management.Infrastructure.CimInstance#root/cimv2/Win32_OperatingSystem"])
    wmi = PSObject(props, ["System.Management.ManagementObject#root\\cimv2\\Win32_OperatingSystem"])
    assert out_string([cim], width=120).split("\r\n")[1].split() == ["SystemDirectory", "Organization", "BuildNumber",
                                                         "RegisteredUser", "SerialNumber", "Version"]
    assert [ln.split(" :")[0].strip() for ln in out_string([wmi]).split("\r\n") if " : " in ln or ln.endswith(" :")] \
        == ["SystemDirectory", "Organization", "BuildNumber", "RegisteredUser", "SerialNumber", "Version"]


def test_doubles_print_with_15_significant_digits() -> None:
    f = Formatter()
    assert f.feed(1 / 3) == ["0.333333333333333"] and f.feed(0.1 + 0.2) == ["0.3"]
