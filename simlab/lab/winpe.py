"""WinPE automation: what a VM that boots the WinPE ISO does with an automation disk attached.

The convention (simlab/docs/simulator-wsb-dism-guests.md, and what a real WinPE image's startnet.cmd does):
``wpeinit``, then on the first attached volume holding ``\\restore-harness\\run.cmd``, run it with
cmd.exe, write its console output to ``\\restore-harness\\logs\\run.log`` and its exit code to
``\\restore-harness\\logs\\exitcode.txt`` on that volume, then ``wpeutil shutdown`` (the VM turns Off).

The script is a cmd batch file (WinPE always has cmd.exe; PowerShell is an optional component).
This module interprets the subset the harness needs: ``@echo off``, ``echo``, ``rem``/``::``,
``set NAME=value``/``set "NAME=value"``, ``%VAR%``, ``%%`` (a literal ``%``; see :func:`_expand`),
``%ERRORLEVEL%``, ``> nul``, ``:label``/``goto``, ``if [not] errorlevel N``,
``if [not] exist``, ``if "%A%"=="b"``, ``if %ERRORLEVEL% NEQ 0``, ``for %%d in (...) do``, ``call``,
``exit /b N``, ``> / >>`` redirection, ``mkdir``, ``type``, and the tools ``drvload``, ``net use``,
``wbadmin start sysrecovery``, ``dism /Image /Add-Driver /Get-Drivers``, ``wpeutil``.
Anything else fails loudly ("is not recognized as an internal or external command").
"""

from __future__ import annotations

import datetime as _dt
import re
import shlex
from dataclasses import dataclass, field
from typing import Any

from simlab.lab import dism, wsb
from simlab.lab.guest import GuestRuntime, GuestState, read_hive, volume_fs
from simlab.winfs import FsError, Volume, WinFS

RUN_DIR = "restore-harness"
WPE_BOOT_SECONDS = 40.0


@dataclass
class WinPESession:
    """One WinPE boot: its file system (X: plus attached volumes), network and environment."""

    runtime: GuestRuntime
    state: GuestState
    fs: WinFS
    env: dict[str, str] = field(default_factory=dict)
    shares: dict[str, tuple[str, str]] = field(default_factory=dict)  # \\server\share (lower) -> (user, password)
    nic_ready: bool = False
    errorlevel: int = 0
    output: list[str] = field(default_factory=list)
    letters: dict[str, str] = field(default_factory=dict)  # drive letter -> VHD path
    failing_step: str | None = None  # fault winpe_script_failure
    nic_needed: str | None = None  # INF the ISO lacks for the VM's NIC (drvload it first)


def _now(rt: GuestRuntime) -> _dt.datetime:
    return rt.host.clock.now()


def run(runtime: GuestRuntime, state: GuestState) -> None:
    """Boot WinPE in ``state.vm``, run the automation script if a disk carries one, then shut down."""
    host = runtime.host
    fs = WinFS(host.clock.now)
    fs.add_volume("X:", 2 * 2**30, 1 * 2**30, label="Boot")
    fs.mkdir("X:\\Windows\\System32")
    s = WinPESession(runtime, state, fs, env={"SystemDrive": "X:", "SystemRoot": "X:\\Windows",
                                              "COMPUTERNAME": "MINWINPC", "ERRORLEVEL": "0"})
    s.failing_step = getattr(runtime, "winpe_failing_step", None)
    iso = runtime.isos_detail.get(state.vm.dvd.lower(), {}) if state.vm.dvd and hasattr(runtime, "isos_detail") else {}
    s.nic_needed = iso.get("needs_nic_driver")
    s.nic_ready = not s.nic_needed
    letter = ord("C")
    for path in state.vm.disks:
        vol = runtime.volume_of_disk(path)
        if vol is None:
            continue
        fs.volumes[chr(letter) + ":"] = vol
        vol.root_name = chr(letter) + ":"
        s.letters[chr(letter) + ":"] = path
        letter += 1
    host.clock.advance(WPE_BOOT_SECONDS)
    script_root = next((d for d in s.letters if fs.exists(f"{d}\\{RUN_DIR}\\run.cmd")), None)
    state.message = "WinPE: no automation disk"
    if script_root is None:
        return
    code = run_script(s, f"{script_root}\\{RUN_DIR}\\run.cmd")
    logs = f"{script_root}\\{RUN_DIR}\\logs"
    try:
        fs.write(f"{logs}\\run.log", ("\r\n".join(s.output) + "\r\n").encode("utf-8"))
        fs.write(f"{logs}\\exitcode.txt", f"{code}\r\n".encode("ascii"))
    except FsError:
        pass
    state.message = f"WinPE: run.cmd exited with {code}"
    for vol in fs.volumes.values():  # the letters were WinPE's; give the volumes back their neutral name
        if vol.root_name != "X:":
            vol.root_name = "C:"


