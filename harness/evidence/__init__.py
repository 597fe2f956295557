"""Evidence an auditor accepts: the run record, the evidence report, its SHA-256 manifest, the
retest status across archived runs, and the Allure helpers (labels, steps, run context, report).

Start at :class:`harness.evidence.record.RunRecorder`; docs/evidence.md describes what comes out.
"""

SIMULATED_NOTICE = "SIMULATED — not evidence of a real restore"
"""The sentence every page and JSON document of a run against the simulated lab carries."""

SIMULATED_TAG = "SIMULATED"
"""The Allure tag of every test of a run against the simulated lab."""
