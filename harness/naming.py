"""Run ids and the names of everything a run creates (one place).

A run id looks like ``rh-20261121-2305-ab12``: ``rh-``, UTC date and time of the start, four random
lower-case hex/alnum characters. Every resource the run creates on a host (VM names, folders under
the scratch root) starts with the run prefix ``<run id>-``, so cleanup can tell run resources from
anything else and never touches a name that does not carry it.
"""

from __future__ import annotations

import datetime as _dt
import re
import secrets as _random
import string
from pathlib import PureWindowsPath

RUN_ID_PATTERN = r"rh-(?P<date>\d{8})-(?P<time>\d{4})-(?P<rand>[0-9a-z]{4})"
_RUN_ID_RE = re.compile(rf"^{RUN_ID_PATTERN}$")
_RUN_NAME_RE = re.compile(rf"^(?P<run_id>{RUN_ID_PATTERN})-(?P<base>.+)$", re.IGNORECASE)
_ALPHABET = string.ascii_lowercase + string.digits
#: Characters Windows refuses in file names; Hyper-V VM names end up as folder names.
BAD_NAME_CHARS = set('\\/:*?"<>|') | {chr(c) for c in range(32)}
MAX_NAME_LENGTH = 100  # Hyper-V limits VM names to 100 characters.


def new_run_id(now: _dt.datetime | None = None, rand: str | None = None) -> str:
    """Make a fresh run id from ``now`` (UTC; default: the current time) and 4 random characters."""
    now = now or _dt.datetime.now(_dt.UTC)
    if now.tzinfo is not None:
        now = now.astimezone(_dt.UTC)
    if rand is None:
        rand = "".join(_random.choice(_ALPHABET) for _ in range(4))
    run_id = f"rh-{now:%Y%m%d}-{now:%H%M}-{rand}"
    if not _RUN_ID_RE.match(run_id):
        raise ValueError(f"invalid random part {rand!r}: use 4 characters from a-z and 0-9")
    return run_id


def is_run_id(text: str) -> bool:
    """True if ``text`` is a well-formed run id."""
    return bool(_RUN_ID_RE.match(text))


def validate_run_id(text: str) -> str:
    """Return ``text`` if it is a run id, else raise ``ValueError`` saying the expected format."""
    if not is_run_id(text):
        raise ValueError(f"{text!r} is not a run id (expected e.g. rh-20261121-2305-ab12)")
    return text


def run_started_at(run_id: str) -> _dt.datetime:
    """The UTC start time (minute precision) encoded in a run id."""
    m = _RUN_ID_RE.match(validate_run_id(run_id))
    assert m
    return _dt.datetime.strptime(m["date"] + m["time"], "%Y%m%d%H%M").replace(tzinfo=_dt.UTC)


def run_prefix(run_id: str) -> str:
    """The prefix of every resource the run creates: ``<run id>-``."""
    return f"{validate_run_id(run_id)}-"


def resource_name(run_id: str, base: str) -> str:
    """Name of a run resource, e.g. ``resource_name(rid, "CM01")`` → ``rh-...-ab12-CM01``."""
    if not base or any(ch in BAD_NAME_CHARS for ch in base):
        raise ValueError(f"{base!r} cannot be used in a resource name (empty or has \\ / : * ? \" < > |)")
    name = run_prefix(run_id) + base
    if len(name) > MAX_NAME_LENGTH:
        raise ValueError(f"resource name {name!r} is longer than {MAX_NAME_LENGTH} characters")
    return name


def belongs_to_run(name: str, run_id: str) -> bool:
    """True if ``name`` (a VM name or a folder leaf) was made for run ``run_id``."""
    m = _RUN_NAME_RE.match(name)
    return bool(m) and m["run_id"].lower() == run_id.lower()


def run_id_of(name: str) -> str | None:
    """The run id a resource name carries, or ``None`` for names no run created."""
    m = _RUN_NAME_RE.match(name)
    return m["run_id"].lower() if m else None


def base_name(name: str) -> str:
    """The original name inside a run resource name (``rh-...-ab12-CM01`` → ``CM01``)."""
    m = _RUN_NAME_RE.match(name)
    return m["base"] if m else name


def scratch_dir(scratch_root: str, run_id: str, *parts: str) -> str:
    """The folder of run ``run_id`` under a host's scratch root (Windows path), plus ``parts``."""
    root = PureWindowsPath(scratch_root)
    if not root.anchor:
        raise ValueError(f"scratch root {scratch_root!r} must be an absolute Windows path like E:\\RestoreTests")
    return str(root.joinpath(validate_run_id(run_id), *parts))


def is_inside_run_dir(path: str, scratch_root: str, run_id: str) -> bool:
    """True if ``path`` lies inside the run's scratch folder (case-insensitive, like Windows)."""
    run_dir = PureWindowsPath(scratch_dir(scratch_root, run_id))
    target = PureWindowsPath(path)
    try:
        target.relative_to(run_dir)
    except ValueError:
        return False
    return ".." not in target.parts


#: The longest run id (every run id has this length): names checked with it fit every run.
LONGEST_RUN_ID = "rh-99991231-2359-zzzz"
#: Characters left for the base of a resource name after the run prefix ``<run id>-``.
MAX_BASE_LENGTH = MAX_NAME_LENGTH - len(LONGEST_RUN_ID) - 1
BMR_VM_SUFFIX = "-BMR"


def bmr_vm_base(vm: str) -> str:
    """The base name of the recovery VM a bare-metal recovery of ``vm`` creates (``FS01-BMR``)."""
    return f"{vm}{BMR_VM_SUFFIX}"