# ------------------------------------------------------------------ cmd subset


def _expand(s: WinPESession, line: str) -> str:
    """Percent expansion of one batch-file line, done once when cmd reads the line (phase 1 of cmd's parser):
    ``%%`` is a literal ``%``; ``%NAME%`` is the variable's value (``%ERRORLEVEL%`` the current exit code),
    inserted as it is and never expanded again (so a value holding ``%`` survives); an undefined ``%NAME%``, a
    batch argument (``%1``, ``%*``, ``%~dp0``: none are passed here) and a lone ``%`` expand to nothing.
    Substring/replace forms (``%VAR:~0,2%``, ``%VAR:a=b%``) and ``!delayed!`` expansion are not modelled."""
    out: list[str] = []
    i = 0
    while i < len(line):
        c = line[i]
        if c != "%":
            out.append(c)
            i += 1
            continue
        if line.startswith("%%", i):
            out.append("%")
            i += 2
            continue
        arg = re.match(r"%(?:~[a-zA-Z$:]*)?[0-9*]", line[i:])
        if arg:
            i += arg.end()
            continue
        j = line.find("%", i + 1)
        if j < 0:
            i += 1
            continue
        name = line[i + 1:j]
        if ":" in name:
            raise ValueError(f"cmd variable substitution %{name}% is not modelled by the simulated WinPE")
        if name.upper() == "ERRORLEVEL":
            out.append(str(s.errorlevel))
        else:
            out.append(next((v for k, v in s.env.items() if k.lower() == name.lower()), ""))
        i = j + 1
    return "".join(out)


def _set(s: WinPESession, rest: str) -> None:
    """``set NAME=value`` (value to the end of the line) or ``set "NAME=value"`` (value up to the last quote;
    what follows it is ignored). An empty value removes the variable, as in cmd."""
    rest = rest.lstrip()
    if rest.startswith('"'):
        end = rest.rfind('"')
        rest = rest[1:end] if end > 0 else rest[1:]
    name, eq, value = rest.partition("=")
    if not eq or not name.strip():
        s.output.append("The syntax of the command is incorrect.")
        s.errorlevel = 1
        return
    key = next((k for k in s.env if k.lower() == name.lower()), name)
    if value:
        s.env[key] = value
    else:
        s.env.pop(key, None)


