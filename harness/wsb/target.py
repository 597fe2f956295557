"""A backup source of the inventory as the ``target`` parameter of the wsb_* templates, and reading
its catalog (``wsb_backup_sets.ps1``) with errors mapped to what they mean.

A share target carries its own credential (``backup_sources[].credentials``): it is resolved here
(env/keyring), registered with the Redactor, and travels ONLY inside the parameters JSON, where the
template builds a PSCredential from it. Over WinRM the share is a second hop, so the credential is
always passed explicitly (reference §4.1).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.errors import RemoteNotInstalled, RemoteScriptError
from harness.hyperv.operations import RemoteRunner
from harness.secrets import Credential, resolve_credential
from harness.wsb.errors import (ERROR_BUSY, BackupTargetUnavailable, WsbEngineBusy, WsbNotInstalled, code_of_error,
                                 explain)
from harness.wsb.facts import Discovery, parse_discovery


def target_path(source: Any) -> str:
    """``B:`` for a volume source, ``\\\\NAS01\\wsb`` for a share source."""
    return source.volume if source.kind == "wsb-volume" else source.path


def target_params(source: Any, credential: Credential | None = None, environ: Mapping[str, str] | None = None
                  ) -> dict[str, Any]:
    """The ``target`` parameter: kind, path and (for a share) user and password."""
    if source.kind == "wsb-volume":
        return {"kind": "volume", "path": source.volume}
    if source.kind != "wsb-share":
        raise ValueError(f"backup source {source.name!r} is a {source.kind}, not a WSB target")
    cred = credential or resolve_credential(source.credentials, purpose=f"backup source {source.name}",
                                            environ=environ)
    return {"kind": "share", "path": source.path, "user": cred.username, "password": cred.password}


def manifest_location(source: Any, manifest: str | None, machine: str | None) -> str:
    """Where the manifest file is: absolute as given, or relative to the target; ``{machine}`` expands."""
    if not manifest:
        return ""
    name = manifest.replace("{machine}", machine or "")
    if name.startswith("\\\\") or (len(name) > 2 and name[1] == ":"):
        return name
    return f"{target_path(source).rstrip(chr(92))}\\{name.lstrip(chr(92))}"


def remote_failure(exc: RemoteScriptError, what: str, target: str) -> Exception:
    """Map a failed WSB call to the exception that says what it means (lab problem or not)."""
    missing = str(exc.target or "")
    if isinstance(exc, RemoteNotInstalled) and missing and "-WB" not in missing.upper():
        return RemoteNotInstalled(f"{what}: the host lacks the command {missing} ({exc.message})", type=exc.type,
                                  fqid=exc.fqid, category=exc.category, target=exc.target, host=exc.host,
                                  template=exc.template, details=exc.details)
    if isinstance(exc, RemoteNotInstalled):
        return WsbNotInstalled(
            f"{what}: the WindowsServerBackup module is not available on {exc.host or 'the host'} ({exc.message}). "
            f"Fix: Install-WindowsFeature Windows-Server-Backup on the lab host.")
    code = code_of_error(exc.details, exc.message)
    meaning = f" {explain(code)}." if code is not None else ""
    if code == ERROR_BUSY:
        return WsbEngineBusy(f"{what}: Windows Server Backup on {exc.host or 'the host'} is running another job: "
                             f"{exc.message}{meaning}", code)
    return BackupTargetUnavailable(f"{what}: backup target {target} could not be read: {exc.message}{meaning}", code)


def discover(host: RemoteRunner, source: Any, *, machine: str | None = None, manifest: str | None = None,
             credential: Credential | None = None, timeout: float | None = None) -> Discovery:
    """Read the catalog of ``source`` (one remote command; the manifest file too when named)."""
    target = target_path(source)
    params = {"target": target_params(source, credential), "machine": machine or "",
              "manifest": manifest_location(source, manifest, machine)}
    try:
        data = host.run("wsb_backup_sets", params, timeout=timeout, idempotent=True)
    except RemoteScriptError as exc:
        raise remote_failure(exc, f"reading the backup catalog of {source.name}", target) from exc
    return parse_discovery(target, data)
