"""The inventory: what the harness may touch and what it restores (pydantic v2 models).

Every model forbids unknown keys (a typo is an error, never a silently ignored setting) and is
strict: ``lab_only: "yes"`` is text, not true, and ``port: "5986"`` is text, not a number. There is
one model per section; the restore flows read these typed settings. Every limit a run enforces is
checked here, so ``restore-harness validate`` refuses what ``run`` would refuse later: the length of
the names a run creates (harness.naming), isolated switches, Windows paths without ``..``, and
upper bounds on timeouts, sizes and counts. Secrets are never stored here: credentials are
*references* (env var names or a keyring entry). See docs/inventory.md for every field and bound.
"""

from __future__ import annotations

import re
from pathlib import Path, PureWindowsPath
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictBool,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from harness import naming
from harness.restore.registry import METHOD_NAMES, METHODS


def fail(message: str, fix: str, loc: tuple[str | int, ...] | None = None) -> PydanticCustomError:
    """A validation error with a fix hint (shown as ``Fix: ...``) and optionally the exact field
    (``loc``, relative to the model that raises it) for errors found by cross-checks."""
    ctx: dict[str, Any] = {"fix": fix}
    if loc:
        ctx["loc"] = loc
    return PydanticCustomError("inventory", message, ctx)


#: Longest text value of any field (names, addresses, titles); paths have their own bound.
MAX_TEXT = 1024
#: Windows' MAX_PATH is 260 characters including the terminating NUL.
MAX_PATH = 259
#: The scratch root leaves room under MAX_PATH for what a run creates below it, e.g.
#: ``<scratch_root>\<run id (21)>\<scenario (≤ 78)>\Virtual Hard Disks\`` (≤ 201 characters).
MAX_SCRATCH_ROOT = 80
#: Bounds of timeouts and intervals (docs/inventory.md).
MAX_TIMEOUT_MINUTES = 2880  # 48 hours: a restore job, a recovery
MAX_BOOT_MINUTES = 1440  # 24 hours: a boot
MAX_POLL_SECONDS = 600
MAX_RETRIES = 20  # transient WinRM faults retried per command
MAX_RTO_MINUTES = 10080  # a week: a recovery time objective
MAX_DAYS = 3650  # ten years: backup ages and selections
#: Bounds of counts.
MAX_HOSTS, MAX_SOURCES, MAX_GUESTS, MAX_SCENARIOS = 32, 256, 1024, 256
MAX_SWITCHES, MAX_SERVICES, MAX_PROFILES, MAX_ITEMS, MAX_EXPECTED_FILES = 64, 256, 64, 1024, 10_000


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, strict=True,
                              str_max_length=MAX_TEXT)


_ENV_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_BAD_PATH_CHARS = set('<>"|?*') | {chr(c) for c in range(32)}


def _env_name(value: str | None, field: str) -> str | None:
    if value is not None and not _ENV_RE.match(value):
        raise fail(
            f"{value!r} is not an environment variable name",
            f"`{field}:` takes the NAME of a variable (e.g. RH_SIM_PASSWORD), never the secret itself",
        )
    return value


