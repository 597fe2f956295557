"""The WinPE side of a BMR run: ``run.cmd`` and its parameters file ``params.cmd``.

WinPE has cmd.exe but no JSON parameter channel (PowerShell is an optional component), so values
reach WinPE in a parameters file on the automation disk: ``params.cmd``, one ``set "RH_NAME=value"``
line per value, which ``run.cmd`` calls. ``run.cmd`` itself is rendered from
``harness/remote/templates/winpe/run.cmd`` with integers and booleans only (how many NIC INFs and
driver folders there are); no inventory string ever becomes cmd source.

Quoting rules for a value inside ``set "RH_NAME=value"`` (cmd.exe batch parsing):

* ``%`` starts variable expansion even inside quotes; in a batch file ``%%`` is a literal ``%``;
* ``"`` would end the quoted assignment, CR/LF would end the line, NUL ends the file: refused;
* ``& | < > ^ ( )`` are literal inside the quotes; ``!`` is literal because WinPE's cmd runs with
  delayed expansion off (the default);
* cmd reads batch files in the OEM code page (437, or 932 on Japanese WinPE), so non-ASCII text
  would arrive mangled: refused, with the fix in the message.

Values used unquoted on a command line (version, backup target, machine) are restricted further to
characters that need no quoting at all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jinja2
from pydantic import SecretStr

from harness.secrets import reveal

WINPE_TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "remote" / "templates" / "winpe"
RUN_DIR = "restore-harness"  # folder on the automation disk (the convention startnet.cmd looks for)
_NAME = re.compile(r"^RH_[A-Z0-9_]+$")
_BARE = re.compile(r"^[A-Za-z0-9_.$:\\/-]+$")  # safe unquoted in a cmd command line


class UnsafeValue(ValueError):
    """A value cannot be passed to cmd.exe safely; the message names the field and the fix."""


def _check_common(field: str, value: str) -> None:
    for bad, what in (('"', "a double quote"), ("\r", "a line break"), ("\n", "a line break"), ("\x00", "a NUL")):
        if bad in value:
            raise UnsafeValue(f"{field}: the value contains {what}, which cmd.exe cannot receive inside a quoted "
                              f"`set` in WinPE. Fix: use a value without it (for a password: change the share "
                              f"account's password or use another account)")
    try:
        value.encode("ascii")
    except UnicodeEncodeError:
        raise UnsafeValue(f"{field}: the value has non-ASCII characters; WinPE's cmd.exe reads batch files in the "
                          f"OEM code page and would mangle them. Fix: use an ASCII name/password for what WinPE "
                          f"needs (share, user, password, driver file names)") from None


def cmd_set_line(name: str, value: str, *, field: str, bare: bool = False) -> str:
    """``set "NAME=value"`` with ``%`` doubled; ``bare`` values must need no quoting at all."""
    if not _NAME.match(name):
        raise ValueError(f"internal: {name!r} is not an RH_ variable name")
    _check_common(field, value)
    if bare and not _BARE.match(value):
        raise UnsafeValue(f"{field}: {value!r} is used unquoted on a WinPE command line and may hold only letters, "
                          f"digits and _ . $ : \\ / -. Fix: rename it (no spaces, quotes or & | < > ^ %)")
    return f'set "{name}={value.replace("%", "%%")}"'


def cmd_unescape_set_line(line: str) -> tuple[str, str]:
    """What cmd.exe assigns for a line made by :func:`cmd_set_line` (used by the tests as the oracle
    of batch parsing: ``%%`` → ``%``, quotes removed)."""
    m = re.match(r'^set "([^=]+)=(.*)"$', line)
    if not m:
        raise ValueError(f"not a quoted set line: {line!r}")
    return m.group(1), m.group(2).replace("%%", "%")


@dataclass(frozen=True)
class WinPEParams:
    """The values WinPE needs (the password only when the backup is on a share)."""

    version: str
    target: str
    machine: str
    nic_infs: Sequence[str] = ()  # paths relative to the restore-harness folder, e.g. nic\1\e1r68x64.inf
    driver_count: int = 0
    share_user: str | None = None
    share_password: SecretStr | str | None = None

    @property
    def share(self) -> bool:
        return self.target.startswith("\\\\")


def render_params(p: WinPEParams) -> str:
    """``params.cmd`` text (CRLF): ``@echo off`` first so no value is ever echoed into run.log."""
    lines = ["@echo off", "rem restore-harness parameters; created by the run, removed after it (docs/bmr.md)",
             cmd_set_line("RH_VERSION", p.version, field="bmr.backup_version", bare=True),
             cmd_set_line("RH_TARGET", p.target, field="backup source path", bare=True),
             cmd_set_line("RH_MACHINE", p.machine, field="backup source machine", bare=True)]
    for i, inf in enumerate(p.nic_infs, 1):
        lines.append(cmd_set_line(f"RH_NIC_INF_{i}", inf, field=f"bmr.winpe_nic_drivers (INF {inf})"))
    if p.share:
        if p.share_user is None or p.share_password is None:
            raise ValueError("a share target needs the share credential")
        lines.append(cmd_set_line("RH_SHARE_USER", p.share_user, field="backup source credentials (user)"))
        lines.append(cmd_set_line("RH_SHARE_PASSWORD", reveal(p.share_password) or "",  # unwrapped for the WinPE file only
                                  field="backup source credentials (password)"))
    return "\r\n".join(lines) + "\r\n"


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(WINPE_TEMPLATE_DIR)), undefined=jinja2.StrictUndefined,
                              autoescape=False, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def render_run_cmd(*, nic_count: int, driver_count: int, share: bool, force_unsigned: bool) -> str:
    """``run.cmd`` (CRLF) for this many NIC INFs and driver folders; only ints/bools are rendered."""
    for name, n in (("nic_count", nic_count), ("driver_count", driver_count)):
        if not isinstance(n, int) or isinstance(n, bool) or n < 0 or n > 99:
            raise ValueError(f"{name} must be an integer 0..99, got {n!r}")
    text = _environment().get_template("run.cmd").render(nic_count=nic_count, driver_count=driver_count,
                                                          share=bool(share), force_unsigned=bool(force_unsigned))
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def startnet_cmd() -> str:
    """The shipped ``startnet.cmd`` for real WinPE images (docs/bmr.md)."""
    return (WINPE_TEMPLATE_DIR / "startnet.cmd").read_text(encoding="ascii")


def automation_files(p: WinPEParams, *, force_unsigned: bool) -> Mapping[str, str]:
    """The files written under ``\\restore-harness\\`` on the automation disk."""
    return {"run.cmd": render_run_cmd(nic_count=len(p.nic_infs), driver_count=p.driver_count, share=p.share,
                                      force_unsigned=force_unsigned),
            "params.cmd": render_params(p)}


# ----------------------------------------------------------------------------- reading the logs


@dataclass(frozen=True)
class WinPELogs:
    """What the automation left on its disk: console log, exit code, per-step exit codes."""

    run_log: str
    exit_code: int | None
    steps: tuple[tuple[str, str], ...]  # (step, value) from steps.txt
    drivers_log: str = ""

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and any(s == "done" for s, _ in self.steps)

    @property
    def failed_step(self) -> str | None:
        """The first step whose exit code is not 0 (or None)."""
        for step, value in self.steps:
            if step in ("start", "windows-volume", "done"):
                if step == "windows-volume" and value == "none":
                    return "windows-volume"
                continue
            if value.strip() != "0":
                return f"{step} (exit code {value.strip()})"
        return None

    @property
    def windows_volume(self) -> str | None:
        return next((v for s, v in self.steps if s == "windows-volume" and v != "none"), None)


EXIT_MEANING = {10: "the script found no params.cmd (automation disk not seen by WinPE)", 11: "drvload failed",
                12: "net use of the backup share failed", 13: "wbadmin start sysrecovery failed",
                14: "dism /Add-Driver failed", 15: "dism /Get-Drivers failed",
                16: "no restored Windows volume was found after wbadmin"}


def parse_logs(run_log: str | None, exit_code: str | None, steps: str | None, drivers: str | None = None) -> WinPELogs:
    """Parse the files read back from the automation disk (any may be missing: None)."""
    code: int | None
    try:
        code = int((exit_code or "").strip()) if (exit_code or "").strip() else None
    except ValueError:
        code = None
    rows = []
    for line in (steps or "").splitlines():
        parts = line.strip().split(None, 2)
        if len(parts) >= 2 and parts[0] == "RH-STEP":
            rows.append((parts[1], parts[2].strip() if len(parts) > 2 else ""))
    return WinPELogs(run_log or "", code, tuple(rows), drivers or "")
