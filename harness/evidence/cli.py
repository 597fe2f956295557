"""``restore-harness keygen``, ``verify-evidence`` and ``status`` (and ``allure-report``).

``harness/cli.py`` registers them (lazily, by name); ``python -m harness.evidence.cli`` runs them
stand-alone through :func:`add_subcommands`.

Exit codes (harness.exitcodes.ExitCode; "not relied on" / "not compliant" share DEFECT's 1):
keygen 0 created, 4 usage error (key exists, bad identity, keyring unusable).
verify-evidence 0 intact and signed by a trusted key, 1 changed/added/removed files, bad or missing
signature or untrusted signer, 4 usage error. status 0 every system compliant, 1 at least one is not
(or no counted evidence), 4 usage error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date
from pathlib import Path

from harness.evidence.keys import (
    ALLOWED_SIGNERS_ENV,
    KEY_ENV,
    AllowedSigner,
    SigningKeyError,
    generate,
    read_allowed_signers,
)
from harness.evidence.manifest import manifest_digest
from harness.evidence.signing import verify_folder
from harness.evidence.sshsig import NAMESPACE
from harness.evidence.status import compute_status, load_runs
from harness.exitcodes import ExitCode

DEFAULT_EVIDENCE_DIR = Path("reports/evidence")
DEFAULT_KEY = Path("~/.restore-harness/evidence_ed25519")


def keygen(args: argparse.Namespace) -> int:
    """Create the Ed25519 evidence signing key (file with mode 0600, or ``keyring:<name>``)."""
    ref = getattr(args, "key", None) or os.environ.get(KEY_ENV) or str(DEFAULT_KEY.expanduser())
    try:
        key = generate(ref, getattr(args, "identity", None))
    except SigningKeyError as exc:
        print(f"keygen: {exc}", file=sys.stderr)
        return ExitCode.HARNESS
    where = ref if ref.startswith("keyring:") else f"{ref} (mode 0600) and {ref}.pub"
    print(f"Created an Ed25519 evidence signing key: {where}")
    print(f"  identity     {key.identity}")
    print(f"  fingerprint  {key.fingerprint}")
    print(f"  public key   {key.public_line}")
    print(f"Use it for runs:  export {KEY_ENV}={ref}")
    print("Give the auditor this allowed_signers line (they keep it; it is how they know the key is yours):")
    print(f"  {key.allowed_signers_line}")
    return ExitCode.OK


def _allowed(args: argparse.Namespace, command: str) -> tuple[list[AllowedSigner] | None, int | None]:
    path = getattr(args, "allowed_signers", None) or os.environ.get(ALLOWED_SIGNERS_ENV)
    if not path:
        return None, None
    try:
        return read_allowed_signers(Path(path)), None
    except SigningKeyError as exc:
        print(f"{command}: {exc}", file=sys.stderr)
        return None, ExitCode.HARNESS


def verify_evidence(args: argparse.Namespace) -> int:
    """Verify one run's evidence folder: files against MANIFEST.sha256, the manifest against its
    signature, the signer against the allowed_signers list."""
    root = Path(args.dir)
    if not root.is_dir():
        print(f"verify-evidence: {root}: no such directory (give reports/evidence/<RUN_ID>)", file=sys.stderr)
        return ExitCode.HARNESS
    allowed, error = _allowed(args, "verify-evidence")
    if error is not None:
        return error
    result = verify_folder(root, allowed, allow_unsigned=bool(getattr(args, "allow_unsigned", False)))
    if not result.ok:
        print(f"FAILED {root}: the evidence cannot be relied on", file=sys.stderr)
        for line in result.all_problems():
            print(f"  {line}", file=sys.stderr)
        if result.signed and result.fingerprint:
            print(f"  signature: {result.signer_text()}", file=sys.stderr)
        return ExitCode.DEFECT
    print(f"OK {root}: {result.manifest.checked} files match MANIFEST.sha256 (manifest SHA-256 {manifest_digest(root)})")
    if result.signed:
        print(f'Good "{NAMESPACE}" signature by {result.signer_text()}')
    else:
        print("UNSIGNED: files checked only (--allow-unsigned); nothing says who wrote this folder")
    if result.timestamp is not None:
        print(f"Time-stamped {result.timestamp.gen_time:%Y-%m-%d %H:%M:%S} UTC (RFC 3161, serial {result.timestamp.serial}); "
              "the TSA's own signature is checked with: openssl ts -verify -in MANIFEST.sha256.sig.tsr "
              "-data MANIFEST.sha256.sig -CAfile <TSA CA certificate>")
    if result.simulated:
        print("SIMULATED run: not evidence of a real restore")
    return ExitCode.OK


def status(args: argparse.Namespace) -> int:
    """Compliance view: per system the latest result, last pass, next due, open findings."""
    root = Path(getattr(args, "evidence_dir", None) or DEFAULT_EVIDENCE_DIR)
    today_text = getattr(args, "today", None)
    as_json = bool(getattr(args, "json", False))
    try:
        today = date.fromisoformat(today_text) if today_text else date.today()
    except ValueError:
        print(f"status: --today {today_text!r} is not a date (use YYYY-MM-DD)", file=sys.stderr)
        return ExitCode.HARNESS
    if not root.is_dir():
        print(f"status: {root}: no such directory (give the folder that holds <RUN_ID> folders, "
              "e.g. reports/evidence)", file=sys.stderr)
        return ExitCode.HARNESS
    allowed, error = _allowed(args, "status")
    if error is not None:
        return error
    runs = load_runs(root, allowed=allowed)
    rows = compute_status(runs, today)
    compliant = bool(rows) and all(st.compliant for st in rows)
    if as_json:
        doc = {
            "as_of": today.isoformat(), "evidence_dir": str(root), "compliant": compliant,
            "signers_pinned": allowed is not None,
            "systems": [st.as_json() for st in rows],
            "folders": [{"run_id": r.run_id, "path": str(r.path), "counted": r.counted, "signed": r.signed,
                         "signer": r.signer, "simulated": r.simulated, "problems": r.problems} for r in runs],
        }
        print(json.dumps(doc, ensure_ascii=False, indent=2))
        return ExitCode.OK if compliant else ExitCode.DEFECT
    for run in runs:
        if run.counted:
            continue
        kind = "UNSIGNED" if not run.signed and all(p.startswith("UNSIGNED") for p in run.problems) else "IGNORED"
        print(f"{kind} run {run.run_id} ({run.path}): not counted", file=sys.stderr)
        for line in run.problems:
            print(f"  {line}", file=sys.stderr)
    if not rows:
        counted = sum(1 for r in runs if r.counted)
        print(f"No restore scenario on record under {root} ({counted} counted run folder(s), "
              f"{len(runs) - counted} not counted: unsigned, failing verification or unfinished).")
        return ExitCode.DEFECT
    header = ("SYSTEM", "LATEST RESULT", "RUN", "LAST PASSED", "NEXT DUE", "COMPLIANT")
    table = [header]
    for st in rows:
        verdict = "yes" if st.compliant else f"NO ({st.reason})"
        if st.simulated_only:
            verdict += " [SIMULATED runs only]"
        table.append((
            st.system, st.latest_result or "-", st.latest_run or "-",
            st.last_passed.isoformat() if st.last_passed else "never",
            (st.next_due.isoformat() if st.next_due else "now") + (" OVERDUE" if st.overdue else ""), verdict,
        ))
    widths = [max(_width(r[i]) for r in table) for i in range(len(header))]
    for row in table:
        print("  ".join(cell + " " * (w - _width(cell)) for cell, w in zip(row, widths)).rstrip())
    for st in rows:
        for finding in st.findings:
            print(f"  finding {st.system}: {finding}")
    bad = [st.system for st in rows if not st.compliant]
    pin = "" if allowed is not None else " (signers not pinned: give --allowed-signers)"
    print(f"{len(rows)} system(s), {len(bad)} not compliant (as of {today.isoformat()}){pin}")
    return ExitCode.OK if compliant else ExitCode.DEFECT


def allure_report(args: argparse.Namespace) -> int:
    """Generate the single-file Allure report with history (see harness.evidence.allure_report)."""
    from harness.evidence.allure_report import AllureReportError, default_history_file, generate

    reports = Path(args.reports_dir)
    try:
        index = generate(reports / "allure-results", reports / "allure-report", default_history_file(reports))
    except AllureReportError as exc:
        print(f"allure-report: {exc}", file=sys.stderr)
        return ExitCode.HARNESS
    print(index)
    return ExitCode.OK


def _width(text: str) -> int:
    """Display width: East Asian wide characters take two columns."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def add_keygen_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``keygen``."""
    p.add_argument("--key", default=None, metavar="PATH|keyring:NAME",
                   help=f"where to create the key (default ${KEY_ENV} or {DEFAULT_KEY})")
    p.add_argument("--identity", default=None, metavar="ID",
                   help="the signer identity (principal) shown to auditors (default <user>@<host>)")


