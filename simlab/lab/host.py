"""The simulated Hyper-V host: a Windows machine with vmms, its VMs, switches, disks and services.

:class:`HyperVHost` implements the :class:`simlab.ps.api.Machine` protocol and performs every
Hyper-V operation on the model (import/compare, checkpoints and their asynchronous merges, VHD
create/mount, service control). Cmdlet modules only bind parameters and shape output; the rules of
Windows live here. Failures raise :class:`simlab.ps.api.CmdletError` with the Windows text
(sources and [UNVERIFIED] marks in simlab/docs/simulator.md).

Simulated time: operations advance ``clock`` (copies at ``COPY_BYTES_PER_SEC``, merges at
``MERGE_BYTES_PER_SEC``); asynchronous work (merges, guest boot) completes lazily in :meth:`poll`,
which every cmdlet calls first.
"""

from __future__ import annotations

import copy as _copy
import datetime as _dt
import json
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from simlab.clock import SimClock
from simlab.lab import io
from simlab.lab.model import (
    GB,
    MAX_CONFIG_VERSION_BY_BUILD,
    MB,
    VM,
    Checkpoint,
    CompatibilityReport,
    Feature,
    HardDiskDrive,
    Incompatibility,
    Merge,
    NetworkAdapter,
    Service,
    Switch,
    VirtualDisk,
    version_tuple,
)
from simlab.ps.api import CaseInsensitiveDict, CmdletError
from simlab.winfs import Directory, FsError, Volume, WinFS, split_path

from simlab.machine import BareMachine

VIRT_EXC = "Microsoft.HyperV.PowerShell.VirtualizationException"
COPY_BYTES_PER_SEC = 400 * MB  # simulated storage copy rate (import copies, Copy-Item of big files)
MERGE_BYTES_PER_SEC = 200 * MB  # simulated checkpoint merge rate (one merge alone)
MERGE_FINISH_SECONDS = 5.0  # after the bytes: the configuration update that ends a merge
VMMS_RESTART_SECONDS = 8.0
GUEST_BOOT_SECONDS = 45.0  # from Start-VM until the guest's heartbeat answers

#: Windows feature name -> PowerShell module it brings (modules() of the host).
FEATURE_MODULES = {
    "Hyper-V-PowerShell": "Hyper-V",
    "Windows-Server-Backup": "WindowsServerBackup",
}
# Microsoft.PowerShell.Diagnostics (Get-WinEvent) ships with Windows PowerShell 5.1 on every Windows Server.
BASE_MODULES = {"Storage", "ServerManager", "Dism", "NetAdapter", "Microsoft.PowerShell.Diagnostics", "NetTCPIP",
                "Microsoft.PowerShell.LocalAccounts"}


def virt_error(message: str, category: str = "InvalidOperation", error_id: str = "OperationFailed",
               target: Any = None) -> CmdletError:
    """A Hyper-V module error (VirtualizationException, FQID ``OperationFailed,<cmd type>``)."""
    return CmdletError(message, error_id, category, VIRT_EXC, target)


def fs_error(err: FsError) -> CmdletError:
    return CmdletError(str(err), err.error_id, err.category, err.exception_type)


def out_of_memory(vm: VM) -> CmdletError:
    """Start-VM when the host's free memory is below the VM's startup memory. Text and FQID as Windows
    Server 2016+/Windows 10 print them (kubernetes/minikube#18049, canonical/multipass#3345: Start-VM
    captures; older builds say "Ran out of memory (0x8007000E)"). Category [UNVERIFIED]: the captures
    went through powershell.exe stderr (FromStdErr)."""
    vid = str(vm.id).upper()
    mb = vm.memory_startup // MB
    why = "Not enough memory resources are available to complete this operation. (0x8007000E)."
    text = (f"'{vm.name}' failed to start.\n"
            f"Not enough memory in the system to start the virtual machine {vm.name}.\n"
            f"Could not initialize memory: {why}\n"
            f"'{vm.name}' failed to start. (Virtual machine ID {vid})\n"
            f"Not enough memory in the system to start the virtual machine {vm.name} with ram size {mb} megabytes. "
            f"(Virtual machine ID {vid})\n"
            f"'{vm.name}' could not initialize memory: {why} (Virtual machine ID {vid})")
    return CmdletError(text, "OutOfMemory", "ResourceUnavailable", VIRT_EXC, vm.name)


def vm_not_found_by_name(name: str) -> CmdletError:
    return virt_error(f'Hyper-V was unable to find a virtual machine with name "{name}".', "InvalidArgument",
                      "InvalidParameter", name)


def switch_not_found(name: str) -> CmdletError:
    return virt_error(f'Hyper-V was unable to find a virtual switch with name "{name}".', "InvalidArgument",
                      "InvalidParameter", name)


