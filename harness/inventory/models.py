"""The inventory: what the harness may touch and what it restores (pydantic v2 models).

Every model forbids unknown keys (a typo is an error, not a silently ignored setting), except the
method-specific sections ``wsb:`` and ``bmr:`` of a scenario, which later issues fill in and are
kept permissive. Secrets are never stored here: credentials are *references* (env var names or a
keyring entry). See docs/inventory.md for every field.
"""

from __future__ import annotations

import re
from pathlib import Path, PureWindowsPath
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator
from pydantic_core import PydanticCustomError

from harness.restore.registry import METHOD_NAMES, METHODS


def fail(message: str, fix: str, loc: tuple[str | int, ...] | None = None) -> PydanticCustomError:
    """A validation error with a fix hint (shown as ``Fix: ...``) and optionally the exact field
    (``loc``, relative to the model that raises it) for errors found by cross-checks."""
    ctx: dict[str, Any] = {"fix": fix}
    if loc:
        ctx["loc"] = loc
    return PydanticCustomError("inventory", message, ctx)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


_ENV_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _env_name(value: str | None, field: str) -> str | None:
    if value is not None and not _ENV_RE.match(value):
        raise fail(
            f"{value!r} is not an environment variable name",
            f"`{field}:` takes the NAME of a variable (e.g. RH_SIM_PASSWORD), never the secret itself",
        )
    return value


def _windows_abs_path(value: str, what: str) -> str:
    p = PureWindowsPath(value)
    if not (p.drive and p.root) and not value.startswith("\\\\"):
        raise fail(f"{value!r} is not an absolute Windows path", f"write the {what} like E:\\RestoreTests")
    return value


# ----------------------------------------------------------------------------- credentials


class KeyringRef(_Model):
    """A password kept in the OS keyring (``keyring set <service> <name>``)."""

    service: str = Field(min_length=1)
    name: str | None = None  # default: the user name


class CredentialRef(_Model):
    """A reference to a credential: user name + where the password is. Never the password itself."""

    username: str | None = None
    username_env: str | None = None
    password_env: str | None = None
    keyring: KeyringRef | None = None
    password: Any = Field(default=None, exclude=True, repr=False)

    @field_validator("password", mode="before")
    @classmethod
    def _no_literal_password(cls, value: Any) -> Any:
        if value is not None:
            raise fail(
                "a literal password is not allowed in an inventory file",
                "remove `password:` and reference the secret instead: `password_env: <VARIABLE NAME>` "
                "(export the variable before the run) or `keyring: {service: restore-harness, name: <user>}`",
            )
        return value

    @field_validator("username_env", "password_env")
    @classmethod
    def _env_names(cls, value: str | None, info: Any) -> str | None:
        return _env_name(value, info.field_name)

    @model_validator(mode="after")
    def _complete(self) -> CredentialRef:
        if not self.username and not self.username_env:
            raise fail("no user name", "add `username: DOMAIN\\user` or `username_env: <VARIABLE NAME>`")
        if self.username and self.username_env:
            raise fail("both `username` and `username_env` are set", "keep only one of them")
        if not self.password_env and self.keyring is None:
            raise fail("no password reference", "add `password_env: <VARIABLE NAME>` or `keyring: {service: ...}`")
        if self.password_env and self.keyring is not None:
            raise fail("both `password_env` and `keyring` are set", "keep only one of them")
        return self


# ----------------------------------------------------------------------------- hosts


class IsolatedSwitch(_Model):
    """A virtual switch on the lab host that restored VMs may use (no path to production)."""

    name: str = Field(min_length=1)
    type: Literal["Private", "Internal"]

    @field_validator("type", mode="before")
    @classmethod
    def _type(cls, value: Any) -> Any:
        if isinstance(value, str):
            canonical = {"private": "Private", "internal": "Internal", "external": "External"}.get(value.lower(), value)
            if canonical == "External":
                raise fail(
                    "an External switch is not isolated",
                    "list only Private or Internal switches here; restored VMs must never reach the production network",
                )
            return canonical
        return value


