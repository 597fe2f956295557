"""``restore-harness``: the command line (argparse). Sub-commands delegate to their modules.

``validate`` and the rule that finds the reports folder (``--reports``, else the inventory's
``reports.dir``) live here; the other commands are imported lazily when they run, so that a
missing or broken part does not take the whole tool down; ``sim`` comes from the simulated lab's
entry point (harness/labs.py), never by importing it.

Exit codes (``harness.exitcodes.ExitCode``): 0 ok · 1 restore defect / finding · 2 invalid inventory
(validate), interrupted (Ctrl-C; a run's teardown ran) · 3 lab problem · 4 harness or usage error,
internal error · 5 nothing collected (run). Which error is which is decided in one place,
``harness.errors.problem_kind``.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

import yaml

from harness import naming
from harness.errors import HarnessError, InventoryError, UsageError
from harness.exitcodes import ExitCode, for_error
from harness.secrets import redact

DEFAULT_INVENTORY = "inventories/sim-lab.yml"


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors exit 4 (the harness's usage-error code, as pytest's)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(ExitCode.HARNESS, f"{self.prog}: error: {message}\n")


def _run_id(text: str) -> str:
    try:
        return naming.validate_run_id(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _delegate(module: str, function: str) -> Callable[[argparse.Namespace], int]:
    """A command function that imports ``module.function`` only when the command runs."""

    def call(args: argparse.Namespace) -> int:
        impl = _load(module, function, args.command)
        return int(impl(args) or 0)

    call.__name__ = f"{module}.{function}"
    return call


class _NotAvailable(Exception):
    pass


def _load(module: str, function: str, command: str) -> Callable[..., Any]:
    """``module.function``; an import error of the harness's own module is not caught: it is a
    packaging bug, reported as an internal error (exit 4)."""
    impl = getattr(importlib.import_module(module), function, None)
    if impl is None:
        raise _NotAvailable(f"`{command}` is not available: {module} has no {function}()")
    return impl


# ----------------------------------------------------------------------------- validate


def validate(args: argparse.Namespace) -> int:
    """Check an inventory file; print a summary (exit 0) or every problem with its line (exit 2)."""
    from harness.inventory import load_inventory

    try:
        inv = load_inventory(args.inventory)
    except InventoryError as exc:
        print(str(exc), file=sys.stderr)
        return ExitCode.INVALID
    except yaml.YAMLError as exc:  # not YAML at all (e.g. a NUL byte): invalid input, not a bug
        print(f"{args.inventory}: invalid inventory: not readable as YAML: {exc}", file=sys.stderr)
        return ExitCode.INVALID
    hosts = ", ".join(f"{h.name}{' (simulated)' if h.simulated else ''}{'' if h.lab_only else ' (NOT lab_only)'}"
                      for h in inv.hosts)
    print(f"OK {args.inventory}: lab {inv.lab!r}")
    print(f"  hosts ({len(inv.hosts)}): {hosts}")
    print(f"  backup sources ({len(inv.backup_sources)}): {', '.join(s.name for s in inv.backup_sources) or '-'}")
    scenarios = [f"{s.name} [{s.method}{'/' + s.import_type if s.import_type else ''}]" for s in inv.scenarios]
    print(f"  scenarios ({len(inv.scenarios)}): {', '.join(scenarios) or '-'}")
    print(f"  retest every {inv.policies.retest_interval_months} months; "
          f"backups older than {inv.policies.max_backup_age_days} days are findings")
    return ExitCode.OK


# ----------------------------------------------------------------------------- shared options


def _exit_code(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an exit code (0-255)") from None
    if not 0 <= value <= 255:
        raise argparse.ArgumentTypeError(f"{text!r} is not an exit code (0-255)")
    return value


def _add_detail(p: argparse.ArgumentParser) -> None:
    """``-v``/``--debug`` after the command too (``restore-harness run -v``), not only before it."""
    p.add_argument("-v", "--verbose", action="count", default=argparse.SUPPRESS,
                   help="more detail: full messages, pytest tracebacks (-vv: debug log)")
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                   help="long tracebacks (redacted)")


def _add_reports(p: argparse.ArgumentParser) -> None:
    p.add_argument("--reports", default=None, metavar="DIR",
                   help="reports folder (default: the inventory's reports.dir)")


def _add_serial(p: argparse.ArgumentParser) -> None:
    p.add_argument("--serial", action="store_true",
                   help="one scenario at a time, restored by the first test that needs it (default: the "
                        "drill scheduler restores and boots each host's scenarios concurrently; docs/drills.md)")


def _add_reports_source(p: argparse.ArgumentParser) -> None:
    p.add_argument("--inventory", default=None, metavar="INVENTORY",
                   help=f"take reports.dir from this inventory (default {DEFAULT_INVENTORY} when it exists, "
                        "else reports)")


def inventory_reports_dir(inventory: str | None) -> str:
    """The ``reports.dir`` of ``inventory`` (or of the default inventory when it exists; else
    ``reports``). An inventory given explicitly must be valid (InventoryError otherwise)."""
    from pathlib import Path

    from harness.inventory import load_inventory

    path = inventory or DEFAULT_INVENTORY
    if inventory is None and not Path(path).is_file():
        return "reports"
    return load_inventory(path).reports.dir


def _evidence_root(args: argparse.Namespace) -> None:
    if not args.evidence_dir:
        args.evidence_dir = f"{inventory_reports_dir(args.inventory)}/evidence"


def _evidence_run_dir(args: argparse.Namespace) -> None:
    if args.dir and args.run_id:
        raise UsageError("give a run's evidence folder or --run-id, not both")
    if not args.dir:
        if not args.run_id:
            raise UsageError("give a run's evidence folder (e.g. reports/evidence/<RUN_ID>) or --run-id RUN_ID")
        args.dir = f"{inventory_reports_dir(args.inventory)}/evidence/{args.run_id}"


def _with_reports(call: Callable[[argparse.Namespace], int], resolve: Callable[[argparse.Namespace], None]
                  ) -> Callable[[argparse.Namespace], int]:
    """``call`` after ``resolve`` filled in the folders from the inventory's ``reports.dir``."""

    def wrapped(args: argparse.Namespace) -> int:
        resolve(args)
        return call(args)

    wrapped.__name__ = getattr(call, "__name__", "command")
    return wrapped


