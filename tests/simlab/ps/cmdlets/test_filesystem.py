"""File-system cmdlets on WinFS."""

from __future__ import annotations

import hashlib


def outp(ps, text):
    r = ps(text)
    assert r.exit_code == 0, r.stderr
    return r.output


def test_new_item_set_get_content_and_hash(ps, machine):
    outp(ps, "New-Item -ItemType Directory -Path 'C:\\Data\\人事' | Out-Null; "
             "Set-Content -Path 'C:\\Data\\人事\\a.txt' -Value 'hello' -Encoding UTF8")
    data = machine.fs.read("C:\\data\\人事\\A.TXT")
    assert data == b"\xef\xbb\xbfhello\r\n"
    assert outp(ps, "Get-Content 'C:\\Data\\人事\\a.txt'") == ["hello"]
    h = outp(ps, "(Get-FileHash 'C:\\Data\\人事\\a.txt').Hash")
    assert h == [hashlib.sha256(data).hexdigest().upper()]


def test_get_child_item_filters(ps, machine):
    machine.fs.write("B:\\Exports\\CM01\\disk.vhdx", size=10)
    machine.fs.write("B:\\Exports\\CM01\\cfg.vmcx", b"x")
    assert outp(ps, "(Get-ChildItem B:\\Exports -Recurse -Filter *.vhdx).FullName") == ["B:\\Exports\\CM01\\disk.vhdx"]
    assert outp(ps, "(Get-ChildItem B:\\Exports -Directory).Name") == ["CM01"]
    assert outp(ps, "(Get-Item B:\\Exports\\CM01\\disk.vhdx).Length") == [10]


def test_test_path_join_split(ps):
    assert outp(ps, "Test-Path C:\\nope; Join-Path 'C:\\a' 'b'; Split-Path 'C:\\a\\b.txt' -Leaf; Split-Path 'C:\\a\\b.txt' -Parent") == \
        [False, "C:\\a\\b", "b.txt", "C:\\a"]


def test_remove_item_not_found_is_non_terminating(ps):
    r = ps("Remove-Item C:\\nope; 'next'")
    assert r.output == ["next"] and "Cannot find path 'C:\\nope' because it does not exist." in r.errors[0].message
    assert r.errors[0].fully_qualified_error_id == "PathNotFound,Microsoft.PowerShell.Commands.RemoveItemCommand"


def test_copy_and_move(ps, machine):
    machine.fs.write("C:\\src\\f.txt", b"1")
    outp(ps, "Copy-Item C:\\src C:\\dst -Recurse; Move-Item C:\\dst\\f.txt C:\\moved.txt")
    assert machine.fs.read("C:\\moved.txt") == b"1" and machine.fs.exists("C:\\src\\f.txt")


def test_literal_path_alias(ps, machine):
    machine.fs.write("C:\\a[1].txt", b"x")
    assert outp(ps, "Test-Path -LiteralPath 'C:\\a[1].txt'") == [True]


def test_utc_times_of_items(ps):
    r = ps("Set-Content C:\\t.txt 'x'; $f = Get-Item C:\\t.txt; $f.LastWriteTimeUtc -eq $f.LastWriteTime; "
           "(Get-Item C:\\).CreationTimeUtc -is [datetime]")
    assert r.exit_code == 0, r.stderr
    assert r.output == [True, True]