class Host(_Model):
    """A Hyper-V lab host reached over WinRM."""

    name: str = Field(min_length=1)
    address: str = Field(min_length=1)
    port: int | None = Field(default=None, ge=1, le=65535)  # default: 5985 (http) / 5986 (https)
    scheme: Literal["http", "https"] = "https"
    auth: Literal["ntlm", "kerberos", "credssp", "basic", "certificate"] = "ntlm"
    cert_validation: bool = True
    ca_bundle: str | None = None
    client_cert: str | None = None  # PEM file (auth: certificate)
    client_key: str | None = None  # PEM key file (auth: certificate)
    credentials: CredentialRef | None = None
    lab_only: bool = False
    simulated: bool = False
    isolated_switches: list[IsolatedSwitch] = Field(default_factory=list)
    scratch_root: str
    operation_timeout_sec: int = Field(default=20, ge=1)
    read_timeout_sec: int = Field(default=30, ge=2)
    default_timeout_sec: float = Field(default=1800, gt=0)  # overall deadline of one remote operation

    @field_validator("scratch_root")
    @classmethod
    def _scratch(cls, value: str) -> str:
        return _windows_abs_path(value, "scratch root")

    @model_validator(mode="after")
    def _consistent(self) -> Host:
        if self.read_timeout_sec <= self.operation_timeout_sec:
            raise fail(
                "read_timeout_sec must be greater than operation_timeout_sec",
                f"set read_timeout_sec to at least {self.operation_timeout_sec + 10}",
            )
        if self.auth == "certificate":
            if not (self.client_cert and self.client_key):
                raise fail("auth: certificate needs `client_cert:` and `client_key:`", "give the PEM file paths")
            if self.scheme != "https":
                raise fail("auth: certificate works only over HTTPS", "set `scheme: https`")
        elif self.credentials is None:
            raise fail(f"auth: {self.auth} needs `credentials:`", "add `credentials: {username: ..., password_env: ...}`")
        if self.auth == "basic" and self.scheme == "http":
            raise fail(
                "auth: basic over http sends the password unencrypted",
                "use `scheme: https`, or `auth: ntlm`/`kerberos` (message encryption over http)",
            )
        names = [s.name.lower() for s in self.isolated_switches]
        if len(names) != len(set(names)):
            raise fail("a switch is listed twice in isolated_switches", "list each switch once")
        return self

    @property
    def effective_port(self) -> int:
        """The port to connect to (5985 for http, 5986 for https unless set)."""
        return self.port or (5985 if self.scheme == "http" else 5986)

    @property
    def endpoint(self) -> str:
        """The WS-Management endpoint URL."""
        address = f"[{self.address}]" if ":" in self.address else self.address
        return f"{self.scheme}://{address}:{self.effective_port}/wsman"

    def isolated_switch(self, name: str) -> IsolatedSwitch | None:
        """The isolated switch called ``name`` (case-insensitive, like Hyper-V), if listed."""
        return next((s for s in self.isolated_switches if s.name.lower() == name.lower()), None)


# ----------------------------------------------------------------------------- backup sources


class _Source(_Model):
    name: str = Field(min_length=1)
    host: str | None = None  # lab host that reads the backup (default: the only host)
    machine: str | None = None  # the machine that was backed up (e.g. HV-PROD01, FS01)


class HyperVExportSource(_Source):
    """A folder with Hyper-V exports: ``<path>\\<VM>\\Virtual Machines\\<GUID>.vmcx`` ..."""

    kind: Literal["hyperv-export"]
    path: str

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        return _windows_abs_path(value, "export folder")


class WsbVolumeSource(_Source):
    """A Windows Server Backup target on a local volume of the lab host (e.g. ``B:``)."""

    kind: Literal["wsb-volume"]
    volume: str

    @field_validator("volume")
    @classmethod
    def _volume(cls, value: str) -> str:
        if not re.match(r"^[A-Za-z]:\\?$", value):
            raise fail(f"{value!r} is not a volume", "write the drive letter like B:")
        return value[:2].upper()


class WsbShareSource(_Source):
    """A Windows Server Backup target on a network share, with its own credential."""

    kind: Literal["wsb-share"]
    path: str
    credentials: CredentialRef

    @field_validator("path")
    @classmethod
    def _unc(cls, value: str) -> str:
        if not re.match(r"^\\\\[^\\]+\\[^\\]+", value):
            raise fail(f"{value!r} is not a UNC path", "write the share like \\\\NAS01\\wsb")
        return value


BackupSource = Annotated[HyperVExportSource | WsbVolumeSource | WsbShareSource, Field(discriminator="kind")]


# ----------------------------------------------------------------------------- guests


class Guest(_Model):
    """How to reach a restored guest (by its original VM name) to check its services."""

    vm: str = Field(min_length=1)
    credentials: CredentialRef
    transport: Literal["winrm", "powershell-direct", "auto"] = "auto"
    address: str | None = None  # for transport winrm (an address on the isolated lab network)


# ----------------------------------------------------------------------------- scenarios


class ExpectedFile(_Model):
    """One file of an inline content manifest: original path, SHA-256 (hex) and optional size."""

    path: str = Field(min_length=1)
    sha256: str = Field(pattern=r"^[0-9a-fA-F]{64}$")
    size: int | None = Field(default=None, ge=0)


