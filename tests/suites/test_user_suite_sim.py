"""A user's own suite, in a folder outside the repository, with its own template: it uses the
plugin's ``lab_host`` and ``guest`` fixtures against the simulated lab through the real plugin (a
pytest subprocess, as a user runs it), without any file of the package edited."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import yaml

pytest_plugins = ["pytester"]

REPO = Path(__file__).resolve().parents[2]

TEMPLATE = r"""param([string]$ParamsJson)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$P = ConvertFrom-Json $ParamsJson
{% include '_common.ps1' %}
# The processor count and startup memory of one VM, by id. Params: {"id": "<guid>", "fail": false}
try {
    if ($P.fail) { throw "asked to fail for $($P.id)" }
    $vm = Get-VM -Id ([string]$P.id)
    Write-RhResult ([pscustomobject][ordered]@{ Name = [string]$vm.Name; ProcessorCount = [int]$vm.ProcessorCount;
        MemoryStartup = [long]$vm.MemoryStartup; Echo = [string]$P.echo })
} catch {
    Write-RhError $_
}
"""

SUITE = '''
import pytest

from harness.errors import RemoteScriptError

pytestmark = [pytest.mark.restore_method("import")]


@pytest.mark.check("vm sized as restored", severity="normal")
def test_vm_sized(scenario, restored, restore_run, lab_host):
    result = restored.require_vm()
    data = lab_host.run("vm_size", {"id": result.vm_id, "echo": "人事 'x' $env:X"})
    assert data["Name"] == result.vm_name
    assert data["Echo"] == "人事 'x' $env:X"  # parameters travel as JSON, never spliced into the script
    vm = restore_run.facts(result.plan.host).vm(result.vm_id)
    assert data["ProcessorCount"] == vm.processor_count >= 1
    assert data["MemoryStartup"] == vm.memory.startup > 0


def test_template_errors_come_back_typed(scenario, restored, lab_host):
    with pytest.raises(RemoteScriptError, match="asked to fail"):
        lab_host.run("vm_size", {"id": restored.require_vm().vm_id, "fail": True})


@pytest.mark.check("guest is the backed-up machine")
def test_guest_answers(scenario, guest):
    assert guest.check_output("$env:COMPUTERNAME") == scenario.vm
    assert guest.check_output("(Get-Service -Name %s).Status", "MSSQLSERVER") == "Running"
    missing = guest.run("Get-Service -Name %s", "NoSuchService")
    assert missing.rc != 0 and "Cannot find any service" in missing.stderr
'''


@pytest.fixture
def user_folder(pytester: pytest.Pytester) -> Path:
    """The user's folder: an inventory naming a template folder, the template, the suite."""
    data = yaml.safe_load((REPO / "inventories" / "sim-lab.yml").read_text(encoding="utf-8"))
    data["scenarios"] = [s for s in data["scenarios"] if s["name"] == "import-cm01"]
    data["template_dirs"] = ["my-templates"]
    (pytester.path / "my-templates").mkdir()
    (pytester.path / "my-templates" / "vm_size.ps1").write_text(TEMPLATE, encoding="utf-8")
    (pytester.path / "lab.yml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    pytester.makepyfile(test_my_checks=textwrap.dedent(SUITE))
    assert REPO not in pytester.path.parents
    return pytester.path


def test_a_user_suite_outside_the_repository_runs_against_the_simulated_lab(pytester: pytest.Pytester,
                                                                           user_folder: Path) -> None:
    result = pytester.runpytest_subprocess("--inventory", str(user_folder / "lab.yml"), "--reports", "out",
                                           "--alluredir", "out/allure", "-p", "no:cacheprovider", "-rA")
    assert result.ret == 0, result.stdout.str()
    result.assert_outcomes(passed=3)
    labels = {}
    for f in (user_folder / "out" / "allure").glob("*-result.json"):
        data = json.loads(f.read_text(encoding="utf-8"))
        labels[data["name"]] = {(label["name"], label["value"]) for label in data.get("labels", [])}
    sized = next(v for k, v in labels.items() if "vm sized as restored" in k)
    assert ("severity", "normal") in sized and ("story", "vm sized as restored") in sized
    assert ("epic", "import (copy-new-id)") in sized and any(n == "tag" and v.startswith("backup:") for n, v in sized)
    record = json.loads(next((user_folder / "out" / "evidence").glob("*/run.json")).read_text(encoding="utf-8"))
    (sc,) = record["scenarios"]
    assert {c["name"]: c["outcome"] for c in sc["checks"]} == {"vm sized as restored": "passed",
                                                              "guest is the backed-up machine": "passed"}


def test_a_missing_template_folder_is_an_inventory_error(pytester: pytest.Pytester, user_folder: Path) -> None:
    inv = user_folder / "lab.yml"
    inv.write_text(inv.read_text(encoding="utf-8").replace("my-templates", "no-such-folder"), encoding="utf-8")
    result = pytester.runpytest_subprocess("--inventory", str(inv), "-p", "no:cacheprovider")
    assert result.ret == 4
    assert "template_dirs[0]" in result.stderr.str() + result.stdout.str()