# ----------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    """The ``restore-harness`` argument parser with every sub-command."""
    parser = _Parser(prog="restore-harness", description="Restore tests for Windows/Hyper-V backups, with audit evidence.")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv: debug)")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors (redacted)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("validate", help="check an inventory file (exit 0 valid, 2 invalid)")
    p.add_argument("inventory", metavar="INVENTORY", help="inventory YAML, e.g. inventories/sim-lab.yml")
    p.set_defaults(func=validate)

    p = sub.add_parser("doctor", help="preflight: can the harness reach and use the lab hosts? (a verdict per scenario)")
    p.add_argument("inventory_arg", nargs="?", metavar="INVENTORY", default=None,
                   help=f"inventory file (default {DEFAULT_INVENTORY})")
    p.add_argument("--inventory", dest="inventory_opt", default=None, metavar="INVENTORY",
                   help="the same, as an option")
    p.add_argument("--scenario", action="append", default=[], metavar="NAME",
                   help="check only what this scenario needs (repeatable; default: all)")
    _add_detail(p)
    p.set_defaults(func=_delegate("harness.doctor", "run_doctor"))

    p = sub.add_parser("run", help="run restore-test suites (pytest) against the lab",
                       epilog="Arguments after `--` are passed to pytest unchanged. Exit codes: 0 passed, "
                              "1 restore defect, 2 invalid inventory or interrupted, 3 lab problem, "
                              "4 harness/usage error, 5 nothing collected.")
    p.add_argument("inventory_arg", nargs="?", metavar="INVENTORY", default=None,
                   help=f"inventory file (default {DEFAULT_INVENTORY})")
    p.add_argument("--inventory", dest="inventory_opt", default=None, metavar="INVENTORY", help="the same, as an option")
    p.add_argument("--scenario", action="append", default=[], metavar="NAME",
                   help="run only this scenario (repeatable; default: all); the others are deselected")
    p.add_argument("-n", dest="workers", default=None, metavar="N|auto",
                   help="scale out across lab hosts: N worker processes (pytest-xdist), each running all the "
                        "scenarios of its hosts; one run record (docs/drills.md)")
    p.add_argument("--suite", action="append", default=[], metavar="PATH",
                   help="run only these suites: a test file or a folder of them (repeatable; default: the "
                        "built-in suites/); same plugin, fixtures and evidence")
    p.add_argument("--run-id", type=_run_id, default=None, help="run id (default: a new one, e.g. rh-20261121-2305-ab12)")
    p.add_argument("--keep", action="store_true", help="keep restored VMs and files after the run (no cleanup)")
    _add_serial(p)
    p.add_argument("--signing-key", default=None, metavar="PATH|keyring:NAME",
                   help="key that signs the evidence (default $RH_SIGNING_KEY, then the inventory's "
                        "reports.signing_key; docs/evidence.md)")
    _add_reports(p)
    p.add_argument("-k", dest="keyword", default=None, metavar="EXPR", help="pytest -k expression")
    p.add_argument("--json", default=None, metavar="PATH", help="also write the run summary as JSON (for CI)")
    p.add_argument("--junitxml", default=None, metavar="PATH", help="also write a JUnit XML report (for CI)")
    p.add_argument("--copy-evidence", default=None, metavar="DIR",
                   help="after the run, copy its evidence folder and the Allure report into DIR (a CI artifact)")
    p.add_argument("--lab-problem-exit", type=_exit_code, default=int(ExitCode.LAB), metavar="CODE",
                   help="exit code when the worst outcome is a lab problem (default 3; 0: do not fail CI on "
                        "a broken lab)")
    p.add_argument("--defect-exit", type=_exit_code, default=int(ExitCode.DEFECT), metavar="CODE",
                   help="exit code when a restore check failed (default 1)")
    p.add_argument("--no-allure-report", action="store_true", help="do not rebuild the Allure HTML report")
    _add_detail(p)
    p.add_argument("--take-over-stale-lock", action="store_true",
                   help="take over a lab host lock whose lease expired (its run is gone); recorded in the evidence")
    p.set_defaults(func=_delegate("harness.runner", "run"))

    p = sub.add_parser("cleanup", help="remove what a run created (from its ledger), nothing else")
    p.add_argument("--inventory", default=DEFAULT_INVENTORY, help=f"inventory file (default {DEFAULT_INVENTORY})")
    p.add_argument("--run-id", type=_run_id, required=True,
                   help="the run whose resources to remove (printed by the run, e.g. rh-20261121-2305-ab12)")
    p.add_argument("--reports", default=None, metavar="DIR",
                   help="reports folder holding ledger/<run id>.json (default: the inventory's reports.dir)")
    p.add_argument("--take-over-stale-lock", action="store_true",
                   help="take over another run's lab host lock whose lease expired (its own run's stale lock "
                        "is taken over without it)")
    p.set_defaults(func=_delegate("harness.cleanup", "run_cleanup"))

    p = sub.add_parser("demo", help="every suite against the built-in simulated lab")
    _add_reports(p)
    p.add_argument("--json", default=None, metavar="PATH", help="also write the run summary as JSON")
    p.add_argument("--junitxml", default=None, metavar="PATH", help="also write a JUnit XML report")
    _add_serial(p)
    _add_detail(p)
    p.set_defaults(func=_delegate("harness.runner", "demo"))

    p = sub.add_parser("keygen", help="create the Ed25519 key that signs evidence (docs/evidence.md)")
    p.add_argument("--key", default=None, metavar="PATH|keyring:NAME",
                   help="where to create it (default $RH_SIGNING_KEY or ~/.restore-harness/evidence_ed25519)")
    p.add_argument("--identity", default=None, metavar="ID", help="signer identity (default <user>@<host>)")
    p.set_defaults(func=_delegate("harness.evidence.cli", "keygen"))

    p = sub.add_parser("verify-evidence", help="check a run's evidence: files, manifest, signature and signer")
    p.add_argument("dir", metavar="DIR", nargs="?", default=None,
                   help="a run's evidence folder, e.g. reports/evidence/<RUN_ID> (or give --run-id)")
    p.add_argument("--run-id", type=_run_id, default=None,
                   help="the run whose evidence to check: <reports.dir>/evidence/<RUN_ID>")
    p.add_argument("--allowed-signers", default=None, metavar="FILE",
                   help="OpenSSH allowed_signers file of trusted keys (default $RH_ALLOWED_SIGNERS)")
    p.add_argument("--allow-unsigned", action="store_true", help="check the files of an unsigned folder only")
    _add_reports_source(p)
    p.set_defaults(func=_with_reports(_delegate("harness.evidence.cli", "verify_evidence"), _evidence_run_dir))

    p = sub.add_parser("status", help="compliance per system from signed archived runs (exit 1: not compliant)")
    p.add_argument("--evidence-dir", default=None, metavar="DIR",
                   help="folder of archived runs (default: <reports.dir>/evidence of the inventory)")
    p.add_argument("--today", default=None, help="judge overdue as of this date (YYYY-MM-DD)")
    p.add_argument("--allowed-signers", default=None, metavar="FILE",
                   help="count only folders signed by these keys (default $RH_ALLOWED_SIGNERS)")
    p.add_argument("--json", action="store_true", help="print JSON for dashboards")
    _add_reports_source(p)
    p.set_defaults(func=_with_reports(_delegate("harness.evidence.cli", "status"), _evidence_root))

    p = sub.add_parser("allure-report", help="rebuild the single-file Allure HTML report (with history) offline")
    p.add_argument("--reports-dir", default=None, metavar="DIR", help="reports folder (default: the inventory's reports.dir)")
    _add_reports_source(p)
    p.set_defaults(func=_delegate("harness.runner", "allure_report"))

    _add_sim(sub)
    return parser