def windows_path(value: str, what: str, example: str, *, drive: bool = True, unc: bool = True,
                 relative: bool = False, max_length: int = MAX_PATH) -> str:
    r"""``value`` as a normalised Windows path (``/`` → ``\``, ``.`` and doubled separators dropped).

    Refused: ``..`` (and any component of only dots and spaces: Windows treats ``...`` and ``.. ``
    like ``..``), a component ending in a dot or a space (Windows silently drops those, so the folder
    would not be the one written), characters Windows refuses in names, device paths (``\\?\``,
    ``\\.\``) and the kinds not allowed by ``drive`` (``E:\...``), ``unc`` (``\\server\share``)
    and ``relative``. See "File path formats on Windows systems" (Microsoft docs).
    """
    fix = f"write the {what} like {example}"
    shown = f"'{value}'"  # as written (a repr would double every backslash)
    if value.startswith(("\\\\?\\", "\\\\.\\", "//?/", "//./")):
        raise fail(f"{shown} is a device path", fix)
    p = PureWindowsPath(value)
    is_unc = p.drive.startswith("\\\\")
    is_drive = len(p.drive) == 2 and bool(p.root)
    if not ((drive and is_drive) or (unc and is_unc) or (relative and not p.anchor)):
        kinds = [k for k, ok in (("an absolute path on a volume", drive), ("a UNC path", unc),
                                 ("a relative path", relative)) if ok]
        raise fail(f"{shown} is not {' or '.join(kinds)}", fix)
    for part in p.parts[1:] if p.anchor else p.parts:
        if part.strip(". ") == "":
            raise fail(f"{shown} contains '{part}': a path that climbs out of its folder is not allowed",
                       f"{fix}, without `..`")
        if part != part.rstrip(". "):
            raise fail(f"{shown}: the folder or file name '{part}' ends in a dot or a space, which Windows drops",
                       f"remove the trailing dot or space ({example})")
        bad = sorted({c for c in part if c in _BAD_PATH_CHARS or c == ":"})
        if bad:
            raise fail(f"{shown}: '{part}' contains characters Windows does not allow in names: "
                       f"{' '.join(repr(c) for c in bad)}", fix)
    out = str(p)
    if is_unc and len(p.parts) == 1:
        out = out.rstrip("\\")  # \\NAS01\wsb, as written (PureWindowsPath adds a trailing separator)
    if len(out) > max_length:
        raise fail(f"the {what} is {len(out)} characters long (limit {max_length})", f"use a shorter {what}")
    return out


def _windows_abs_path(value: str, what: str) -> str:
    return windows_path(value, what, "E:\\RestoreTests")


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


class RetryPolicy(_Model):
    """How the transport retries a transient WinRM fault (HTTP 500/502/503, a reset or refused
    connection, a read timeout): up to ``retries`` more tries, pausing ``backoff_sec`` before the
    first and doubling each time up to ``max_backoff_sec``. The same pauses space teardown's
    reconnect attempts. Defaults: 4 retries, 1 s doubling to at most 30 s (1 + 2 + 4 + 8 = 15 s of
    pauses before a command gives up)."""

    retries: int = Field(default=4, ge=0, le=MAX_RETRIES)
    backoff_sec: float = Field(default=1.0, ge=0.01, le=MAX_POLL_SECONDS)
    max_backoff_sec: float = Field(default=30.0, ge=0.01, le=MAX_POLL_SECONDS)

    @model_validator(mode="after")
    def _ordered(self) -> RetryPolicy:
        if self.max_backoff_sec < self.backoff_sec:
            raise fail(
                f"max_backoff_sec ({self.max_backoff_sec:g}) is smaller than backoff_sec ({self.backoff_sec:g})",
                f"set max_backoff_sec to at least {self.backoff_sec:g}, or lower backoff_sec",
                ("max_backoff_sec",),
            )
        return self


