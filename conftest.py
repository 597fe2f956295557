"""Root pytest wiring. The restore-harness plugin itself comes from the ``pytest11`` entry point
(``harness.plugin``), so it is not listed here again (that would register it twice)."""

collect_ignore = ["reports", "tools", "inventories"]