class WsbSettings(BaseModel):
    """Windows Server Backup options of a scenario (permissive: later issues add fields)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    backup_selection: Literal["latest", "version", "older-than-days"] = "latest"
    version: str | None = None  # WSB version identifier, e.g. 11/20/2026-21:00 (selection: version)
    older_than_days: int | None = Field(default=None, ge=0)
    items: list[str] = Field(default_factory=list)
    manifest: str | None = None  # SHA-256 manifest file stored beside the backup
    # issue 5 (docs/wsb-restore.md): content, backup policy and job settings
    recursive: bool = True  # restore folders with everything below them
    expected_files: list[ExpectedFile] = Field(default_factory=list)  # inline manifest
    machine: str | None = None  # backed-up machine (default: the backup source's `machine`)
    max_age_days: float | None = Field(default=None, gt=0)  # default: policies.max_backup_age_days
    timeout_minutes: float | None = Field(default=None, gt=0)  # per WSB job (default 240)
    poll_seconds: float | None = Field(default=None, gt=0)  # Get-WBJob poll interval (default 15)

    @model_validator(mode="after")
    def _selection(self) -> WsbSettings:
        if self.backup_selection == "version" and not self.version:
            raise fail("backup_selection: version needs `version:`", "add the WSB version identifier, e.g. version: 11/20/2026-21:00")
        if self.backup_selection == "older-than-days" and self.older_than_days is None:
            raise fail("backup_selection: older-than-days needs `older_than_days:`", "add e.g. older_than_days: 30")
        return self


class BmrSettings(BaseModel):
    """Bare-metal recovery options of a scenario (permissive: later issues add fields)."""

    model_config = ConfigDict(extra="allow", frozen=True)


# the restore methods of the registry (harness/restore/registry.py), one table for the whole harness
Method = Literal[METHOD_NAMES]  # type: ignore[valid-type]
ImportType = Literal["register", "restore", "copy-new-id"]


class Scenario(_Model):
    """One restore test: what to restore, how, where to connect it, what must be healthy after."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    host: str | None = None  # default: the only host
    source: str  # a backup_sources name
    vm: str = Field(min_length=1)  # the VM (or machine) as it is in the backup
    method: Method
    import_type: ImportType | None = None
    switch_map: dict[str, str] = Field(default_factory=dict)
    service_profiles: list[str] = Field(default_factory=list)
    services: list[str] = Field(default_factory=list)
    rto_minutes: float | None = Field(default=None, gt=0)
    boot_timeout_minutes: float = Field(default=15, gt=0)  # heartbeat bound after Start-VM (harness.restore.boot)
    checkpoint_remediation: Literal["remove", "restart-vmms", "none"] = "remove"
    wsb: WsbSettings | None = None
    bmr: BmrSettings | None = None

    @model_validator(mode="after")
    def _method_fields(self) -> Scenario:
        if self.method == "import" and self.import_type is None:
            raise fail("method: import needs `import_type:`", "add import_type: register, restore or copy-new-id")
        if self.method != "import" and self.import_type is not None:
            raise fail(f"`import_type:` applies only to method: import (this is {self.method})", "remove import_type")
        return self


# ----------------------------------------------------------------------------- policies, reports


class Policies(_Model):
    """Audit policy: how old a backup may be and how often a restore must be retested."""

    max_backup_age_days: int = Field(default=7, ge=1)
    retest_interval_months: int = Field(default=6, ge=1, le=24)


class ReportsSettings(_Model):
    """Where and how reports are written."""

    dir: str = "reports"
    title: str = "Restore test evidence"
    organisation: str | None = None
    attach_scripts: bool = True  # rendered scripts (redacted) as Allure attachments
    attach_raw_results: bool = True


# ----------------------------------------------------------------------------- the inventory


