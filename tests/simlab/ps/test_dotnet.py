"""A .NET type the lab does not model fails as a missing type does on Windows (simlab.ps.dotnet)."""

from __future__ import annotations

from simlab.machine import BareMachine
from simlab.ps import run_script


def _run(text: str):  # noqa: ANN202
    return run_script(BareMachine("HV-LAB01", {"u": "p"}), text)


def test_unmodelled_type_is_type_not_found() -> None:
    r = _run("[System.Net.WebClient]::new()")
    assert r.errors[0].message == "Unable to find type [System.Net.WebClient]."
    assert r.errors[0].fully_qualified_error_id == "TypeNotFound"


def test_type_not_found_is_catchable() -> None:
    r = _run("try { [Contoso.Nothing]::Get() } catch { $_.FullyQualifiedErrorId }")
    assert r.stdout == "TypeNotFound\r\n" and r.exit_code == 0


def test_modelled_type_missing_member_stays_loud() -> None:
    r = _run("[System.Math]::NoSuchMember()")
    assert "does not support" in r.errors[0].message
