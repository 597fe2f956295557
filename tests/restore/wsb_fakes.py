"""Scripted answers of the wsb_* templates for restore-flow unit tests (FakeHost)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

FILES = {"D:\\Shares\\Finance\\予算2026.xlsx": b"budget", "D:\\Shares\\Finance\\月次\\11月.csv": b"nov",
         "D:\\Shares\\HR\\人事\\名簿.xlsx": b"names"}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest_text(files: dict[str, bytes] = FILES) -> str:
    return json.dumps({"files": [{"path": p, "sha256": sha(c), "size": len(c)} for p, c in files.items()]},
                      ensure_ascii=False)


def catalog(backup_time: str = "2026-11-20T12:00:00Z", now: str = "2026-11-21T00:00:00Z", manifest: bool = True,
            apps: Any = None, machine: str = "FS01") -> dict[str, Any]:
    return {"Now": now, "Sets": {"VersionId": "11/20/2026-21:00", "BackupTime": backup_time, "TargetPath": "x",
                                 "MachineName": machine, "Volumes": ["C:", "D:"], "Applications": apps},
            "Manifest": {"Path": "m", "Found": manifest, "Text": manifest_text() if manifest else None}}


def job_poll(hr: int = 0) -> dict[str, Any]:
    return {"Now": "2026-11-21T00:05:00Z", "Current": {"JobType": "Unknown", "JobState": "Unknown"},
            "Previous": {"JobType": "FileRecovery", "JobState": "Completed", "StartTime": "2026-11-21T00:00:01Z",
                         "EndTime": "2026-11-21T00:01:00Z", "HResult": hr, "DetailedHResult": hr}}


def hashes(files: dict[str, bytes] = FILES) -> dict[str, Any]:
    out = []
    for p, c in files.items():
        drive, rest = p.split(":\\", 1)
        out.append({"Path": f"{drive}\\{rest}", "Length": len(c), "Sha256": sha(c)})
    return {"Files": out}
