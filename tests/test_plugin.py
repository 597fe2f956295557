"""The pytest plugin: options, ids, markers, exit codes (the suites against the simulated lab are
in tests/suites/).

Each run of the plugin here is a separate pytest process (``runpytest_subprocess``), never an
in-process ``runpytest``: an in-process run imports what a harness run imports (pywinrm, requests)
into this process, and pytester's snapshot of ``sys.modules`` then drops those modules again but not
their attributes on packages imported before (``http.cookiejar`` stays on ``http``). A later import of
requests in this process binds two different ``http.cookiejar`` modules, and every request fails with
"You can only merge into CookieJar" (tests/test_plugin_isolation.py runs that combination)."""

import socket
import textwrap

import pytest


pytest_plugins = ["pytester"]

INVENTORY = textwrap.dedent(r"""
    version: 1
    hosts:
      - name: HV-LAB01
        address: 127.0.0.1
        port: {port}
        scheme: http
        credentials: {{username: 'HV-LAB01\rh-operator', password_env: RH_TEST_PLUGIN_PW}}
        lab_only: true
        scratch_root: 'E:\RestoreTests'
        isolated_switches: [{{name: Lab-Isolated, type: Private}}]
        operation_timeout_sec: 2
        read_timeout_sec: 4
        default_timeout_sec: 3
        retry: {{retries: 1, backoff_sec: 0.05}}
    backup_sources:
      - {{name: exports, kind: hyperv-export, path: 'B:\Exports'}}
    scenarios:
      - {{name: cm01-copy-new-id, source: exports, vm: CM01, method: import, import_type: copy-new-id}}
      - {{name: sql01-register, source: exports, vm: SQL01, method: import, import_type: register}}
""")

SUITE = textwrap.dedent("""
    import pytest
    pytestmark = [pytest.mark.restore_method("import")]

    @pytest.mark.check("vm registered")
    def test_vm_registered(scenario, restored):
        assert restored.result is not None
""")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def lab_dir(pytester, monkeypatch):
    monkeypatch.setenv("RH_TEST_PLUGIN_PW", "not-a-real-password")
    pytester.makefile(".yml", lab=INVENTORY.format(port=_free_port()))
    pytester.makepyfile(test_suite=SUITE)
    return pytester


def test_scenarios_become_readable_test_ids(lab_dir):
    result = lab_dir.runpytest_subprocess("--inventory", "lab.yml", "--collect-only", "-q")
    result.stdout.fnmatch_lines(["*test_vm_registered[[]cm01-copy-new-id[]]*", "*test_vm_registered[[]sql01-register[]]*"])


def test_scenario_option_selects(lab_dir):
    result = lab_dir.runpytest_subprocess("--inventory", "lab.yml", "--scenario", "sql01-register",
                                          "--collect-only", "-q")
    assert "cm01-copy-new-id" not in result.stdout.str() and "sql01-register" in result.stdout.str()


def test_unknown_scenario_and_bad_inventory_are_usage_errors(lab_dir):
    result = lab_dir.runpytest_subprocess("--inventory", "lab.yml", "--scenario", "nope")
    assert result.ret == 4
    assert "--scenario nope: not in lab.yml" in result.stderr.str() + result.stdout.str()
    lab_dir.makefile(".yml", bad="version: 1\nhosts: []\n")
    assert lab_dir.runpytest_subprocess("--inventory", "bad.yml").ret == 4


def test_nothing_collected_exits_5(lab_dir):
    assert lab_dir.runpytest_subprocess("--inventory", "lab.yml", "-k", "nothing_matches_this").ret == 5


def test_unreachable_host_is_a_lab_problem_exit_3_reported_once_and_nothing_created(lab_dir):
    result = lab_dir.runpytest_subprocess("--inventory", "lab.yml", "--reports", "out",
                                          "--run-id", "rh-20261121-0900-ab12")
    assert result.ret == 3, result.stdout.str()
    # the run-id check (before any lock, before anything is created) meets the dead host: the session
    # stops at once, the problem is shown once, in one line
    result.stdout.fnmatch_lines(["*TransportError: Lab problem: ledger_read on HV-LAB01:*refused*",
                                 "*run rh-20261121-0900-ab12 did not start: Lab problem:*"])
    assert "1 error" in result.stdout.str() and "Traceback" not in result.stdout.str()
    assert not (lab_dir.path / "out" / "ledger" / "rh-20261121-0900-ab12.json").exists()


# ----------------------------------------------------------------------------- classification

