"""The lab description: the ``simulated_lab:`` section of an inventory YAML file, as pydantic models.

:func:`load_description` reads the file, validates the section and turns every problem into one
:class:`LabDescriptionError` whose text names the file, the field path with its YAML line, and the
fix — no traceback (reading, lines and the translation of pydantic errors are
:mod:`harness.yamlfile`'s; the layout ``file:line: field: problem. Fix: fix.`` is this module's). Keys owned by other lab modules (``backup_targets``, ``backup_sets``,
``drivers``, ``iso``, ``guests``) are reserved here as permissive lists/dicts that those modules
validate themselves (see ``Description.extra_section``).
"""

from __future__ import annotations

import datetime as _dt
import re
import uuid
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from harness.yamlfile import FileReadError, YamlFileError, format_path, parse_yaml, read_text, validation_issues

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB)?\s*$", re.IGNORECASE)
_UNITS = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}


class LabDescriptionError(ValueError):
    """Bad lab description: the message is meant for the user as it is (file, field, line, fix)."""


def parse_size(value: Any) -> int:
    """``127GB``, ``1.5 TB``, ``4096`` -> bytes (binary units, as Windows shows sizes)."""
    if isinstance(value, bool):
        raise ValueError("expected a size such as 127GB")
    if isinstance(value, (int, float)):
        return int(value)
    m = _SIZE.match(str(value))
    if not m:
        raise ValueError(f"'{value}' is not a size; write a number with a unit, e.g. 127GB or 1.5TB")
    return int(float(m.group(1)) * _UNITS[(m.group(2) or "B").upper()])


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def _size_validator(*names: str):  # type: ignore[no-untyped-def]
    return field_validator(*names, mode="before")(lambda cls, v: parse_size(v) if v is not None else v)


class OSDesc(_Strict):
    caption: str = "Microsoft Windows Server 2022 Datacenter"
    version: str = "10.0.20348"
    build: int = 20348


class VolumeDesc(_Strict):
    letter: str = Field(pattern=r"^[A-Za-z]:?$")
    label: str = ""
    size: int
    free: int
    read: int | None = Field(None, description="read throughput per simulated second, e.g. 500MB")
    write: int | None = Field(None, description="write throughput per simulated second, e.g. 400MB")
    _sizes = _size_validator("size", "free", "read", "write")


class HostDesc(_Strict):
    name: str
    os: OSDesc = OSDesc()
    memory: int = 256 * 1024**3
    logical_processors: int = 32
    features: list[str] = Field(default_factory=list, description="installed Windows features")
    volumes: list[VolumeDesc]
    default_vm_path: str | None = None
    default_vhd_path: str | None = None
    network: int | None = Field(None, description="the host's network link per simulated second, e.g. 1250MB")
    _sizes = _size_validator("memory", "network")


class AccountDesc(_Strict):
    user: str
    password_env: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    user_env: str | None = None
    administrator: bool = True


class SwitchDesc(_Strict):
    name: str
    type: Literal["Private", "Internal", "External"]
    net_adapter: str | None = None


class AdapterDesc(_Strict):
    name: str = "Network Adapter"
    switch: str | None = None
    mac: str = "00155D000000"


class DiskDesc(_Strict):
    file: str  # leaf name (.vhdx) in the VM's "Virtual Hard Disks" folder, or an absolute path
    size: int
    file_size: int
    type: Literal["Dynamic", "Fixed"] = "Dynamic"
    content: Literal["windows", "data", "empty"] = "data"
    _sizes = _size_validator("size", "file_size")


class CheckpointDesc(_Strict):
    name: str
    type: Literal["Standard", "Recovery"] = "Standard"
    created: _dt.datetime | None = None
    avhdx_size: int = 256 * 1024**2
    _sizes = _size_validator("avhdx_size")


class VMDesc(_Strict):
    """A VM: registered on the lab host (``vms:``) or an exported VM folder (``exports:``)."""

    name: str
    id: uuid.UUID | None = None
    generation: Literal[1, 2] = 2
    version: str = "10.0"
    state: Literal["Running", "Off", "Saved"] = "Off"
    path: str | None = None  # VM folder (registered) or export root (exports)
    source_host: str | None = None
    memory: int = 4 * 1024**3
    cpu: int = 2
    adapters: list[AdapterDesc] = Field(default_factory=list)
    disks: list[DiskDesc] = Field(default_factory=list)
    checkpoints: list[CheckpointDesc] = Field(default_factory=list)
    notes: str = ""
    _sizes = _size_validator("memory")

    @field_validator("state", mode="before")
    @classmethod
    def _state(cls, v: Any) -> Any:
        return "Off" if v is False else v  # YAML 1.1 reads an unquoted Off as false

    @field_validator("version", mode="before")
    @classmethod
    def _version(cls, v: Any) -> str:
        text = str(v)
        if not re.match(r"^\d+\.\d+$", text):
            raise ValueError(f"'{v}' is not a configuration version; write it as a quoted string such as \"9.0\"")
        return text


