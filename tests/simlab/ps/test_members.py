"""Members of simulated .NET types (simlab/ps/members.py) not covered in test_interp.py."""

from __future__ import annotations

from simlab.machine import BareMachine
from simlab.ps import run_script


def test_string_indexof_with_string_comparison():
    r = run_script(BareMachine(), "$s = 'VM rh-FS01 crashed'\n"
                                  "$s.IndexOf('RH-fs01', [StringComparison]::OrdinalIgnoreCase)\n"
                                  "$s.IndexOf('RH-fs01', [System.StringComparison]::Ordinal)\n"
                                  "[int][StringComparison]::OrdinalIgnoreCase\n"
                                  "$s.LastIndexOf('C', [StringComparison]::CurrentCultureIgnoreCase)")
    assert r.stdout.split() == ["3", "-1", "5", "11"], r.stderr