class Host(_Model):
    """A Hyper-V lab host reached over WinRM."""

    name: str = Field(min_length=1, max_length=255)
    address: str = Field(min_length=1, max_length=255)
    port: int | None = Field(default=None, ge=1, le=65535)  # default: 5985 (http) / 5986 (https)
    scheme: Literal["http", "https"] = "https"
    auth: Literal["ntlm", "kerberos", "credssp", "basic", "certificate"] = "ntlm"
    cert_validation: StrictBool = True
    ca_bundle: str | None = None
    client_cert: str | None = None  # PEM file (auth: certificate)
    client_key: str | None = None  # PEM key file (auth: certificate)
    credentials: CredentialRef | None = None
    lab_only: StrictBool = False
    simulated: StrictBool = False
    isolated_switches: list[IsolatedSwitch] = Field(default_factory=list, max_length=MAX_SWITCHES)
    scratch_root: str
    operation_timeout_sec: int = Field(default=20, ge=1, le=3600)
    read_timeout_sec: int = Field(default=30, ge=2, le=3660)
    default_timeout_sec: float = Field(default=1800, gt=0, le=MAX_TIMEOUT_MINUTES * 60)  # one remote operation
    retry: RetryPolicy = Field(default_factory=RetryPolicy)  # transient WinRM faults: how often, how long apart
    # drill scheduler (--drill): restores at once on this host; default from its scratch volume and
    # memory (harness/engine/scheduler.py, docs/drills.md)
    max_concurrent_restores: int | None = Field(default=None, ge=1, le=25)

    @field_validator("scratch_root")
    @classmethod
    def _scratch(cls, value: str) -> str:
        return windows_path(value, "scratch root", "E:\\RestoreTests", max_length=MAX_SCRATCH_ROOT)

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
    name: str = Field(min_length=1, max_length=255)
    host: str | None = None  # lab host that reads the backup (default: the only host)
    machine: str | None = Field(default=None, max_length=255)  # the machine that was backed up (e.g. HV-PROD01)


class HyperVExportSource(_Source):
    """A folder with Hyper-V exports: ``<path>\\<VM>\\Virtual Machines\\<GUID>.vmcx`` ..."""

    kind: Literal["hyperv-export"]
    path: str

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        return windows_path(value, "export folder", "B:\\Exports")


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
        return windows_path(value, "share", "\\\\NAS01\\wsb", drive=False)


BackupSource = Annotated[HyperVExportSource | WsbVolumeSource | WsbShareSource, Field(discriminator="kind")]


# ----------------------------------------------------------------------------- guests


class Guest(_Model):
    """How to reach a restored guest (by its original VM name) to check its services."""

    vm: str = Field(min_length=1, max_length=naming.MAX_NAME_LENGTH)
    credentials: CredentialRef
    transport: Literal["winrm", "powershell-direct", "auto"] = "auto"
    address: str | None = Field(default=None, max_length=255)  # for transport winrm (on the isolated lab network)


# ----------------------------------------------------------------------------- scenarios


def _volume_item(value: str, what: str) -> str:
    """A file or folder on a volume (``D:\\Shares\\Finance``): what WSB's item-level recovery takes."""
    out = windows_path(value, what, "D:\\Shares\\Finance", unc=False)
    if len(PureWindowsPath(out).parts) < 2:
        raise fail(f"'{value}' is a whole volume, not a file or folder",
                   "item-level recovery restores files and folders: write e.g. D:\\Shares\\Finance")
    return out


class ExpectedFile(_Model):
    """One file of an inline content manifest: original path, SHA-256 (hex) and optional size."""

    path: str = Field(min_length=1)
    sha256: str = Field(pattern=r"^[0-9a-fA-F]{64}$")
    size: int | None = Field(default=None, ge=0, le=2**48)  # 256 TiB: the largest NTFS file

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        return _volume_item(value, "file path")


def _item(value: str) -> str:
    return _volume_item(value, "item")


def _driver_folder(value: str) -> str:
    return windows_path(value, "driver folder", "B:\\Drivers\\Storage", unc=False)


def _inf(value: str) -> str:
    if "\\" in value or "/" in value or not value.lower().endswith(".inf"):
        raise fail(f"'{value}' is not an INF file name", "write the original name like lsisas3.inf")
    return value


_DriverFolder = Annotated[str, AfterValidator(_driver_folder)]


