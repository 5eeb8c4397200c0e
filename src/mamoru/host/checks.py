"""CIS Docker §1-3 on a host root: daemon configuration, file ownership and modes, audit rules, the docker
group and the data root's partition. Each check reads the host through :class:`HostRoot` and returns
findings; a file that is absent makes its check not applicable (no finding), an unreadable one a note.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass

from mamoru.host.daemon import DEFAULT_CONTAINERD_SOCKET, DEFAULT_SOCKET, DaemonConfig, unit_file
from mamoru.host.hostroot import FileInfo, HostRoot
from mamoru.host.rules import make_finding
from mamoru.model.finding import Finding
from mamoru.model.inventory import Note, NoteKind

LOCAL_LOG_DRIVERS = frozenset({"json-file", "local", "none"})
MAX_CERT_FILES = 1000
BIN_DIRS = ("usr/bin", "usr/sbin", "usr/local/bin", "usr/local/sbin", "bin", "sbin")


# ---- §2 daemon configuration ------------------------------------------------------------------------


def daemon_findings(daemon: DaemonConfig, storage_driver: str = "") -> list[Finding]:
    """CIS Docker §2 for one daemon; ``storage_driver`` is what the running daemon reports, if known."""
    where = daemon.config_path
    who = daemon.describe
    found: list[tuple[str, str, tuple[str, ...]]] = []

    def fail(rule_id: str, detail: str, *evidence: str) -> None:
        found.append((rule_id, detail, evidence))

    if daemon.flag_enabled("icc") is not False:
        fail("DAEMON-202", "inter-container communication (icc) is enabled", "icc=true (default)")
    level = str(daemon.value("log-level") or ("debug" if daemon.flag_enabled("debug") else "info")).lower()
    if level != "info":
        fail("DAEMON-203", f"log level is {level}", f"log-level={level}")
    if daemon.flag_enabled("iptables") is False:
        fail("DAEMON-204", "iptables management is turned off", "iptables=false")
    insecure = [str(r) for r in daemon.values("insecure-registries")]
    if insecure:
        fail("DAEMON-205", f"insecure registries: {', '.join(insecure)}", *insecure)
    driver = str(daemon.value("storage-driver") or storage_driver or "")
    if driver == "aufs":
        fail("DAEMON-206", "uses the aufs storage driver", "storage-driver=aufs")
    for host in daemon.hosts:
        if host.startswith(("tcp://", "http://")) or re.match(r"^[\w.\-\[\]:]+:\d+$", host):
            tls = all(daemon.value(k) for k in ("tlscacert", "tlscert", "tlskey"))
            if not daemon.flag_enabled("tlsverify"):
                how = "with TLS but no client certificate verification" if tls or daemon.flag_enabled("tls") else \
                    "without TLS"  # fmt: skip
                fail(
                    "DAEMON-207",
                    f"listens on {host} {how}",
                    f"host={host}",
                    f"tlsverify={daemon.flag_enabled('tlsverify')}",
                )
    if not daemon.value("userns-remap"):
        fail("DAEMON-209", "user-namespace remapping is not enabled", "userns-remap unset")
    parent = daemon.value("cgroup-parent")
    if parent:
        fail("DAEMON-210", f"cgroup parent {parent}", f"cgroup-parent={parent}")
    base = [str(o) for o in daemon.values("storage-opts") if str(o).replace(" ", "").startswith("dm.basesize")]
    if base:
        fail("DAEMON-211", f"base device size changed ({base[0]})", *base)
    if not daemon.values("authorization-plugins"):
        fail("DAEMON-212", "no authorization plugin", "authorization-plugins unset")
    log_driver = str(daemon.value("log-driver") or "json-file")
    if log_driver in LOCAL_LOG_DRIVERS:
        fail("DAEMON-213", f"log driver {log_driver} keeps logs on this host", f"log-driver={log_driver}")
    if daemon.flag_enabled("no-new-privileges") is not True:
        fail("DAEMON-214", "no-new-privileges is not the default", "no-new-privileges unset")
    if daemon.flag_enabled("live-restore") is not True:
        fail("DAEMON-215", "live-restore is not enabled", "live-restore unset")
    if daemon.flag_enabled("userland-proxy") is not False:
        fail("DAEMON-216", "the userland proxy is enabled", "userland-proxy=true (default)")
    if str(daemon.value("seccomp-profile") or "").lower() == "unconfined":
        fail("DAEMON-217", "the default seccomp profile is unconfined", "seccomp-profile=unconfined")
    if daemon.flag_enabled("experimental") is True:
        fail("DAEMON-218", "experimental features are enabled", "experimental=true")
    return [make_finding(rule, f"{who}: {detail}", where, evidence) for rule, detail, evidence in found]


# ---- §3 files ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Accounts:
    """Names of users and groups of the host root (for messages) and the docker group's id."""

    users: dict[int, str]
    groups: dict[int, str]
    docker_gid: int | None
    docker_members: tuple[str, ...]


