"""Item-level Windows Server Backup recovery with verified content (issue 5).

Flow: read the catalog (and the manifest beside the backup) → choose the set by policy → record the
scenario folder in the ledger → per item ``Start-WBFileRecovery -Async`` to an ALTERNATE location
under the run folder (never the original) and poll the job → hash every restored file in ONE remote
command → compare against the manifest (:mod:`harness.checks.content`).

Layout: item ``D:\\Shares\\HR\\人事`` is recovered with ``-TargetPath <restore root>\\D\\Shares\\HR``,
so it lands in ``<restore root>\\D\\Shares\\HR\\人事``: the restored tree mirrors the original
paths and every file maps back to its original path without guessing.
"""

from __future__ import annotations

import datetime as _dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PureWindowsPath
from typing import Any

from harness import naming
from harness.checks.content import (
    ContentComparison,
    FileFact,
    ManifestFormatError,
    check_content,
    inline_manifest,
    parse_manifest,
    under_items,
)
from harness.checks.result import CheckResult
from harness.errors import LabSafetyError, RemoteNotFound, RemoteScriptError
from harness.hyperv.facts import as_list
from harness.hyperv.operations import RemoteRunner
from harness.ledger import Ledger
from harness.restore.protocol import MethodOutcome, Needs, RestoreContext, poll_wait, source_needs, utc_now
from harness.restore.wsb_common import (ChosenBackup, Step, WsbSource, backup_used, choose_backup, keep_backup_sets,
                                        no_step, wsb_source)
from harness.secrets import Credential
from harness.wsb.errors import ItemNotInBackup, ManifestError
from harness.wsb.facts import parse_time
from harness.wsb.jobs import JobWait, wait_for_job
from harness.wsb.target import remote_failure, target_params


@dataclass(frozen=True)
class FileRestorePlan:
    """What one ``wsb-files`` scenario restores and where (all inside the run's scratch folder)."""

    scenario: str
    host: str
    source: WsbSource
    items: tuple[str, ...]
    recursive: bool
    run_dir: str  # <scratch>\<run id>\<scenario>
    manifest: str | None  # manifest file beside the backup (relative to the target, or absolute)
    expected_inline: tuple[FileFact, ...] = ()

    @property
    def restore_root(self) -> str:
        return f"{self.run_dir}\\files"

    def item_target(self, item: str) -> str:
        """``-TargetPath`` for ``item``: the mirrored parent folder under the restore root."""
        p = PureWindowsPath(item)
        parent = p.parent
        rel = [parent.drive.rstrip(":")] + list(parent.parts[1:])
        return "\\".join([self.restore_root] + rel)


def _check_item(item: str, where: str) -> str:
    p = PureWindowsPath(item)
    if not (p.drive and p.root and len(p.drive) == 2) or len(p.parts) < 2:
        raise ValueError(f"{where}: {item!r} is not a file or folder path on a volume (e.g. D:\\Shares\\Finance); "
                         f"whole volumes are not item-level restores")
    return str(p)


def plan_file_restore(inventory: Any, scenario: Any, run_id: str) -> FileRestorePlan:
    """The plan of a ``wsb-files`` scenario (bad settings raise ValueError naming the field)."""
    if scenario.method != "wsb-files":
        raise ValueError(f"scenario {scenario.name!r} is not a wsb-files scenario")
    wsb = scenario.wsb
    where = f"scenario {scenario.name}: wsb.items"
    items = tuple(_check_item(i, where) for i in (wsb.items if wsb else []))
    if not items:
        raise ValueError(f"{where}: list at least one file or folder to restore")
    inline = tuple(inline_manifest([e.model_dump() for e in wsb.expected_files] if wsb else [],
                                   f"scenario {scenario.name}: wsb.expected_files"))
    manifest = wsb.manifest if wsb else None
    if not inline and not manifest:
        raise ValueError(f"scenario {scenario.name}: content verification needs wsb.manifest (a manifest file "
                         f"beside the backup) or wsb.expected_files (inline)")
    host = inventory.scenario_host(scenario)
    return FileRestorePlan(
        scenario=scenario.name, host=host.name, source=wsb_source(inventory, scenario), items=items,
        recursive=wsb.recursive if wsb else True,
        run_dir=naming.scratch_dir(host.scratch_root, run_id, scenario.name), manifest=manifest,
        expected_inline=inline,
    )


@dataclass
class FileRestoreResult:
    """The chosen backup, the jobs, the expected and the restored files."""

    plan: FileRestorePlan
    chosen: ChosenBackup
    expected: list[FileFact]
    manifest_source: str
    started: _dt.datetime
    jobs: list[JobWait] = field(default_factory=list)
    found: list[FileFact] = field(default_factory=list)
    finished: _dt.datetime | None = None

    def content_check(self) -> tuple[CheckResult, ContentComparison]:
        items = ", ".join(self.plan.items)
        return check_content(self.expected, self.found,
                             f"{items} from backup {self.chosen.backup.version_id} restored to {self.plan.restore_root}")


