"""The cmd.exe front: what ``cmd.exe /c <command line>`` does on a simulated machine.

WinRS runs every command through ``cmd.exe /c`` (unless WINRS_SKIP_CMD_SHELL), so this is where
the 8,191-character command-line limit, ``%VAR%`` expansion, ``&``/``&&``/``||`` chaining and the
"is not recognized" message come from. ``powershell``/``powershell.exe`` (any path or case) is
handed to :func:`simlab.ps.host.run_powershell_exe` with its arguments split as
``CommandLineToArgvW`` splits them. The built-ins cover what clients send to probe a host
(``echo``, ``hostname``, ``ipconfig``, ``set``, ``type``, ``whoami``, ``ver``, ``cd``, ``exit``).

Output is text (``str``); the server encodes it in the shell's code page.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from simlab.stdin import StdinStream

__all__ = ["MAX_CMDLINE", "StdinStream", "run_cmdline", "split_argv"]

MAX_CMDLINE = 8191  # cmd.exe: https://learn.microsoft.com/troubleshoot/windows-client/shell-experience/command-line-string-limitation
NOT_RECOGNIZED = "'{0}' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n"
Writer = Callable[[str], None]


def split_argv(line: str) -> list[str]:
    """Split a command line as ``CommandLineToArgvW``/the MS C runtime do (quotes, backslashes)."""
    args: list[str] = []
    i, n = 0, len(line)
    while i < n:
        while i < n and line[i] in " \t":
            i += 1
        if i >= n:
            break
        cur: list[str] = []
        in_quotes = False
        while i < n and (in_quotes or line[i] not in " \t"):
            c = line[i]
            if c == "\\":
                j = i
                while j < n and line[j] == "\\":
                    j += 1
                count = j - i
                if j < n and line[j] == '"':
                    cur.append("\\" * (count // 2))
                    if count % 2:
                        cur.append('"')
                        i = j + 1
                    else:
                        i = j
                    continue
                cur.append("\\" * count)
                i = j
                continue
            if c == '"':
                if in_quotes and i + 1 < n and line[i + 1] == '"':
                    cur.append('"')
                    i += 2
                    continue
                in_quotes = not in_quotes
                i += 1
                continue
            cur.append(c)
            i += 1
        args.append("".join(cur))
    return args


def _env_get(env: dict[str, str], name: str) -> str | None:
    for k, v in env.items():
        if k.lower() == name.lower():
            return v
    return None


def _env_set(env: dict[str, str], name: str, value: str) -> None:
    for k in list(env):
        if k.lower() == name.lower():
            del env[k]
    if value != "":
        env[name] = value


def expand_vars(line: str, env: dict[str, str]) -> str:
    """``%NAME%`` → value (case-insensitive); undefined names stay as written, as cmd /c leaves them."""

    def sub(m: re.Match[str]) -> str:
        value = _env_get(env, m.group(1))
        return value if value is not None else m.group(0)

    return re.sub(r"%([^%\r\n]+?)%", sub, line)


def _split_chain(line: str) -> list[tuple[str, str]]:
    """Split on ``&``, ``&&``, ``||`` outside double quotes (``^`` escapes); returns (op, command)."""
    parts: list[tuple[str, str]] = []
    cur: list[str] = []
    op = ""
    in_quotes = False
    i = 0
    while i < len(line):
        c = line[i]
        if c == '"':
            in_quotes = not in_quotes
        elif c == "^" and not in_quotes and i + 1 < len(line):
            cur.append(line[i + 1])
            i += 2
            continue
        elif not in_quotes and c in "&|":
            double = i + 1 < len(line) and line[i + 1] == c
            if c == "|" and not double:
                cur.append(c)  # a pipe: passed through to the command as text
                i += 1
                continue
            parts.append((op, "".join(cur)))
            op = c * 2 if double else c
            cur = []
            i += 2 if double else 1
            continue
        cur.append(c)
        i += 1
    parts.append((op, "".join(cur)))
    return parts


def _program_and_rest(command: str) -> tuple[str, str]:
    s = command.lstrip(" \t")
    if s.startswith('"'):
        end = s.find('"', 1)
        end = len(s) if end < 0 else end
        return s[1:end], s[end + 1 :]
    # cmd ends the program name at whitespace; "echo." forms are handled by the built-ins.
    m = re.match(r"[^\s]+", s)
    if not m:
        return "", ""
    return m.group(0), s[m.end() :]


def run_cmdline(
    machine: Any,
    cmdline: str,
    env: dict[str, str],
    stdin: StdinStream,
    write_out: Writer,
    write_err: Writer,
) -> int:
    """Run ``cmd.exe /c cmdline`` on ``machine`` and return its exit code. ``env`` is the process
    environment (changed by ``set``, as in the cmd process)."""
    if len(cmdline) > MAX_CMDLINE:
        write_err("The command line is too long.\r\n")
        return 1
    line = expand_vars(cmdline, env)
    code = 0
    for op, part in _split_chain(line):
        if op == "&&" and code != 0:
            continue
        if op == "||" and code == 0:
            continue
        if not part.strip():
            continue
        try:
            code = _run_one(machine, part.strip(" \t"), env, stdin, write_out, write_err)
        except _Exit as stop:
            return stop.code
    return code


def _run_one(machine: Any, command: str, env: dict[str, str], stdin: StdinStream, out: Writer, err: Writer) -> int:
    """Run one command (``exit`` raises :class:`_Exit` so the chain stops)."""
    program, rest = _program_and_rest(command)
    lower = program.lower()
    if re.match(r"^echo[.:]", lower):  # echo. / echo: print an empty line or the rest
        out(program[5:] + rest + "\r\n")
        return 0
    base = re.split(r"[\\/]", lower)[-1]
    stem = base[:-4] if base.endswith(".exe") else base
    builtin = _BUILTINS.get(lower)
    if builtin is not None:
        return builtin(machine, rest, env, out, err)
    if stem == "powershell":
        from simlab.ps.host import run_powershell_exe  # the interpreter's powershell.exe

        return run_powershell_exe(machine, split_argv(rest), stdin, out, err, env)
    if stem == "cmd":
        args = rest.lstrip()
        m = re.match(r"/[cCkK]\s*(.*)$", args, re.S)
        if m:
            inner = m.group(1)
            if len(inner) >= 2 and inner[0] == '"' and inner[-1] == '"':
                inner = inner[1:-1]
            return run_cmdline(machine, inner, dict(env), stdin, out, err)
    if stem == "more":
        return _more_with(stdin, out)
    exe = _EXTERNAL.get(stem)
    if exe is not None:
        return exe(machine, rest, env, out, err)
    err(NOT_RECOGNIZED.format(program))
    return 1


# --------------------------------------------------------------------------- built-ins


class _Exit(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def _echo(machine: Any, rest: str, env: dict[str, str], out: Writer, err: Writer) -> int:
    text = rest[1:] if rest[:1] in (" ", "\t") else rest
    if not text.strip():
        out("ECHO is on.\r\n")
    elif text.strip().lower() in ("on", "off"):
        pass
    else:
        out(text + "\r\n")
    return 0


def _set(machine: Any, rest: str, env: dict[str, str], out: Writer, err: Writer) -> int:
    arg = rest.strip()
    if arg.startswith('"') and arg.endswith('"') and len(arg) > 1:
        arg = arg[1:-1]
    if "=" in arg:
        name, _, value = arg.partition("=")
        _env_set(env, name, value)
        return 0
    # names starting with '=' are cmd's hidden per-drive/current-directory entries
    matches = sorted((k for k in env if not k.startswith("=") and k.lower().startswith(arg.lower())), key=str.lower)
    if not matches:
        err(f"Environment variable {arg} not defined\r\n")
        return 1
    for k in matches:
        out(f"{k}={env[k]}\r\n")
    return 0


def _cwd(env: dict[str, str]) -> str:
    """The current directory; it travels in ``env['=CD']`` (hidden, like cmd's ``=C:`` entries)."""
    return env.get("=CD", _env_get(env, "USERPROFILE") or "C:\\Windows\\system32")


def _type(machine: Any, rest: str, env: dict[str, str], out: Writer, err: Writer) -> int:
    names = split_argv(rest)
    if not names:
        err("The syntax of the command is incorrect.\r\n")
        return 1
    code = 0
    for name in names:
        path = name if re.match(r"^([A-Za-z]:[\\/]|\\\\)", name) else _cwd(env).rstrip("\\") + "\\" + name
        try:
            data = machine.fs.read(path)
        except Exception:
            err("The system cannot find the file specified.\r\n" if len(names) == 1 else
                f"The system cannot find the file specified.\r\nError occurred while processing: {name}.\r\n")
            code = 1
            continue
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        if data.startswith(b"\xff\xfe"):
            text = data[2:].decode("utf-16-le", errors="replace")
        else:
            text = data.decode("utf-8", errors="replace")
        out(text)
    return code


def _exit(machine: Any, rest: str, env: dict[str, str], out: Writer, err: Writer) -> int:
    args = rest.split()
    if args and args[0].lower() == "/b":
        args = args[1:]
    try:
        code = int(args[0]) if args else 0
    except ValueError:
        code = 0
    raise _Exit(code)


def _cd(machine: Any, rest: str, env: dict[str, str], out: Writer, err: Writer) -> int:
    if not rest.strip():
        out(_cwd(env) + "\r\n")
        return 0
    target = rest.strip().strip('"')
    if target.lower().startswith("/d "):
        target = target[3:].strip()
    path = target if re.match(r"^[A-Za-z]:", target) else _cwd(env).rstrip("\\") + "\\" + target
    if not machine.fs.is_dir(path):
        err("The system cannot find the path specified.\r\n")
        return 1
    env["=CD"] = machine.fs.canonical(path)
    return 0


def _ver(machine: Any, rest: str, env: dict[str, str], out: Writer, err: Writer) -> int:
    version = getattr(machine, "os_version", "10.0.20348")
    out(f"\r\nMicrosoft Windows [Version {version}.2227]\r\n")
    return 0


_BUILTINS: dict[str, Callable[[Any, str, dict[str, str], Writer, Writer], int]] = {
    "echo": _echo,
    "set": _set,
    "type": _type,
    "exit": _exit,
    "cd": _cd,
    "chdir": _cd,
    "ver": _ver,
}


# --------------------------------------------------------------------------- system32 programs


def _hostname(machine: Any, rest: str, env: dict[str, str], out: Writer, err: Writer) -> int:
    out(machine.computer_name + "\r\n")
    return 0


def _whoami(machine: Any, rest: str, env: dict[str, str], out: Writer, err: Writer) -> int:
    user = _env_get(env, "USERNAME") or "system"
    out(f"{machine.computer_name.lower()}\\{user.lower()}\r\n")
    return 0


_IPCONFIG_LABELS = {
    "suffix": "   Connection-specific DNS Suffix  . : ",
    "ipv6": "   Link-local IPv6 Address . . . . . : ",
    "ipv4": "   IPv4 Address. . . . . . . . . . . : ",
    "mask": "   Subnet Mask . . . . . . . . . . . : ",
    "gateway": "   Default Gateway . . . . . . . . . : ",
}


def _ipconfig(machine: Any, rest: str, env: dict[str, str], out: Writer, err: Writer) -> int:
    lines = ["", "Windows IP Configuration", "", ""]
    for iface in getattr(machine, "interfaces", []):
        lines.append(f"Ethernet adapter {iface.name}:")
        lines.append("")
        labels = _IPCONFIG_LABELS
        lines.append(labels["suffix"] + iface.dns_suffix)
        if iface.ipv6_link_local:
            lines.append(labels["ipv6"] + iface.ipv6_link_local)
        lines.append(labels["ipv4"] + iface.ipv4)
        lines.append(labels["mask"] + iface.mask)
        lines.append(labels["gateway"] + iface.gateway)
        lines.append("")
    out("\r\n".join(lines[:-1] if lines[-1] == "" else lines) + "\r\n")
    return 0


def _more_with(stdin: StdinStream, out: Writer) -> int:
    """``more`` with piped input: copies stdin to stdout (CRLF line ends) once input ends."""
    text = stdin.read_all()
    if text:
        out(text.replace("\r\n", "\n").replace("\n", "\r\n") + ("" if text.endswith("\n") else "\r\n"))
    return 0


_EXTERNAL: dict[str, Callable[[Any, str, dict[str, str], Writer, Writer], int]] = {
    "hostname": _hostname,
    "whoami": _whoami,
    "ipconfig": _ipconfig,
}