def _add_sim(sub: Any) -> None:
    """Sub-commands that installed parts offer through entry points (``sim`` from the simulated lab,
    harness/labs.py), loaded only when they run: a broken part fails its own command loudly (an
    internal error, exit 4), never the others. Without the simulated lab, ``sim`` says how to
    install it."""
    from harness.labs import SIM_EXTRA_HINT, command_providers

    providers = {ep.name: ep for ep in command_providers()}
    for name in sorted({"sim", *providers}):
        ep = providers.get(name)
        p = sub.add_parser(name, add_help=False,
                           help=f"{name} commands ({ep.value})" if ep else f"{name} (not installed)")
        p.add_argument("rest", nargs=argparse.REMAINDER)

        def delegate(args: argparse.Namespace, ep: Any = ep, name: str = name) -> int:
            if ep is None:
                raise _NotAvailable(f"`{name}` is not available: the simulated lab is not installed; {SIM_EXTRA_HINT}")
            return int(ep.load()(list(args.rest)) or 0)

        p.set_defaults(func=delegate)


# ----------------------------------------------------------------------------- main


def _split_pytest_args(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    argv = list(argv)
    if "--" in argv:
        i = argv.index("--")
        return argv[:i], argv[i + 1:]
    return argv, []


def _setup_logging(verbosity: int) -> None:
    level = logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)


