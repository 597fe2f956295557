"""harness/evidence/allure_steps.py: what a remote operation's step attaches."""

from __future__ import annotations

import hashlib
import json

from harness.evidence.allure_steps import _ledger_params


def test_a_mirrored_ledger_is_summarised_with_its_hash_not_copied_into_every_step() -> None:
    ledger = json.dumps({"run_id": "rh-1", "entries": [{"seq": 1, "state": "created"}, {"seq": 2, "state": "removed"},
                                                       {"seq": 3, "state": "removed"}]})
    params = _ledger_params({"path": "E:\\RestoreTests\\rh-1\\ledger.json", "content": ledger})
    assert params["path"] == "E:\\RestoreTests\\rh-1\\ledger.json"
    content = params["content"]
    assert content["sha256"] == hashlib.sha256(ledger.encode()).hexdigest() and content["characters"] == len(ledger)
    assert content["ledger"] == {"entries": 3, "by state": {"created": 1, "removed": 2}}
    assert "files/_run/ledger.json" in content["note"]
    assert _ledger_params({"path": "x"}) == {"path": "x"}  # nothing to summarise
