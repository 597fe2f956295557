"""Windows PowerShell 5.1's formatting system: default views, Format-Table/List/Wide, Out-String/Out-Default.

What it follows (5.1's formatter, ``OutCommandInner`` and the format.ps1xml views shipped with 5.1):

* Strings, numbers, enums and other scalars print as one line each ("out-of-band"), also in the middle of
  a table, which they do not end.
* A type with a view prints in it: ServiceController (Status 8 / Name 18 / DisplayName 38), Process, the
  file system (grouped by ``    Directory: <path>``), hashtables (Name 30 / Value), System.Version,
  Hyper-V's VirtualMachine, DateTime (its long form), TimeSpan (list).
* Anything else prints as a table when it has at most 4 properties and as a list from 5 on.
* A table whose columns have no declared width is sized from its values (5.1 buffers the objects of the
  first 300 ms to do so; everything in the lab arrives at once, so all rows count). When some columns
  declare a width, the others share what is left of the line equally (PowerShell issue #14677).
* Every column, the last one included, is padded to its width, as pywinrm issue #301 shows for 5.1
  over WinRM (``'\\r\\ncaption   ...   version   ...   \\r\\n...\\r\\n\\r\\n\\r\\n'``); values longer than a
  declared width are cut to width-3 and end with ``...``.
* Numbers are right-aligned in tables without a view; the header follows its column's alignment.
* Layout: a table is a blank line, header, dashes, rows, two blank lines; a list is two blank lines,
  the entries separated by one blank line, three blank lines (PowerShell's own Format-List test:
  ``"\\n\\ntestName : testValue\\n\\n\\n\\n"``).
* Line width: 80 columns. Over WinRM, powershell.exe writes to a conhost that WinRM starts, whose buffer
  is 80 wide and cannot be changed through the protocol (pywinrm #216: "it is run in a conhost.exe process
  spawned by WinRM"; #301 shows 79-column tables from run_ps; rundeck py-winrm-plugin #38 the same 80-column
  wrapping). Tables use one column less, as the console host does to avoid wrapping; Out-String and
  Out-File default to the same width.
* Consecutive objects of one type share the first one's table; a new type (or a list/table switch)
  ends it (PowerShell issue #4552).
"""

from __future__ import annotations

import datetime as _dt
import uuid as _uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from simlab.ps.api import ErrorRecord, Hashtable, PSEnum, PSObject, is_custom_object
from simlab.ps.values import Version, format_datetime, format_double, to_string

WIDTH = 80
ENUMERATION_LIMIT = 4  # $FormatEnumerationLimit


# --------------------------------------------------------------------------- values as the formatter shows them


