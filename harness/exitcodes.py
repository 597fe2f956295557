"""The exit codes of ``restore-harness`` and of a plain ``pytest`` run with the plugin: ONE enum.

=====  ===========  ==========================================================================
code   name         meaning
=====  ===========  ==========================================================================
0      OK           every check passed (``validate``: the inventory is valid)
1      DEFECT       a restore defect: a check about the restored system failed
2      INTERRUPTED  the run was interrupted (Ctrl-C, SIGTERM); teardown still ran
2      INVALID      ``validate`` only: the inventory is invalid (any reason: schema, YAML tags,
                    NUL bytes, unreadable file). Same number as INTERRUPTED: a command never
                    means both (``validate`` runs nothing; a run never validates alone)
3      LAB          a lab problem: the run could not audit (host unreachable, preflight failed)
4      HARNESS      a harness or usage error (bad option, unknown scenario, a bug)
5      EMPTY        nothing was collected (no suite or scenario matched)
=====  ===========  ==========================================================================

Which error is which kind is decided in one place, :func:`harness.errors.problem_kind`; this
module only turns kinds into numbers. ``INVALID`` is an alias of ``INTERRUPTED`` in the enum
(``ExitCode.INVALID is ExitCode.INTERRUPTED``): compare values, not names.
"""

from __future__ import annotations

from enum import IntEnum

from harness.errors import problem_kind


class ExitCode(IntEnum):
    """Process exit codes (see the module docstring for what each means)."""

    OK = 0
    DEFECT = 1
    INTERRUPTED = 2
    INVALID = 2  # noqa: PIE796 - deliberate alias: `validate`'s "invalid input"
    LAB = 3
    HARNESS = 4
    EMPTY = 5


KIND_CODES = {"passed": ExitCode.OK, "defect": ExitCode.DEFECT, "lab": ExitCode.LAB, "harness": ExitCode.HARNESS}


def for_kind(kind: str) -> ExitCode:
    """The exit code of a problem kind (``"defect"``, ``"lab"``, ``"harness"``; ``"passed"`` is OK)."""
    return KIND_CODES.get(kind, ExitCode.HARNESS)


def for_error(exc: BaseException) -> ExitCode:
    """The exit code an error ends a command with: Ctrl-C is INTERRUPTED, the rest by kind."""
    if isinstance(exc, KeyboardInterrupt):
        return ExitCode.INTERRUPTED
    return for_kind(problem_kind(exc))


def for_outcomes(outcomes: dict[str, int] | object) -> ExitCode:
    """The worst outcome of a run's checks: harness error > lab problem > defect > OK."""
    counts = dict(outcomes)  # type: ignore[call-overload]
    for kind in ("harness", "lab", "defect"):
        if counts.get(kind):
            return KIND_CODES[kind]
    return ExitCode.OK


def for_pytest(pytest_status: int, outcomes: dict[str, int], *, keyboard_interrupt: bool = True) -> ExitCode:
    """The exit code of a pytest session with the plugin, from pytest's own status and the run's
    classified outcomes (``{"passed", "defect", "lab", "harness"}`` counts). pytest's statuses:
    0 ok, 1 tests failed, 2 interrupted, 3 internal error, 4 usage error, 5 nothing collected.
    pytest also says "interrupted" (2) when a suite fails to import (errors during collection): that
    is a harness error, so INTERRUPTED needs ``keyboard_interrupt`` (Ctrl-C or SIGINT was seen)."""
    if pytest_status == 5:
        return ExitCode.EMPTY
    if pytest_status == 2:
        return ExitCode.INTERRUPTED if keyboard_interrupt else ExitCode.HARNESS
    if pytest_status in (3, 4):
        return ExitCode.HARNESS
    worst = for_outcomes(outcomes)
    if worst == ExitCode.OK and pytest_status == 1:
        return ExitCode.DEFECT
    return worst