def exit_code_for(exc: BaseException) -> int:
    """The exit code an error maps to (``harness.exitcodes.for_error``: lab 3, defect 1, Ctrl-C 2,
    anything else 4)."""
    return for_error(exc)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``restore-harness`` console script."""
    own, extra = _split_pytest_args(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(own)
    except SystemExit as exc:
        return int(exc.code or 0) if isinstance(exc.code, int) or exc.code is None else ExitCode.HARNESS
    args.pytest_args = extra
    if args.command in ("doctor", "run"):
        if args.inventory_arg and args.inventory_opt and args.inventory_arg != args.inventory_opt:
            print(f"restore-harness {args.command}: two inventories given ({args.inventory_arg}, {args.inventory_opt}); "
                  "give one", file=sys.stderr)
            return ExitCode.HARNESS
        args.inventory = args.inventory_arg or args.inventory_opt or DEFAULT_INVENTORY
    if extra and args.command != "run":
        print(f"restore-harness {args.command}: arguments after `--` are only for `run`", file=sys.stderr)
        return ExitCode.HARNESS
    _setup_logging(args.verbose)
    try:
        return int(args.func(args))
    except _NotAvailable as exc:
        print(f"restore-harness: {exc}", file=sys.stderr)
        return ExitCode.HARNESS
    except InventoryError as exc:  # the validate message, and validate's exit code
        print(redact(str(exc)), file=sys.stderr)
        return ExitCode.INVALID
    except HarnessError as exc:
        print(f"restore-harness {args.command}: {redact(str(exc))}", file=sys.stderr)
        if args.debug:
            print(redact(traceback.format_exc()), file=sys.stderr)
        return exit_code_for(exc)
    except KeyboardInterrupt:
        print(f"restore-harness {args.command}: interrupted", file=sys.stderr)
        return ExitCode.INTERRUPTED
    except Exception as exc:  # a bug: say so, without dumping secrets
        print(f"restore-harness {args.command}: internal error: {type(exc).__name__}: {redact(str(exc))}"
              f"{'' if args.debug else ' (use --debug for the traceback)'}", file=sys.stderr)
        if args.debug:
            print(redact(traceback.format_exc()), file=sys.stderr)
        return ExitCode.HARNESS


if __name__ == "__main__":
    sys.exit(main())