def display(v: Any) -> str:
    """A property value as tables and lists show it (en-US culture, collections as ``{a, b, c...}``)."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "True" if v else "False"
    if isinstance(v, _dt.datetime):
        return format_datetime(v, None)
    if isinstance(v, float):
        return double_g15(v)
    if isinstance(v, (list, tuple)) and not isinstance(v, str):
        items = [display(x) for x in v[:ENUMERATION_LIMIT]]
        return "{" + ", ".join(items) + ("..." if len(v) > ENUMERATION_LIMIT else "") + "}"
    if isinstance(v, Hashtable):
        return "{" + ", ".join(to_string(k) for k in list(v)[:ENUMERATION_LIMIT]) + (
            "..." if len(v) > ENUMERATION_LIMIT else "") + "}"
    return to_string(v)


def double_g15(v: float) -> str:
    """Double.ToString() of .NET Framework (what 5.1 shows): 15 significant digits, ``E+15``/``E-05`` forms."""
    if v != v or v in (float("inf"), float("-inf")):
        return format_double(v)
    text = "%.15G" % v
    if "E" in text:
        mant, exp = text.split("E")
        sign = "-" if exp.startswith("-") else "+"
        return f"{mant}E{sign}{exp.lstrip('+-').zfill(2)}"
    return text


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, (bool, PSEnum))


def _prop(obj: Any, name: str) -> Any:
    from simlab.ps.members import get_member
    try:
        return get_member(obj, name)
    except Exception:  # a property the object does not have shows as empty, as in PowerShell
        return None


# --------------------------------------------------------------------------- views


@dataclass
class Column:
    label: str
    value: Callable[[Any], Any]
    width: int | None = None
    align: str | None = None  # 'left' | 'right' | None (by value type)
    multiline: bool = False  # the value's lines each get their own row (the registry view's Property)


@dataclass
class TableView:
    columns: list[Column]
    group: Callable[[Any], str] | None = None  # group label (e.g. '    Directory: C:\\x')


@dataclass
class ListView:
    names: list[str]
    values: list[Callable[[Any], Any]] = field(default_factory=list)


def _p(name: str) -> Callable[[Any], Any]:
    return lambda o: _prop(o, name)


def _c(label: str, width: int | None = None, align: str | None = None, value: Any = None,
       multiline: bool = False) -> Column:
    return Column(label, value if callable(value) else _p(value or label), width, align, multiline)


def _mib(name: str) -> Callable[[Any], Any]:
    def get(o: Any) -> Any:
        v = _prop(o, name)
        return int(v) // (1024 * 1024) if isinstance(v, (int, float)) else v
    return get


def _kib(name: str) -> Callable[[Any], Any]:
    def get(o: Any) -> Any:
        v = _prop(o, name)
        return int(v) // 1024 if isinstance(v, (int, float)) else v
    return get


def _cpu(o: Any) -> Any:
    v = _prop(o, "CPU")
    return "" if v is None else f"{float(v):.2f}"


def _lwt(o: Any) -> str:
    d = _prop(o, "LastWriteTime")
    if not isinstance(d, _dt.datetime):
        return ""
    return f"{format_datetime(d, 'd'):>10}  {format_datetime(d, 't' if False else 'h:mm tt'):>8}"


def _length(o: Any) -> Any:
    return "" if _prop(o, "PSIsContainer") else _prop(o, "Length")


def _directory(o: Any) -> str:
    full = to_string(_prop(o, "FullName"))
    parent = full.rstrip("\\").rsplit("\\", 1)[0] if "\\" in full.rstrip("\\") else full
    if len(parent) == 2 and parent[1] == ":":
        parent += "\\"
    return "    Directory: " + parent + "\n"


def _event_time(o: Any) -> str:
    d = _prop(o, "TimeGenerated")
    return format_datetime(d, "MMM dd HH:mm") if isinstance(d, _dt.datetime) else ""


def _hive(o: Any) -> str:
    name = to_string(_prop(o, "Name"))
    return "    Hive: " + (name.rsplit("\\", 1)[0] if "\\" in name else name) + "\n"


def _registry_properties(o: Any) -> str:
    getter = o.methods.get("GetValue") if isinstance(o, PSObject) else None
    names = [to_string(n) for n in (_prop(o, "Property") or [])]
    if not names or getter is None:
        return ""
    w = max(len(n) for n in names)
    return "\n".join(f"{n.ljust(w)} : {display(getter(n))}" for n in names)


#: Table views by type name (DotNetTypes.format.ps1xml, FileSystem.format.ps1xml, Hyper-V's format file).
TABLE_VIEWS: dict[str, TableView] = {
    "System.ServiceProcess.ServiceController": TableView([
        _c("Status", 8), _c("Name", 18), _c("DisplayName", 38)]),
    "System.Diagnostics.Process": TableView([
        _c("Handles", 7, "right", "HandleCount"), _c("NPM(K)", 7, "right", _kib("NonpagedSystemMemorySize64")),
        _c("PM(K)", 8, "right", _kib("PagedMemorySize64")), _c("WS(K)", 10, "right", _kib("WorkingSet64")),
        _c("CPU(s)", 10, "right", _cpu), _c("Id", 6, "right"), _c("SI", 3, "right", "SessionId"),
        _c("ProcessName")]),
    "System.IO.DirectoryInfo": TableView([
        _c("Mode", 7, "left"), _c("LastWriteTime", 25, "right", _lwt), _c("Length", 14, "right", _length),
        _c("Name", None, "left")], group=_directory),
    "Microsoft.PowerShell.Commands.GroupInfo": TableView([_c("Count", 5, "right"), _c("Name", 25, "left"),
                                                          _c("Group", None, "left")]),
    "System.Diagnostics.Eventing.Reader.EventLogRecord": TableView(
        [_c("TimeCreated", 25, "left"), _c("Id", 8, "right"), _c("LevelDisplayName", 16, "left"),
         _c("Message", None, "left")], group=lambda e: "   ProviderName: " + to_string(_prop(e, "ProviderName"))),
    "System.Diagnostics.EventLogEntry": TableView([
        _c("Index", 8, "right"), _c("Time", 13, "left", _event_time), _c("EntryType", 11, "left"),
        _c("Source", 20, "left"), _c("InstanceID", 12, "right", "InstanceId"), _c("Message", None, "left")]),
    "Microsoft.Win32.RegistryKey": TableView([_c("Name", 30, "left", "PSChildName"),
                                             _c("Property", None, "left", _registry_properties, multiline=True)],
                                            group=_hive),
    "System.Management.Automation.CmdletInfo": TableView([
        _c("CommandType", 15, "left"), _c("Name", 50, "left"), _c("Version", 10, "left"), _c("Source", None, "left")]),
    "System.Management.ManagementObject#root\\cimv2\\Win32_QuickFixEngineering": TableView([
        _c("Source", 13, "left"), _c("Description", 16, "left"), _c("HotFixID", 13, "left"),
        _c("InstalledBy", 20, "left"), _c("InstalledOn", None, "left")]),
    "System.Version": TableView([_c("Major", 6, "left"), _c("Minor", 6, "left"), _c("Build", 6, "left"),
                                _c("Revision", 8, "left")]),
    "System.Guid": TableView([_c("Guid", None, "left", lambda g: str(g))]),
    "Microsoft.PowerShell.Commands.MemberDefinition": TableView([_c("Name"), _c("MemberType"), _c("Definition")],
                                                                group=lambda m: "   TypeName: " + to_string(
                                                                    _prop(m, "TypeName"))),
    "Microsoft.HyperV.PowerShell.VirtualMachine": TableView([
        _c("Name"), _c("State"), _c("CPUUsage(%)", None, "left", "CPUUsage"),
        _c("MemoryAssigned(M)", None, "left", _mib("MemoryAssigned")), _c("Uptime"), _c("Status"),
        _c("Version")]),
}
TABLE_VIEWS["System.IO.FileInfo"] = TABLE_VIEWS["System.IO.DirectoryInfo"]

#: CIM classes (Get-CimInstance) shown as autosized tables of these properties (5.1's CIM format views).
CIM_TABLE_VIEWS: dict[str, list[str]] = {
    "win32_operatingsystem": ["SystemDirectory", "Organization", "BuildNumber", "RegisteredUser", "SerialNumber",
                              "Version"],
    "win32_computersystem": ["Name", "PrimaryOwnerName", "Domain", "TotalPhysicalMemory", "Model", "Manufacturer"],
    "win32_logicaldisk": ["DeviceID", "DriveType", "ProviderName", "VolumeName", "Size", "FreeSpace"],
    "win32_service": ["ProcessId", "Name", "StartMode", "State", "Status", "ExitCode"],
}
#: WMI classes (Get-WmiObject) shown as lists of their DefaultDisplayPropertySet (types.ps1xml).
WMI_LIST_VIEWS: dict[str, list[str]] = {
    "win32_operatingsystem": ["SystemDirectory", "Organization", "BuildNumber", "RegisteredUser", "SerialNumber",
                              "Version"],
    "win32_computersystem": ["Domain", "Manufacturer", "Model", "Name", "PrimaryOwnerName", "TotalPhysicalMemory"],
    "win32_logicaldisk": ["DeviceID", "DriveType", "ProviderName", "FreeSpace", "Size", "VolumeName"],
    "win32_service": ["ExitCode", "Name", "ProcessId", "StartMode", "State", "Status"],
}


def _class_of(type_name: str, prefix: str) -> str | None:
    if not type_name.startswith(prefix):
        return None
    return type_name[len(prefix):].replace("\\", "/").rsplit("/", 1)[-1].lower()


def _cim_view(type_name: str) -> TableView | None:
    cls = _class_of(type_name, "Microsoft.Management.Infrastructure.CimInstance#")
    if cls in CIM_TABLE_VIEWS:
        return TableView([_c(n) for n in CIM_TABLE_VIEWS[cls]])
    return None


def _wmi_list(type_name: str) -> list[str] | None:
    cls = _class_of(type_name, "System.Management.ManagementObject#")
    return WMI_LIST_VIEWS.get(cls) if cls else None
#: Types shown by their ToString() in a block (custom controls): MatchInfo.
CUSTOM_VIEWS = {"Microsoft.PowerShell.Commands.MatchInfo"}
TABLE_VIEWS["System.Collections.DictionaryEntry"] = TableView([_c("Name", 30, "left"), _c("Value", None, "left")])
_HASHTABLE_VIEW = TableView([_c("Name", 30, "left", lambda e: e[0]), _c("Value", None, "left", lambda e: e[1])])

#: List views by type name (Format-List without -Property): the properties 5.1's view shows, in order.
LIST_VIEWS: dict[str, list[str]] = {
    "System.ServiceProcess.ServiceController": ["Name", "DisplayName", "Status", "DependentServices",
                                                "ServicesDependedOn", "CanPauseAndContinue", "CanShutdown", "CanStop",
                                                "ServiceType"],
}

_TIMESPAN_PROPS = ["Days", "Hours", "Minutes", "Seconds", "Milliseconds", "Ticks", "TotalDays", "TotalHours",
                   "TotalMinutes", "TotalSeconds", "TotalMilliseconds"]


def dictionary_entry(key: Any, value: Any) -> PSObject:
    """A System.Collections.DictionaryEntry (what enumerating a hashtable gives the formatter)."""
    return PSObject([("Name", key), ("Key", key), ("Value", value)],
                    ["System.Collections.DictionaryEntry", "System.ValueType", "System.Object"])


def _type_name(item: Any) -> str:
    if isinstance(item, PSObject):
        return item.type_name
    if isinstance(item, Version):
        return "System.Version"
    if isinstance(item, _uuid.UUID):
        return "System.Guid"
    if isinstance(item, Hashtable):
        return "System.Collections.Hashtable"
    if isinstance(item, _dt.timedelta):
        return "System.TimeSpan"
    return type(item).__name__


def _props_of(item: Any) -> list[str]:
    if isinstance(item, PSObject):
        return list(item.props)
    if isinstance(item, _dt.timedelta):
        return list(_TIMESPAN_PROPS)
    return []


def is_scalar(item: Any) -> bool:
    """Printed as a single line (no view, no properties to show)."""
    if isinstance(item, (Hashtable, Version, _uuid.UUID, _dt.timedelta, _dt.datetime)):
        return False
    if isinstance(item, PSObject):
        if item.type_name in TABLE_VIEWS or _cim_view(item.type_name) or _wmi_list(item.type_name):
            return False
        return not item.props or (item.to_string is not None and not is_custom_object(item)
                                  and item.type_name.startswith("System.") and len(item.props) == 0)
    return True


# --------------------------------------------------------------------------- Format-* output objects


class FormatData:
    """What Format-Table/-List/-Wide write: 5.1's FormatStartData, GroupStartData, FormatEntryData...

    Only the first of a block (``lines`` set) carries the rendered text; the others exist so that
    ``(... | Format-Table).Count`` and ``Get-Member`` see the objects Windows writes.
    """

    def __init__(self, kind: str, lines: list[str] | None = None) -> None:
        self.kind = kind
        self.lines = lines

    @property
    def type_name(self) -> str:
        return f"Microsoft.PowerShell.Commands.Internal.Format.{self.kind}"

    def __str__(self) -> str:
        return self.type_name


def format_block(lines: list[str], entries: int) -> list[FormatData]:
    """The objects a Format-* cmdlet writes for ``entries`` input objects rendered as ``lines``."""
    return ([FormatData("FormatStartData", lines), FormatData("GroupStartData")]
            + [FormatData("FormatEntryData") for _ in range(entries)]
            + [FormatData("GroupEndData"), FormatData("FormatEndData")])


# --------------------------------------------------------------------------- rendering


def _fit(text: str, width: int) -> str:
    if len(text) <= width:
        return text
    if width <= 3:
        return text[:width]
    return text[: width - 3] + "..."


def _cell(text: str, width: int, right: bool) -> str:
    text = _fit(text.replace("\r\n", " ").replace("\n", " "), width)
    return text.rjust(width) if right else text.ljust(width)


def render_table(columns: list[Column], rows: list[Any], width: int = WIDTH, autosize: bool = False,
                 hide_headers: bool = False, widths_from: list[Any] | None = None) -> list[str]:
    """Header, dashes and rows (no surrounding blank lines); ``widths_from``: size columns from these rows."""
    usable = width - 1
    sizing = widths_from if widths_from is not None else rows
    values = [[c.value(r) for c in columns] for r in sizing]
    texts = [[display(v) for v in row] for row in values]
    rights = []
    for i, c in enumerate(columns):
        if c.align is not None:
            rights.append(c.align == "right")
        else:
            first = next((row[i] for row in values if row[i] is not None), None)
            rights.append(_is_number(first))
    declared = any(c.width is not None for c in columns) and not autosize
    widths: list[int] = []
    if declared:
        fixed = sum(c.width or 0 for c in columns) + len(columns) - 1
        free = [i for i, c in enumerate(columns) if c.width is None]
        share = max((usable - fixed) // len(free), 1) if free else 0
        widths = [c.width if c.width is not None else share for c in columns]
    else:
        for i, c in enumerate(columns):
            cells = [max(len(x) for x in t[i].split("\n")) for t in texts]
            w = max([len(c.label)] + cells) if not hide_headers else max([1] + cells)
            widths.append(w)
        total = sum(widths) + len(widths) - 1
        if total > usable:  # too wide: the last columns give way first
            while len(widths) > 1 and sum(widths) + len(widths) - 1 > usable:
                over = sum(widths) + len(widths) - 1 - usable
                if widths[-1] - over >= len(columns[len(widths) - 1].label):
                    widths[-1] -= over
                    break
                widths.pop()
            columns = columns[: len(widths)]
    if widths_from is not None:
        texts = [[display(c.value(r)) for c in columns] for r in rows]
    lines = []
    if not hide_headers:
        lines.append(" ".join(_cell(c.label, widths[i], rights[i]) for i, c in enumerate(columns)))
        lines.append(" ".join(_cell("-" * len(c.label), widths[i], rights[i]) for i, c in enumerate(columns)))
    for t in texts:
        parts = [t[i].split("\n") if columns[i].multiline else [t[i]] for i in range(len(columns))]
        for k in range(max(len(p) for p in parts)):
            lines.append(" ".join(_cell(p[k] if k < len(p) else "", widths[i], rights[i]) for i, p in enumerate(parts)))
    return lines


def render_list_entry(names: list[str], values: list[Any]) -> list[str]:
    if not names:
        return []
    w = max(len(n) for n in names)
    out = []
    for n, v in zip(names, values):
        text = display(v)
        parts = text.replace("\r\n", "\n").split("\n")
        out.append(f"{n.ljust(w)} : {parts[0]}")
        out += [" " * (w + 3) + p for p in parts[1:]]
    return out


def list_entry(item: Any, props: list[str] | None = None) -> list[str]:
    if isinstance(item, Hashtable):
        names = ["Name", "Value"]
        return [line for k, v in item.items() for line in render_list_entry(names, [k, v]) + [""]][:-1]
    names = props if props is not None else (LIST_VIEWS.get(_type_name(item)) or _wmi_list(_type_name(item))
                                             or _props_of(item))
    if isinstance(item, _dt.timedelta):
        from simlab.ps.members import _td_props
        tp = _td_props(item)
        return render_list_entry(names, [tp[n.lower()]() for n in names])
    return render_list_entry(names, [_prop(item, n) for n in names])


def _columns_for(item: Any) -> tuple[list[Column], Callable[[Any], str] | None]:
    view = TABLE_VIEWS.get(_type_name(item)) or _cim_view(_type_name(item))
    if view is not None:
        return view.columns, view.group
    return [_c(n) for n in _props_of(item)], None


def _datetime_lines(d: _dt.datetime) -> list[str]:
    return ["", format_datetime(d, "dddd, MMMM d, yyyy h:mm:ss tt"), "", ""]


# --------------------------------------------------------------------------- Out-Default / Out-String


class Formatter:
    """Out-Default/Out-String over a stream of objects: ``feed`` returns lines ready to print (a table's
    rows are held until the table ends, as 5.1 sizes its columns from them); ``close`` ends the output."""

    def __init__(self, width: int = WIDTH) -> None:
        self.width = width
        self.mode: str | None = None  # None | 'table' | 'list'
        self.key: str | None = None
        self.columns: list[Column] = []
        self.group: Callable[[Any], str] | None = None
        self.pending: list[Any] = []  # table rows and out-of-band lines, in order
        self.list_started = False

    def feed(self, item: Any) -> list[str]:
        if isinstance(item, FormatData):
            if item.lines is None:
                return []
            return self._end() + list(item.lines)
        if isinstance(item, _dt.datetime):
            return self._end() + _datetime_lines(item)
        if isinstance(item, ErrorRecord):  # an error in the success stream (2>&1, catch { $_ }): its error view
            from simlab.ps.clixml import error_lines
            return self._end() + [ln for ln in error_lines(item) if ln.strip()]
        if is_scalar(item):
            line = double_g15(item) if isinstance(item, float) else to_string(item)
            if self.mode == "table":
                self.pending.append(("line", line))
                return []
            return [line]
        if isinstance(item, Hashtable):  # the formatter enumerates a hashtable: one DictionaryEntry row per key
            out = []
            for k, v in item.items():
                out += self.feed(dictionary_entry(k, v))
            return out
        key = _type_name(item)
        if key in CUSTOM_VIEWS:
            if self.mode == "custom" and self.key == key:
                self.pending.append(("line", to_string(item)))
                return []
            out = self._end()
            self.mode, self.key, self.pending = "custom", key, [("line", to_string(item))]
            return out
        wmi = _wmi_list(key)
        as_table = key in TABLE_VIEWS or _cim_view(key) is not None or (
            wmi is None and len(_props_of(item)) <= 4 and not isinstance(item, _dt.timedelta))
        if as_table:
            if self.mode == "table" and self.key == key:
                self.pending.append(("row", item))
                return []
            out = self._end()
            self.mode, self.key = "table", key
            self.columns, self.group = _columns_for(item)
            self.pending = [("row", item)]
            # the blank line that starts a table is written at once; header and rows wait for the column
            # widths (PowerShell issue #4552: Write-Host text lands between that line and the table)
            return out + ([""] if self.group is None else [])
        out = [] if self.mode == "list" else self._end()
        if self.mode != "list":
            self.mode, self.key = "list", None
            out += ["", ""]
        else:
            out += [""]
        out += list_entry(item)
        return out

    def _end(self) -> list[str]:
        if self.mode == "custom":
            out = [""] + [x for _, x in self.pending] + ["", ""]
            self.mode, self.key, self.pending = None, None, []
            return out
        if self.mode == "list":
            self.mode = None
            return ["", "", ""]
        if self.mode != "table":
            return []
        out: list[str] = []
        if self.group is None:
            out += self._table_chunk(self.pending)
        else:
            chunk: list[Any] = []
            label: str | None = None
            for kind, x in self.pending:
                lab = self.group(x) if kind == "row" else label
                if kind == "row" and lab != label and chunk:
                    out += ["", ""] + (label or "").split("\n") + [""] + self._table_chunk(chunk)
                    chunk = []
                label = lab
                chunk.append((kind, x))
            if chunk:
                out += ["", ""] + (label or "").split("\n") + [""] + self._table_chunk(chunk)
        out += ["", ""]
        self.mode, self.key, self.pending = None, None, []
        return out

    def _table_chunk(self, pending: list[Any]) -> list[str]:
        rows = [x for kind, x in pending if kind == "row"]
        table = render_table(self.columns, rows, self.width)
        out = list(table[:2])
        for kind, x in pending:  # each row rendered alone keeps the table's widths; strings stay in place
            if kind == "row":
                out += render_table(self.columns, [x], self.width, widths_from=rows)[2:]
            else:
                out.append(x)
        return out

    def close(self) -> list[str]:
        return self._end()


def out_string(items: Iterable[Any], width: int = WIDTH) -> str:
    """Out-String: the text Out-Default would print, CRLF-terminated lines."""
    f = Formatter(width)
    lines: list[str] = []
    for item in items:
        lines += f.feed(item)
    lines += f.close()
    return "".join(line + "\r\n" for line in lines)


def format_item(item: Any) -> list[str]:
    """One object on its own, as Out-Default prints it."""
    f = Formatter()
    return f.feed(item) + f.close()


# --------------------------------------------------------------------------- Format-Table / Format-List / Format-Wide


def selected_columns(items: list[Any], props: list[Any] | None, resolve: Callable[[Any, Any], tuple[str, Any]],
                     ) -> list[Column]:
    """Columns for Format-Table -Property (names, wildcards, calculated properties)."""
    if not items:
        return []
    first = items[0]
    if props is None:
        cols, _ = _columns_for(first)
        return cols
    out: list[Column] = []
    for p in props:
        if isinstance(p, Hashtable):
            label, getter = resolve(first, p)
            w = p.get("Width") if "Width" in p else None
            align = to_string(p.get("Alignment")).lower() if "Alignment" in p else None
            fmt = p.get("FormatString") if "FormatString" in p else None

            def value(o: Any, p: Any = p, fmt: Any = fmt) -> Any:
                v = resolve(o, p)[1]
                if fmt is not None:
                    from simlab.ps.values import format_value
                    return format_value(v, to_string(fmt))
                return v
            out.append(Column(label, value, int(w) if w is not None else None, align))
            continue
        name = to_string(p)
        if "*" in name or "?" in name:
            from simlab.ps.values import like
            for n in _props_of(first):
                if like(n, name):
                    out.append(_c(n))
            continue
        out.append(_c(name))
    return out


def format_table(items: list[Any], props: list[Any] | None, resolve: Callable[[Any, Any], tuple[str, Any]],
                 autosize: bool = False, hide_headers: bool = False, width: int = WIDTH) -> list[str]:
    if not items:
        return []
    cols = selected_columns(items, props, resolve)
    group = TABLE_VIEWS[_type_name(items[0])].group if props is None and _type_name(items[0]) in TABLE_VIEWS else None
    if isinstance(items[0], Hashtable) and props is None:
        rows = [kv for h in items for kv in h.items()]
        return [""] + render_table(_HASHTABLE_VIEW.columns, rows, width, autosize, hide_headers) + ["", ""]
    if group is not None:
        f = Formatter(width)
        lines: list[str] = []
        for it in items:
            lines += f.feed(it)
        return lines + f.close()
    return [""] + render_table(cols, items, width, autosize, hide_headers) + ["", ""]


def format_list(items: list[Any], props: list[Any] | None, resolve: Callable[[Any, Any], tuple[str, Any]]) -> list[str]:
    if not items:
        return []
    lines: list[str] = ["", ""]
    for i, it in enumerate(items):
        if i:
            lines.append("")
        if props is None:
            if isinstance(it, _dt.datetime) or (is_scalar(it) and not isinstance(it, PSObject)):
                lines.append(to_string(it))
                continue
            lines += list_entry(it)
            continue
        names: list[str] = []
        values: list[Any] = []
        for p in props:
            if isinstance(p, Hashtable):
                label, v = resolve(it, p)
                names.append(label)
                values.append(v)
                continue
            name = to_string(p)
            if "*" in name or "?" in name:
                from simlab.ps.values import like
                for n in _props_of(it):
                    if like(n, name):
                        names.append(n)
                        values.append(_prop(it, n))
                continue
            names.append(name)
            values.append(_prop(it, name))
        lines += render_list_entry(names, values)
    return lines + ["", "", ""]


def format_wide(items: list[Any], prop: Any, resolve: Callable[[Any, Any], tuple[str, Any]],
                columns: int | None = None, autosize: bool = False, width: int = WIDTH) -> list[str]:
    if not items:
        return []
    texts = []
    for it in items:
        if prop is None:
            if isinstance(it, PSObject) and "Name" in it.props:
                texts.append(display(it.props["Name"]))
            else:
                texts.append(display(it) if not isinstance(it, PSObject) else to_string(it))
        elif isinstance(prop, Hashtable):
            texts.append(display(resolve(it, prop)[1]))
        else:
            texts.append(display(_prop(it, to_string(prop))))
    usable = width - 1
    if autosize:
        longest = max(len(t) for t in texts)
        n = max(1, (usable + 1) // (longest + 1))
    else:
        n = columns or 2
    colw = (usable - (n - 1)) // n
    rows = []
    for i in range(0, len(texts), n):
        chunk = texts[i:i + n]
        rows.append(" ".join(_cell(t, colw, False) for t in chunk))
    return [""] + rows + ["", ""]
