"""CIS Docker §5 checks on one container's inspect document (``docker inspect``), as pure functions.

Each check reads the fields docker-bench-security reads (see docs/cis-docker-coverage.md), with a few
deliberate differences: port checks also read the configured bindings of containers that are not
running (``HostConfig.PortBindings``), CPU limits count ``--cpus``/``--cpu-quota`` as well as
``--cpu-shares``, a privileged container fails the seccomp check (Docker turns seccomp off for it),
and AppArmor/SELinux are judged only where the daemon reports that it enforces them (an explicit
``unconfined`` or ``label=disable`` is reported regardless).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from mamoru.model.finding import Finding
from mamoru.runtime.rules import RULES, container_path, make_finding

# Docker's default capability set (moby oci/caps/defaults.go), without the CAP_ prefix
DEFAULT_CAPABILITIES = frozenset({"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
                                  "NET_BIND_SERVICE", "NET_RAW", "SETFCAP", "SETGID", "SETPCAP", "SETUID",
                                  "SYS_CHROOT"})  # fmt: skip
SENSITIVE_DIRECTORIES = ("/", "/boot", "/dev", "/etc", "/lib", "/proc", "/sys", "/usr")
SENSITIVE_TREES = ("/etc/", "/boot/", "/proc/", "/sys/")  # anything below these is sensitive too
ENGINE_SOCKETS = ("docker.sock", "containerd.sock", "crio.sock", "podman.sock", "dockershim.sock", "cri-dockerd.sock")
SOCKET_DIRECTORIES = ("/run", "/var/run", "/run/docker", "/var/run/docker", "/run/containerd", "/var/run/containerd",
                      "/run/crio", "/var/run/crio")  # fmt: skip
ALL_INTERFACES = ("", "0.0.0.0", "::", "[::]")  # noqa: S104 - what a binding is compared with, not bound
MAX_RESTART_RETRIES = 5


@dataclass(frozen=True, slots=True, kw_only=True)
class DaemonFacts:
    """What the daemon says about itself that container checks depend on (``docker info``)."""

    apparmor: bool = False
    selinux: bool = False
    no_new_privileges: bool = False  # daemon-wide default (daemon.json "no-new-privileges")
    swarm_active: bool = False

    @classmethod
    def from_info(cls, info: dict[str, Any]) -> DaemonFacts:
        options = [str(o) for o in info.get("SecurityOptions") or []]
        names = {part.removeprefix("name=") for o in options for part in o.split(",") if part.startswith("name=")}
        swarm = info.get("Swarm") or {}
        return cls(apparmor="apparmor" in names, selinux="selinux" in names,
                   no_new_privileges="no-new-privileges" in names,
                   swarm_active=str(swarm.get("LocalNodeState", "")).lower() == "active")  # fmt: skip


@dataclass(slots=True, kw_only=True)
class ContainerFacts:
    """One container as the checks see it: its inspect document and what was observed at run time."""

    inspect: dict[str, Any]
    processes: list[str] | None = None  # command lines (``docker top``); None when not running or unknown
    privileged_execs: list[str] = field(default_factory=list)  # command lines of privileged exec sessions

    @property
    def name(self) -> str:
        return str(self.inspect.get("Name") or self.inspect.get("Id", "")[:12]).lstrip("/")

    @property
    def host_config(self) -> dict[str, Any]:
        return _dict(self.inspect.get("HostConfig"))

    @property
    def security_options(self) -> list[str]:
        return [str(o) for o in self.host_config.get("SecurityOpt") or []]


Check = Callable[[ContainerFacts, DaemonFacts], Iterable[tuple[str, tuple[str, ...]]]]


def check_container(container: ContainerFacts, daemon: DaemonFacts) -> list[Finding]:
    """Every §5 finding for one container."""
    findings: list[Finding] = []
    where = container_path(container.name)
    for rule_id, check in CHECKS:
        rule = RULES[rule_id]
        for detail, evidence in check(container, daemon):
            findings.append(make_finding(rule, f"container {container.name}: {detail}", where, evidence))
    return findings


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _option(options: list[str], key: str) -> list[str]:
    """Values of ``key=value`` / ``key:value`` security options (``apparmor=unconfined`` → ``unconfined``)."""
    values = []
    for option in options:
        for separator in ("=", ":"):
            name, sep, value = option.partition(separator)
            if sep and name.strip().lower() == key:
                values.append(value.strip())
                break
    return values


def _apparmor(c: ContainerFacts, d: DaemonFacts) -> Iterable[tuple[str, tuple[str, ...]]]:
    profile = str(c.inspect.get("AppArmorProfile") or "")
    asked = _option(c.security_options, "apparmor")
    if "unconfined" in asked or profile == "unconfined":
        yield "AppArmor is explicitly unconfined", (f"AppArmorProfile={profile or '(none)'}",)
    elif d.apparmor and not profile:
        yield "no AppArmor profile applied", ("AppArmorProfile=(none)",)


def _selinux(c: ContainerFacts, d: DaemonFacts) -> Iterable[tuple[str, tuple[str, ...]]]:
    if not d.selinux:
        return
    labels = _option(c.security_options, "label")
    if "disable" in labels:
        yield "SELinux labelling disabled (label=disable)", ("SecurityOpt=label=disable",)
    elif not labels and not c.inspect.get("ProcessLabel"):
        yield "no SELinux options", ("SecurityOpt has no label options",)


def _capabilities(c: ContainerFacts, d: DaemonFacts) -> Iterable[tuple[str, tuple[str, ...]]]:
    added = sorted({str(cap).upper().removeprefix("CAP_") for cap in c.host_config.get("CapAdd") or []})
    extra = [cap for cap in added if cap not in DEFAULT_CAPABILITIES]
    if extra:
        yield f"capabilities added: {', '.join(extra)}", tuple(f"CapAdd={cap}" for cap in extra)


def _privileged(c: ContainerFacts, d: DaemonFacts) -> Iterable[tuple[str, tuple[str, ...]]]:
    if c.host_config.get("Privileged"):
        yield "runs privileged", ("HostConfig.Privileged=true",)


def _mounts(c: ContainerFacts) -> list[dict[str, Any]]:
    return [m for m in c.inspect.get("Mounts") or [] if isinstance(m, dict)]


def _sensitive_mounts(c: ContainerFacts, d: DaemonFacts) -> Iterable[tuple[str, tuple[str, ...]]]:
    for mount in _mounts(c):
        if mount.get("Type") not in ("bind", None):
            continue
        source = _clean(str(mount.get("Source") or ""))
        if source in SENSITIVE_DIRECTORIES or source.startswith(SENSITIVE_TREES):
            access = "read-write" if mount.get("RW", True) else "read-only"
            yield (
                f"host {source} mounted {access} at {mount.get('Destination')}",
                (f"{source}:{mount.get('Destination')} ({access})",),
            )


def _clean(path: str) -> str:
    while len(path) > 1 and path.endswith("/"):
        path = path[:-1]
    return path


def _sshd(c: ContainerFacts, d: DaemonFacts) -> Iterable[tuple[str, tuple[str, ...]]]:
    for command in c.processes or []:
        program = command.split()[0] if command.split() else ""
        if program.rsplit("/", 1)[-1].rstrip(":") == "sshd":
            yield "an sshd process is running", (command[:200],)
            return


def _ports(c: ContainerFacts) -> list[tuple[str, str, str]]:
    """(container port, host ip, host port) of configured and actual bindings, without duplicates."""
    seen: list[tuple[str, str, str]] = []
    network = _dict(c.inspect.get("NetworkSettings"))
    for bindings in (c.host_config.get("PortBindings"), network.get("Ports")):
        for port, hosts in _dict(bindings).items():
            for host in hosts or []:
                if isinstance(host, dict):
                    item = (str(port), str(host.get("HostIp") or ""), str(host.get("HostPort") or ""))
                    if item not in seen:
                        seen.append(item)
    return seen


def _privileged_ports(c: ContainerFacts, d: DaemonFacts) -> Iterable[tuple[str, tuple[str, ...]]]:
    low = sorted({(port, host_port) for port, _ip, host_port in _ports(c)
                  if host_port.isdigit() and 0 < int(host_port) < 1024})  # fmt: skip
    if low:
        yield (f"host port(s) {', '.join(h for _p, h in low)} published", tuple(f"{h}->{p}" for p, h in low))


def _all_interfaces(c: ContainerFacts, d: DaemonFacts) -> Iterable[tuple[str, tuple[str, ...]]]:
    wide = sorted({(port, host_port or "random") for port, ip, host_port in _ports(c) if ip in ALL_INTERFACES})
    if wide:
        yield (
            f"port(s) {', '.join(p for p, _h in wide)} published on all host interfaces",
            tuple(f"0.0.0.0:{h}->{p}" for p, h in wide),
        )


def _mode(field_name: str, label: str) -> Check:
    def check(c: ContainerFacts, d: DaemonFacts) -> Iterable[tuple[str, tuple[str, ...]]]:
        if str(c.host_config.get(field_name) or "").lower() == "host":
            yield f"shares the host {label} namespace", (f"HostConfig.{field_name}=host",)

    return check


def _memory(c: ContainerFacts, d: DaemonFacts) -> Iterable[tuple[str, tuple[str, ...]]]:
    if not c.host_config.get("Memory"):
        yield "no memory limit", ("HostConfig.Memory=0",)


def _cpu(c: ContainerFacts, d: DaemonFacts) -> Iterable[tuple[str, tuple[str, ...]]]:
    hc = c.host_config
    shares = hc.get("CpuShares") or 0
    if shares in (0, 1024) and not hc.get("NanoCpus") and not hc.get("CpuQuota") and not hc.get("CpusetCpus"):
        yield "no CPU limit or priority", (f"CpuShares={shares}, NanoCpus=0, CpuQuota=0",)


def _read_only(c: ContainerFacts, d: DaemonFacts) -> Iterable[tuple[str, tuple[str, ...]]]:
    if not c.host_config.get("ReadonlyRootfs"):
        yield "root filesystem is writable", ("HostConfig.ReadonlyRootfs=false",)


def _restart(c: ContainerFacts, d: DaemonFacts) -> Iterable[tuple[str, tuple[str, ...]]]:
    policy = _dict(c.host_config.get("RestartPolicy"))
    name = str(policy.get("Name") or "no")
    retries = int(policy.get("MaximumRetryCount") or 0)
    if name in ("always", "unless-stopped"):
        yield f"restart policy {name}", (f"RestartPolicy={name}",)
    elif name == "on-failure" and (retries == 0 or retries > MAX_RESTART_RETRIES):
        yield (
            f"restart policy on-failure with {retries or 'unlimited'} retries",
            (f"RestartPolicy=on-failure:{retries}",),
        )


def _devices(c: ContainerFacts, d: DaemonFacts) -> Iterable[tuple[str, tuple[str, ...]]]:
    devices = [x for x in c.host_config.get("Devices") or [] if isinstance(x, dict)]
    if devices:
        listed = tuple(
            f"{x.get('PathOnHost')}:{x.get('PathInContainer')}:{x.get('CgroupPermissions')}" for x in devices
        )
        yield f"host device(s) {', '.join(str(x.get('PathOnHost')) for x in devices)} passed in", listed


def _propagation(c: ContainerFacts, d: DaemonFacts) -> Iterable[tuple[str, tuple[str, ...]]]:
    for mount in _mounts(c):
        if str(mount.get("Propagation") or "") in ("shared", "rshared"):
            yield (
                f"mount {mount.get('Destination')} uses {mount.get('Propagation')} propagation",
                (f"{mount.get('Source')}:{mount.get('Destination')} propagation={mount.get('Propagation')}",),
            )


def _seccomp(c: ContainerFacts, d: DaemonFacts) -> Iterable[tuple[str, tuple[str, ...]]]:
    if "unconfined" in _option(c.security_options, "seccomp"):
        yield "seccomp is unconfined", ("SecurityOpt=seccomp=unconfined",)
    elif c.host_config.get("Privileged"):
        yield "privileged, so no seccomp profile applies", ("HostConfig.Privileged=true",)


def _privileged_exec(c: ContainerFacts, d: DaemonFacts) -> Iterable[tuple[str, tuple[str, ...]]]:
    if c.privileged_execs:
        yield "a privileged exec session is running", tuple(x[:200] for x in c.privileged_execs)


def _cgroup_parent(c: ContainerFacts, d: DaemonFacts) -> Iterable[tuple[str, tuple[str, ...]]]:
    parent = str(c.host_config.get("CgroupParent") or "")
    if parent:
        yield f"cgroup parent {parent}", (f"HostConfig.CgroupParent={parent}",)


def _no_new_privileges(c: ContainerFacts, d: DaemonFacts) -> Iterable[tuple[str, tuple[str, ...]]]:
    values = [v.lower() for v in _option(c.security_options, "no-new-privileges")]
    if "no-new-privileges" in c.security_options or "true" in values:
        return
    if d.no_new_privileges and "false" not in values:
        return
    yield "no-new-privileges not set", ("SecurityOpt lacks no-new-privileges",)


def _health(c: ContainerFacts, d: DaemonFacts) -> Iterable[tuple[str, tuple[str, ...]]]:
    state = _dict(c.inspect.get("State"))
    health = _dict(state.get("Health"))
    test = _dict(_dict(c.inspect.get("Config")).get("Healthcheck")).get("Test") or []
    if test[:1] == ["NONE"]:
        yield "health check disabled (HEALTHCHECK NONE)", ("Config.Healthcheck.Test=NONE",)
    elif not health and not test:
        yield "no health check", ("State.Health absent",)
    elif str(health.get("Status")) == "unhealthy":
        yield "health check reports unhealthy", (f"FailingStreak={health.get('FailingStreak')}",)


def _pids(c: ContainerFacts, d: DaemonFacts) -> Iterable[tuple[str, tuple[str, ...]]]:
    limit = c.host_config.get("PidsLimit")
    if not isinstance(limit, int) or limit <= 0:
        yield "no PIDs limit", (f"HostConfig.PidsLimit={limit}",)


def _default_bridge(c: ContainerFacts, d: DaemonFacts) -> Iterable[tuple[str, tuple[str, ...]]]:
    mode = str(c.host_config.get("NetworkMode") or "")
    networks = _dict(_dict(c.inspect.get("NetworkSettings")).get("Networks"))
    if mode in ("default", "bridge") or (not mode and "bridge" in networks):
        yield "attached to the default bridge network", (f"HostConfig.NetworkMode={mode or 'default'}",)


def _engine_socket(c: ContainerFacts, d: DaemonFacts) -> Iterable[tuple[str, tuple[str, ...]]]:
    for mount in _mounts(c):
        source = _clean(str(mount.get("Source") or ""))
        destination = _clean(str(mount.get("Destination") or ""))
        names = {source.rsplit("/", 1)[-1], destination.rsplit("/", 1)[-1]}
        if names & set(ENGINE_SOCKETS):
            yield f"engine socket {source} mounted at {destination}", (f"{source}:{destination}",)
        elif mount.get("Type") in ("bind", None) and source in SOCKET_DIRECTORIES:
            yield (f"host {source} (holds the engine sockets) mounted at {destination}", (f"{source}:{destination}",))


CHECKS: tuple[tuple[str, Check], ...] = (
    ("RUN-502", _apparmor), ("RUN-503", _selinux), ("RUN-504", _capabilities), ("RUN-505", _privileged),
    ("RUN-506", _sensitive_mounts), ("RUN-507", _sshd), ("RUN-508", _privileged_ports),
    ("RUN-510", _mode("NetworkMode", "network")), ("RUN-511", _memory), ("RUN-512", _cpu),
    ("RUN-513", _read_only), ("RUN-514", _all_interfaces), ("RUN-515", _restart),
    ("RUN-516", _mode("PidMode", "PID")), ("RUN-517", _mode("IpcMode", "IPC")), ("RUN-518", _devices),
    ("RUN-520", _propagation), ("RUN-521", _mode("UTSMode", "UTS")), ("RUN-522", _seccomp),
    ("RUN-523", _privileged_exec), ("RUN-525", _cgroup_parent), ("RUN-526", _no_new_privileges),
    ("RUN-527", _health), ("RUN-529", _pids), ("RUN-530", _default_bridge), ("RUN-531", _mode("UsernsMode", "user")),
    ("RUN-532", _engine_socket),
)  # fmt: skip


def swarm_finding(daemon: DaemonFacts, where: str) -> list[Finding]:
    """CIS 5.1, once per daemon."""
    if not daemon.swarm_active:
        return []
    rule = RULES["RUN-501"]
    return [make_finding(rule, f"Docker daemon {where}: swarm mode is active", "", ("Swarm.LocalNodeState=active",))]