def read_accounts(host: HostRoot) -> Accounts:
    users: dict[int, str] = {}
    primary: dict[str, int] = {}
    for line in (host.text("etc/passwd") or "").splitlines():
        fields = line.split(":")
        if len(fields) >= 4 and fields[2].isdigit() and fields[3].isdigit():
            users.setdefault(int(fields[2]), fields[0])
            primary[fields[0]] = int(fields[3])
    groups: dict[int, str] = {}
    docker_gid: int | None = None
    members: list[str] = []
    for line in (host.text("etc/group") or "").splitlines():
        fields = line.split(":")
        if len(fields) >= 4 and fields[2].isdigit():
            groups.setdefault(int(fields[2]), fields[0])
            if fields[0] == "docker":
                docker_gid = int(fields[2])
                members = [m.strip() for m in fields[3].split(",") if m.strip()]
    if docker_gid is not None:
        members += [user for user, gid in primary.items() if gid == docker_gid and user not in members]
    return Accounts(users, groups, docker_gid, tuple(members))


def _owner(info: FileInfo, accounts: Accounts) -> str:
    return f"{accounts.users.get(info.uid, str(info.uid))}:{accounts.groups.get(info.gid, str(info.gid))}"


def _check_file(host: HostRoot, accounts: Accounts, path: str, owner_rule: str, mode_rule: str, max_mode: int,
                what: str, group: int | None = 0) -> list[Finding]:  # fmt: skip
    """Owner (uid 0 and ``group``) and mode (no bits beyond ``max_mode``) of one path, when it exists."""
    info = host.info(path)
    if info is None:
        return []
    findings = []
    if info.uid != 0 or (group is not None and info.gid != group):
        wanted = f"root:{accounts.groups.get(group, str(group)) if group is not None else '*'}"
        findings.append(make_finding(owner_rule, f"{what} /{info.path} is owned by {_owner(info, accounts)}, not "
                                     f"{wanted}", info.path, (f"owner {_owner(info, accounts)}",)))  # fmt: skip
    if info.permissions & ~max_mode:
        findings.append(make_finding(mode_rule, f"{what} /{info.path} has mode {info.permissions:o} (at most "
                                     f"{max_mode:o})", info.path, (f"mode {info.permissions:04o}",)))  # fmt: skip
    return findings


def file_findings(host: HostRoot, daemons: list[DaemonConfig], accounts: Accounts) -> list[Finding]:
    """CIS Docker §3: ownership and permissions of the daemon's unit files, configuration, certificates and sockets."""
    findings: list[Finding] = []
    seen: set[tuple[str, str]] = set()

    def check(path: str | None, owner_rule: str, mode_rule: str, max_mode: int, what: str,
              group: int | None = 0) -> None:  # fmt: skip
        if not path:
            return
        resolved = host.resolve(path) or path.strip("/")
        if (resolved, owner_rule) in seen:
            return
        seen.add((resolved, owner_rule))
        findings.extend(_check_file(host, accounts, path, owner_rule, mode_rule, max_mode, what, group))

    check(unit_file(host, "docker.service"), "DFILE-301", "DFILE-302", 0o644, "docker.service unit file")
    check(unit_file(host, "docker.socket"), "DFILE-303", "DFILE-304", 0o644, "docker.socket unit file")
    check("etc/docker", "DFILE-305", "DFILE-306", 0o755, "directory")
    for registry in host.listdir("etc/docker/certs.d", MAX_CERT_FILES):
        for name in host.listdir(f"etc/docker/certs.d/{registry}", MAX_CERT_FILES):
            check(f"etc/docker/certs.d/{registry}/{name}", "DFILE-307", "DFILE-308", 0o444, "registry certificate")
    docker_group = accounts.docker_gid if accounts.docker_gid is not None else 0
    for daemon in daemons:
        check(_setting_path(daemon, "tlscacert"), "DFILE-309", "DFILE-310", 0o444, "TLS CA certificate")
        check(_setting_path(daemon, "tlscert"), "DFILE-311", "DFILE-312", 0o444, "daemon TLS certificate")
        check(_setting_path(daemon, "tlskey"), "DFILE-313", "DFILE-314", 0o400, "daemon TLS key")
        for socket in docker_sockets(host, daemon):
            check(socket, "DFILE-315", "DFILE-316", 0o660, "Docker socket", docker_group)
        check(daemon.config_path, "DFILE-317", "DFILE-318", 0o644, "daemon configuration")
        check(containerd_socket(daemon), "DFILE-323", "DFILE-324", 0o660, "containerd socket")
    check("etc/default/docker", "DFILE-319", "DFILE-320", 0o644, "file")
    check("etc/sysconfig/docker", "DFILE-322", "DFILE-321", 0o644, "file")
    return findings


