"""BMR plan: strict bmr: section, generation and bare-metal refusals, names in the run folder."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from harness.bmr.plan import BackupLacksBareMetal, BmrBackupSet, BmrRefused, choose_set, parse_sets, plan_bmr
from harness.inventory import load_inventory
from harness.inventory.models import BmrSettings as InvBmr

RUN = "rh-20261121-0900-ab12"


@pytest.fixture(scope="module")
def inv():
    return load_inventory("inventories/sim-lab.yml")


def _scenario(inv, **bmr):
    sc = inv.scenario("bmr-fs01")
    return sc.model_copy(update={"bmr": InvBmr(**{**sc.bmr.model_dump(), **bmr})})


def test_plan_names_resources_with_the_run_prefix_in_the_run_folder(inv):
    plan = plan_bmr(inv, inv.scenario("bmr-fs01"), RUN)
    assert plan.vm_name == f"{RUN}-FS01-BMR" and plan.vm_generation == 2 and plan.switch == "Lab-Isolated"
    assert plan.system_disk.startswith(f"E:\\RestoreTests\\{RUN}\\bmr\\bmr-fs01\\")
    assert plan.share and plan.target == "\\\\NAS01\\wsb" and plan.machine == "FS01"


@pytest.mark.parametrize("src,vm", [(2, 1), (1, 2)])
def test_generation_mismatch_is_refused_with_the_seed_reason(inv, src, vm):
    with pytest.raises(BmrRefused) as e:
        plan_bmr(inv, _scenario(inv, generation=src, vm_generation=vm), RUN)
    msg = str(e.value)
    assert f"generation {src} machine" in msg and f"generation {vm}" in msg and "nor the reverse" in msg
    assert "Fix: set bmr.vm_generation" in msg


def test_the_bmr_section_is_the_inventorys_strict_model(inv):
    # one model per section: typos and bad values are refused when the inventory is read
    # (tests/inventory/test_strict_schema.py shows file, line and the "did you mean" fix)
    with pytest.raises(ValidationError, match="winpe_isoo"):
        _scenario(inv, winpe_isoo="x")
    with pytest.raises(ValidationError, match="lsisas3.inf"):
        _scenario(inv, expected_drivers=["C:\\x\\lsisas3.inf"])
    assert plan_bmr(inv, inv.scenario("bmr-fs01"), RUN).settings is inv.scenario("bmr-fs01").bmr


def test_non_isolated_switch_is_refused(inv):
    with pytest.raises(BmrRefused, match="not an isolated switch"):
        plan_bmr(inv, _scenario(inv, switch="Corp-External"), RUN)


def test_set_without_bare_metal_recovery_is_refused(inv):
    plan = plan_bmr(inv, inv.scenario("bmr-fs01"), RUN)
    sets = parse_sets([{"VersionId": "11/19/2026-22:00", "BackupTime": "2026-11-19T13:00:00Z", "MachineName": "FS01",
                        "RecoverableItems": "Volumes, SystemState, Files"}])
    with pytest.raises(BackupLacksBareMetal) as e:
        choose_set(plan, sets)
    assert "does not contain bare metal recovery" in str(e.value) and "SystemState" in str(e.value)


def test_latest_set_with_bare_metal_is_chosen(inv):
    plan = plan_bmr(inv, inv.scenario("bmr-fs01"), RUN)
    sets = parse_sets({"VersionId": "11/19/2026-22:00", "BackupTime": "2026-11-19T13:00:00Z", "MachineName": "FS01",
                       "RecoverableItems": "Volumes, SystemState, Files, BareMetalRecovery"})
    assert choose_set(plan, sets) == BmrBackupSet("11/19/2026-22:00", "2026-11-19T13:00:00Z", "FS01",
                                                  ("Volumes", "SystemState", "Files", "BareMetalRecovery"), ())