def run_script(s: WinPESession, path: str, depth: int = 0) -> int:
    """Run a .cmd file; returns its exit code (``exit /b N`` or the last ERRORLEVEL)."""
    if depth > 8:
        s.output.append("The batch file cannot be found.")
        return 1
    lines = s.fs.read(path).decode("utf-8", errors="replace").splitlines()
    labels = {ln.strip()[1:].split()[0].lower(): i for i, ln in enumerate(lines)
              if ln.strip().startswith(":") and not ln.strip().startswith("::") and len(ln.strip()) > 1}
    echo = True
    i = 0
    steps = 0
    while i < len(lines):
        steps += 1
        if steps > 10000:
            s.output.append("run.cmd: too many steps (endless loop?)")
            return 1
        raw = lines[i].strip()
        i += 1
        if not raw or raw.startswith("::") or raw.lower().startswith("rem ") or raw.lower() == "rem" \
                or raw.startswith(":"):
            continue
        if raw.lower() in ("@echo off", "echo off"):
            echo = False
            continue
        at = raw.startswith("@")
        try:
            raw = _expand(s, raw.lstrip("@"))  # once per line, as cmd reads it
        except ValueError as e:
            s.output.append(str(e))
            return 1
        if echo and not at:
            s.output.append(f"X:\\windows\\system32>{raw}")
        result = _statement(s, raw, depth)
        if isinstance(result, tuple):
            kind, value = result
            if kind == "goto":
                if value.lower() == ":eof":
                    return s.errorlevel
                if value.lower() not in labels:
                    s.output.append("The system cannot find the batch label specified - " + value)
                    return 1
                i = labels[value.lower()] + 1
            elif kind == "exit":
                return int(value)
    return s.errorlevel


def _statement(s: WinPESession, raw: str, depth: int) -> Any:
    low = raw.lower()
    if low.startswith("if "):
        return _if(s, raw[3:].strip(), depth)
    if low.startswith("for "):
        # the line is already percent-expanded: a batch file's %%d is %d here
        m = re.match(r"for\s+%(\w)\s+in\s+\(([^)]*)\)\s+do\s+(.+)$", raw, re.I)
        if not m:
            s.output.append("The syntax of the command is incorrect.")
            s.errorlevel = 1
            return None
        for item in m.group(2).split():
            r = _statement(s, m.group(3).replace(f"%{m.group(1)}", item), depth)
            if r is not None:
                return r
        return None
    line = raw
    if line.lower().startswith("goto "):
        return ("goto", line[5:].strip())
    if line.lower().startswith("exit"):
        m = re.match(r"exit\s*(/b)?\s*(\d+)?", line, re.I)
        return ("exit", int(m.group(2) or s.errorlevel) if m else s.errorlevel)
    if line.lower().startswith("set "):
        _set(s, line[4:])
        return None
    target, append = None, False
    m = re.search(r"\s(\d?)(>>?)\s*(\"[^\"]+\"|\S+)\s*$", line)
    if m:
        target, append = m.group(3).strip('"'), m.group(2) == ">>"
        line = line[:m.start()].rstrip()
    before = len(s.output)
    code, out = _command(s, line, depth)
    s.errorlevel = code
    if target and target.lower() in ("nul", "nul:"):  # the NUL device discards the output
        pass
    elif target:
        text = "\r\n".join(out) + ("\r\n" if out else "")
        try:
            old = s.fs.read(target) if (append and s.fs.exists(target)) else b""
            s.fs.write(target, old + text.encode("utf-8"))
        except (FsError, ValueError):
            s.output.append("The system cannot find the path specified.")
            s.errorlevel = 1
    else:
        s.output[before:before] = out
    return None


def _if(s: WinPESession, rest: str, depth: int) -> Any:
    neg = False
    if rest.lower().startswith("not "):
        neg, rest = True, rest[4:].strip()
    m = re.match(r"errorlevel\s+(\d+)\s+(.+)$", rest, re.I)
    if m:
        cond, body = s.errorlevel >= int(m.group(1)), m.group(2)
    elif rest.lower().startswith("exist "):
        arg, _, body = rest[6:].strip().partition(" ")
        cond = s.fs.exists(arg.strip('"'))
    else:
        ex = rest
        m = re.match(r'("[^"]*"|\S+)\s*(==|\s+(?:EQU|NEQ|LSS|LEQ|GTR|GEQ)\s+)\s*("[^"]*"|\S+)\s+(.+)$', ex, re.I)
        if not m:
            s.output.append("The syntax of the command is incorrect.")
            s.errorlevel = 1
            return None
        a, op, b, body = m.group(1).strip('"'), m.group(2).strip().upper(), m.group(3).strip('"'), m.group(4)
        if op == "==":
            cond = a == b
        else:
            try:
                x, y = int(a), int(b)
            except ValueError:
                x, y = a, b  # type: ignore[assignment]
            cond = {"EQU": x == y, "NEQ": x != y, "LSS": x < y, "LEQ": x <= y, "GTR": x > y, "GEQ": x >= y}[op]
        return _statement(s, body, depth) if cond != neg else None
    return _statement(s, body, depth) if cond != neg else None