from harness.errors import LabError, RemoteNotInstalled, RestoreDefect, UsageError, problem_kind  # noqa: E402
from harness.errors import mark_lab_problem as _mark_lab_problem  # noqa: E402


@pytest.mark.parametrize("exc, kind", [
    (LabError("unreachable"), "lab"), (RemoteNotInstalled("Windows Server Backup is not installed"), "lab"),
    (RestoreDefect("VM not registered"), "defect"), (AssertionError("expected Running"), "defect"),
    (UsageError("bad option"), "harness"), (KeyError("x"), "harness"),
])
def test_problem_kind_is_the_one_classification(exc, kind):
    assert problem_kind(exc) == kind


def test_lab_problems_carry_the_category_mark_once():
    exc = RemoteNotInstalled("Get-WBSummary is not recognized", host="HV-LAB01", template="wsb_backup_sets")
    _mark_lab_problem(exc)
    _mark_lab_problem(exc)  # re-raised from the cache for the next test: not marked twice
    assert str(exc).startswith("Lab problem: wsb_backup_sets on HV-LAB01:") and str(exc).count("Lab problem:") == 1
    defect = RestoreDefect("VM not registered")
    _mark_lab_problem(defect)
    assert str(defect) == "VM not registered"


VM_SUITE = textwrap.dedent("""
    import pytest
    pytestmark = [pytest.mark.needs_vm]

    def test_guest(scenario, restored):
        restored.require_vm()
""")


def test_needs_vm_skips_file_restores_by_method_before_any_restore(lab_dir):
    # the host is unreachable: a restore (or even the session's preflight) would be a lab problem, exit 3
    inv = lab_dir.path.joinpath("lab.yml").read_text()
    inv = inv.replace("backup_sources:\n", "backup_sources:\n  - {name: wsb, kind: wsb-volume, machine: FS01, "
                      "volume: 'B:'}\n", 1)
    inv = inv.replace("scenarios:\n", "scenarios:\n  - {name: fs01-files, source: wsb, vm: FS01, method: wsb-files, "
                      "wsb: {items: ['D:\\Data'], manifest: m.json}}\n", 1)
    assert "fs01-files" in inv and "kind: wsb-volume" in inv
    lab_dir.makefile(".yml", vmlab=inv)
    lab_dir.makepyfile(test_vm_suite=VM_SUITE)
    result = lab_dir.runpytest_subprocess("test_vm_suite.py", "--inventory", "vmlab.yml", "--scenario", "fs01-files",
                                          "-rs", "--reports", "out")
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(["*SKIPPED*fs01-files: method wsb-files restores files, not a VM*"])




def test_a_suite_that_fails_to_import_is_a_harness_error_exit_4(lab_dir):
    lab_dir.makepyfile(test_broken="import harness.no_such_module\n")
    result = lab_dir.runpytest_subprocess("--inventory", "lab.yml", "--collect-only")
    assert result.ret == 4, result.stdout.str()  # pytest itself says "interrupted" (2) here


def test_ctrl_c_is_exit_2(lab_dir):
    lab_dir.makepyfile(test_suite="""
        import pytest
        pytestmark = [pytest.mark.restore_method("import")]

        def test_interrupted(scenario):
            raise KeyboardInterrupt
    """)
    result = lab_dir.runpytest_subprocess("--inventory", "lab.yml", "--scenario", "sql01-register")
    assert result.ret == 2, result.stdout.str()


def test_a_missing_signing_key_stops_the_run_and_the_test_is_still_labelled(lab_dir):
    """--signing-key names a key that does not exist: a usage error before the lab is touched (exit 4),
    and the tests, which never got a run, still sit in Allure's tree (labels from the plugin's hook)."""
    import json

    result = lab_dir.runpytest_subprocess("--inventory", "lab.yml", "--signing-key", "no-such-key",
                                          "--alluredir", "allure")
    assert result.ret == 4, result.stdout.str()
    result.stdout.fnmatch_lines(["*signing key no-such-key does not exist*restore-harness keygen*"])
    results = [json.loads(p.read_text(encoding="utf-8")) for p in (lab_dir.path / "allure").glob("*-result.json")]
    # the run did not start, so the session stops after the first test (harness.pytest_reporting.stop_session)
    assert len(results) == 1
    for data in results:
        labels = {label["name"]: label["value"] for label in data["labels"]}
        assert labels["epic"] == "import (copy-new-id)" or labels["epic"] == "import (register)"
        assert labels["story"] == "vm registered" and labels["feature"] in ("CM01", "SQL01")
