"""The inventory: validated description of the lab and the restore scenarios."""

from harness.errors import InventoryError
from harness.inventory.loader import InventoryIssue, load_inventory, parse_inventory
from harness.inventory.models import (
    BackupSource,
    BmrSettings,
    CredentialRef,
    Guest,
    Host,
    HyperVExportSource,
    Inventory,
    IsolatedSwitch,
    KeyringRef,
    Policies,
    ReportsSettings,
    Scenario,
    WsbSettings,
    WsbShareSource,
    WsbVolumeSource,
)

DEFAULT_INVENTORY = "inventories/sim-lab.yml"

__all__ = [
    "DEFAULT_INVENTORY", "BackupSource", "BmrSettings", "CredentialRef", "Guest", "Host",
    "HyperVExportSource", "Inventory", "InventoryError", "InventoryIssue", "IsolatedSwitch",
    "KeyringRef", "Policies", "ReportsSettings", "Scenario", "WsbSettings", "WsbShareSource",
    "WsbVolumeSource", "load_inventory", "parse_inventory",
]
