"""The WS-Management endpoint of a simulated machine: HTTP(S) on loopback, WinRS shell resource.

``WSManServer(machine)`` serves ``POST /wsman`` the way a Windows WinRM listener does, so that
unmodified clients (pywinrm, pytest-testinfra's winrm backend) talk to it: NTLM with message
encryption over HTTP, NTLM or Basic over HTTPS, Basic over HTTP only with AllowUnencrypted, the
WinRS operations Create/Command/Send/Receive/Signal/Delete, long-poll Receive with the TimedOut
fault, and Windows' faults and quotas. See simlab/docs/simulator-protocol.md.
"""

from __future__ import annotations

import base64
import logging
import shutil
import socket
import ssl
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from simlab.server import soap
from simlab.server.auth import PROTOCOL, NtlmConnection, check_basic, tls_bindings
from simlab.server.shells import STATUS_CONTROL_C_EXIT, Shell, codepage_encoding
from simlab.server.soap import NS, SHELL_URI, Request, SoapFault
from simlab.server.tls import make_self_signed

log = logging.getLogger(__name__)

OPERATIONS = ("Create", "Command", "Send", "Receive", "Signal", "Delete")
DONE = soap.RSP + "/CommandState/Done"
RUNNING = soap.RSP + "/CommandState/Running"
SIGNAL_TERMINATE = soap.RSP + "/signal/terminate"
SIGNAL_CTRL_C = soap.RSP + "/signal/ctrl_c"


class Counters:
    """Thread-safe counters; :meth:`snapshot` returns a plain dict."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, int] = dict.fromkeys(
            ("http_requests", "auth_challenges", "auth_failures", "faults", "timeouts", "injected_failures", "encrypted_messages", "shells_opened",
             "commands", "bytes_in", "bytes_out"), 0)
        self._ops: dict[str, int] = dict.fromkeys(OPERATIONS, 0)

    def add(self, name: str, n: int = 1) -> None:
        with self._lock:
            self._values[name] = self._values.get(name, 0) + n

    def op(self, action: str) -> None:
        with self._lock:
            self._ops[action] = self._ops.get(action, 0) + 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {**self._values, "operations": dict(self._ops)}


# The error page HTTP.sys itself sends when it cannot hand a request to the service's request queue
# (service stopped or its queue full): "HTTP Error 503. The service is unavailable.", text/html,
# Server: Microsoft-HTTPAPI/2.0 (the page IIS admins know from a stopped application pool).
HTTPSYS_503_PAGE = (
    b'<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN""http://www.w3.org/TR/html4/strict.dtd">\r\n'
    b"<HTML><HEAD><TITLE>Service Unavailable</TITLE>\r\n"
    b'<META HTTP-EQUIV="Content-Type" Content="text/html; charset=us-ascii"></HEAD>\r\n'
    b"<BODY><h2>Service Unavailable</h2>\r\n<hr><p>HTTP Error 503. The service is unavailable.</p>\r\n"
    b"</BODY></HTML>\r\n"
)


class Faults:
    """Switches the lab model flips: transient HTTP errors, slow Receive, and connection faults
    (an HTML error page, an answer cut off, a connection closed without an answer, an answer that
    comes too late). Connection faults count down per SOAP request; ``action`` limits one to
    requests of that WS-Man operation (``Receive``: mid-command)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fail_left = 0
        self._fail_status = 500
        self._slow = 0.0
        self._wire: list[dict[str, Any]] = []

    def fail_next(self, n: int = 1, status: int = 500) -> None:
        """Answer the next ``n`` WS-Man requests with HTTP ``status`` and no body (e.g. a service restart)."""
        with self._lock:
            self._fail_left = max(0, n)
            self._fail_status = status

    def slow_receive(self, seconds: float) -> None:
        """Hold each new command's output back ``seconds`` after it starts, so Receives time out first."""
        with self._lock:
            self._slow = max(0.0, seconds)

    def wire(self, kind: str, n: int = 1, *, action: str | None = None, status: int = 503,
             seconds: float = 0.0) -> None:
        """Arm a connection fault for the next ``n`` requests (of ``action``, if given): ``html``
        (HTTP.sys's HTML error page with ``status``), ``truncate`` (headers and half the body, then
        the connection closes), ``drop`` (the connection closes without an answer), ``hang`` (the
        answer is held ``seconds`` first)."""
        if kind not in ("html", "truncate", "drop", "hang"):
            raise ValueError(f"unknown connection fault {kind!r} (html, truncate, drop, hang)")
        with self._lock:
            self._wire.append({"kind": kind, "left": max(0, int(n)), "action": action, "status": int(status),
                               "seconds": float(seconds)})

    def take_wire(self, action: str | None, *, before_auth: bool) -> dict[str, Any] | None:
        """The connection fault for this request (``html`` strikes before authentication, the
        others once the request is read), counted down; None when nothing is armed."""
        with self._lock:
            for f in self._wire:
                if f["left"] <= 0 or (f["kind"] == "html") != before_auth:
                    continue
                if f["action"] and (action or "").lower() != f["action"].lower():
                    continue
                f["left"] -= 1
                return dict(f)
            self._wire = [f for f in self._wire if f["left"] > 0]
            return None

    def clear(self) -> None:
        with self._lock:
            self._fail_left = 0
            self._slow = 0.0
            self._wire = []

    @property
    def slow(self) -> float:
        with self._lock:
            return self._slow

    def take_failure(self) -> int | None:
        with self._lock:
            if self._fail_left <= 0:
                return None
            self._fail_left -= 1
            return self._fail_status