class WsbSettings(_Model):
    """Windows Server Backup options of a ``wsb-files`` or ``wsb-vm`` scenario (docs/wsb-restore.md)."""

    backup_selection: Literal["latest", "version", "older-than-days"] = "latest"
    version: str | None = Field(default=None, pattern=r"^\d{2}/\d{2}/\d{4}-\d{2}:\d{2}$")  # e.g. 11/20/2026-21:00
    older_than_days: int | None = Field(default=None, ge=0, le=MAX_DAYS)
    items: list[Annotated[str, AfterValidator(_item)]] = Field(default_factory=list, max_length=MAX_ITEMS)  # wsb-files
    manifest: str | None = None  # wsb-files: SHA-256 manifest file stored beside the backup
    recursive: StrictBool = True  # wsb-files: restore folders with everything below them
    expected_files: list[ExpectedFile] = Field(default_factory=list, max_length=MAX_EXPECTED_FILES)  # inline manifest
    machine: str | None = Field(default=None, max_length=255)  # default: the backup source's `machine`
    max_age_days: float | None = Field(default=None, gt=0, le=MAX_DAYS)  # default: policies.max_backup_age_days
    timeout_minutes: float | None = Field(default=None, gt=0, le=MAX_TIMEOUT_MINUTES)  # per WSB job (default 240)
    poll_seconds: float | None = Field(default=None, ge=1, le=MAX_POLL_SECONDS)  # Get-WBJob poll (default 15)

    #: Fields only item-level recovery (method: wsb-files) reads.
    FILES_ONLY: ClassVar[tuple[str, ...]] = ("items", "manifest", "recursive", "expected_files")

    @field_validator("manifest")
    @classmethod
    def _manifest(cls, value: str | None) -> str | None:
        if value is None:
            return value
        return windows_path(value, "manifest path", "WindowsImageBackup\\{machine}\\manifest.sha256.json",
                            relative=True)

    @model_validator(mode="after")
    def _selection(self) -> WsbSettings:
        if self.backup_selection == "version" and not self.version:
            raise fail("backup_selection: version needs `version:`", "add the WSB version identifier, e.g. version: 11/20/2026-21:00")
        if self.backup_selection == "older-than-days" and self.older_than_days is None:
            raise fail("backup_selection: older-than-days needs `older_than_days:`", "add e.g. older_than_days: 30")
        return self


class BmrSettings(_Model):
    """The ``bmr:`` section of a ``method: bmr`` scenario (docs/bmr.md lists every field)."""

    generation: Literal[1, 2]  # of the machine that was backed up
    vm_generation: Literal[1, 2] | None = None  # of the recovery VM (default: generation)
    cpu: int = Field(default=2, ge=1, le=240)
    memory_gb: float = Field(default=4, gt=0, le=12288)
    system_disk_gb: int = Field(default=127, ge=8, le=65536)  # a VHDX holds at most 64 TB
    switch: str | None = None  # isolated switch for the recovery VM (default: the host's first isolated switch)
    backup_version: str = "latest"  # 'latest' or a WSB version identifier MM/dd/yyyy-HH:mm
    winpe_iso: str
    drivers: list[_DriverFolder] = Field(default_factory=list, max_length=64)  # injected: DISM /Add-Driver /Recurse
    expected_drivers: list[Annotated[str, AfterValidator(_inf)]] = Field(default_factory=list, max_length=256)
    winpe_nic_drivers: list[_DriverFolder] = Field(default_factory=list, max_length=64)  # drvload in WinPE
    force_unsigned: StrictBool = False
    recovery_timeout_minutes: float = Field(default=240, gt=0, le=MAX_TIMEOUT_MINUTES)
    boot_timeout_minutes: float = Field(default=20, gt=0, le=MAX_BOOT_MINUTES)
    poll_seconds: float = Field(default=30, ge=1, le=MAX_POLL_SECONDS)
    expect_heartbeat: StrictBool = True
    expect_guest_answer: StrictBool = True

    @field_validator("winpe_iso")
    @classmethod
    def _iso(cls, value: str) -> str:
        value = windows_path(value, "ISO path", "B:\\ISO\\WinPE_amd64.iso", unc=False)
        if not value.lower().endswith(".iso"):
            raise fail(f"{value!r} is not an .iso file",
                       "give the WinPE/WinRE ISO built with MakeWinPEMedia /ISO, e.g. B:\\ISO\\WinPE_amd64.iso")
        return value

    @field_validator("backup_version")
    @classmethod
    def _version(cls, value: str) -> str:
        if value != "latest" and not re.match(r"^\d{2}/\d{2}/\d{4}-\d{2}:\d{2}$", value):
            raise fail(f"{value!r} is not 'latest' or a WSB version identifier",
                       "write latest or a version like 11/19/2026-22:00 (wbadmin get versions)")
        return value

    @model_validator(mode="after")
    def _drivers_expected(self) -> BmrSettings:
        if self.expected_drivers and not self.drivers:
            raise fail("expected_drivers are listed but no `drivers:` folders are injected",
                       "add the folders that hold them (e.g. drivers: ['B:\\Drivers\\Storage'])", ("drivers",))
        return self