def _setting_path(daemon: DaemonConfig, key: str) -> str | None:
    value = daemon.value(key)
    return str(value).strip("/") if value else None


def docker_sockets(host: HostRoot, daemon: DaemonConfig) -> list[str]:
    """The unix sockets the daemon listens on (``fd://`` is systemd's docker.socket, usually /run/docker.sock)."""
    sockets = []
    for address in daemon.hosts:
        if address.startswith("unix://"):
            sockets.append(address.removeprefix("unix://").strip("/") or DEFAULT_SOCKET)
        elif address.startswith("fd://"):
            sockets.append(_socket_unit_path(host) or "run/docker.sock")
    return sockets


def _socket_unit_path(host: HostRoot) -> str | None:
    unit = unit_file(host, "docker.socket")
    for line in (host.text(unit) or "").splitlines() if unit else []:
        key, _, value = line.strip().partition("=")
        if key.strip() == "ListenStream" and value.strip().startswith("/"):
            return value.strip().strip("/")
    return None


def containerd_socket(daemon: DaemonConfig) -> str:
    value = daemon.value("containerd")
    return str(value).removeprefix("unix://").strip("/") if value else DEFAULT_CONTAINERD_SOCKET


# ---- §1 host ----------------------------------------------------------------------------------------


def partition_findings(host: HostRoot, daemons: list[DaemonConfig]) -> list[Finding]:
    """CIS 1.1.1: the data root's file system is not the root file system."""
    findings = []
    for data_root in sorted({d.data_root for d in daemons}):
        mount = _separate_mount(host, data_root)
        if mount is None:
            continue  # not decidable (noted)
        if not mount:
            findings.append(make_finding("HOST-101", f"the Docker data root /{data_root} is on the root file system",
                                         data_root, (f"data root /{data_root}",)))  # fmt: skip
    return findings


def _separate_mount(host: HostRoot, data_root: str) -> str | None:
    """The mount point holding ``data_root`` when it is not ``/``, "" when it is ``/``, None when unknown."""
    if host.live:
        path = "/" + data_root
        probe = path
        while not os.path.exists(probe) and probe != "/":
            probe = os.path.dirname(probe)
        try:
            if os.stat(probe).st_dev == os.stat("/").st_dev:
                return ""
        except OSError as exc:
            host.note(data_root, f"cannot stat: {exc.strerror}")
            return None
        return _longest_mount(_mounts_live(), path) or probe
    text = host.text("etc/fstab")
    if text is None:
        host.note("etc/fstab", "no /etc/fstab: cannot tell whether the Docker data root has its own partition")
        return None
    points = [
        fields[1]
        for fields in (line.split() for line in text.splitlines() if not line.lstrip().startswith("#"))
        if len(fields) >= 3 and fields[1].startswith("/") and fields[2] not in ("swap", "tmpfs", "proc")
    ]
    return _longest_mount(points, "/" + data_root)


def _mounts_live() -> list[str]:
    try:
        with open("/proc/self/mounts", encoding="utf-8", errors="replace") as handle:
            return [line.split()[1].replace("\\040", " ") for line in handle if len(line.split()) > 1]
    except OSError:
        return []


def _longest_mount(points: Iterable[str], path: str) -> str:
    best = ""
    for raw in points:
        point = raw.rstrip("/") or "/"
        if point != "/" and (path == point or path.startswith(point + "/")) and len(point) > len(best):
            best = point
    return best


def group_findings(accounts: Accounts) -> list[Finding]:
    """CIS 1.1.2: members of the docker group other than root."""
    members = [m for m in accounts.docker_members if m != "root"]
    if not members:
        return []
    return [make_finding("HOST-102", f"docker group members: {', '.join(members)}", "etc/group",
                         tuple(f"member {m}" for m in members))]  # fmt: skip