class Inventory(_Model):
    """A whole inventory file."""

    version: Literal[1] = 1
    lab: str = Field(default="lab", min_length=1)  # a name for the lab, shown in reports
    hosts: list[Host] = Field(min_length=1)
    backup_sources: list[BackupSource] = Field(default_factory=list)
    guests: list[Guest] = Field(default_factory=list)
    scenarios: list[Scenario] = Field(default_factory=list)
    policies: Policies = Field(default_factory=Policies)
    reports: ReportsSettings = Field(default_factory=ReportsSettings)
    # extra service-profile directories, relative to the inventory file (or absolute); searched before
    # the built-in inventories/profiles, so a file with a built-in's name overrides it
    profile_dirs: list[str] = Field(default_factory=list)
    # folders of the user's own PowerShell templates (<name>.ps1) for the `lab_host` fixture, relative
    # to the inventory file (or absolute); searched before the built-in templates (docs/writing-checks.md)
    template_dirs: list[str] = Field(default_factory=list)
    simulated_lab: dict[str, Any] | None = Field(default=None, exclude=True)  # read only by the simulator package
    _base_dir: Path | None = PrivateAttr(default=None)  # the inventory file's folder (set by the loader)

    @model_validator(mode="after")
    def _references(self) -> Inventory:
        _unique([h.name for h in self.hosts], "hosts", "host")
        _unique([s.name for s in self.backup_sources], "backup_sources", "backup source")
        _unique([s.name for s in self.scenarios], "scenarios", "scenario")
        _unique([g.vm for g in self.guests], "guests", "guest")
        host_names = {h.name.lower(): h for h in self.hosts}
        for i, src in enumerate(self.backup_sources):
            if src.host is not None and src.host.lower() not in host_names:
                raise fail(f"backup source {src.name!r} names unknown host {src.host!r}", f"use one of: {', '.join(h.name for h in self.hosts)}", ("backup_sources", i, "host"))
        sources = {s.name: s for s in self.backup_sources}
        for i, sc in enumerate(self.scenarios):
            host = self._scenario_host(sc, i)
            if not host.lab_only:
                raise fail(
                    f"scenario {sc.name!r} runs on host {host.name!r}, which is not marked `lab_only: true`",
                    f"the harness touches only lab hosts: add `lab_only: true` to host {host.name} if it is one",
                    ("scenarios", i, "host"),
                )
            src = sources.get(sc.source)
            if src is None:
                raise fail(f"scenario {sc.name!r} names unknown backup source {sc.source!r}", f"use one of: {', '.join(sources) or '(none defined: add backup_sources:)'}", ("scenarios", i, "source"))
            wanted = METHODS[sc.method].source_kinds
            if src.kind not in wanted:
                raise fail(f"scenario {sc.name!r}: method {sc.method} cannot restore from a {src.kind} source", f"use a source of kind {' or '.join(wanted)}", ("scenarios", i, "method"))
            for original, lab_switch in sc.switch_map.items():
                if host.isolated_switch(lab_switch) is None:
                    raise fail(
                        f"scenario {sc.name!r} maps {original!r} to {lab_switch!r}, which is not an isolated switch of {host.name}",
                        f"map to one of {', '.join(s.name for s in host.isolated_switches) or '(none: add isolated_switches: to the host)'}",
                        ("scenarios", i, "switch_map", original),
                    )
        return self

    def _scenario_host(self, sc: Scenario, index: int | None = None) -> Host:
        where: tuple[str | int, ...] | None = ("scenarios", index) if index is not None else None
        if sc.host is None:
            if len(self.hosts) != 1:
                raise fail(f"scenario {sc.name!r} has no `host:` and the inventory has several hosts", "add host: <name>", where)
            return self.hosts[0]
        host = self.host(sc.host)
        if host is None:
            raise fail(f"scenario {sc.name!r} names unknown host {sc.host!r}", f"use one of: {', '.join(h.name for h in self.hosts)}", where and where + ("host",))
        return host

    # -- lookups used by the rest of the harness

    def profile_search_path(self) -> list[Path]:
        """``profile_dirs`` as absolute paths (relative entries are relative to the inventory file,
        which the loader records; without one, to the current directory)."""
        base = self._base_dir or Path.cwd()
        return [(base / d) if not Path(d).is_absolute() else Path(d) for d in self.profile_dirs]

    def template_search_path(self) -> list[Path]:
        """``template_dirs`` as absolute paths (relative to the inventory file, as ``profile_dirs``)."""
        base = self._base_dir or Path.cwd()
        return [(base / d) if not Path(d).is_absolute() else Path(d) for d in self.template_dirs]

    def host(self, name: str) -> Host | None:
        """The host called ``name`` (case-insensitive), or None."""
        return next((h for h in self.hosts if h.name.lower() == name.lower()), None)

    def scenario(self, name: str) -> Scenario | None:
        """The scenario called ``name``, or None."""
        return next((s for s in self.scenarios if s.name == name), None)

    def scenario_host(self, scenario: Scenario) -> Host:
        """The host a scenario runs on."""
        return self._scenario_host(scenario)

    def source(self, name: str) -> HyperVExportSource | WsbVolumeSource | WsbShareSource | None:
        """The backup source called ``name``, or None."""
        return next((s for s in self.backup_sources if s.name == name), None)

    def guest(self, vm: str) -> Guest | None:
        """Guest access settings for the (original) VM name, or None."""
        return next((g for g in self.guests if g.vm.lower() == vm.lower()), None)


def _unique(names: list[str], field: str, what: str) -> None:
    seen: set[str] = set()
    for i, n in enumerate(names):
        if n.lower() in seen:
            raise fail(f"{what} {n!r} is defined twice in {field}", f"give each {what} a unique name", (field, i))
        seen.add(n.lower())