# the restore methods of the registry (harness/restore/registry.py), one table for the whole harness
Method = Literal[METHOD_NAMES]  # type: ignore[valid-type]
ImportType = Literal["register", "restore", "copy-new-id"]
_SCENARIO_NAME = r"^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9_-])?$"


class Scenario(_Model):
    """One restore test: what to restore, how, where to connect it, what must be healthy after."""

    name: str = Field(min_length=1)
    host: str | None = None  # default: the only host
    source: str  # a backup_sources name
    vm: str = Field(min_length=1, max_length=naming.MAX_NAME_LENGTH)  # the VM (or machine) as it is in the backup
    method: Method
    import_type: ImportType | None = None
    switch_map: dict[str, str] = Field(default_factory=dict, max_length=MAX_SWITCHES)
    service_profiles: list[str] = Field(default_factory=list, max_length=MAX_PROFILES)
    services: list[str] = Field(default_factory=list, max_length=MAX_SERVICES)
    rto_minutes: float | None = Field(default=None, gt=0, le=MAX_RTO_MINUTES)
    boot_timeout_minutes: float = Field(default=15, gt=0, le=MAX_BOOT_MINUTES)  # heartbeat bound after Start-VM
    checkpoint_remediation: Literal["remove", "restart-vmms", "none"] = "remove"
    wsb: WsbSettings | None = None
    bmr: BmrSettings | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not re.match(_SCENARIO_NAME, value):
            raise fail(f"{value!r} is not a scenario name",
                       "use letters, digits, '-', '_' and '.', starting with a letter or digit and not ending in "
                       "'.' (the name becomes a folder and a VM name on the host)")
        if len(value) > naming.MAX_BASE_LENGTH:
            raise fail(f"the scenario name is {len(value)} characters long; the VM a run restores for it is named "
                       f"<run id>-<scenario name>, and Hyper-V limits VM names to {naming.MAX_NAME_LENGTH} "
                       f"characters, so the name may have at most {naming.MAX_BASE_LENGTH}",
                       f"shorten the name to at most {naming.MAX_BASE_LENGTH} characters")
        return value

    @model_validator(mode="after")
    def _method_fields(self) -> Scenario:
        if self.method == "import" and self.import_type is None:
            raise fail("method: import needs `import_type:`", "add import_type: register, restore or copy-new-id")
        if self.method != "import" and self.import_type is not None:
            raise fail(f"`import_type:` applies only to method: import (this is {self.method})", "remove import_type",
                       ("import_type",))
        if self.bmr is not None and self.method != "bmr":
            raise fail(f"`bmr:` applies only to method: bmr (this is {self.method})", "remove the bmr: section",
                       ("bmr",))
        if self.wsb is not None and self.method not in ("wsb-files", "wsb-vm"):
            raise fail(f"`wsb:` applies only to methods wsb-files and wsb-vm (this is {self.method})",
                       "remove the wsb: section", ("wsb",))
        if self.method == "bmr":
            self._bmr_fields()
        if self.method == "wsb-files":
            self._file_fields()
        if self.method == "wsb-vm" and self.wsb is not None:
            for key in WsbSettings.FILES_ONLY:
                if key in self.wsb.model_fields_set:
                    raise fail(f"`wsb.{key}` applies only to method: wsb-files (this is wsb-vm)", f"remove {key}",
                               ("wsb", key))
        return self

    def _bmr_fields(self) -> None:
        if self.bmr is None:
            raise fail("method: bmr needs a `bmr:` section",
                       "add bmr: with at least generation: and winpe_iso: (docs/bmr.md)")
        bmr = self.bmr
        if bmr.vm_generation is not None and bmr.vm_generation != bmr.generation:
            # the same rule as harness.bmr.plan.GENERATION_RULE, refused here before any run starts
            raise fail(f"the backup comes from a generation {bmr.generation} machine and the recovery VM would be "
                       f"generation {bmr.vm_generation}: a generation 1 VM's system backup cannot be restored into "
                       "a generation 2 VM, nor the reverse",
                       f"set bmr.vm_generation to {bmr.generation} (or remove it)", ("bmr", "vm_generation"))
        if any(c in naming.BAD_NAME_CHARS for c in self.vm):
            raise fail(f"'{self.vm}' cannot be part of the recovery VM's name (it has \\ / : * ? \" < > | or a "
                       "control character)", "use the backed-up machine's computer name", ("vm",))
        vm_name = naming.bmr_vm_base(self.vm)
        if len(vm_name) > naming.MAX_BASE_LENGTH:
            limit = naming.MAX_BASE_LENGTH - len(naming.BMR_VM_SUFFIX)
            raise fail(f"the recovery VM would be named <run id>-{vm_name}, {len(vm_name) - naming.MAX_BASE_LENGTH} "
                       f"characters over Hyper-V's limit of {naming.MAX_NAME_LENGTH} characters for VM names",
                       f"use the backed-up machine's name (at most {limit} characters)", ("vm",))

    def _file_fields(self) -> None:
        wsb = self.wsb
        if wsb is None or not wsb.items:
            raise fail("method: wsb-files needs `wsb.items:`", "list the files or folders to restore, e.g. "
                       "wsb: {items: ['D:\\Shares\\Finance'], manifest: ...}", ("wsb", "items") if wsb else None)
        if not wsb.expected_files and not wsb.manifest:
            raise fail("content verification needs `wsb.manifest:` (a manifest file beside the backup) or "
                       "`wsb.expected_files:` (inline)", "add one of them (docs/wsb-restore.md)", ("wsb",))