@dataclass(frozen=True, slots=True)
class AuditRules:
    """Paths watched by audit rules (``-w PATH`` and ``-F path=``/``-F dir=``), and where they came from."""

    paths: tuple[str, ...]
    sources: tuple[str, ...]

    def watches(self, host: HostRoot, target: str) -> bool:
        """Whether a rule watches ``target`` (resolved, relative) or a directory above it."""
        for path in self.paths:
            watched = host.resolve(path) or path.strip("/")
            if target == watched or target.startswith(watched + "/"):
                return True
        return False


_WATCH = re.compile(r"(?:^|\s)-w\s+(\S+)")
_FIELD = re.compile(r"-F\s*(?:path|dir)=(\S+)")


def read_audit_rules(host: HostRoot) -> AuditRules:
    """Rules of /etc/audit/audit.rules and rules.d/*.rules, and on the live host ``auditctl -l``."""
    texts: list[tuple[str, str]] = []
    for path in ("etc/audit/audit.rules", *(f"etc/audit/rules.d/{n}" for n in host.listdir("etc/audit/rules.d")
                                            if n.endswith(".rules"))):  # fmt: skip
        text = host.text(path)
        if text is not None:
            texts.append((f"/{path}", text))
    if host.live and shutil.which("auditctl"):
        try:
            result = subprocess.run(["auditctl", "-l"], capture_output=True, text=True, timeout=30, check=False)
            if result.returncode == 0:
                texts.append(("auditctl -l", result.stdout))
        except (OSError, subprocess.SubprocessError):
            pass
    paths: list[str] = []
    for _source, text in texts:
        for raw in text.splitlines():
            line = raw.strip()
            if line and not line.startswith("#"):
                paths += _WATCH.findall(line) + _FIELD.findall(line)
    return AuditRules(tuple(paths), tuple(s for s, _t in texts))


def audit_targets(host: HostRoot, daemons: list[DaemonConfig]) -> list[tuple[str, str]]:
    """(rule id, resolved path) pairs for CIS 1.1.3-1.1.18, for the paths that exist on this host."""
    targets: list[tuple[str, str | None]] = []

    def binary(name: str) -> list[str | None]:
        found = {host.resolve(f"{d}/{name}") for d in BIN_DIRS}
        return [*sorted(p for p in found if p and os.path.isfile(host.real(p)))] or [None]

    targets += [("HOST-103", p) for p in binary("dockerd")]
    targets.append(("HOST-104", host.resolve("run/containerd")))
    targets += [("HOST-105", host.resolve(d.data_root)) for d in daemons]
    targets.append(("HOST-106", host.resolve("etc/docker")))
    targets.append(("HOST-107", unit_file(host, "docker.service")))
    targets += [("HOST-108", host.resolve(containerd_socket(d))) for d in daemons]
    targets.append(("HOST-109", unit_file(host, "docker.socket")))
    targets.append(("HOST-110", host.resolve("etc/default/docker")))
    targets += [("HOST-111", host.resolve(d.config_path)) for d in daemons]
    targets.append(("HOST-112", host.resolve("etc/containerd/config.toml")))
    targets.append(("HOST-113", host.resolve("etc/sysconfig/docker")))
    for rule, name in (("HOST-114", "containerd"), ("HOST-115", "containerd-shim"),
                       ("HOST-116", "containerd-shim-runc-v1"), ("HOST-117", "containerd-shim-runc-v2"),
                       ("HOST-118", "runc")):  # fmt: skip
        targets += [(rule, p) for p in binary(name)]
    unique: list[tuple[str, str]] = []
    for rule, path in targets:
        if path is not None and (rule, path) not in unique:
            unique.append((rule, path))
    return unique


def audit_findings(host: HostRoot, daemons: list[DaemonConfig], rules: AuditRules) -> list[Finding]:
    """CIS 1.1.3-1.1.18: an audit watch for every Docker file and directory that exists."""
    findings = []
    origin = ", ".join(rules.sources) if rules.sources else "no audit rules found (is auditd installed?)"
    for rule_id, path in audit_targets(host, daemons):
        if not rules.watches(host, path):
            findings.append(make_finding(rule_id, f"/{path} is not watched by an audit rule", path,
                                         (f"rules read: {origin}",)))  # fmt: skip
    return findings


def docker_present(host: HostRoot, daemons: list[DaemonConfig]) -> bool:
    """Whether Docker is installed or configured under the root (else §2-3 do not apply)."""
    if any(d.origin != "defaults" or d.config_found for d in daemons):
        return True
    return any(host.exists(f"{d}/dockerd") for d in BIN_DIRS) or host.exists("etc/docker")


def note(message: str, path: str = "") -> Note:
    return Note(kind=NoteKind.WARNING, message=message, path=path, source="host")