def _command(s: WinPESession, line: str, depth: int) -> tuple[int, list[str]]:
    try:
        parts = shlex.split(line.replace("\\", "\\\\"), posix=True)
    except ValueError:
        parts = line.split()
    if not parts:
        return s.errorlevel, []
    exe = parts[0].lower().removesuffix(".exe")
    args = parts[1:]
    if exe == "echo" or exe == "echo.":
        return s.errorlevel, [line[5:] if len(line) > 5 else ""]
    if exe in ("mkdir", "md"):
        s.fs.mkdir(args[0])
        return 0, []
    if exe == "type":
        try:
            return 0, s.fs.read(args[0]).decode("utf-8", errors="replace").splitlines()
        except FsError:
            return 1, ["The system cannot find the file specified."]
    if exe == "call":
        return run_script(s, args[0], depth + 1), []
    if exe == "wpeinit":
        return 0, []
    if exe == "wpeutil":
        return 0, []
    if exe == "drvload":
        return _drvload(s, args)
    if exe == "net":
        return _net(s, args)
    if exe == "wbadmin":
        return _wbadmin(s, args)
    if exe == "dism":
        return _dism(s, args)
    return 9009, [f"'{parts[0]}' is not recognized as an internal or external command,",
                  "operable program or batch file."]


def _fault(s: WinPESession, step: str) -> bool:
    return (s.failing_step or "").lower() == step


def _drvload(s: WinPESession, args: list[str]) -> tuple[int, list[str]]:
    out: list[str] = []
    if not args or _fault(s, "drvload"):
        return 2, [f"DrvLoad: Unable to load {args[0] if args else ''} (Error 0x80070002)."]
    code = 0
    for inf in args:
        if not s.fs.exists(inf):
            return 2, [f"DrvLoad: Unable to load {inf} (Error 0x80070002)."]
        meta = dism.parse_inf(s.fs.read(inf))
        if meta is None:
            return 2, [f"DrvLoad: Unable to load {inf} (Error 0x80070057)."]
        if meta["Class"].lower() == "net" and (s.nic_needed is None or
                                                inf.rsplit("\\", 1)[-1].lower() == s.nic_needed.lower()):
            s.nic_ready = True
        out.append(f"DrvLoad: Successfully loaded {inf}.")
    return code, out


def _net(s: WinPESession, args: list[str]) -> tuple[int, list[str]]:
    if not args or args[0].lower() != "use":
        return 1, ["The syntax of this command is:", "NET USE [devicename | *] [\\\\computername\\sharename]"]
    rest = [a for a in args[1:] if not re.match(r"^[A-Za-z*]:$|^\*$", a)]
    share = next((a for a in rest if a.startswith("\\\\")), None)
    user = next((a.split(":", 1)[1] for a in rest if a.lower().startswith("/user:")), None)
    pw = next((a for a in rest if not a.startswith("\\\\") and not a.startswith("/")), None)
    if share is None:
        return 1, ["The syntax of this command is incorrect."]
    if not s.nic_ready or _fault(s, "net") or not any(sw for sw in s.state.vm.switches):
        return 2, ["System error 53 has occurred.", "", "The network path was not found.", ""]
    cat = getattr(s.runtime, "catalog", None)
    target = cat.target(share) if cat else None
    if target is None:
        return 2, ["System error 67 has occurred.", "", "The network name cannot be found.", ""]
    try:
        target.check_access(user, pw)
    except wsb.WsbError:
        return 2, ["System error 5 has occurred.", "", "Access is denied.", ""]
    s.shares[share.lower().rstrip("\\")] = (user or "", pw or "")
    return 0, ["The command completed successfully.", ""]


