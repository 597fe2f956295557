"""The run record's set-up for the engine (harness/engine/run.py): the signing key, the recorder with
the inventory's policies, title and control mapping, each host's clock, and what the operator is told
once the folder is finished (signed by whom, how to verify it, a time-stamp that failed, UNSIGNED).

The key is named, first match, by the run's ``--signing-key`` option, ``$RH_SIGNING_KEY`` and the
inventory's ``reports.signing_key`` (:func:`harness.evidence.keys.resolve_ref`). With
``reports.create_signing_key: true`` a missing key FILE is created once (a throwaway key for the
simulated lab or a demo, never the key auditors trust) with an ``allowed_signers`` file beside it, so
``verify-evidence --allowed-signers`` and ``ssh-keygen -Y verify`` work out of the box.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from harness.evidence import keys
from harness.evidence.clock import HOST_CLOCK_TEMPLATE, measure_offset
from harness.evidence.record import RunRecorder

DEMO_IDENTITY = "restore-harness-demo"
"""The signer identity of a key the run creates itself (``reports.create_signing_key``)."""
ALLOWED_SIGNERS = "allowed_signers"


def allowed_signers_beside(ref: str) -> Path | None:
    """The ``allowed_signers`` file kept beside a key file (None for a keyring key)."""
    return None if ref.startswith(keys.KEYRING_PREFIX) else Path(ref).parent / ALLOWED_SIGNERS


def signing_key(inventory: Any, option: str | None = None, *, env: Mapping[str, str] | None = None,
                notice: Callable[[str], None] = print) -> keys.SigningKey | None:
    """The key that signs this run's evidence, or None (the folder is then UNSIGNED). Raises
    :class:`harness.evidence.keys.SigningKeyError` (a usage error) for a key that cannot be read."""
    settings = inventory.reports
    ref = keys.resolve_ref(option, settings.signing_key, env)
    if ref is None:
        return None
    if (settings.create_signing_key and ref == settings.signing_key and not ref.startswith(keys.KEYRING_PREFIX)
            and not Path(ref).exists()):
        created = keys.generate(ref, DEMO_IDENTITY)
        notice(f"Created the throwaway evidence signing key {ref} ({created.fingerprint}; "
               "reports.create_signing_key: true). Not a key for real evidence: see `restore-harness keygen`.")
    key = keys.load(ref, env)
    trusted = allowed_signers_beside(ref)
    if settings.create_signing_key and trusted is not None and not trusted.exists():
        trusted.write_text(key.allowed_signers_line + "\n", encoding="utf-8")
    return key


def open_recorder(inventory: Any, inventory_path: str | Path, run_id: str, reports_dir: Path, *, simulated: bool,
                  key: keys.SigningKey | None) -> RunRecorder:
    """The run's recorder with the inventory's policies, title, organisation and control mapping. The
    operator, controller host and CI job are detected by the recorder (harness.evidence.trace)."""
    settings = inventory.reports
    return RunRecorder(run_id, reports_dir, Path(inventory_path), simulated=simulated,
                       retest_interval_months=inventory.policies.retest_interval_months,
                       signing_key=key, max_backup_age_days=inventory.policies.max_backup_age_days,
                       control_mapping=inventory.controls.mapping() if inventory.controls is not None else None,
                       tsa_url=settings.tsa_url, title=settings.title, organisation=settings.organisation)


def backup_age_override(scenario: Any) -> float | None:
    """The scenario's own backup-age limit (``wsb.max_age_days``), or None for the run's policy."""
    wsb = getattr(scenario, "wsb", None)
    return float(wsb.max_age_days) if wsb is not None and wsb.max_age_days else None


def profile_files(inventory: Any, scenario: Any) -> list[tuple[Path, str]]:
    """(file, name in the evidence) of each service profile the scenario names that exists; an unknown
    name is the service check's error to report, not the record's."""
    from harness.profiles import available_profiles

    names = list(getattr(scenario, "service_profiles", None) or ())
    if not names:
        return []
    files = available_profiles(inventory.profile_search_path())
    return [(files[n], f"profiles/{n}{files[n].suffix}") for n in names if n in files]


def read_clock(recorder: RunRecorder, name: str, host: Any) -> datetime:
    """Read ``host``'s clock (``host_clock.ps1``), record its offset to the controller and return the
    host's time: every time the run records is the lab host's (harness/evidence/clock.py)."""
    reading = measure_offset(name, lambda: host.run(HOST_CLOCK_TEMPLATE, {}, idempotent=True))
    recorder.host_clock(name, reading=reading)
    return reading.host_time


def finish_notes(recorder: RunRecorder) -> list[str]:
    """What the operator must hear about a finished folder: who signed it and how to verify it, a
    time-stamp that could not be had, or that it is UNSIGNED (not evidence an auditor can rely on)."""
    sig = recorder.data.get("signature") or {}
    if not sig.get("signed"):
        return [f"WARNING: evidence {recorder.dir} is UNSIGNED: nothing proves who wrote it and `verify-evidence` "
                "refuses it. Create a key with `restore-harness keygen` and name it with --signing-key, "
                f"${keys.KEY_ENV} or the inventory's reports.signing_key (docs/evidence.md)."]
    lines = [f"Evidence {recorder.dir} signed by {sig.get('identity')} ({sig.get('fingerprint')})"]
    key = recorder.signing_key
    trusted = allowed_signers_beside(key.source) if key is not None else None
    if trusted is not None and trusted.is_file():
        lines.append(f"  verify: restore-harness verify-evidence {recorder.dir} --allowed-signers {trusted}")
    if recorder.timestamp_problem:
        lines.append(f"WARNING: no RFC 3161 time-stamp ({recorder.tsa_url}): {recorder.timestamp_problem}")
    return lines
