"""SH007: commands that wipe disks, open up the whole filesystem or take the host down."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from reviewer.detectors.base import Detector
from reviewer.detectors.shell._common import (
    Script,
    classify_path,
    commands,
    parse_cli,
    preceding,
    program_of,
    scripts,
)
from reviewer.models import Confidence, Finding, InputKind, Location, Severity
from reviewer.parsers.shell import Command, ShellScript
from reviewer.parsers.workflow import Workflow

_DISK_TOOLS = ("mkfs", "mke2fs", "mkswap", "wipefs", "sgdisk", "shred", "blkdiscard",
               *(f"mkfs.{fs}" for fs in ("ext2", "ext3", "ext4", "xfs", "btrfs", "vfat", "fat",
                                         "msdos", "ntfs", "exfat", "f2fs", "minix")))
_VOLUME_TOOLS = ("lvremove", "vgremove", "pvremove", "zpool", "zfs")
_POWER = ("shutdown", "reboot", "halt", "poweroff", "init", "telinit")
_SERVICE = ("systemctl", "service")
_WINDOWS = ("rmdir", "rd", "RD", "RMDIR", "del", "erase", "DEL", "Remove-Item", "format",
            "FORMAT", "Format-Volume", "Clear-Disk")
_PROGRAMS = ("dd", *_DISK_TOOLS, *_VOLUME_TOOLS, "chmod", "chown", *_POWER, *_SERVICE,
             *_WINDOWS)
#: Block devices (not /dev/null, /dev/stdout, /dev/fd/…, /dev/tty, /dev/zero).
_DEVICE = re.compile(r"^/dev/(sd[a-z]|hd[a-z]|vd[a-z]|xvd[a-z]|nvme\d|mmcblk\d|md\d|dm-\d"
                     r"|mapper/|disk/|loop\d|root\b|r?disk\d)")
#: Units whose stop cuts the host off or takes its data service down.
_CRITICAL_UNITS = re.compile(
    r"^(sshd?|networking|network|systemd-networkd|NetworkManager|systemd-resolved|kubelet"
    r"|containerd|docker|crio|etcd|postgresql(@.*)?|mysql|mysqld|mariadb|mongod|redis"
    r"(-server)?|nginx|haproxy|apache2|httpd|keepalived|consul|vault|iptables|firewalld"
    r"|cassandra|elasticsearch|rabbitmq-server|zookeeper|kafka)(\.service)?$")
_WIN_DRIVE_ROOT = re.compile(r"""^["']?[A-Za-z]:[\\/]?["']?\*?$""")
_WIN_RECURSIVE = re.compile(r"(?i)(^|\s)/s(\s|$)|-Recurse\b")
#: Script paths of image builds and machine provisioning (disks and reboots are expected).
_PROVISIONING = re.compile(
    r"(?i)(packer|provision|cloud-init|cloud-config|user-?data|kickstart|preseed|vagrant"
    r"|bootstrap|image-build|build-image|ami[-_/]|/ami\b|autoinstall|firstboot)")
#: Scratch directories whose permissions do not matter.
_SCRATCH_DIRS = ("/tmp", "/var/tmp", "/dev/shm")  # noqa: S108 - prefixes compared, not used
_OPEN_MODES = re.compile(r"^(0?777|0?666|a\+rwx|ugo\+rwx|a\+w|o\+w|go\+w|ugo\+w|a=rwx)$")


@dataclass(frozen=True, slots=True)
class _Op:
    what: str
    severity: Severity = Severity.CRITICAL
    #: Format / wipe of a disk (a ``blkid`` check before it makes it deliberate).
    device: str = ""


def _dd(argv: tuple[str, ...]) -> _Op | None:
    for word in argv[1:]:
        if word.startswith("of=") and _DEVICE.match(word[3:]):
            return _Op(f"dd overwrites the block device {word[3:]}", device=word[3:])
    return None


def _disk(argv: tuple[str, ...]) -> _Op | None:
    program = argv[0]
    devices = [w for w in argv[1:] if _DEVICE.match(w)]
    if not devices:
        return None
    if program.startswith(("mkfs", "mke2fs")):
        return _Op(f"{program} formats {devices[0]}, erasing its filesystem", device=devices[0])
    if program == "mkswap":
        return _Op(f"mkswap overwrites {devices[0]} with swap", device=devices[0])
    if program == "sgdisk" and not any(w in ("-Z", "--zap-all", "-o", "--clear") for w in argv):
        return None
    return _Op(f"{program} wipes {devices[0]}", device=devices[0])


def _volume(argv: tuple[str, ...]) -> _Op | None:
    program, words = argv[0], [w for w in argv[1:] if not w.startswith("-")]
    if program in ("zpool", "zfs"):
        if words[:1] == ["destroy"]:
            return _Op(f"{program} destroy {' '.join(words[1:2])} deletes the pool or dataset "
                       "and its data")
        return None
    return _Op(f"{program} {' '.join(words[:1])} deletes the LVM volume and its data".replace(
        "  ", " "))


def _permissions(argv: tuple[str, ...]) -> _Op | None:
    program = argv[0]
    cli = parse_cli(argv[1:], frozenset({"--reference", "--from"}))
    if not cli.has("-R", "--recursive"):
        return None
    words = cli.positionals
    if len(words) < 2:
        return None
    spec, paths = words[0], words[1:]
    if program == "chmod" and not _OPEN_MODES.match(spec):
        return None
    for path in paths:
        found = classify_path(path)
        if found is not None and found[0] in ("root", "system"):
            if program == "chmod":
                return _Op(f"chmod -R {spec} makes {found[1]} writable by every user")
            return _Op(f"chown -R {spec} hands {found[1]} to {spec}")
        if program == "chmod" and path.startswith("/") and not path.startswith(_SCRATCH_DIRS):
            return _Op(f"chmod -R {spec} makes {path} writable by every user", Severity.HIGH)
    return None


def _power(argv: tuple[str, ...]) -> _Op | None:
    program = argv[0]
    if program in ("init", "telinit"):
        if argv[1:2] in (("0",), ("6",)):
            return _Op(f"{program} {argv[1]} {'halts' if argv[1] == '0' else 'reboots'} the "
                       "host")
        return None
    if program == "shutdown" and "-c" in argv[1:]:
        return None
    return _Op(f"{program} takes the host down")


def _service(argv: tuple[str, ...]) -> _Op | None:
    words = [w for w in argv[1:] if not w.startswith("-")]
    if argv[0] == "systemctl":
        if words[:1] in (["reboot"], ["poweroff"], ["halt"], ["kexec"]):
            return _Op(f"systemctl {words[0]} takes the host down")
        if words[:1] in (["stop"], ["disable"], ["mask"], ["kill"]) and (
                "--now" in argv or words[0] != "disable"):
            units = [u for u in words[1:] if _CRITICAL_UNITS.match(u)]
            if units:
                return _Op(f"systemctl {words[0]} {' '.join(units)} stops a service the host "
                           "or its data depends on")
        return None
    if len(words) >= 2 and words[1] == "stop" and _CRITICAL_UNITS.match(words[0]):
        return _Op(f"service {words[0]} stop stops a service the host or its data depends on")
    return None


def _windows(command: Command) -> _Op | None:
    """``rmdir /s /q D:\\``, ``del /s /q C:\\*``, ``Remove-Item -Recurse C:\\``, ``format C:``.

    Read from the raw text: a trailing backslash is a line continuation to a POSIX parser.
    """
    raw = command.raw.split("\n", 1)[0].strip()
    words = raw.split()
    if not words:
        return None
    program = words[0].lower()
    args = [w for w in words[1:] if not w.startswith(("/", "-")) or _WIN_DRIVE_ROOT.match(w)]
    if program in ("format-volume", "clear-disk") or (
            program == "format" and any(re.match(r"^[A-Za-z]:$", w) for w in words[1:])):
        return _Op(f"{words[0]} erases a disk or volume")
    roots = [a for a in args if _WIN_DRIVE_ROOT.match(a)]
    if not roots or not _WIN_RECURSIVE.search(raw):
        return None
    return _Op(f"{words[0]} recursively deletes the drive root {roots[0]}")


def _operation(argv: tuple[str, ...], command: Command) -> _Op | None:
    program = argv[0]
    if program == "dd":
        return _dd(argv)
    if program.startswith(_DISK_TOOLS):
        return _disk(argv)
    if program in _VOLUME_TOOLS:
        return _volume(argv)
    if program in ("chmod", "chown"):
        return _permissions(argv)
    if program in _POWER:
        return _power(argv)
    if program in _SERVICE:
        return _service(argv)
    return _windows(command)


def _device_redirects(script: Script) -> Iterator[tuple[Command, str]]:
    """Commands whose output is redirected onto a block device (``cat x > /dev/sda``)."""
    for command in script.shell.commands:
        for redirect in command.redirects:
            target = redirect.lstrip("0123456789&").lstrip(">|").strip().strip("'\"")
            if redirect.lstrip("0123456789&").startswith(">") and _DEVICE.match(target):
                yield command, target


def _checked_device(script: Script, command: Command, device: str) -> bool:
    """A ``blkid``/``file -s``/``lsblk`` probe of the device earlier in the script."""
    for other in preceding(script, command, ("blkid", "file", "lsblk")):
        if device in other.effective_argv:
            return True
    return False


class HostDestructionCommand(Detector[ShellScript | Workflow]):
    """A script wipes a disk, opens the whole filesystem to everyone or takes the host down.

    ## What it detects
    `dd of=/dev/…` (and `> /dev/sdX` redirections), `mkfs*`, `mke2fs`, `mkswap`, `wipefs`,
    `sgdisk --zap-all`, `shred` and `blkdiscard` on a block device; `lvremove`, `vgremove`,
    `pvremove`, `zpool|zfs destroy`; `chmod -R 777` (or `a+rwx`, `o+w`) on `/` or a system
    directory (`high` on other absolute paths), `chown -R` on `/` or a system directory;
    `shutdown`, `reboot`, `halt`, `poweroff`, `init 0|6`, `systemctl reboot`; `systemctl
    stop|mask|kill` and `service … stop` of units a host depends on (sshd, networking,
    kubelet, docker, databases, load balancers); Windows `rmdir /s /q D:\\`, `del /s`,
    `Remove-Item -Recurse` on a drive root and `format`. Disk images (`mkfs.ext4 disk.img`)
    are not reported; in image-build and provisioning scripts (Packer, cloud-init,
    user-data, kickstart…) and after a `blkid` check of the device, findings go down to
    `medium`.

    ## Why is this risky?
    These commands destroy the host's data or its reachability at once: a formatted disk has
    no undo, a stopped sshd or network service locks everyone out, and a world-writable
    `/usr` is a privilege escalation. An agent's `rmdir /s /q` on a drive root wiped a
    user's whole drive.

    ## Example
    ```sh
    #!/bin/bash
    dd if=/dev/zero of=/dev/sda bs=1M
    ```

    ## Safer alternative
    Write to an image file, never a raw device, in scripts:
    ```sh
    #!/bin/bash
    dd if=/dev/zero of=./disk.img bs=1M count=64
    mkfs.ext4 ./disk.img
    ```

    ## References
    - destructive_command_guard `system.disk:dd-device`, `mkfs`, `wipefs`, `lvremove`;
      `system.permissions:chmod-777`, `chmod-recursive-root`, `chown-recursive-root`;
      `system.services:*`
    - Incident: Google Antigravity agent `rmdir /s /q` on a drive root (2025)
    """

    code = "SH007"
    name = "host-destruction-command"
    family = "shell"
    kinds = (InputKind.SHELL, InputKind.WORKFLOW)
    severity = Severity.CRITICAL
    remediation = (
        "Keep disk formatting, volume removal and reboots in reviewed provisioning code that "
        "checks its target first; never widen permissions on system directories."
    )

    def detect(self, doc: ShellScript | Workflow) -> Iterator[Finding]:
        seen: set[tuple[str, int]] = set()
        for script, command, argv in commands(doc, _PROGRAMS):
            op = _operation(argv, command)
            if op is not None:
                seen.add((script.path, command.line))
                yield self._finding(script, command, op)
        for script in scripts(doc, ("/dev/",)):
            for command, device in _device_redirects(script):
                key = (script.path, command.line)
                if key in seen or not script.touches(command):
                    continue
                seen.add(key)
                yield self._finding(script, command, _Op(
                    f"{program_of(command.name) or 'a command'} output is redirected onto the "
                    f"block device {device}", device=device))

    def _finding(self, script: Script, command: Command, op: _Op) -> Finding:
        severity, confidence, message = op.severity, Confidence.HIGH, op.what
        if _PROVISIONING.search(script.scope):
            severity, confidence = Severity.MEDIUM, Confidence.LOW
            message += " (in an image-build or provisioning script)"
        elif op.device and _checked_device(script, command, op.device):
            severity, confidence = Severity.MEDIUM, Confidence.MEDIUM
            message += f" (after a check of {op.device})"
        return self.finding(
            script.message(message, command),
            Location(path=script.path, line=command.line),
            evidence=script.evidence(command), severity=severity, confidence=confidence,
        )