def _opt(args: list[str], name: str) -> str | None:
    for a in args:
        if a.lower().startswith(f"-{name.lower()}:"):
            return a.split(":", 1)[1]
    return None


def _flag(args: list[str], name: str) -> bool:
    return any(a.lower() == f"-{name.lower()}" for a in args)


WBADMIN_BANNER = ["wbadmin 1.0 - Backup command-line tool", "(C) Copyright Microsoft Corporation. All rights reserved.", ""]


def _wbadmin(s: WinPESession, args: list[str]) -> tuple[int, list[str]]:
    if [a.lower() for a in args[:2]] != ["start", "sysrecovery"]:
        return 1, [*WBADMIN_BANNER, "ERROR - The command is not supported in this version of Windows PE."]
    out = list(WBADMIN_BANNER)
    version, target_path, machine = _opt(args, "version"), _opt(args, "backupTarget"), _opt(args, "machine")
    # The host's catalog, for its targets only: this wbadmin runs on the recovery VM's own wbengine, so
    # a WSB job running on the host does not block it (one operation at a time is a per-machine rule).
    cat = getattr(s.runtime, "catalog", None)
    if not version or not target_path:
        return 1, [*out, "ERROR - Specify -version and -backupTarget."]
    target = cat.target(target_path) if cat else None
    if target is None or target.missing:
        return 1, [*out, "ERROR - " + wsb.MESSAGES[wsb.E_NOT_FOUND]]
    if target.kind == "share":
        cred = s.shares.get(target.path.lower().rstrip("\\"))
        try:
            target.check_access(*(cred or (None, None)))
        except wsb.WsbError as e:
            return 5, [*out, "ERROR - " + str(e)]
    candidates = [b for b in target.sets if b.version_id == version and (not machine or b.machine.lower() == machine.lower())]
    if not candidates:
        return 1, [*out, f"ERROR - The specified backup version {version} was not found"
                   + (f" for computer {machine}." if machine else ".")]
    if len({b.machine for b in candidates}) > 1:
        return 1, [*out, "ERROR - There are backups of more than one computer at this location. Specify -machine."]
    bset = candidates[0]
    if not bset.bare_metal:
        return 1, [*out, "ERROR - The backup does not contain all the critical volumes needed for a bare metal "
                   "recovery. Choose a backup that includes bare metal recovery."]
    vm_gen = s.state.vm.generation
    if bset.generation != vm_gen:
        src, dst = ("EFI", "BIOS") if bset.generation == 2 else ("BIOS", "EFI")
        return 1, [*out, "ERROR - The system image restore failed. Error details: The system image was created on a "
                   f"computer using {src} and this computer is using {dst}."]
    if not _flag(args, "quiet"):
        return 1, [*out, "Do you want to start the system recovery operation? [Y/N] ",
                   "ERROR - No answer was given (run wbadmin with -quiet in automation)."]
    disks = [p for p in s.state.vm.disks if p not in s.letters.values()]
    if not disks:
        return 1, [*out, "ERROR - There are too few disks on this computer or one or more of the disks is too small."]
    if not _flag(args, "recreateDisks"):
        return 1, [*out, "ERROR - The disks on this computer are not formatted like the disks of the backup. Use "
                   "-recreateDisks to format and partition them (all data on them is lost)."]
    if _fault(s, "wbadmin"):
        return 1, [*out, "ERROR - " + wsb.MESSAGES[wsb.E_VSS_WRITER].replace("writer experienced", "recovery "
                                                                               "experienced")]
    images = s.runtime.images
    vol: Volume = wsb.windows_volume_of(bset, images, s.runtime.host.clock.now)
    s.runtime.set_disk_volume(disks[0], vol)
    base_disk = getattr(s.runtime.host, "disk", None)
    if callable(base_disk):
        try:
            d = s.runtime.host.base_disk(base_disk(disks[0]))
            d.partition_style = "GPT" if bset.generation == 2 else "MBR"
        except Exception:  # noqa: BLE001 - the model without partition styles
            pass
    letter = next(chr(c) + ":" for c in range(ord("C"), ord("Z")) if chr(c) + ":" not in s.fs.volumes)
    s.fs.volumes[letter] = vol
    vol.root_name = letter
    s.letters[letter] = disks[0]
    used = sum(v["used"] for v in bset.volumes) or 40 * 2**30
    wsb.spend_recovery(s.runtime.host, used, bset.target.path, disks[0])
    hive = read_hive(volume_fs(vol, s.runtime.host.clock.now, letter), letter) or {}
    return 0, [*out, f"Restoring the system from the backup of {bset.machine} at {bset.version_id}...",
               f"The recovery of volume {letter} ({hive.get('ComputerName', bset.machine)}) successfully completed.",
               "The system recovery operation completed successfully."]


