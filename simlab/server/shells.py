"""WinRS shells and the commands running in them (the state behind Create/Command/Send/Receive).

A command runs :func:`simlab.cmd.run_cmdline` in a worker thread. Its text output is encoded
in the shell's code page as it is written (characters the code page cannot hold become ``?``, as
``WideCharToMultiByte`` does by default) and queued until a Receive collects it.
"""

from __future__ import annotations

import codecs
import contextlib
import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from simlab.stdin import StdinStream
from simlab.stacks import start_big_thread

log = logging.getLogger(__name__)

STATUS_CONTROL_C_EXIT = -1073741510  # 0xC000013A, the exit code of a process ended by Ctrl+C


def codepage_encoding(codepage: int) -> str:
    """The Python codec for a Windows code page; raises LookupError for unknown ones."""
    name = "utf-8" if codepage == 65001 else f"cp{codepage}"
    codecs.lookup(name)
    return name


@dataclass
class Command:
    command_id: str
    cmdline: str
    encoding: str
    stdin: StdinStream
    started: float = field(default_factory=time.monotonic)
    stdout: bytearray = field(default_factory=bytearray)
    stderr: bytearray = field(default_factory=bytearray)
    done: bool = False
    exit_code: int | None = None
    terminated: bool = False
    cond: threading.Condition = field(default_factory=threading.Condition)
    thread: threading.Thread | None = None

    def write(self, stream: str, text: str) -> None:
        data = text.encode(self.encoding, errors="replace")
        with self.cond:
            if self.terminated:
                return
            (self.stdout if stream == "stdout" else self.stderr).extend(data)
            self.cond.notify_all()

    def finish(self, code: int) -> None:
        with self.cond:
            if not self.done:
                self.done = True
                self.exit_code = code
            self.cond.notify_all()

    def terminate(self, code: int | None = None) -> None:
        """Signal terminate/ctrl_c: stdin closes, the command is Done, later output is dropped."""
        self.stdin.close()
        with self.cond:
            self.terminated = True
            if not self.done:
                self.done = True
                self.exit_code = code if code is not None else 1
            self.cond.notify_all()

    def take(self, limit: int, hold_until: float) -> tuple[bytes, bytes, bool, int | None] | None:
        """Output to send now (at most ``limit`` bytes), or None if there is nothing yet."""
        with self.cond:
            if time.monotonic() < hold_until:
                return None
            if not self.stdout and not self.stderr and not self.done:
                return None
            out = bytes(self.stdout[:limit])
            del self.stdout[: len(out)]
            err = bytes(self.stderr[: max(0, limit - len(out))])
            del self.stderr[: len(err)]
            finished = self.done and not self.stdout and not self.stderr
            return out, err, finished, self.exit_code if finished else None


@dataclass
class Shell:
    shell_id: str
    owner: str
    codepage: int
    encoding: str
    env: dict[str, str]
    noprofile: bool
    working_directory: str
    commands: dict[str, Command] = field(default_factory=dict)

    def start_command(self, machine: Any, cmdline: str, run: Any) -> Command:
        """Start ``run(machine, cmdline, env, stdin, write_out, write_err)`` in a worker thread."""
        cmd = Command(str(uuid.uuid4()).upper(), cmdline, self.encoding, StdinStream(self.encoding))
        env = dict(self.env)
        env.setdefault("=CD", self.working_directory)

        clock = getattr(machine, "clock", None)
        # an events-mode clock waits for running commands (simlab/clock.py); other clocks ignore this
        activity = getattr(clock, "activity", None) or contextlib.nullcontext
        hold = getattr(clock, "hold", None)
        cmd.stdin.waiting = getattr(clock, "unlocked", None) or contextlib.nullcontext

        def worker() -> None:
            code = 1
            try:
                with activity():
                    try:
                        code = run(machine, cmdline, env, cmd.stdin, lambda t: cmd.write("stdout", t),
                                   lambda t: cmd.write("stderr", t))
                    finally:
                        # the client will read this end and send its next command: hold the clock from
                        # the end on (not only from its delivery, which a Receive may bring a while later)
                        if callable(hold):
                            hold(self.shell_id)
            except Exception as exc:  # a simulator defect: say so on stderr, do not hang the client
                log.exception("simulated command failed: %s", cmdline[:200])
                cmd.write("stderr", f"simulator internal error: {type(exc).__name__}: {exc}\r\n")
                code = 1
            finally:
                cmd.finish(int(code) if code is not None else 0)

        self.commands[cmd.command_id] = cmd
        # a big stack: the interpreter runs on this very thread, which holds the command's activity
        cmd.thread = start_big_thread(worker, f"winrs-{cmd.command_id[:8]}")
        return cmd

    def close(self) -> None:
        for cmd in self.commands.values():
            cmd.terminate()
        self.commands.clear()