# ----------------------------------------------------------------------------- policies, reports


class Policies(_Model):
    """Audit policy: how old a backup may be and how often a restore must be retested."""

    max_backup_age_days: int = Field(default=7, ge=1, le=MAX_DAYS)
    retest_interval_months: int = Field(default=6, ge=1, le=24)


class ReportsSettings(_Model):
    """Where and how reports are written."""

    dir: str = Field(default="reports", min_length=1)
    title: str = Field(default="Restore test evidence", max_length=200)
    organisation: str | None = Field(default=None, max_length=200)
    attach_scripts: StrictBool = True  # rendered scripts (redacted) as Allure attachments
    attach_raw_results: StrictBool = True
    # the evidence signing key: a private key file (relative: to the current folder, like `dir`) or
    # keyring:<name>; the run option --signing-key and $RH_SIGNING_KEY come first (docs/evidence.md)
    signing_key: str | None = Field(default=None, min_length=1, max_length=MAX_TEXT)
    # create `signing_key` (a file) when it does not exist: for a throwaway demo or lab key only, never
    # for the key auditors trust (that one is made once with `restore-harness keygen`)
    create_signing_key: StrictBool = False
    tsa_url: str | None = Field(default=None, pattern=r"^https?://\S+$", max_length=MAX_TEXT)  # RFC 3161 TSA
    # how many earlier runs the Allure report shows in its history and trend: the single-file report
    # embeds each (about 1 KB per test), so a long history makes a large file (docs/evidence.md)
    allure_history_runs: int = Field(default=100, ge=1, le=1000)