def _expected(plan: FileRestorePlan, chosen: ChosenBackup) -> tuple[list[FileFact], str]:
    if plan.expected_inline:
        return under_items(plan.expected_inline, plan.items, plan.recursive), "inventory (wsb.expected_files)"
    d = chosen.discovery
    if not d.manifest_found or d.manifest_text is None:
        raise ManifestError(f"{plan.scenario}: the manifest {d.manifest_path} named by wsb.manifest does not exist "
                            f"beside the backup; the restore cannot be verified without it")
    try:
        entries = parse_manifest(d.manifest_text, d.manifest_path)
    except ManifestFormatError as exc:
        raise ManifestError(f"{plan.scenario}: {exc}") from None
    return under_items(entries, plan.items, plan.recursive), d.manifest_path


def original_path(relative: str) -> str:
    """``D\\Shares\\x.txt`` (relative to the restore root) → ``D:\\Shares\\x.txt``."""
    drive, _, rest = relative.partition("\\")
    return f"{drive}:\\{rest}" if rest else f"{drive}:\\"


def restore_files(
    host: RemoteRunner, inventory: Any, scenario: Any, plan: FileRestorePlan, ledger: Ledger, *,
    step: Step = no_step, credential: Credential | None = None, sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> FileRestoreResult:
    """Run the whole item-level restore of one scenario (content is compared by :meth:`content_check`)."""
    started = _dt.datetime.now(_dt.UTC)
    chosen = choose_backup(host, inventory, scenario, plan.source, manifest=plan.manifest, credential=credential,
                           step=step)
    expected, source = _expected(plan, chosen)
    result = FileRestoreResult(plan, chosen, expected, source, started)
    if not naming.is_inside_run_dir(plan.restore_root, inventory.scenario_host(scenario).scratch_root, ledger.run_id):
        raise LabSafetyError(f"{plan.scenario}: restore folder {plan.restore_root} is outside the run folder")
    folder = ledger.intend("folder", plan.host, plan.scenario, path=plan.run_dir)
    target = target_params(inventory.source(scenario.source), credential)
    version = chosen.backup.version_id
    for item in plan.items:
        with step(f"Recover {item} from {version} to {plan.item_target(item)}"):
            try:
                start = host.run("wsb_start_file_recovery", {
                    "target": target, "machine": plan.source.machine or "", "version_id": version,
                    "source_path": item, "target_path": plan.item_target(item), "recursive": plan.recursive,
                }) or {}
            except RemoteNotFound as exc:
                raise ItemNotInBackup(f"{plan.scenario}: {item} could not be recovered from backup {version} on "
                                      f"{plan.source.target}: {exc.message}") from exc
            except RemoteScriptError as exc:
                raise remote_failure(exc, f"{plan.scenario}: recovering {item}", plan.source.target) from exc
            if folder.state == "intent":
                ledger.confirm(folder, message="WSB file recovery target")
            started_at = parse_time(start.get("Now")) or chosen.discovery.now
            result.jobs.append(wait_for_job(host, what=f"{plan.scenario}: recovery of {item}", started_at=started_at,
                                            timeout_sec=plan.source.timeout_sec, poll_sec=plan.source.poll_sec,
                                            sleep=sleep, clock=clock))
    with step(f"Hash every restored file under {plan.restore_root} (SHA-256)"):
        data = host.run("wsb_hash_files", {"root": plan.restore_root}, idempotent=True) or {}
        result.found = [FileFact(original_path(str(f.get("Path"))), str(f.get("Sha256") or "").lower(),
                                 int(f.get("Length") or 0)) for f in as_list(data.get("Files"))]
    result.finished = _dt.datetime.now(_dt.UTC)
    return result


class WsbFilesMethod:
    """``method: wsb-files``: item-level WSB recovery of files and folders into the run folder (no VM)."""

    name = "wsb-files"
    restores_vm = False
    boots_in_restore = False
    host_exclusive = "wbengine"  # a WSB job: one per host at a time (wbengine)
    source_kinds = ("wsb-volume", "wsb-share")

    def plan(self, inventory: Any, scenario: Any, run_id: str) -> FileRestorePlan:
        return plan_file_restore(inventory, scenario, run_id)

    def needs(self, inventory: Any, scenario: Any) -> Needs:
        return source_needs(scenario)

    def run(self, ctx: RestoreContext, scenario: Any, plan: FileRestorePlan) -> MethodOutcome:
        result = restore_files(ctx.hosts[plan.host], ctx.inventory, scenario, plan, ctx.ledger, step=ctx.step,
                               sleep=poll_wait(ctx, plan.host))
        keep_backup_sets(ctx, scenario.name, result.chosen)
        return MethodOutcome(result, backup_used(result.chosen),
                             f"{len(result.found)} file(s) recovered from {result.chosen.backup.version_id} to "
                             f"{plan.restore_root}", result.started, result.finished or utc_now())


METHOD = WsbFilesMethod()
