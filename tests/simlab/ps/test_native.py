"""simlab.ps.native: System32 programs run from PowerShell."""

from __future__ import annotations


def test_exit_code_becomes_lastexitcode(ps) -> None:  # noqa: ANN001
    r = ps("cmd /c exit 3\n$LASTEXITCODE")
    assert r.output == [3]


def test_failing_program_sets_dollar_question_false(ps) -> None:  # noqa: ANN001
    from simlab.ps.native import run_native

    class _Rs:  # what run_native touches on a runspace
        def __init__(self, machine) -> None:  # noqa: ANN001
            from simlab.ps.interp import Scope
            self.machine, self.env, self.global_scope, self.streams = machine, {}, Scope(None), None

    from tests.simlab.ps.conftest import tiny_machine
    rs = _Rs(tiny_machine())
    assert list(run_native(rs, "cmd", ["/c", "exit", 1])) == []
    assert rs.global_scope.vars["?"] is False and rs.global_scope.vars["LASTEXITCODE"] == 1


def test_stdout_lines_are_strings(ps) -> None:  # noqa: ANN001
    assert ps("hostname").output == ["HV-LAB01"]
    assert ps("(ipconfig).Count -gt 3").output == [True]


def test_unknown_program_is_not_recognized(ps) -> None:  # noqa: ANN001
    r = ps("nosuchtool.exe")
    assert r.errors[0].fully_qualified_error_id == "CommandNotFoundException"