class HyperVHost(BareMachine):
    """A Windows Server Hyper-V host. Public attributes are the model the other lab modules use."""

    def __init__(
        self,
        computer_name: str,
        clock: SimClock,
        *,
        os_caption: str = "Microsoft Windows Server 2022 Datacenter",
        os_version: str = "10.0.20348",
        build: int = 20348,
        memory_bytes: int = 256 * GB,
        logical_processors: int = 32,
    ) -> None:
        super().__init__(computer_name, {}, clock=clock, fs=WinFS(clock.now), os_version=os_version)
        self.os_caption = os_caption
        self.os_version = os_version
        self.build = build
        self.memory_bytes = memory_bytes
        self.logical_processors = logical_processors
        self.last_boot = clock.now() - _dt.timedelta(days=3)
        self.vms: dict[uuid.UUID, VM] = {}
        self.planned: dict[uuid.UUID, VM] = {}
        self.switches: list[Switch] = []
        self.disks: dict[str, VirtualDisk] = {}  # lower-cased canonical path -> disk
        self.services: CaseInsensitiveDict = CaseInsensitiveDict()  # name -> Service
        self.features: CaseInsensitiveDict = CaseInsensitiveDict()  # name -> Feature
        self.env: dict[str, str] = {}
        self.default_vm_path = "C:\\ProgramData\\Microsoft\\Windows\\Hyper-V"
        self.default_vhd_path = "C:\\ProgramData\\Microsoft\\Windows\\Virtual Hard Disks"
        self.physical_disks: list[Volume] = []  # disk number = index; one volume each
        self.boot_hooks: list[Callable[[HyperVHost, VM], str | None]] = []
        # called after a VM leaves Running (shut down, turned off, saved, removed); module-level objects only
        self.stop_hooks: list[Callable[[HyperVHost, VM], None]] = []
        self.flags: dict[str, Any] = {}  # fault switches the cmdlets consult (see faults.py)
        self.counters: dict[str, int] = {}
        self.machines: dict[str, Any] = {}  # other reachable machines by name (guests, WinPE), for other modules

    # ------------------------------------------------------------------ Machine protocol
    @property
    def registry(self) -> Any:
        """HKLM: derived from the host model, with what scripts write kept (simlab.lab.facts.HostRegistry)."""
        reg = self.__dict__.get("_registry")
        if reg is None:
            from simlab.lab.facts import HostRegistry  # facts reads this module's model
            reg = self.__dict__["_registry"] = HostRegistry(self)
        return reg

    def modules(self) -> set[str]:
        mods = set(BASE_MODULES)
        for name, module in FEATURE_MODULES.items():
            feat = self.features.get(name)
            if feat is not None and feat.installed:
                mods.add(module)
        return mods

    def environment(self) -> dict[str, str]:
        env = super().environment()
        env["NUMBER_OF_PROCESSORS"] = str(self.logical_processors)
        env.update(self.env)
        return env

    # ------------------------------------------------------------------ bookkeeping
    def count(self, key: str) -> None:
        self.counters[key] = self.counters.get(key, 0) + 1

    def now(self) -> _dt.datetime:
        return self._clock.now()

    def poll(self) -> None:
        """Complete asynchronous work whose simulated time has come (merges). Cheap; call often."""
        for vm in list(self.vms.values()):
            for merge in vm.merges:
                self._follow_merge(merge)
        now = self.now()
        for vm in list(self.vms.values()):
            for merge in list(vm.merges):
                if merge.done_at <= now:
                    self._finish_merge(vm, merge)

    def _follow_merge(self, merge: Merge) -> None:
        """A merge ends :data:`MERGE_FINISH_SECONDS` after its disks' bytes are through (its transfer
        shares the volume with the lab's other transfers, so the end moves while others run)."""
        flow = getattr(merge, "flow", None)
        if flow is None:
            return
        end = self._clock.flow_end(flow)
        if end is not None:
            merge.done_at = end + _dt.timedelta(seconds=MERGE_FINISH_SECONDS)
            self._clock.at(merge.done_at)

    def require_vmms(self) -> None:
        """Hyper-V cmdlets fail while vmms is not running (as on Windows)."""
        svc = self.services.get("vmms")
        if svc is not None and svc.status != "Running":
            # Text [UNVERIFIED]: the wording Hyper-V Manager shows when vmms is stopped.
            raise virt_error(
                f"Hyper-V encountered an error trying to access an object on computer '{self.computer_name}' "
                "because the object was not found. The object might have been deleted. Verify that the Virtual "
                "Machine Management service on the computer is running.", "ObjectNotFound", "ObjectNotFound")

    # ------------------------------------------------------------------ lookup
    def all_vms(self) -> list[VM]:
        return sorted(self.vms.values(), key=lambda v: v.name.lower())

    def vm_by_name(self, name: str) -> VM:
        for vm in self.vms.values():
            if vm.name.lower() == name.lower():
                return vm
        raise vm_not_found_by_name(name)

    def vm_by_id(self, vm_id: uuid.UUID) -> VM:
        vm = self.vms.get(vm_id)
        if vm is None:
            raise virt_error(f'Hyper-V was unable to find a virtual machine with id "{vm_id}".', "InvalidArgument",
                             "InvalidParameter", str(vm_id))
        return vm

    def switch_by_name(self, name: str) -> Switch:
        found = [s for s in self.switches if s.name.lower() == name.lower()]
        if not found:
            raise switch_not_found(name)
        if len(found) > 1:
            raise virt_error(f'More than one Ethernet switch exists with the name "{name}".', "InvalidArgument",
                             "InvalidParameter", name)
        return found[0]

    def owner_of_adapter(self, adapter: NetworkAdapter) -> VM:
        for vm in [*self.vms.values(), *self.planned.values()]:
            if any(a is adapter for a in vm.adapters):
                return vm
        raise virt_error("The operation failed because the object was not found.", "ObjectNotFound", "ObjectNotFound")

    # ------------------------------------------------------------------ switches
    def new_switch(self, name: str, switch_type: str, net_adapter: str | None = None) -> Switch:
        if switch_type == "External" and not net_adapter:
            raise virt_error("An external switch needs a physical network adapter (-NetAdapterName).",
                             "InvalidArgument", "InvalidParameter")
        sw = Switch(name, switch_type, net_adapter_description=net_adapter,
                    allow_management_os=switch_type != "Private")
        self.switches.append(sw)
        self._clock.advance(2)
        return sw

    def connect_adapter(self, adapter: NetworkAdapter, switch_name: str) -> None:
        self.switch_by_name(switch_name)
        adapter.switch_name = self.switch_by_name(switch_name).name
        self._rewrite_config(self.owner_of_adapter(adapter))

    def disconnect_adapter(self, adapter: NetworkAdapter) -> None:
        adapter.switch_name = None
        self._rewrite_config(self.owner_of_adapter(adapter))

    # ------------------------------------------------------------------ files and disks
    def disk(self, path: str) -> VirtualDisk:
        """The VirtualDisk for an existing .vhd(x)/.avhd(x) file; files without a model get a plain one."""
        try:
            canon = self._fs.canonical(path)
            node = self._fs.get(path)
        except (FsError, ValueError):
            raise virt_error(f"The system cannot find the file specified. ('{path}')", "ObjectNotFound",
                             "ObjectNotFound", path) from None
        key = canon.lower()
        d = self.disks.get(key)
        if d is None or isinstance(node, Directory):
            if isinstance(node, Directory):
                raise virt_error(f"'{path}' is not a virtual hard disk file.", "InvalidArgument", "InvalidParameter")
            d = VirtualDisk(canon, "Dynamic", size=max(node.size, 1 * GB), file_size=node.size)  # type: ignore[attr-defined]
            self.disks[key] = d
        d.path = canon
        d.file_size = node.size  # type: ignore[attr-defined]
        return d

    def add_disk(self, disk: VirtualDisk, overwrite: bool = False) -> VirtualDisk:
        """Create the file for ``disk`` (size ``file_size``) and register its model. Raises FsError."""
        f = self._fs.write(disk.path, None, disk.file_size, overwrite=overwrite)
        disk.path = self._fs.canonical(disk.path)
        self.disks[disk.path.lower()] = disk
        return disk

    def new_vhd(self, path: str, size: int, vhd_type: str = "Dynamic", parent_path: str | None = None) -> VirtualDisk:
        if self._fs.exists(path):
            raise virt_error(f"The file '{path}' already exists.", "ResourceExists", "InvalidParameter", path)
        if vhd_type == "Differencing":
            parent = self.disk(parent_path or "")
            disk = VirtualDisk(path, "Differencing", size=parent.size, file_size=4 * MB, parent_path=parent.path)
        else:
            file_size = size if vhd_type == "Fixed" else 4 * MB
            disk = VirtualDisk(path, vhd_type, size=size, file_size=file_size)
            disk.partition_style = "RAW"
        try:
            self.add_disk(disk)
        except FsError as e:
            raise fs_error(e) from None
        self._clock.advance(1 + (size / COPY_BYTES_PER_SEC if vhd_type == "Fixed" else 0))
        return disk

    def copy_file(self, src: str, dst: str, overwrite: bool = False) -> None:
        """Copy one file with its disk model (if any), taking simulated time. Raises FsError."""
        node = self._fs.get(src)
        content = getattr(node, "content", None)
        size = getattr(node, "declared_size", 0)
        self._fs.write(dst, content, size, overwrite=overwrite)
        src_disk = self.disks.get(self._fs.canonical(src).lower())
        if src_disk is not None:
            clone = _copy.deepcopy(src_disk)
            clone.path = self._fs.canonical(dst)
            clone.mounted_disk_number = None
            clone.mounted_letters = []
            self.disks[clone.path.lower()] = clone
        # the bytes move through the source's read side and the destination's write side, shared with
        # every other transfer running on the host (events clock; simlab/flows.py)
        took = self._clock.transfer(getattr(node, "size", 0), io.resources(self, read=src, write=dst),
                                    max_rate=COPY_BYTES_PER_SEC, label=f"copy {_leaf(src)}")
        if took < 0.2:
            self._clock.advance(0.2 - took)

    def remove_file(self, path: str) -> None:
        if self._fs.exists(path):
            self._fs.remove(path)
        self.disks.pop(path.lower(), None)

    def base_disk(self, disk: VirtualDisk) -> VirtualDisk:
        """The root of a differencing chain (whose ``volumes`` hold the content)."""
        seen = 0
        while disk.vhd_type == "Differencing" and disk.parent_path and seen < 64:
            disk = self.disk(disk.parent_path)
            seen += 1
        return disk

    def disk_fs(self, disk: VirtualDisk, letter: str = "V") -> WinFS:
        """A WinFS over the disk's first volume at ``letter:`` (or its mounted letter while mounted) for
        reading/populating the disk's content from Python (guest/DISM/WSB modules)."""
        base = self.base_disk(disk)
        if not base.volumes:
            vol = Volume("", base.size, 0, "")
            vol.root = Directory("", self.now(), self.now())
            base.volumes.append(vol)
        vol = base.volumes[0]
        if base.mounted_disk_number is None and disk.mounted_disk_number is None:
            vol.root_name = letter.upper() + ":"
        fs = WinFS(self._clock.now)
        fs.volumes[vol.root_name] = vol  # while mounted: the mounted letter (the only key)
        return fs

    # ------------------------------------------------------------------ mount
    def mount_vhd(self, path: str, read_only: bool = False, no_drive_letter: bool = False) -> VirtualDisk:
        disk = self.disk(path)
        if disk.mounted_disk_number is not None:
            # Text [UNVERIFIED]
            raise virt_error("The process cannot access the file because it is being used by another process.",
                             "ResourceBusy", "ObjectInUse", path)
        for vm in self.vms.values():
            if vm.state != "Off" and any(d.path.lower() == disk.path.lower() for d in vm.hard_drives):
                raise virt_error("The process cannot access the file because it is being used by another process.",
                                 "ResourceBusy", "ObjectInUse", path)
        used_numbers = {d.mounted_disk_number for d in self.disks.values()} | set(range(len(self.physical_disks)))
        number = next(n for n in range(len(self.physical_disks), 1000) if n not in used_numbers)
        disk.mounted_disk_number = number
        disk.read_only_mount = read_only
        disk.mounted_letters = []
        if not no_drive_letter:
            for vol in self.base_disk(disk).volumes:
                letter = self.next_free_letter()
                vol.root_name = letter + ":"
                self._fs.volumes[letter + ":"] = vol
                disk.mounted_letters.append(letter)
        self._clock.advance(2)
        return disk

    def dismount_vhd(self, path: str) -> None:
        disk = self.disk(path)
        if disk.mounted_disk_number is None:
            raise virt_error(f"The disk '{disk.path}' is not attached.", "InvalidOperation", "InvalidParameter", path)
        for letter in disk.mounted_letters:
            self._fs.volumes.pop(letter + ":", None)
        disk.mounted_letters = []
        disk.mounted_disk_number = None
        self._clock.advance(1)

    def next_free_letter(self) -> str:
        for code in range(ord("D"), ord("Z") + 1):
            if chr(code) + ":" not in self._fs.volumes:
                return chr(code)
        raise virt_error("No drive letter is available.", "ResourceUnavailable", "OperationFailed")

    # ------------------------------------------------------------------ VMs
    def new_vm(self, name: str, generation: int = 2, path: str | None = None, memory: int = GB,
               switch_name: str | None = None, vhd_path: str | None = None) -> VM:
        if switch_name:
            switch_name = self.switch_by_name(switch_name).name
        base = (path or self.default_vm_path).rstrip("\\")
        vm = VM(name=name, generation=generation, version=MAX_CONFIG_VERSION_BY_BUILD.get(self.build, "10.0"),
                memory_startup=memory, processor_count=1)
        vm.path = base + "\\" + name if path else base
        vm.snapshot_location = vm.smart_paging_location = vm.path
        vm.config_file = f"{vm.path}\\Virtual Machines\\{str(vm.id).upper()}.vmcx"
        vm.adapters = [NetworkAdapter("Network Adapter", switch_name, "000000000000")]
        if vhd_path:
            vm.hard_drives = [HardDiskDrive(self.disk(vhd_path).path, "SCSI" if generation == 2 else "IDE")]
        self.vms[vm.id] = vm
        self._write_vm_files(vm, running=False)
        self._clock.advance(2)
        return vm

    def remove_vm(self, vm: VM) -> None:
        """Unregister: config files go, VHDs stay (as Remove-VM on Windows)."""
        if vm.state not in ("Off", "Saved"):
            raise virt_error(
                "The operation cannot be performed while the virtual machine is in its current state.",
                "InvalidOperation", "InvalidState", vm.name)
        for ext in (".vmcx", ".vmrs", ".vmgs"):
            self.remove_file(vm.config_file[:-5] + ext)
        for cp in vm.checkpoints:
            for ext in (".vmcx", ".vmrs"):
                self.remove_file(f"{vm.snapshot_location}\\Snapshots\\{str(cp.id).upper()}{ext}")
        self.vms.pop(vm.id, None)
        self._clock.advance(2)

    def start_vm(self, vm: VM) -> None:
        if vm.state == "Running":
            return
        for drive in vm.hard_drives:
            if not self._fs.exists(drive.path):
                # Text [UNVERIFIED] (vmms event 12290/32xxx family).
                raise virt_error(f"'{vm.name}' failed to start. The system cannot find the file specified. "
                                 f"('{drive.path}')", "ObjectNotFound", "ObjectNotFound", vm.name)
        for a in vm.adapters:
            if a.switch_name and not any(s.name.lower() == a.switch_name.lower() for s in self.switches):
                raise virt_error(f"'{vm.name}' failed to start. Could not find Ethernet switch '{a.switch_name}'.",
                                 "InvalidOperation", "OperationFailed", vm.name)
        if vm.memory_startup > self.free_memory():
            raise out_of_memory(vm)
        self._clock.advance(3)
        vm.state = "Running"
        vm.started_at = self.now()
        # A boot hook (the guest model) may move heartbeat_at to its guest image's boot time.
        vm.heartbeat_at = vm.started_at + _dt.timedelta(seconds=GUEST_BOOT_SECONDS)
        failure = None
        for hook in self.boot_hooks:
            failure = failure or hook(self, vm)
        vm.boot_failure = failure
        if failure:
            vm.heartbeat_at = None
        else:
            self._clock.at(vm.heartbeat_at)

    def stop_vm(self, vm: VM, turn_off: bool = False) -> None:
        if vm.state == "Off":
            return
        self._clock.advance(2 if turn_off else 15)
        vm.state = "Off"
        self._vm_left_running(vm)

    def save_vm(self, vm: VM) -> None:
        """Stop-VM -Save: the memory goes to the .vmrs, the guest is no longer running."""
        if vm.state != "Running":
            return
        self._clock.advance(10)
        vm.state = "Saved"
        self._write_vm_files(vm, running=True)
        self._vm_left_running(vm)

    def _vm_left_running(self, vm: VM) -> None:
        vm.started_at = None
        vm.heartbeat_at = None
        for hook in list(getattr(self, "stop_hooks", [])):
            hook(self, vm)

    def rename_vm(self, vm: VM, new_name: str) -> None:
        """Rename-VM / Set-VM -NewVMName: only the display name changes (ID, files and folders stay;
        Hyper-V allows several VMs with one name)."""
        old = vm.name
        vm.name = new_name
        self._rewrite_config(vm)
        rt = self.machines.get("guest_runtime")
        if rt is not None and hasattr(rt, "vm_renamed"):
            rt.vm_renamed(old, new_name)
        self._clock.advance(1)

    def set_vm(self, vm: VM, *, processor_count: int | None = None, memory_startup: int | None = None,
               dynamic_memory: bool | None = None, notes: str | None = None) -> None:
        """Set-VM: processor count and startup memory only while the VM is off (texts [UNVERIFIED])."""
        if (processor_count is not None or memory_startup is not None) and vm.state not in ("Off",):
            raise virt_error("The operation cannot be performed while the virtual machine is in its current state.",
                             "InvalidOperation", "InvalidState", vm.name)
        if processor_count is not None:
            if not 1 <= processor_count <= self.logical_processors:
                raise virt_error(f"Failed to modify device 'Processor'. The number of virtual processors "
                                 f"({processor_count}) must be between 1 and {self.logical_processors}.",
                                 "InvalidArgument", "InvalidParameter", vm.name)
            vm.processor_count = processor_count
        if memory_startup is not None:
            if memory_startup < 32 * MB or memory_startup % (2 * MB):
                raise virt_error(f"Failed to modify device 'Memory'. Invalid startup memory amount assigned for "
                                 f"'{vm.name}'. The amount must be at least 32 MB and a multiple of 2 MB.",
                                 "InvalidArgument", "InvalidParameter", vm.name)
            vm.memory_startup = memory_startup
        if dynamic_memory is not None:
            vm.dynamic_memory = dynamic_memory
        if notes is not None:
            vm.notes = notes
        self._rewrite_config(vm)
        self._clock.advance(1)

    def free_memory(self) -> int:
        used = sum(v.memory_startup for v in self.vms.values() if v.state in ("Running", "Paused"))
        return max(0, self.memory_bytes - 8 * GB - used)

    def heartbeat(self, vm: VM) -> str:
        """'OK' once the guest answers, else 'No Contact' (running VMs) or '' (off)."""
        if vm.state != "Running":
            return ""
        if vm.heartbeat_at is not None and self.now() >= vm.heartbeat_at:
            return "OK"
        return "No Contact"

    # ------------------------------------------------------------------ VM files
    def _write_vm_files(self, vm: VM, running: bool) -> None:
        try:
            self._fs.write(vm.config_file, vm.config_bytes())
            self._fs.write(vm.config_file[:-5] + ".vmrs", None, (vm.memory_startup + 64 * MB) if running else 48 * 1024)
            if version_tuple(vm.version) >= (9, 0):  # seed 004 §1.6: vmgs from configuration version 9
                self._fs.write(vm.config_file[:-5] + ".vmgs", None, 4 * MB)
        except FsError as e:
            raise fs_error(e) from None

    def _rewrite_config(self, vm: VM) -> None:
        if vm.planned or not vm.config_file:
            return
        try:
            self._fs.write(vm.config_file, vm.config_bytes())
        except FsError:
            pass

    def read_vmcx(self, path: str) -> VM:
        """Read a VM configuration from a .vmcx file, as Import-VM/Compare-VM do."""
        leaf = path.replace("/", "\\").rstrip("\\").rsplit("\\", 1)[-1]
        if not self._fs.exists(path):
            raise virt_error("The operation failed because the file was not found.", "ObjectNotFound",
                             "ObjectNotFound", path)
        if self._fs.is_dir(path):
            raise virt_error("The operation failed because the file was not found.", "ObjectNotFound",
                             "ObjectNotFound", path)
        stem = leaf.rsplit(".", 1)[0]
        try:
            uuid.UUID(stem)
        except ValueError:
            raise virt_error(f'The file name at "{path}" is not in GUID format.', "InvalidArgument",
                             "InvalidParameter", path) from None
        try:
            data = json.loads(self._fs.read(path).decode("utf-8"))
            return VM.from_config(data)
        except (ValueError, KeyError, UnicodeDecodeError):
            # Text [UNVERIFIED]: corrupt configuration.
            raise virt_error(f"The configuration file '{path}' is corrupt or of an unknown format.",
                             "InvalidData", "InvalidConfiguration", path) from None

    # ------------------------------------------------------------------ import
    def compare(
        self, path: str, *, copy: bool, generate_new_id: bool = False, vm_path: str | None = None,
        vhd_destination_path: str | None = None, snapshot_path: str | None = None,
        smart_paging_path: str | None = None, vhd_source_path: str | None = None,
    ) -> CompatibilityReport:
        """Compare-VM: read the config, create a planned VM, stage the copy, list incompatibilities."""
        self.require_vmms()
        canon = self._fs.canonical(path) if self._fs.exists(path) else path
        vm = self.read_vmcx(canon)
        config_dir = canon.rsplit("\\", 1)[0]
        export_root = config_dir.rsplit("\\", 1)[0] if config_dir.lower().endswith("\\virtual machines") else config_dir
        supported = MAX_CONFIG_VERSION_BY_BUILD.get(self.build, "10.0")
        if version_tuple(vm.version) > version_tuple(supported):
            # Text [UNVERIFIED]; WMI job error 32784 "VM version is unsupported" (Vagrant's map).
            raise virt_error(
                f"The virtual machine configuration version '{vm.version}' is not supported by this host. The "
                f"maximum version supported is '{supported}'.", "InvalidOperation", "OperationFailed", canon)
        if generate_new_id:
            vm.id = uuid.uuid4()
        else:
            self.planned.pop(vm.id, None)  # TryToDeletePlannedVMForFile
            if vm.id in self.vms:
                # Text [UNVERIFIED]: Hyper-V's WMI "in use" job error; see simlab/docs/simulator.md.
                raise virt_error("The operation cannot be performed while the object is in use.",
                                 "InvalidOperation", "OperationFailed", canon)
        vm.planned = True
        if copy:
            vm_path_ = (vm_path or self.default_vm_path).rstrip("\\")
            vhd_dest = (vhd_destination_path or self.default_vhd_path).rstrip("\\")
            snap = (snapshot_path or vm_path_).rstrip("\\")
            paging = (smart_paging_path or vm_path_).rstrip("\\")
            vhd_src = vhd_source_path or (export_root + "\\Virtual Hard Disks")
            armed = self.flags.get("destination_files_exist", [])
            if vm.name.lower() in armed or "*" in armed:  # fault: someone else's files are already there
                armed.remove(vm.name.lower() if vm.name.lower() in armed else "*")
                for f in self._vhd_files(vm):
                    self._fs.write(vhd_dest + "\\" + _leaf(f), None, 1 * MB, overwrite=False)
            # Staging (overwrite: false): an existing destination file fails here.
            for f in self._vhd_files(vm):
                dest = vhd_dest + "\\" + _leaf(f)
                if self._fs.exists(dest):
                    raise virt_error(f"The file '{self._fs.canonical(dest)}' already exists.", "InvalidOperation",
                                     "OperationFailed", dest)
        else:
            vm_path_ = snap = paging = export_root
            vhd_dest = None
            vhd_src = None
        vm.path = vm_path_
        vm.snapshot_location = snap
        vm.smart_paging_location = paging
        vm.config_file = f"{vm_path_}\\Virtual Machines\\{str(vm.id).upper()}.vmcx"
        vm.state = "Off"
        report = CompatibilityReport(vm, "Copy" if copy else "Register", canon, export_root, vm_path_, snap, paging,
                                     vhd_dest, vhd_src, generate_new_id)
        self.planned[vm.id] = vm
        self.regenerate(report)
        self._clock.advance(2)
        self.count("compare_vm")
        return report

    def regenerate(self, report: CompatibilityReport) -> CompatibilityReport:
        """Compare-VM -CompatibilityReport: recheck the planned VM as it is now."""
        incompat: list[Incompatibility] = []
        names = {s.name.lower() for s in self.switches}
        for a in report.vm.adapters:
            if a.switch_name and a.switch_name.lower() not in names:
                incompat.append(Incompatibility(f"Could not find Ethernet switch '{a.switch_name}'.", 33012, a))
        report.incompatibilities = incompat
        return report

    def import_report(self, report: CompatibilityReport) -> VM:
        """Realize a planned VM (Import-VM -CompatibilityReport / the end of Import-VM -Path)."""
        self.require_vmms()
        if report.realized:
            raise virt_error("The operation failed because the object was not found.", "ObjectNotFound",
                             "ObjectNotFound")
        self.regenerate(report)
        if report.incompatibilities:
            raise virt_error("Unable to import virtual machine due to configuration errors.  Please use Compare-VM "
                             "to repair the virtual machine.", "InvalidOperation", "OperationFailed", report.path)
        vm = report.vm
        if vm.id in self.vms:
            raise virt_error("The operation cannot be performed while the object is in use.", "InvalidOperation",
                             "OperationFailed", report.path)
        if report.mode == "Copy":
            self._copy_for_import(report)
        else:
            for d in vm.hard_drives:
                if not self._fs.exists(d.path):
                    raise virt_error("The operation failed because the file was not found.", "ObjectNotFound",
                                     "ObjectNotFound", d.path)
        self.planned.pop(vm.id, None)
        vm.planned = False
        vm.state = "Off"
        self.vms[vm.id] = vm
        self._write_vm_files(vm, running=False)
        report.realized = True
        self._clock.advance(3)
        self.count("import_vm")
        return vm

    def _vhd_files(self, vm: VM) -> list[str]:
        """Every disk file the VM and its checkpoints reference (current .avhdx files and their parents)."""
        files: list[str] = []
        for p in [d.path for d in vm.hard_drives] + [p for c in vm.checkpoints for p in c.disk_paths]:
            if p and p.lower() not in (f.lower() for f in files):
                files.append(p)
        return files

    def _copy_for_import(self, report: CompatibilityReport) -> None:
        vm = report.vm
        src_dir = (report.vhd_source_path or report.export_root + "\\Virtual Hard Disks").rstrip("\\")
        dest_dir = (report.vhd_destination_path or self.default_vhd_path).rstrip("\\")
        plan: list[tuple[str, str]] = []  # (source, destination)
        mapping: dict[str, str] = {}
        for f in self._vhd_files(vm):
            src = src_dir + "\\" + _leaf(f)
            if not self._fs.exists(src):
                src = f
            if not self._fs.exists(src):
                raise virt_error("The operation failed because the file was not found.", "ObjectNotFound",
                                 "ObjectNotFound", src)
            dest = dest_dir + "\\" + _leaf(f)
            plan.append((src, dest))
            mapping[f.lower()] = dest
        snap_src = report.export_root + "\\Snapshots"
        for cp in vm.checkpoints:
            for ext in (".vmcx", ".vmrs"):
                p = f"{snap_src}\\{str(cp.id).upper()}{ext}"
                if self._fs.exists(p):
                    plan.append((p, f"{report.snapshot_path}\\Snapshots\\{str(cp.id).upper()}{ext}"))
        # free space per destination volume, counted before anything is written
        need: dict[str, int] = {}
        for src, dest in plan:
            key = split_path(dest)[0].upper()
            need[key] = need.get(key, 0) + self._fs.get(src).size  # type: ignore[attr-defined]
        need_cfg = split_path(report.vm_path)[0].upper()
        need[need_cfg] = need.get(need_cfg, 0) + vm.memory_startup // 1024 + 5 * MB
        for key, nbytes in need.items():
            try:
                vol = self._fs.volume_of(key + "\\")
            except FsError as e:
                raise fs_error(e) from None
            if nbytes > vol.free():
                self._clock.advance(1)
                raise virt_error("There is not enough space on the disk.", "InvalidOperation", "OperationFailed",
                                 report.path)
        try:
            for src, dest in plan:
                self.copy_file(src, dest, overwrite=True)  # PerformStorageCopyForImport overwrites
        except FsError as e:
            raise fs_error(e) from None
        for d in vm.hard_drives:
            d.path = mapping.get(d.path.lower(), d.path)
        for cp in vm.checkpoints:
            cp.disk_paths = [mapping.get(p.lower(), p) for p in cp.disk_paths]
        for new_path in mapping.values():
            disk = self.disks.get(self._fs.canonical(new_path).lower())
            if disk is not None and disk.parent_path:
                disk.parent_path = mapping.get(disk.parent_path.lower(), disk.parent_path)
            if disk is not None:
                disk.attached_to = vm.id

    def discard_planned(self, report: CompatibilityReport) -> None:
        self.planned.pop(report.vm.id, None)

    def register_recovered_vm(self, config: dict[str, Any], checkpoint: dict[str, Any] | None) -> VM:
        """Register a VM that a WSB Hyper-V recovery put back (hook used by wsb_cmdlets).

        ``config``: name, id, generation, version, path, disks [{path, size_gb}], adapters [{name,
        switch}], optional memory_gb/cpu. ``checkpoint`` (online backup): name, type, created, avhdx
        [paths already written]; the VM's drives then point at the .avhdx files, as on Windows
        (seed 004 §3.1.2(9)). A VM with the same ID is replaced (recovery to the original location).
        """
        vm_id = uuid.UUID(str(config["id"]))
        old = self.vms.pop(vm_id, None)
        if old is not None:
            old.state = "Off"
        gen = int(config.get("generation", 2))
        vm = VM(name=str(config["name"]), id=vm_id, generation=gen, version=str(config.get("version", "9.0")),
                memory_startup=int(float(config.get("memory_gb", 4)) * GB), processor_count=int(config.get("cpu", 2)))
        vm.path = vm.snapshot_location = vm.smart_paging_location = str(config["path"]).rstrip("\\")
        vm.config_file = f"{vm.path}\\Virtual Machines\\{str(vm.id).upper()}.vmcx"
        vm.adapters = [NetworkAdapter(str(a.get("name", "Network Adapter")), a.get("switch"),
                                      str(a.get("mac", "00155D000000"))) for a in config.get("adapters", [])]
        controller = "SCSI" if gen == 2 else "IDE"
        for i, d in enumerate(config.get("disks", [])):
            path = str(d["path"])
            node = self._fs.get(path) if self._fs.exists(path) else None
            size = int(float(d.get("size_gb", 40)) * GB)
            disk = VirtualDisk(self._fs.canonical(path) if node else path, "Dynamic", size=size,
                               file_size=getattr(node, "size", 0), attached_to=vm.id)
            disk.partition_style = "GPT" if gen == 2 else "MBR"
            self.disks[disk.path.lower()] = disk
            vm.hard_drives.append(HardDiskDrive(disk.path, controller, 0, i))
        vm.boot_order = [f"HardDiskDrive:{i}" for i in range(len(vm.hard_drives))][:1] + ["NetworkAdapter:0"][:len(vm.adapters)]
        if checkpoint:
            created = checkpoint.get("created") or self.now()
            cp = Checkpoint(str(checkpoint["name"]), str(checkpoint.get("type", "Recovery")), created=created,
                            disk_paths=[d.path for d in vm.hard_drives])
            for drive, avhdx in zip(vm.hard_drives, checkpoint.get("avhdx", [])):
                node = self._fs.get(avhdx) if self._fs.exists(avhdx) else None
                diff = VirtualDisk(self._fs.canonical(avhdx) if node else avhdx, "Differencing",
                                   size=self.disk(drive.path).size if self._fs.exists(drive.path) else 0,
                                   file_size=getattr(node, "size", 0), parent_path=drive.path, attached_to=vm.id)
                self.disks[diff.path.lower()] = diff
                drive.path = diff.path
            vm.checkpoints.append(cp)
            vm.current_checkpoint_id = cp.id
            try:
                self._fs.write(f"{vm.snapshot_location}\\Snapshots\\{str(cp.id).upper()}.vmcx", vm.config_bytes())
            except FsError as e:
                raise fs_error(e) from None
        self.vms[vm.id] = vm
        self._write_vm_files(vm, running=False)
        self.count("register_recovered_vm")
        return vm

    # ------------------------------------------------------------------ checkpoints
    def create_checkpoint(self, vm: VM, name: str, snapshot_type: str = "Standard", *, stuck: bool = False,
                          avhdx_size: int = 256 * MB, clears_on_vmms_restart: bool = True) -> Checkpoint:
        """Checkpoint a VM: each drive gets a new differencing .avhdx; the checkpoint keeps the old paths."""
        cp = Checkpoint(name, snapshot_type, created=self.now(), parent_id=vm.current_checkpoint_id,
                        disk_paths=[d.path for d in vm.hard_drives], stuck=stuck,
                        clears_on_vmms_restart=clears_on_vmms_restart)
        try:
            for drive in vm.hard_drives:
                parent = self.disk(drive.path)
                folder, leaf = drive.path.rsplit("\\", 1)
                stem = leaf.rsplit(".", 1)[0].split("_")[0]
                new_path = f"{folder}\\{stem}_{str(uuid.uuid4()).upper()}.avhdx"
                self.add_disk(VirtualDisk(new_path, "Differencing", size=parent.size, file_size=avhdx_size,
                                          parent_path=parent.path, attached_to=vm.id))
                drive.path = self._fs.canonical(new_path)
            snap_dir = f"{vm.snapshot_location or vm.path}\\Snapshots"
            self._fs.write(f"{snap_dir}\\{str(cp.id).upper()}.vmcx", vm.config_bytes())
            self._fs.write(f"{snap_dir}\\{str(cp.id).upper()}.vmrs", None, 48 * 1024)
        except FsError as e:
            raise fs_error(e) from None
        vm.checkpoints.append(cp)
        vm.current_checkpoint_id = cp.id
        self._rewrite_config(vm)
        self._clock.advance(3)
        return cp

    def remove_checkpoint(self, vm: VM, cp: Checkpoint) -> Merge:
        """Remove-VMSnapshot: the checkpoint disappears now; its differencing disks merge asynchronously
        (drives keep pointing at the .avhdx until the merge completes in :meth:`poll`)."""
        if cp.stuck:
            # Text [UNVERIFIED]: a backup checkpoint still held by a (failed) backup.
            raise virt_error("The operation cannot be performed while the object is in use.", "InvalidOperation",
                             "OperationFailed", cp.name)
        updates: list[tuple[int, str, str]] = []
        total = 0
        for parent_path in cp.disk_paths:
            for key, disk in list(self.disks.items()):
                if disk.parent_path and disk.parent_path.lower() == parent_path.lower() and disk.vhd_type == "Differencing":
                    idx = next((i for i, d in enumerate(vm.hard_drives) if d.path.lower() == key), -1)
                    updates.append((idx, parent_path, disk.path))
                    total += disk.file_size
        for child in vm.checkpoints:
            if child.parent_id == cp.id:
                child.parent_id = cp.parent_id
        if vm.current_checkpoint_id == cp.id:
            vm.current_checkpoint_id = cp.parent_id
        vm.checkpoints = [c for c in vm.checkpoints if c.id != cp.id]
        for ext in (".vmcx", ".vmrs"):
            self.remove_file(f"{vm.snapshot_location or vm.path}\\Snapshots\\{str(cp.id).upper()}{ext}")
        merge = Merge(cp.id, self.now() + _dt.timedelta(seconds=MERGE_FINISH_SECONDS + total / MERGE_BYTES_PER_SEC),
                      updates)
        if updates:
            avhdx = updates[0][2]
            merge.flow = self._clock.start_flow(  # type: ignore[attr-defined]
                total, io.resources(self, read=avhdx, write=updates[0][1]), max_rate=MERGE_BYTES_PER_SEC,
                label=f"merge {vm.name}")
            self._follow_merge(merge)
        vm.merges.append(merge)
        self._rewrite_config(vm)
        self._clock.advance(1)
        self.count("remove_checkpoint")
        return merge

    def _finish_merge(self, vm: VM, merge: Merge) -> None:
        for idx, parent_path, avhdx in merge.drive_updates:
            if 0 <= idx < len(vm.hard_drives) and vm.hard_drives[idx].path.lower() == avhdx.lower():
                vm.hard_drives[idx].path = parent_path
            for cp in vm.checkpoints:
                cp.disk_paths = [parent_path if p.lower() == avhdx.lower() else p for p in cp.disk_paths]
            for d in self.disks.values():
                if d.parent_path and d.parent_path.lower() == avhdx.lower():
                    d.parent_path = parent_path
            self.remove_file(avhdx)
        vm.merges.remove(merge)
        self._rewrite_config(vm)

    # ------------------------------------------------------------------ services
    def restart_vmms(self) -> None:
        """vmms restart: clears leftover backup (Recovery) checkpoints that are not stuck (seed 004
        §3.1.2(9)); running VMs keep running (they live in vmwp.exe)."""
        self._clock.advance(VMMS_RESTART_SECONDS)
        for vm in self.vms.values():
            for cp in [c for c in vm.checkpoints if c.snapshot_type == "Recovery"]:
                if cp.clears_on_vmms_restart and not cp.stuck:
                    self.remove_checkpoint(vm, cp)
        self.planned.clear()
        self.count("vmms_restart")

    def set_service_status(self, name: str, action: str) -> Service:
        """Start/Stop/Restart a host service with the Windows rules (disabled, fail_start)."""
        svc = self.services.get(name)
        if svc is None:
            raise CmdletError(f"Cannot find any service with service name '{name}'.", "NoServiceFoundForGivenName",
                              "ObjectNotFound", "Microsoft.PowerShell.Commands.ServiceCommandException", name)
        if action in ("stop", "restart") and svc.status == "Running":
            self._clock.advance(2)
            svc.status = "Stopped"
            if svc.name.lower() == "vmms" and action == "stop":
                self.planned.clear()
        if action in ("start", "restart") and svc.status != "Running":
            if svc.start_type == "Disabled" or svc.fail_start:
                text = svc.fail_message or (
                    f"Service '{svc.display_name} ({svc.name})' cannot be started due to the following error: "
                    f"Cannot start service {svc.name} on computer '.'.")
                raise CmdletError(text, "CouldNotStartService", "OpenError",
                                  "Microsoft.PowerShell.Commands.ServiceCommandException", svc.name)
            if svc.name.lower() == "vmms":
                self.restart_vmms()
            else:
                self._clock.advance(2)
            svc.status = "Running"
        return svc

    def add_service(self, name: str, display: str, status: str = "Running", start_type: str = "Automatic") -> Service:
        svc = Service(name, display, status, start_type)
        self.services[name] = svc
        return svc

    def add_feature(self, name: str, display: str, installed: bool, feature_type: str = "Role", path: str = "") -> Feature:
        feat = Feature(name, display, installed, feature_type, path or display)
        self.features[name] = feat
        return feat

    # ------------------------------------------------------------------ state
    def state(self) -> dict[str, Any]:
        """A JSON-able summary for SimulatedLab.state() (tests, `sim status`)."""
        self.poll()
        return {
            "computer_name": self.computer_name,
            "now": self.now().isoformat(),
            "vms": [
                {"name": v.name, "id": str(v.id), "state": v.state, "generation": v.generation, "version": v.version,
                 "path": v.path, "adapters": [{"name": a.name, "switch": a.switch_name} for a in v.adapters],
                 "hard_drives": [d.path for d in v.hard_drives],
                 "checkpoints": [{"name": c.name, "type": c.snapshot_type, "stuck": c.stuck} for c in v.checkpoints],
                 "merging": v.is_merging}
                for v in self.all_vms()
            ],
            "planned_vms": [{"name": v.name, "id": str(v.id)} for v in self.planned.values()],
            "switches": [{"name": s.name, "type": s.switch_type} for s in self.switches],
            "volumes": {k: {"label": v.label, "size": v.size, "free": v.free()} for k, v in self._fs.volumes.items()},
            "services": {s.name: s.status for s in self.services.values()},
            "features": {f.name: f.installed for f in self.features.values()},
            "flags": {k: v for k, v in self.flags.items() if isinstance(v, (str, int, float, bool, list, dict))},
            "counters": dict(self.counters),
        }


def _leaf(path: str) -> str:
    return path.replace("/", "\\").rstrip("\\").rsplit("\\", 1)[-1]


def iter_all_disks_of(host: HyperVHost, vm: VM) -> Iterable[VirtualDisk]:
    """The VirtualDisk models of a VM's current drives (for checks and other modules)."""
    for d in vm.hard_drives:
        yield host.disk(d.path)