class Controls(_Model):
    """The audit controls the run's checks support (``controls:``; default: harness.evidence.controls)."""

    controls: dict[Annotated[str, Field(min_length=1, max_length=200)], Annotated[str, Field(max_length=MAX_TEXT)]] = (
        Field(min_length=1, max_length=64))
    checks: dict[Annotated[str, Field(min_length=1, max_length=200)], list[Annotated[str, Field(min_length=1)]]] = (
        Field(min_length=1, max_length=256))

    @model_validator(mode="after")
    def _known_ids(self) -> Controls:
        for pattern, ids in self.checks.items():
            for n, cid in enumerate(ids):
                if cid not in self.controls:
                    raise fail(f"controls.checks[{pattern!r}] names control {cid!r}, which controls.controls does not "
                               "define", f"add {cid!r}: <title> to controls.controls or use one of: "
                               f"{', '.join(self.controls)}", ("checks", pattern, n))
        return self

    def mapping(self) -> dict[str, Any]:
        """The mapping the run recorder takes (``control_mapping=``)."""
        return {"controls": dict(self.controls), "checks": {k: list(v) for k, v in self.checks.items()}}


# ----------------------------------------------------------------------------- the inventory


class Inventory(_Model):
    """A whole inventory file."""

    version: Literal[1] = 1
    lab: str = Field(default="lab", min_length=1, max_length=200)  # a name for the lab, shown in reports
    hosts: list[Host] = Field(min_length=1, max_length=MAX_HOSTS)
    backup_sources: list[BackupSource] = Field(default_factory=list, max_length=MAX_SOURCES)
    guests: list[Guest] = Field(default_factory=list, max_length=MAX_GUESTS)
    scenarios: list[Scenario] = Field(default_factory=list, max_length=MAX_SCENARIOS)
    policies: Policies = Field(default_factory=Policies)
    reports: ReportsSettings = Field(default_factory=ReportsSettings)
    controls: Controls | None = None  # check → audit control mapping for the evidence report
    # extra service-profile directories, relative to the inventory file (or absolute); searched before
    # the built-in inventories/profiles, so a file with a built-in's name overrides it
    profile_dirs: list[str] = Field(default_factory=list, max_length=16)
    # folders of the user's own PowerShell templates (<name>.ps1) for the `lab_host` fixture, relative
    # to the inventory file (or absolute); searched before the built-in templates (docs/writing-checks.md)
    template_dirs: list[str] = Field(default_factory=list, max_length=16)
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
            if not host.isolated_switches:  # preflight refuses such a host: refuse it here already
                raise fail(f"host {host.name} lists no isolated_switches: the VMs scenario {sc.name!r} restores would "
                           "have nowhere safe to connect",
                           "add isolated_switches: [{name: <Private or Internal switch>, type: Private}] to the host",
                           ("hosts", self.hosts.index(host), "isolated_switches"))
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
            if sc.bmr is not None:
                _bmr_switch(sc, host, i)
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


def _bmr_switch(sc: Scenario, host: Host, index: int) -> None:
    """The recovery VM's switch must be one of the host's isolated switches (an External switch never
    is: it cannot be listed as isolated)."""
    assert sc.bmr is not None
    if sc.bmr.switch is not None and host.isolated_switch(sc.bmr.switch) is None:
        raise fail(f"bmr.switch {sc.bmr.switch!r} is not an isolated switch of {host.name}: the recovery VM must "
                   "never reach the production network",
                   f"use one of {', '.join(x.name for x in host.isolated_switches) or '(none: add isolated_switches: to the host)'}",
                   ("scenarios", index, "bmr", "switch"))


def _unique(names: list[str], field: str, what: str) -> None:
    seen: set[str] = set()
    for i, n in enumerate(names):
        if n.lower() in seen:
            raise fail(f"{what} {n!r} is defined twice in {field}", f"give each {what} a unique name", (field, i))
        seen.add(n.lower())
