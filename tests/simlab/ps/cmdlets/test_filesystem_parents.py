"""Set-Content/Add-Content into a folder that does not exist fail as on Windows (no folder is created)."""

import pytest


@pytest.mark.parametrize("verb", ["Set", "Add"])
def test_content_write_into_missing_folder_fails_and_creates_nothing(ps, machine, verb):
    r = ps(f"try {{ {verb}-Content -Path 'C:\\nothere\\x.txt' -Value 'a' -ErrorAction Stop }} "
           "catch { $_.Exception.Message; $_.FullyQualifiedErrorId }")
    assert r.output == ["Could not find a part of the path 'C:\\nothere\\x.txt'.",
                        f"GetContentWriterDirectoryNotFoundError,Microsoft.PowerShell.Commands.{verb}ContentCommand"]
    assert not machine.fs.exists("C:\\nothere")


def test_content_write_into_existing_folder_works(ps, machine):
    ps("New-Item -ItemType Directory -Path 'C:\\here' | Out-Null; Set-Content -Path 'C:\\here\\x.txt' -Value 'a'")
    assert machine.fs.read("C:\\here\\x.txt") == b"a\r\n"
