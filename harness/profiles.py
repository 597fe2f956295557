"""Service profiles: what "healthy" means inside a restored guest, as YAML a user can write.

A profile (``inventories/profiles/<name>.yml``) lists services with their expected status and
start type, plus optional checks (TCP ports listening, registry keys present, no error events from
given sources since boot). Scenarios compose profiles by name; :func:`compose` merges several into
one :class:`ServiceProfile`. Users add their own files in any directory named by the inventory
(a profile dir option) without touching code. Every validation error names the file, the field,
the line and the fix.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from harness.errors import InventoryError
from harness.yamlfile import FileReadError, Issue, YamlFileError, format_path, parse_yaml, read_text, validation_issues

#: The profiles shipped with restore-harness.
BUILTIN_PROFILE_DIR = Path(__file__).resolve().parent.parent / "inventories" / "profiles"

_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_SERVICE_RE = re.compile(r"^[^\\/\s][^\\/]*$")


class ServiceStatus(str, Enum):
    """Expected service status (the names of .NET ServiceControllerStatus)."""

    RUNNING = "Running"
    STOPPED = "Stopped"
    PAUSED = "Paused"


class StartType(str, Enum):
    """Expected start type. ``AutomaticDelayed`` is "Automatic (Delayed Start)"."""

    AUTOMATIC = "Automatic"
    AUTOMATIC_DELAYED = "AutomaticDelayed"
    MANUAL = "Manual"
    DISABLED = "Disabled"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


class ServiceExpectation(_Strict):
    """One service: its short name (not the display name) and what it should look like."""

    name: str = Field(min_length=1, max_length=256)
    status: ServiceStatus = ServiceStatus.RUNNING
    # one start type, or a list of accepted ones (e.g. [Automatic, AutomaticDelayed] for a product whose
    # sites differ: either way Windows starts it at boot; Manual or Disabled still fail)
    start_type: StartType | list[StartType] | None = None
    settle_seconds: int | None = Field(default=None, ge=0, le=3600)

    @property
    def accepted_start_types(self) -> tuple[StartType, ...]:
        """The accepted start types (empty: any)."""
        if self.start_type is None:
            return ()
        return tuple(self.start_type) if isinstance(self.start_type, list) else (self.start_type,)

    @field_validator("name")
    @classmethod
    def _service_name(cls, value: str) -> str:
        if not _SERVICE_RE.match(value):
            raise ValueError("a service short name has no slash, backslash or leading space "
                             "(e.g. SMS_EXECUTIVE, MSSQL$CONFIGMGR)")
        return value


class EventCheck(_Strict):
    """No events at level Error/Critical from these providers in ``log`` since the last boot."""

    log: str = "System"
    sources: list[str] = Field(min_length=1)


class ServiceProfile(_Strict):
    """A named set of expectations for one kind of server (ConfigMgr primary, VMM, file server...)."""

    name: str
    description: str = ""
    services: list[ServiceExpectation] = Field(default_factory=list)
    tcp_ports: list[int] = Field(default_factory=list)
    registry_keys: list[str] = Field(default_factory=list)
    error_events: list[EventCheck] = Field(default_factory=list)
    settle_seconds: int = Field(default=300, ge=0, le=3600)
    source: str = Field(default="", exclude=True)

    @field_validator("name")
    @classmethod
    def _profile_name(cls, value: str) -> str:
        if not _NAME_RE.match(value):
            raise ValueError("use lower-case letters, digits, '.', '_' or '-' (e.g. configmgr-primary)")
        return value

    @field_validator("tcp_ports")
    @classmethod
    def _ports(cls, value: list[int]) -> list[int]:
        for port in value:
            if not 1 <= port <= 65535:
                raise ValueError(f"port {port} is outside 1-65535")
        return value

    @field_validator("registry_keys")
    @classmethod
    def _keys(cls, value: list[str]) -> list[str]:
        for key in value:
            if not re.match(r"^(HKLM|HKCU|HKCR|HKU|HKCC):\\", key, re.IGNORECASE):
                raise ValueError(f"registry key {key!r} must start with a PowerShell drive such as "
                                 "HKLM:\\ (e.g. HKLM:\\SOFTWARE\\Microsoft\\SMS)")
        return value

    def settle_for(self, service: ServiceExpectation) -> int:
        """Settle bound for one service (its own, else the profile's)."""
        return self.settle_seconds if service.settle_seconds is None else service.settle_seconds


# --------------------------------------------------------------------------- loading


def _fix_for(error: dict[str, Any], field: str) -> str:
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        return ("remove it or check the spelling; allowed: name, description, services, tcp_ports, "
                "registry_keys, error_events, settle_seconds (services: name, status, start_type, "
                "settle_seconds)")
    if kind == "missing":
        return "add this field"
    if kind == "enum":
        expected = error.get("ctx", {}).get("expected", "")
        return f"use one of {expected}"
    return "correct the value"


def _line(issue: Issue) -> str:
    """One problem in this module's layout: ``line N: field F: problem; fix: X``."""
    return (f"line {issue.line if issue.line else 'unknown'}: field {issue.path or '(top level)'}: "
            f"{issue.message}; fix: {issue.fix or 'correct the value'}")


def _fail(path: Path, issues: list[Issue]) -> InventoryError:
    head = f"invalid service profile {path}"
    texts = [_line(i) for i in issues]
    return InventoryError(head + ":\n  " + "\n  ".join(texts), texts)


def load_profile_file(path: Path | str) -> ServiceProfile:
    """Read and validate one profile file; raise :class:`InventoryError` naming file/field/line/fix."""
    path = Path(path)
    file = str(path)
    try:
        doc = parse_yaml(read_text(path), file)
    except FileReadError as exc:
        raise InventoryError(f"cannot read service profile {path}: {exc.reason}") from None
    except YamlFileError as exc:
        raise _fail(path, exc.issues) from None
    if not isinstance(doc.data, dict):
        raise _fail(path, [Issue(file, 1, "", "a profile is a mapping with at least 'name:' and 'services:'",
                                 "start from one of inventories/profiles/*.yml")])
    try:
        profile = ServiceProfile.model_validate(doc.data)
    except ValidationError as exc:
        raise _fail(path, validation_issues(exc, doc.data, doc.lines.get, file, _fix_for)) from None
    if profile.name != path.stem:
        raise _fail(path, [Issue(file, doc.line_of(("name",)), "name",
                                 f"{profile.name!r} does not match the file name {path.name!r}",
                                 f"rename the file to {profile.name}.yml or set name: {path.stem}")])
    seen: set[str] = set()
    for i, svc in enumerate(profile.services):
        if svc.name.lower() in seen:
            loc = ("services", i, "name")
            raise _fail(path, [Issue(file, doc.line_of(loc), format_path(loc),
                                     f"service {svc.name!r} is listed twice", "keep one entry")])
        seen.add(svc.name.lower())
    return profile.model_copy(update={"source": str(path)})


def profile_dirs(extra: Iterable[Path | str] = ()) -> list[Path]:
    """Search path: user directories first (they may override a built-in name), then built-ins."""
    return [Path(p) for p in extra] + [BUILTIN_PROFILE_DIR]


def available_profiles(dirs: Iterable[Path | str] = ()) -> dict[str, Path]:
    """Name → file for every ``*.yml``/``*.yaml`` in the search path (first directory wins)."""
    found: dict[str, Path] = {}
    for directory in profile_dirs(dirs):
        if not directory.is_dir():
            if directory != BUILTIN_PROFILE_DIR:
                raise InventoryError(f"profile directory {directory} does not exist; fix the "
                                     "profile dir option in the inventory or create the directory")
            continue
        for file in sorted(list(directory.glob("*.yml")) + list(directory.glob("*.yaml"))):
            found.setdefault(file.stem, file)
    return found


def load_profile(name: str, dirs: Iterable[Path | str] = ()) -> ServiceProfile:
    """Find a profile by name in the search path and load it."""
    files = available_profiles(dirs)
    if name not in files:
        known = ", ".join(sorted(files)) or "(none)"
        raise InventoryError(f"unknown service profile {name!r}; known profiles: {known}. Fix: use one "
                             "of these names or add a <name>.yml file to a profile directory")
    return load_profile_file(files[name])


def compose(names: Sequence[str], dirs: Iterable[Path | str] = ()) -> ServiceProfile:
    """Merge several profiles (in order) into one; a later profile's entry for a service wins."""
    if not names:
        raise InventoryError("a scenario with service checks names at least one profile; fix: add "
                             "profiles: [configmgr-primary] (or another profile) to the scenario")
    dirs = list(dirs)
    profiles = [load_profile(n, dirs) for n in names]
    if len(profiles) == 1:
        return profiles[0]
    services: dict[str, ServiceExpectation] = {}
    for prof in profiles:
        for svc in prof.services:
            services[svc.name.lower()] = svc
    ports = sorted({p for prof in profiles for p in prof.tcp_ports})
    keys = list(dict.fromkeys(k for prof in profiles for k in prof.registry_keys))
    events = [e for prof in profiles for e in prof.error_events]
    return ServiceProfile.model_construct(  # composed name joins validated names with '+'
        name="+".join(p.name for p in profiles),
        description="; ".join(p.description for p in profiles if p.description),
        services=list(services.values()), tcp_ports=ports, registry_keys=keys,
        error_events=events, settle_seconds=max(p.settle_seconds for p in profiles),
        source=", ".join(p.source for p in profiles),
    )


def scenario_profile(profile_names: Sequence[str], services: Sequence[str],
                     dirs: Iterable[Path | str] = ()) -> ServiceProfile | None:
    """What a scenario's guest must show: its ``service_profiles`` merged in order, plus its extra
    ``services:`` (each must be Running, any start type; a profile's entry for the same service wins).
    None when the scenario names neither (nothing to check)."""
    base = compose(profile_names, dirs) if profile_names else None
    have = {s.name.lower() for s in base.services} if base else set()
    extra = [ServiceExpectation(name=n) for n in dict.fromkeys(services) if n.lower() not in have]
    if base is None and not extra:
        return None
    if base is None:
        return ServiceProfile(name="scenario-services", description="the scenario's services: list",
                              services=extra, source="inventory services:")
    if not extra:
        return base
    return base.model_copy(update={"services": [*base.services, *extra],
                                   "name": f"{base.name}+services"})