class TimeDesc(_Strict):
    start: _dt.datetime = _dt.datetime(2026, 11, 21, 9, 0, tzinfo=_dt.timezone.utc)
    scale: float = Field(600.0, gt=0)
    mode: Literal["scaled", "events"] = "scaled"
    quiet: float = Field(0.03, ge=0, description="events mode: real seconds of client silence before time jumps")
    think: float = Field(2.0, ge=0, description="events mode: real seconds a client may think between commands")


class FaultDesc(BaseModel):
    """``{fault: <name>, <where/params>...}``; names and params are checked against the fault registry."""

    model_config = ConfigDict(extra="allow")
    fault: str


class Description(_Strict):
    """The whole ``simulated_lab:`` section."""

    time: TimeDesc = TimeDesc()
    host: HostDesc
    accounts: list[AccountDesc] = Field(default_factory=list)
    switches: list[SwitchDesc] = Field(default_factory=list)
    vms: list[VMDesc] = Field(default_factory=list)
    exports: list[VMDesc] = Field(default_factory=list)
    services: list[dict[str, Any]] = Field(default_factory=list)
    faults: list[FaultDesc] = Field(default_factory=list)
    # Reserved for the WSB / DISM / guest / WinPE modules, which validate their own parts.
    backup_targets: list[dict[str, Any]] = Field(default_factory=list)
    backup_sets: list[dict[str, Any]] = Field(default_factory=list)
    drivers: list[dict[str, Any]] = Field(default_factory=list)
    iso: list[dict[str, Any]] | dict[str, Any] = Field(default_factory=list)
    guests: list[dict[str, Any]] = Field(default_factory=list)
    source: str = Field("<memory>", exclude=True)
    lines: dict[str, int] = Field(default_factory=dict, exclude=True)

    def line_of(self, dotted: str) -> int | None:
        """YAML line of a field path such as ``exports[0].disks[1].size`` (for other modules' errors)."""
        return self.lines.get(dotted)

    def error(self, dotted: str, problem: str, fix: str) -> LabDescriptionError:
        """An error in the house style for other lab modules validating their reserved sections."""
        return LabDescriptionError(_format(self.source, f"simulated_lab.{dotted}", self.line_of(dotted), problem, fix))


# --------------------------------------------------------------------------- loading

_FIX_HINTS = {
    "missing": "add the field",
    "extra_forbidden": "remove it or check its spelling (see simlab/docs/simulator.md for the keys)",
    "literal_error": "use one of the allowed values",
    "string_pattern_mismatch": "correct the value's format",
    "uuid_parsing": "write a GUID such as 1c2d3e4f-0000-4000-8000-000000000001",
    "datetime_parsing": "write an ISO 8601 time such as 2026-11-21T09:00:00+09:00",
}


def _format(source: str, field: str, line: int | None, problem: str, fix: str) -> str:
    where = f"{source}:{line}" if line else source
    return f"{where}: {field}: {problem}. Fix: {fix}."


def _fix_for(error: dict[str, Any], field: str) -> str:
    return _FIX_HINTS.get(error["type"], "correct the value")


def parse_description(data: Any, source: str = "<memory>", lines: dict[str, int] | None = None) -> Description:
    """Validate a ``simulated_lab`` mapping; raise LabDescriptionError naming field, line and fix.

    ``lines`` maps field paths of the section (``host.volumes[0].size``; ``""`` for the section
    itself) to their YAML lines."""
    lines = lines or {}
    if not isinstance(data, dict):
        raise LabDescriptionError(_format(source, "simulated_lab", lines.get(""), "must be a mapping",
                                          "write the section as `simulated_lab:` followed by indented keys"))
    try:
        desc = Description.model_validate(data)
    except ValidationError as exc:
        issues = validation_issues(exc, data, lambda loc: lines.get(format_path(loc)), source, _fix_for)
        raise LabDescriptionError("\n".join(_format(source, f"simulated_lab.{i.path}", i.line, i.message,
                                                     i.fix or "correct the value") for i in issues)) from None
    desc.source = source
    desc.lines = lines
    return desc


def load_description(path: str | Path) -> Description:
    """Read ``simulated_lab:`` from an inventory file (errors name file, field, line and fix)."""
    p = Path(path)
    try:
        doc = parse_yaml(read_text(p), str(p))
    except FileReadError as e:
        raise LabDescriptionError(f"{p}: cannot read the lab description ({e.reason}). Fix: check the path.") from None
    except YamlFileError as e:
        raise LabDescriptionError("\n".join(_format(str(p), i.path or "(YAML)", i.line, i.message, i.fix or "")
                                            for i in e.issues)) from None
    if not isinstance(doc.data, dict) or "simulated_lab" not in doc.data:
        raise LabDescriptionError(_format(str(p), "simulated_lab", None, "the section is missing",
                                          "add a `simulated_lab:` section (see inventories/sim-lab.yml)"))
    lines = {format_path(loc[1:]): line for loc, line in doc.lines.items() if loc[:1] == ("simulated_lab",)}
    return parse_description(doc.data["simulated_lab"], str(p), lines)