def add_verify_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``verify-evidence``."""
    p.add_argument("dir", metavar="DIR", help="a run's evidence folder, e.g. reports/evidence/<RUN_ID>")
    p.add_argument("--allowed-signers", default=None, metavar="FILE",
                   help=f"OpenSSH allowed_signers file of trusted keys (default ${ALLOWED_SIGNERS_ENV})")
    p.add_argument("--allow-unsigned", action="store_true", help="check the files of an unsigned folder only")


def add_status_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``status``."""
    p.add_argument("--evidence-dir", default=str(DEFAULT_EVIDENCE_DIR), metavar="DIR", help="folder of archived runs")
    p.add_argument("--today", default=None, help="judge overdue as of this date (YYYY-MM-DD)")
    p.add_argument("--allowed-signers", default=None, metavar="FILE",
                   help=f"count only folders signed by these keys (default ${ALLOWED_SIGNERS_ENV})")
    p.add_argument("--json", action="store_true", help="print JSON for dashboards")


def add_subcommands(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add keygen, verify-evidence, status and allure-report to a sub-parser set; each sets ``func``."""
    p = subparsers.add_parser("keygen", help="create the Ed25519 key that signs evidence")
    add_keygen_arguments(p)
    p.set_defaults(func=keygen)
    p = subparsers.add_parser("verify-evidence", help="check a run's evidence: files, manifest, signature")
    add_verify_arguments(p)
    p.set_defaults(func=verify_evidence)
    p = subparsers.add_parser("status", help="compliance per system from signed archived runs")
    add_status_arguments(p)
    p.set_defaults(func=status)
    p = subparsers.add_parser("allure-report", help="generate reports/allure-report/index.html offline")
    p.add_argument("--reports-dir", default="reports")
    p.set_defaults(func=allure_report)


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point (``python -m harness.evidence.cli``)."""
    parser = argparse.ArgumentParser(prog="restore-harness")
    add_subcommands(parser.add_subparsers(dest="command", required=True))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return ExitCode.HARNESS if exc.code else ExitCode.OK
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
