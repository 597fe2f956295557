"""SIGINT/SIGTERM handling (harness/interrupt.py) with real signals raised in the test process."""

from __future__ import annotations

import io
import signal
import threading

import pytest

pytest_plugins = ["pytester"]

from harness.interrupt import InterruptGuard, TeardownAbandoned, cleanup_command, show_on_console, teardown_summary


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def guard() -> tuple[InterruptGuard, io.StringIO, Clock]:
    out, clock = io.StringIO(), Clock()
    g = InterruptGuard(confirm_window=5.0, out=out, clock=clock)
    with g:
        yield g, out, clock
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # put back


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_during_the_run_is_a_keyboard_interrupt(guard: tuple, sig: signal.Signals) -> None:
    g, out, _ = guard
    with pytest.raises(KeyboardInterrupt) as info:
        signal.raise_signal(sig)
    assert not isinstance(info.value, TeardownAbandoned)
    assert g.interrupted and g.received[0].name == sig.name and g.received[0].action == "interrupt"
    assert "teardown removes what it created" in out.getvalue()


def test_during_teardown_the_first_ctrl_c_asks_and_the_second_abandons(guard: tuple) -> None:
    g, out, clock = guard
    with g.teardown():
        signal.raise_signal(signal.SIGINT)  # asks, does not raise
        assert "Press Ctrl-C again within 5 s to abandon teardown" in out.getvalue()
        clock.now += 4.0
        with pytest.raises(TeardownAbandoned):
            signal.raise_signal(signal.SIGINT)
    assert [r.action for r in g.received] == ["asked", "abandon"]
    assert all(r.phase == "teardown" for r in g.received)


def test_after_the_window_a_ctrl_c_asks_again(guard: tuple) -> None:
    g, out, clock = guard
    with g.teardown():
        signal.raise_signal(signal.SIGINT)
        clock.now += 6.0
        signal.raise_signal(signal.SIGTERM)  # outside the window: asks again, still no interrupt
    assert [r.action for r in g.received] == ["asked", "asked"]
    assert out.getvalue().count("Press Ctrl-C again") == 2
    with pytest.raises(KeyboardInterrupt):  # teardown over: back to interrupting
        signal.raise_signal(signal.SIGINT)


def test_install_outside_the_main_thread_is_a_no_op() -> None:
    g = InterruptGuard()
    done: list[bool] = []
    t = threading.Thread(target=lambda: done.append(g.install() is g and not g._previous))
    t.start()
    t.join()
    assert done == [True]


def test_summary_lists_removed_and_left_with_the_exact_cleanup_command() -> None:
    text = teardown_summary("rh-20261122-0100-ab12", "inventories/my lab.yml",
                            removed=["#3 VM 'rh-ab12-CM01' on HV-LAB01 [removed]"],
                            left=["#1 folder E:\\RestoreTests\\rh-20261122-0100-ab12 on HV-LAB01 [remove-failed]"],
                            reports="out/reports", interrupted="SIGINT")
    assert text.splitlines()[0] == "run rh-20261122-0100-ab12: interrupted (SIGINT)"
    assert "removed (1):\n  - #3 VM 'rh-ab12-CM01' on HV-LAB01 [removed]" in text
    assert "LEFT on the lab (1):" in text
    assert text.endswith("remove them with: restore-harness cleanup --inventory 'inventories/my lab.yml' "
                         "--run-id rh-20261122-0100-ab12 --reports out/reports")


def test_summary_when_nothing_is_left_and_when_abandoned_or_kept() -> None:
    assert teardown_summary("rh-1-2-3", "inv.yml", ["a"], []).endswith("nothing of this run is left on the lab")
    abandoned = teardown_summary("rh-1-2-3", "inv.yml", [], ["x"], abandoned=True)
    assert "teardown ABANDONED by a second Ctrl-C" in abandoned and cleanup_command("inv.yml", "rh-1-2-3") in abandoned
    kept = teardown_summary("rh-1-2-3", "inv.yml", [], ["x"], kept=True)
    assert "teardown skipped (--keep)" in kept


def test_show_on_console_writes_to_the_given_stream() -> None:
    buf = io.StringIO()
    show_on_console("hello", stream=buf)
    assert buf.getvalue() == "hello\n"


def test_show_on_console_gets_past_pytest_capture(pytester: pytest.Pytester) -> None:
    pytester.makeconftest("""
import pytest

pytest_plugins = ["pytester"]
from harness.interrupt import show_on_console

@pytest.fixture(scope="session")
def res(pytestconfig):
    yield
    show_on_console("SUMMARY-LINE-XYZ", config=pytestconfig)
""")
    pytester.makepyfile("def test_a(res):\n    assert True\n")
    result = pytester.runpytest_subprocess("-p", "no:randomly")
    assert "SUMMARY-LINE-XYZ" in result.stdout.str()
    assert "Captured stdout teardown" not in result.stdout.str()


class _FakeTb:
    """A traceback entry as CPython 3.11 leaves it when a signal lands on a line-less instruction."""

    def __init__(self, frame, lineno, nxt=None) -> None:  # type: ignore[no-untyped-def]
        self.tb_frame, self.tb_lineno, self.tb_lasti, self.tb_next = frame, lineno, 0, nxt


def test_repair_traceback_gives_every_entry_a_line_number() -> None:
    import sys

    from harness.interrupt import needs_repair, repair_traceback

    frame = sys._getframe()
    broken = _FakeTb(frame, 10, _FakeTb(frame, None))
    assert needs_repair(broken)
    fixed = repair_traceback(broken)
    assert fixed is not None and fixed.tb_lineno == 10 and fixed.tb_next is not None
    assert isinstance(fixed.tb_next.tb_lineno, int) and not needs_repair(fixed)


def test_the_keyboard_interrupt_hook_repairs_pytest_excinfo() -> None:
    import sys
    from types import SimpleNamespace

    from harness.interrupt import pytest_keyboard_interrupt

    frame = sys._getframe()
    value = SimpleNamespace(__traceback__=_FakeTb(frame, None))
    excinfo = SimpleNamespace(value=value, type=KeyboardInterrupt, _excinfo=None, _traceback="cached")
    pytest_keyboard_interrupt(excinfo)  # type: ignore[arg-type]
    fixed = excinfo._excinfo[2]
    assert value.__traceback__ is fixed and excinfo._traceback is None and isinstance(fixed.tb_lineno, int)
    # pytest can now render it (it fails on a None line number)
    real = pytest.ExceptionInfo.from_exc_info((KeyboardInterrupt, KeyboardInterrupt("SIGINT"), fixed))
    assert "KeyboardInterrupt" in str(real.getrepr(funcargs=True))
