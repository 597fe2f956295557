"""``restore-harness sim serve``: run the simulated lab's WS-Man endpoint until Ctrl+C/SIGTERM.

Wired into the main CLI as ``restore-harness sim ...`` through the ``restore_harness.commands`` entry point, which names :func:`main`.

Password policy: the account's password comes from the environment variable named by
``--password-env`` (default ``RH_SIM_PASSWORD``). If it is unset, a random password is generated,
stored in ``<state-dir>/sim-password`` (mode 0600) and put into this process's environment under
that name (so the lab model reads the same value); it is printed only with ``--show-password``.
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import signal
import threading
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

DEFAULT_USER = "rh-operator"
DEFAULT_PASSWORD_ENV = "RH_SIM_PASSWORD"


def add_sim_parser(subparsers: Any) -> None:
    """Add ``sim serve`` to the main parser's sub-commands."""
    sim = subparsers.add_parser("sim", help="run the built-in simulated lab")
    sim_sub = sim.add_subparsers(dest="sim_command", required=True)
    serve = sim_sub.add_parser("serve", help="serve a simulated host over WS-Management on 127.0.0.1")
    serve.add_argument("--inventory", type=Path, help="inventory with a simulated_lab: section (default: a bare machine)")
    serve.add_argument("--port", type=int, default=0, help="TCP port (default 0: a free port)")
    serve.add_argument("--https", action="store_true", help="serve HTTPS with a self-signed certificate")
    serve.add_argument("--user", default=DEFAULT_USER, help=f"account of the bare machine (default {DEFAULT_USER})")
    serve.add_argument("--password-env", default=DEFAULT_PASSWORD_ENV, metavar="VAR",
                       help=f"environment variable holding the password (default {DEFAULT_PASSWORD_ENV})")
    serve.add_argument("--state-dir", type=Path, default=Path(".rh-sim"),
                       help="where a generated password and, with --inventory, the lab's state are kept "
                            "(default ./.rh-sim; the lab state is loaded at start and saved at a clean stop)")
    serve.add_argument("--show-password", action="store_true", help="print a generated password")
    serve.add_argument("--computer-name", default="HV-LAB01", help="computer name of the bare machine")
    serve.set_defaults(func=run_sim)


def _password(args: argparse.Namespace) -> str:
    value = os.environ.get(args.password_env)
    if value:
        return value
    state: Path = args.state_dir
    state.mkdir(parents=True, exist_ok=True)
    path = state / "sim-password"
    if path.exists():
        value = path.read_text(encoding="utf-8").strip()
    else:
        value = secrets.token_urlsafe(18)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(value + "\n")
    os.environ[args.password_env] = value  # the lab model reads the same variable
    print(f"{args.password_env} is not set: using the generated password stored in {path} (mode 0600).")
    print(f"  export {args.password_env}=\"$(cat {path})\"   # for clients")
    if args.show_password:
        print(f"  password: {value}")
    return value


def run_sim(args: argparse.Namespace) -> int:
    """Start the endpoint, print where it listens, serve until interrupted. Returns the exit code."""
    if getattr(args, "sim_command", "serve") != "serve":
        return 4
    password = _password(args)
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        if args.inventory is not None:
            from simlab.lab.facade import SimulatedLab  # provided by the lab model

            # the lab's state lives beside the password: loaded at start, saved at a clean stop
            target: Any = SimulatedLab.from_inventory(args.inventory, port=args.port, https=args.https,
                                                      state_dir=args.state_dir / "lab")
        else:
            from simlab.machine import BareMachine
            from simlab.server import WSManServer

            machine = BareMachine(args.computer_name, {args.user: password})
            target = WSManServer(machine, https=args.https, port=args.port)
        with target:
            cert = getattr(target, "cert_path", None)
            if args.https and cert:
                print(f"certificate: {cert}", flush=True)
            print(f"listening on {target.endpoint}", flush=True)
            stop.wait()
            print(f"stopping; counters: {target.counters}", flush=True)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry (``python -m simlab.cli serve ...``) for use before the main CLI wires it."""
    parser = argparse.ArgumentParser(prog="restore-harness")
    add_sim_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["sim", *(argv if argv is not None else __import__("sys").argv[1:])])
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    return run_sim(args)


if __name__ == "__main__":
    raise SystemExit(main())