def _dism(s: WinPESession, args: list[str]) -> tuple[int, list[str]]:
    out = ["", "Deployment Image Servicing and Management tool", "Version: 10.0.20348.1", ""]
    image = next((a.split(":", 1)[1] for a in args if a.lower().startswith("/image:")), None)
    if image is None:
        return 87, [*out, "Error: 87", "", "The /Image option is required. Use /Image:<path> for an offline image."]
    if _fault(s, "dism"):
        return 50, [*out, "Error: 50", "", "The request is not supported."]
    try:
        if any(a.lower() == "/add-driver" for a in args):
            src = next((a.split(":", 1)[1] for a in args if a.lower().startswith("/driver:")), None)
            if src is None:
                return 87, [*out, "Error: 87", "", "The /Driver option is required."]
            added, warns = dism.add_drivers(s.fs, image, src, any(a.lower() == "/recurse" for a in args),
                                            any(a.lower() == "/forceunsigned" for a in args))
            lines = [*out, "Image Version: 10.0.20348.587", "", "Searching for driver packages to install...",
                     f"Found {len(added) + len(warns)} driver package(s) to install."]
            for n, d in enumerate(added, 1):
                lines.append(f"Installing {n} of {len(added) + len(warns)} - {d.original_file_name}: The driver "
                             "package was successfully installed.")
            lines += [f"Warning: {w}" for w in warns]
            return 0, [*lines, "The operation completed successfully."]
        if any(a.lower() == "/get-drivers" for a in args):
            drivers = dism.get_drivers(s.fs, image, any(a.lower() == "/all" for a in args))
            lines = [*out, "Image Version: 10.0.20348.587", "",
                     "Obtaining list of 3rd party drivers from the driver store...", "", "Driver packages listing:", ""]
            for d in drivers:
                lines += [f"Published Name : {d.driver}", f"Original File Name : {d.original_file_name.rsplit(chr(92), 1)[-1]}",
                          f"Inbox : {'Yes' if d.inbox else 'No'}", f"Class Name : {d.class_name}",
                          f"Provider Name : {d.provider}", f"Date : {d.date.month}/{d.date.day}/{d.date.year}",
                          f"Version : {d.version}", ""]
            return 0, [*lines, "The operation completed successfully."]
    except dism.DismError as e:
        return e.code, [*out, f"Error: {e.code}", "", str(e)]
    except FsError as e:
        return 3, [*out, "Error: 3", "", str(e)]
    return 87, [*out, "Error: 87", "", "The option is unknown."]
