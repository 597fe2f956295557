"""tests/test_plugin.py's runs of the plugin leave the test process as they found it.

The combination that failed: in one process (one xdist worker with ``--dist loadfile``), a module
that imports ``http`` at collection (tests/evidence/test_timestamp.py), then tests/test_plugin.py,
then a test that first imports requests (tests/faults/*, through pywinrm). While test_plugin.py ran
the plugin in-process, pytester's ``sys.modules`` snapshot dropped the requests and ``http.cookiejar``
modules that run had imported but left ``http.cookiejar`` on the ``http`` package; the late import of
requests then bound two ``http.cookiejar`` modules and every request failed with "You can only merge
into CookieJar". Here the same order runs in one pytest process of its own.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

TEST_PLUGIN = Path(__file__).with_name("test_plugin.py")

LATE = '''
import sys
import types

import http.client  # noqa: F401 - `http` imported at collection, before test_plugin.py's runs


def _split_submodules():
    """Submodules still set on their package but no longer (or another module) in sys.modules."""
    split = set()
    for name, module in list(sys.modules.items()):
        for attr, value in list(vars(module or types.ModuleType(name)).items()):
            full = f"{name}.{attr}"
            if isinstance(value, types.ModuleType) and value.__name__ == full and sys.modules.get(full) is not value:
                split.add(full)
    return split


BEFORE = _split_submodules()  # at collection, before any test ran


def test_no_submodule_was_left_half_imported():
    assert _split_submodules() - BEFORE == set()


def test_requests_imported_afterwards_still_merges_cookies():
    import requests  # the first import of requests in this process, as pywinrm's in tests/faults

    prepared = requests.Session().prepare_request(requests.Request("GET", "http://127.0.0.1:5985/wsman"))
    assert prepared.url == "http://127.0.0.1:5985/wsman"
'''


def test_plugin_tests_then_a_late_requests_import_in_one_process(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_late_requests=LATE)
    result = pytester.runpytest_subprocess("-p", "no:randomly", "-v", str(TEST_PLUGIN), "test_late_requests.py")
    result.stdout.fnmatch_lines(["*test_plugin.py::*PASSED*",  # test_plugin.py first, then the late tests
                                 "*::test_no_submodule_was_left_half_imported PASSED*",
                                 "*::test_requests_imported_afterwards_still_merges_cookies PASSED*"])
    assert result.ret == 0, result.stdout.str()
