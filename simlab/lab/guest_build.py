"""Wire the WSB, DISM, guest and WinPE models into a built Hyper-V host.

Registered in ``simlab.lab.build.EXTRA_BUILDERS``: reads the description's ``guests``,
``drivers``, ``iso`` (or ``isos``) and ``backup_targets`` sections, writes their files on the host,
gives the system VHDXs of VMs/exports named like a guest image that image's Windows content,
attaches the WSB catalog and the guest runtime, and adds a boot hook to the host so that starting
a VM boots its guest (or WinPE, or stops with 0x7B).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simlab.lab import wsb, wsb_cmdlets
from simlab.lab.guest import (
    DescriptionError,
    GuestImage,
    GuestRuntime,
    VMInfo,
    attach,
    parse_guests,
    populate_windows,
    read_hive,
)

ISO_SIZE = 512 * 2**20


def inf_text(inf: str, cls: str, provider: str, version: str, date: str, boot_critical: bool) -> bytes:
    """A minimal, valid INF for a described driver package."""
    lines = [f"; {inf}", "[Version]", 'Signature="$WINDOWS NT$"', f"Class={cls}", f"Provider={provider}",
             f"DriverVer={date},{version}", f"CatalogFile={inf.rsplit('.', 1)[0]}.cat"]
    if boot_critical:
        lines += ["[ServiceInstall]", "StartType=0"]
    return ("\r\n".join(lines) + "\r\n").encode("ascii")


def load_drivers(section: list[Mapping[str, Any]] | None, fs: Any, where: str = "simulated_lab.drivers") -> None:
    """``drivers:`` → INF/SYS/CAT files in each package folder (e.g. B:\\Drivers\\Storage)."""
    for i, d in enumerate(section or []):
        w = f"{where}[{i}]"
        for key in ("folder", "inf", "class", "provider"):
            if key not in d:
                raise DescriptionError(f"{w}: missing field '{key}'.")
        folder, inf = str(d["folder"]).rstrip("\\"), str(d["inf"])
        if d.get("valid", True):
            fs.write(f"{folder}\\{inf}", inf_text(inf, str(d["class"]), str(d["provider"]), str(d.get("version", "1.0.0.0")),
                                                  str(d.get("date", "01/01/2020")), bool(d.get("boot_critical", False))))
        else:
            fs.write(f"{folder}\\{inf}", b"this is not an INF file\r\n")
        stem = inf.rsplit(".", 1)[0]
        if d.get("signed", True):
            fs.write(f"{folder}\\{stem}.cat", b"catalog (simulated)")
        fs.write(f"{folder}\\{stem}.sys", None, size=int(d.get("sys_size", 256 * 1024)))


def load_isos(section: Any, fs: Any, where: str = "simulated_lab.iso") -> dict[str, dict[str, Any]]:
    """``iso:`` (list or single mapping with path, kind, needs_nic_driver) → ISO files; returns path → entry."""
    entries = [section] if isinstance(section, Mapping) else list(section or [])
    out = {}
    for i, e in enumerate(entries):
        if "path" not in e:
            raise DescriptionError(f"{where}[{i}]: missing field 'path' (e.g. B:\\ISO\\WinPE_amd64.iso).")
        kind = str(e.get("kind", "winpe")).lower()
        if kind not in ("winpe", "data"):
            raise DescriptionError(f"{where}[{i}].kind: '{kind}' is not known; use winpe or data.")
        fs.write(str(e["path"]), None, size=int(e.get("size_mb", ISO_SIZE // 2**20)) * 2**20)
        out[str(e["path"])] = {**e, "kind": kind}
    return out


def _give_images_to_disks(host: Any, images: Mapping[str, GuestImage]) -> None:
    """System disks of registered VMs and exports named like an image get that image's Windows."""
    for img in images.values():
        for path, disk in list(host.disks.items()):
            leaf = path.rsplit("\\", 1)[-1]
            if leaf.lower() not in (f"{img.name.lower()}.vhdx", f"{img.name.lower()}.vhd"):
                continue
            base = host.base_disk(disk)
            if not base.volumes:
                continue
            fs = host.disk_fs(disk)
            root = next(iter(fs.volumes))
            if read_hive(fs, root) is None:
                populate_windows(fs, root, img)