def _clock_call(machine: Any, name: str, *args: Any) -> None:
    """Tell an events-mode clock (simlab/clock.py) what the clients do; other clocks have no such methods."""
    fn = getattr(getattr(machine, "clock", None), name, None)
    if callable(fn):
        fn(*args)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, addr: tuple[str, int], owner: WSManServer) -> None:
        self.owner = owner
        self.connections: set[socket.socket] = set()
        self.conn_lock = threading.Lock()
        super().__init__(addr, _Handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, addr = super().get_request()
        if self.owner.ssl_context is not None:
            # the handshake runs in the connection's own thread (see _Handler.setup)
            sock = self.owner.ssl_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        with self.conn_lock:
            self.connections.add(sock)
        return sock, addr

    def shutdown_request(self, request: Any) -> None:
        with self.conn_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self.conn_lock:
            conns = list(self.connections)
        for sock in conns:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Microsoft-HTTPAPI/2.0"
    sys_version = ""
    timeout = 300  # idle keep-alive connections end after this
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        self.ntlm: NtlmConnection | None = None
        if isinstance(self.request, ssl.SSLSocket):
            try:
                self.request.do_handshake()
            except (ssl.SSLError, ConnectionError, OSError) as exc:
                # a client that refuses the certificate ends the connection, as HTTP.sys does: no
                # traceback on the server's stderr (socketserver's handle_error would print one)
                log.debug("TLS handshake refused: %s", exc)
                self._handshake_failed = True
                return
        self._handshake_failed = False

    def handle(self) -> None:
        if self._handshake_failed:
            return
        try:
            super().handle()
        except (ssl.SSLError, ConnectionError, OSError) as exc:
            log.debug("connection ended: %s", exc)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        log.debug("%s %s", self.address_string(), format % args)

    # ------------------------------------------------------------------ HTTP
    def _send(self, status: int, body: bytes = b"", headers: list[tuple[str, str]] | None = None) -> None:
        self.send_response(status)
        for k, v in headers or []:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)
        self.server.owner.counters_obj.add("bytes_out", len(body))

    def _unauthorized(self, failure: bool = True) -> None:
        """401 with the schemes Windows offers; ``failure=False`` for the first, credential-less challenge."""
        owner = self.server.owner
        owner.counters_obj.add("auth_failures" if failure else "auth_challenges")
        headers = [("WWW-Authenticate", "Negotiate")]
        if owner.machine.allow_basic and (owner.https or owner.machine.allow_unencrypted):
            headers.append(("WWW-Authenticate", 'Basic realm="WSMAN"'))
        self._send(401, b"", headers)

    def do_GET(self) -> None:  # noqa: N802
        self._send(405, b"", [("Allow", "POST")])

    def do_POST(self) -> None:  # noqa: N802
        owner = self.server.owner
        machine = owner.machine
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        owner.counters_obj.add("http_requests")
        owner.counters_obj.add("bytes_in", len(body))
        _clock_call(machine, "touch")  # a client at work (authentication included): an events clock waits
        if self.path.split("?")[0].lower() != "/wsman":
            self._send(404)
            return
        page = owner.faults.take_wire(None, before_auth=True)
        if page is not None:  # HTTP.sys answers itself: the request never reaches WinRM
            owner.counters_obj.add("injected_failures")
            self.close_connection = True
            self._send(page["status"], HTTPSYS_503_PAGE, [("Content-Type", "text/html; charset=us-ascii")])
            return

        # ---- authentication (per connection for NTLM, per request for Basic)
        account: str | None = None
        ntlm_auth = False
        authz = self.headers.get("Authorization")
        if authz:
            scheme, _, value = authz.strip().partition(" ")
            if scheme.lower() in ("negotiate", "ntlm"):
                if self.ntlm is None:
                    self.ntlm = NtlmConnection(machine, owner.bindings)
                try:
                    done, reply = self.ntlm.step(scheme, value.strip())
                except Exception as exc:  # wrong password, unknown user, bad bindings, garbage
                    log.info("NTLM authentication failed: %s", type(exc).__name__)
                    self.ntlm.reset()
                    self._unauthorized()
                    return
                if not done:
                    self._send(401, b"", [("WWW-Authenticate", f"{scheme} {reply}")])
                    return
                account, ntlm_auth = self.ntlm.account, True
            elif scheme.lower() == "basic":
                if not machine.allow_basic or (not owner.https and not machine.allow_unencrypted):
                    self._unauthorized()
                    return
                account = check_basic(machine, value.strip())
                if account is None:
                    self._unauthorized()
                    return
            else:
                self._unauthorized()
                return
        elif self.ntlm is not None and self.ntlm.complete:
            account, ntlm_auth = self.ntlm.account, True
        else:
            self._unauthorized(failure=False)
            return

        # ---- message encryption
        ctype = self.headers.get("Content-Type", "")
        encrypted = ctype.lower().startswith("multipart/encrypted")
        if encrypted:
            if not ntlm_auth or PROTOCOL.lower() not in ctype.lower():
                self._send(400)
                return
            try:
                assert self.ntlm is not None
                message = self.ntlm.decrypt(body)
                owner.counters_obj.add("encrypted_messages")
            except Exception as exc:
                log.info("could not decrypt a request: %s", type(exc).__name__)
                self._send(400)
                return
        else:
            message = body
            if message and not owner.https and not machine.allow_unencrypted:
                # AllowUnencrypted=false: a plain SOAP body over HTTP is refused like bad credentials
                if self.ntlm is not None:
                    self.ntlm.reset()
                self._unauthorized()
                return
        if not message:  # authentication-only request (pywinrm's encryption set-up)
            self._send(200)
            return

        status = owner.faults.take_failure()
        if status is not None:
            owner.counters_obj.add("injected_failures")
            self._send(status)
            return
        if len(message) > owner.max_envelope_size:
            owner.counters_obj.add("faults")
            self._send(413)
            return

        wire = owner.faults.take_wire(_action_of(message), before_auth=False)
        if wire is not None and wire["kind"] == "drop":
            owner.counters_obj.add("injected_failures")
            self.close_connection = True  # no status line at all: the client sees the connection end
            return
        if wire is not None and wire["kind"] == "hang":
            owner.counters_obj.add("injected_failures")
            time.sleep(wire["seconds"])
        status, payload = owner.handle_soap(message, account)
        if wire is not None and wire["kind"] == "truncate":
            owner.counters_obj.add("injected_failures")
            self.close_connection = True
            self.send_response(status)
            self.send_header("Content-Type", "application/soap+xml;charset=UTF-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload[: len(payload) // 2])
            self.wfile.flush()
            return
        if encrypted:
            assert self.ntlm is not None
            payload = self.ntlm.encrypt(payload)
            ctype_out = f'multipart/encrypted;protocol="{PROTOCOL}";boundary="Encrypted Boundary"'
        else:
            ctype_out = "application/soap+xml;charset=UTF-8"
        self._send(status, payload, [("Content-Type", ctype_out)])


def _action_of(message: bytes) -> str | None:
    """The WS-Man operation name of a SOAP request (``Receive`` ...), or None if it cannot be read."""
    try:
        return soap.parse_request(message).action
    except Exception:  # a broken request is answered with a fault later; no action to match here
        return None


class WSManServer:
    """A WinRM listener for one simulated machine on 127.0.0.1 (``port=0`` picks a free port)."""

    def __init__(
        self,
        machine: Any,
        *,
        https: bool = False,
        port: int = 0,
        host: str = "127.0.0.1",
        max_shells_per_user: int = 30,
        max_envelope_size: int = 512000,
    ) -> None:
        self.machine = machine
        self.https = https
        self.host = host
        self.max_shells_per_user = max_shells_per_user
        self.max_envelope_size = max_envelope_size
        self.counters_obj = Counters()
        self.faults = Faults()
        self.cert_path: Path | None = None
        self.ssl_context: ssl.SSLContext | None = None
        self.bindings: Any = None
        self._requested_port = port
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._tmpdir: Path | None = None
        self._shells: dict[str, Shell] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> WSManServer:
        if self._httpd is not None:
            return self
        if self.https:
            self._tmpdir = Path(tempfile.mkdtemp(prefix="rh-sim-tls-"))
            cert, key, der = make_self_signed(self._tmpdir, self.machine.computer_name)
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(cert, key)
            self.ssl_context, self.cert_path, self.bindings = ctx, cert, tls_bindings(der)
        self._httpd = _HTTPServer((self.host, self._requested_port), self)
        self._thread = threading.Thread(target=self._httpd.serve_forever, name=f"wsman-{self.port}", daemon=True)
        self._thread.start()
        log.info("WS-Man endpoint for %s listening on %s", self.machine.computer_name, self.endpoint)
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.close_connections()
        self._httpd.server_close()
        with self._lock:
            for shell in self._shells.values():
                shell.close()
            self._shells.clear()
        log.info("WS-Man endpoint %s stopped; counters: %s", self.endpoint, self.counters)
        self._httpd = None
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def __enter__(self) -> WSManServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the WS-Man server is not started")
        return int(self._httpd.server_address[1])

    @property
    def endpoint(self) -> str:
        return f"{'https' if self.https else 'http'}://{self.host}:{self.port}/wsman"

    @property
    def counters(self) -> dict[str, Any]:
        snap = self.counters_obj.snapshot()
        with self._lock:
            snap["open_shells"] = len(self._shells)
        return snap

    # ------------------------------------------------------------------ WS-Man
    def handle_soap(self, message: bytes, account: str) -> tuple[int, bytes]:
        """One SOAP request from an authenticated ``account`` → (HTTP status, envelope)."""
        relates_to = ""
        try:
            req = soap.parse_request(message)
            relates_to = req.message_id
            self.counters_obj.op(req.action)
            if not self.machine.may_use_winrm(account):
                raise soap.access_denied()
            if req.resource_uri.lower() != SHELL_URI:
                raise soap.unsupported(f"The resource URI {req.resource_uri!r}")
            handler = getattr(self, f"_op_{req.action.lower()}")
            return 200, soap.response(req, handler(req, account))
        except SoapFault as fault:
            self.counters_obj.add("faults")
            if fault.subcode == "w:TimedOut":
                self.counters_obj.add("timeouts")
            return 500, soap.fault_envelope(fault, relates_to, self.machine.computer_name)

    def _shell(self, req: Request, account: str) -> Shell:
        with self._lock:
            shell = self._shells.get((req.shell_id or "").upper())
        if shell is None or shell.owner.lower() != account.lower():
            raise soap.shell_not_found(req.shell_id or "")
        return shell

    def _op_create(self, req: Request, account: str) -> str:
        try:
            codepage = int(req.options.get("WINRS_CODEPAGE", "437"))
            encoding = codepage_encoding(codepage)
        except (ValueError, LookupError):
            raise soap.invalid_request(f"The code page {req.options.get('WINRS_CODEPAGE')!r} is not valid.") from None
        shell_el = req.body.find("rsp:Shell", NS) if req.body is not None else None
        variables: dict[str, str] = {}
        workdir = None
        if shell_el is not None:
            for var in shell_el.findall("rsp:Environment/rsp:Variable", NS):
                variables[var.get("Name", "")] = var.text or ""
            wd = shell_el.find("rsp:WorkingDirectory", NS)
            workdir = wd.text.strip() if wd is not None and wd.text else None
        profile = f"C:\\Users\\{account}"
        env = dict(self.machine.environment())
        env.update({
            "USERNAME": account, "USERDOMAIN": self.machine.computer_name, "USERPROFILE": profile,
            "HOMEDRIVE": "C:", "HOMEPATH": f"\\Users\\{account}", "APPDATA": profile + "\\AppData\\Roaming",
            "LOCALAPPDATA": profile + "\\AppData\\Local",
            "TEMP": profile + "\\AppData\\Local\\Temp", "TMP": profile + "\\AppData\\Local\\Temp",
        })
        env.update(variables)
        try:
            self.machine.fs.mkdir(profile + "\\AppData\\Local\\Temp")
        except Exception:  # a machine without C: (WinPE) still gets a shell
            pass
        with self._lock:
            owned = sum(1 for s in self._shells.values() if s.owner.lower() == account.lower())
            if owned >= self.max_shells_per_user:
                raise soap.too_many_shells(self.max_shells_per_user)
            shell = Shell(str(uuid.uuid4()).upper(), account, codepage, encoding, env,
                          req.options.get("WINRS_NOPROFILE", "FALSE").upper() == "TRUE", workdir or profile)
            self._shells[shell.shell_id] = shell
        self.counters_obj.add("shells_opened")
        sid = shell.shell_id
        _clock_call(self.machine, "hold", sid)  # its first command is on the way
        return (
            f"<x:ResourceCreated><a:Address>{self.endpoint}</a:Address><a:ReferenceParameters>"
            f"<w:ResourceURI>{SHELL_URI}</w:ResourceURI><w:SelectorSet><w:Selector Name=\"ShellId\">{sid}"
            f"</w:Selector></w:SelectorSet></a:ReferenceParameters></x:ResourceCreated>"
            f"<rsp:Shell><rsp:ShellId>{sid}</rsp:ShellId><rsp:ResourceUri>{SHELL_URI}</rsp:ResourceUri>"
            f"<rsp:Owner>{self.machine.computer_name}\\{account}</rsp:Owner><rsp:ClientIP>127.0.0.1</rsp:ClientIP>"
            f"<rsp:IdleTimeOut>PT7200.000S</rsp:IdleTimeOut><rsp:InputStreams>stdin</rsp:InputStreams>"
            f"<rsp:OutputStreams>stdout stderr</rsp:OutputStreams></rsp:Shell>"
        )

    def _op_delete(self, req: Request, account: str) -> str:
        shell = self._shell(req, account)
        with self._lock:
            self._shells.pop(shell.shell_id, None)
        shell.close()
        _clock_call(self.machine, "unhold", shell.shell_id)
        return ""

    def _op_command(self, req: Request, account: str) -> str:
        shell = self._shell(req, account)
        line = req.body.find("rsp:CommandLine", NS) if req.body is not None else None
        if line is None:
            raise soap.invalid_request("The CommandLine element is missing.")
        command = line.findtext("rsp:Command", default="", namespaces=NS)
        args = [a.text or "" for a in line.findall("rsp:Arguments", NS)]
        cmdline = " ".join([command, *args]) if args else command
        from simlab.cmd import run_cmdline

        _clock_call(self.machine, "unhold", shell.shell_id)
        cmd = shell.start_command(self.machine, cmdline, run_cmdline)
        cmd.hold_until = cmd.started + self.faults.slow  # type: ignore[attr-defined]
        self.counters_obj.add("commands")
        return f"<rsp:CommandResponse><rsp:CommandId>{cmd.command_id}</rsp:CommandId></rsp:CommandResponse>"

    def _command(self, shell: Shell, command_id: str | None) -> Any:
        cmd = shell.commands.get((command_id or "").upper())
        if cmd is None:
            raise soap.command_not_found(command_id or "")
        return cmd

    def _op_send(self, req: Request, account: str) -> str:
        shell = self._shell(req, account)
        streams = req.body.findall("rsp:Send/rsp:Stream", NS) if req.body is not None else []
        for stream in streams:
            cmd = self._command(shell, stream.get("CommandId"))
            try:
                data = base64.b64decode(stream.text or "")
            except ValueError:
                raise soap.invalid_request("The stdin data is not valid base64.") from None
            cmd.stdin.feed(data, end=(stream.get("End", "false").lower() == "true"))
        return "<rsp:SendResponse/>"

    def _op_receive(self, req: Request, account: str) -> str:
        shell = self._shell(req, account)
        desired = req.body.find("rsp:Receive/rsp:DesiredStream", NS) if req.body is not None else None
        cmd = self._command(shell, desired.get("CommandId") if desired is not None else None)
        hold_until = getattr(cmd, "hold_until", 0.0)
        # keep the response inside the client's MaxEnvelopeSize: base64 grows 4/3, plus the envelope
        limit = max(1024, (min(req.max_envelope_size, self.max_envelope_size) - 8192) * 3 // 4)
        deadline = time.monotonic() + req.operation_timeout
        with cmd.cond:
            while True:
                got = cmd.take(limit, hold_until)
                if got is not None:
                    break
                now = time.monotonic()
                if now >= deadline:
                    raise soap.timed_out()
                wait = deadline - now
                if now < hold_until:
                    wait = min(wait, hold_until - now)
                cmd.cond.wait(wait)
        out, err, finished, code = got
        cid = cmd.command_id
        parts = []
        if out:
            parts.append(f'<rsp:Stream Name="stdout" CommandId="{cid}">{base64.b64encode(out).decode()}</rsp:Stream>')
        if err:
            parts.append(f'<rsp:Stream Name="stderr" CommandId="{cid}">{base64.b64encode(err).decode()}</rsp:Stream>')
        if finished:
            _clock_call(self.machine, "hold", shell.shell_id)  # the client reads the end, then sends its next command
            parts.append(f'<rsp:Stream Name="stdout" CommandId="{cid}" End="true"></rsp:Stream>')
            parts.append(f'<rsp:Stream Name="stderr" CommandId="{cid}" End="true"></rsp:Stream>')
            parts.append(f'<rsp:CommandState CommandId="{cid}" State="{DONE}">'
                         f"<rsp:ExitCode>{(code or 0) & 0xFFFFFFFF}</rsp:ExitCode></rsp:CommandState>")
        else:
            parts.append(f'<rsp:CommandState CommandId="{cid}" State="{RUNNING}"/>')
        return f"<rsp:ReceiveResponse>{''.join(parts)}</rsp:ReceiveResponse>"

    def _op_signal(self, req: Request, account: str) -> str:
        shell = self._shell(req, account)
        sig = req.body.find("rsp:Signal", NS) if req.body is not None else None
        if sig is None:
            raise soap.invalid_request("The Signal element is missing.")
        cmd = self._command(shell, sig.get("CommandId"))
        code = (sig.findtext("rsp:Code", default="", namespaces=NS) or "").strip()
        if code == SIGNAL_CTRL_C:
            cmd.terminate(STATUS_CONTROL_C_EXIT)
        elif code == SIGNAL_TERMINATE:
            cmd.terminate()
            shell.commands.pop(cmd.command_id, None)
        else:
            raise soap.invalid_request(f"The signal code {code!r} is not valid.")
        return "<rsp:SignalResponse/>"