class GuestBootHook:
    """The host's boot hook: boot the VM's guest; a failure string keeps the heartbeat off.

    A module-level class (not a closure) so that the host model pickles (``SimulatedLab.save``).
    The heartbeat follows the guest image's boot time (``boot_seconds`` of the description)."""

    def __init__(self, runtime: GuestRuntime) -> None:
        self.runtime = runtime

    def __call__(self, host: Any, vm: Any) -> str | None:
        switches = {s.name.lower(): s.switch_type for s in getattr(host, "switches", [])}
        names = [a.switch_name for a in vm.adapters]
        isolated = all(n is None or switches.get(n.lower()) in ("Private", "Internal") for n in names)
        info = VMInfo(name=vm.name, id=vm.id, generation=vm.generation, disks=[d.path for d in vm.hard_drives],
                      dvd=next((d.path for d in vm.dvd_drives if d.path), None), switches=names,
                      isolated=isolated, started_at=vm.started_at)
        state = self.runtime.vm_started(info)
        vm.guest = state
        if state.phase == "BugCheck":
            return f"0x{state.stop_code:08X}"
        if state.phase == "NoOS":
            return state.message
        if state.phase == "WinPE":
            host.stop_vm(vm, turn_off=True)  # WinPE's automation ends with 'wpeutil shutdown'
            return "WinPE"
        if state.machine is not None:
            vm.heartbeat_at = state.machine.booted_at
        return None


class GuestStopHook:
    """The host's stop hook: a VM that stops, turns off or saves takes its guest (and its WS-Man
    endpoint) down at once."""

    def __init__(self, runtime: GuestRuntime) -> None:
        self.runtime = runtime

    def __call__(self, host: Any, vm: Any) -> None:
        vm.guest = None
        self.runtime.vm_stopped(vm.name)


def boot_hook(runtime: GuestRuntime) -> GuestBootHook:
    """Kept for callers of the earlier API: the boot hook object for ``runtime``."""
    return GuestBootHook(runtime)


def _target_rates(host: Any, section: Any) -> None:
    """``backup_targets[].read``: how fast the target (a share, or the volume) can be read."""
    from simlab.lab import io
    from simlab.lab.description import parse_size

    for i, entry in enumerate(section or []):
        if entry.get("read") is None:
            continue
        try:
            rate = parse_size(entry["read"])
        except ValueError as e:
            raise DescriptionError(f"simulated_lab.backup_targets[{i}].read: {e} (bytes per simulated second)") from None
        path = str(entry.get("path", ""))
        if path.startswith("\\"):
            io.set_share_rate(host, path, rate)
        else:
            _, write = io.read_rate(host, path + "\\"), io.write_rate(host, path + "\\")
            io.set_volume_rates(host, path, rate, write)


def build(host: Any, desc: Any) -> None:
    """EXTRA_BUILDERS entry: everything of the WSB/DISM/guest/WinPE part of the description."""
    images = parse_guests(getattr(desc, "guests", None))
    load_drivers(getattr(desc, "drivers", None), host.fs)
    isos = load_isos(getattr(desc, "iso", None) or getattr(desc, "isos", None), host.fs)
    catalog = wsb.WsbCatalog(host.now)
    catalog.clock = host.clock  # type: ignore[attr-defined]  # jobs follow their shared transfers
    wsb.load_targets(getattr(desc, "backup_targets", None), catalog, host.fs, images)
    _target_rates(host, getattr(desc, "backup_targets", None))
    wsb_cmdlets.attach(host, catalog, images)
    _give_images_to_disks(host, images)
    runtime = attach(host, images, {p: e["kind"] for p, e in isos.items()})
    runtime.isos_detail = {p.lower(): e for p, e in isos.items()}  # type: ignore[attr-defined]
    runtime.catalog = catalog  # type: ignore[attr-defined]
    host.boot_hooks.append(GuestBootHook(runtime))
    host.stop_hooks.append(GuestStopHook(runtime))
    host.machines["guest_runtime"] = runtime


def register() -> None:
    """Add :func:`build` to the Hyper-V model's builder list (idempotent)."""
    from simlab.lab import build as lab_build

    if build not in lab_build.EXTRA_BUILDERS:
        lab_build.EXTRA_BUILDERS.append(build)


register()

from simlab.lab import wsb_guest_faults  # noqa: E402,F401  (registers this part's faults)
