"""Compose file rules: what a service may do to the host, and how it is exposed and bounded.

CIS Docker Benchmark §5 checks running containers; a Compose file says what those containers will be
before they start, so the same controls apply here, line by line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from mamoru.config.compose import ComposeFile, Service, as_list
from mamoru.config.detect import ConfigType
from mamoru.config.image_ref import parse_image
from mamoru.config.yamldoc import YMap, YSeq
from mamoru.model.finding import FindingKind, Rule, Severity
from mamoru.rules.checks import Hit, check
from mamoru.rules.refs import cis_docker, nist
from mamoru.rules.secret_names import is_secret_name, mask

CP = ConfigType.COMPOSE
MISCONFIG = FindingKind.MISCONFIGURATION
SPEC = "https://docs.docker.com/reference/compose-file/services/"
DOCKER_SOCKETS = ("/var/run/docker.sock", "/run/docker.sock", "/run/containerd/containerd.sock",
                  "/var/run/containerd/containerd.sock", "/run/crio/crio.sock", "/var/run/crio/crio.sock",
                  "/run/podman/podman.sock", "/var/run/cri-dockerd.sock")  # fmt: skip
SENSITIVE_HOST_PATHS = ("/", "/boot", "/dev", "/etc", "/lib", "/lib64", "/proc", "/sys", "/usr", "/var/run", "/run",
                        "/root", "/var/lib/docker", "/var/lib/kubelet", "/bin", "/sbin", "/home")  # fmt: skip
DEFAULT_CAPABILITIES = frozenset({"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
                                  "NET_BIND_SERVICE", "NET_RAW", "SETFCAP", "SETGID", "SETPCAP", "SETUID",
                                  "SYS_CHROOT"})  # fmt: skip


def _hit(compose: ComposeFile, service: Service, key: str, message: str, container: Any = None) -> Hit:
    where = container if isinstance(container, (YMap, YSeq)) else service.data
    line = where.line_of(key) if isinstance(where, YMap) else where.line
    return Hit(line=line, message=f"service {service.name}: {message}", resource=f"service {service.name}")


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() in ("true", "yes", "on", "1"))


PRIVILEGED = Rule(
    id="MCP-001", title="Service runs privileged", severity=Severity.CRITICAL, kind=MISCONFIG,
    description="`privileged: true` gives the container every capability and every host device, and turns off "
                "seccomp and AppArmor: root in it is root on the host.",
    remediation="Remove `privileged`; add only the capabilities and devices the service needs.",
    references=(SPEC + "#privileged",),
    compliance=nist("4.4.3") + cis_docker("5.5"),
)  # fmt: skip


@check(PRIVILEGED, CP)
def privileged(compose: ComposeFile) -> Iterator[Hit]:
    for service, value in compose.services_with("privileged"):
        if _truthy(value):
            yield _hit(compose, service, "privileged", "privileged: true")


def _volumes(compose: ComposeFile, service: Service) -> Iterator[tuple[str, str, Any, int]]:
    """(host source, container target, the volume entry, line) of bind mounts."""
    volumes = service.data.get("volumes")
    if not isinstance(volumes, YSeq):
        return
    for index, entry in enumerate(volumes):
        line = volumes.line_of(index)
        if isinstance(entry, str):
            text, _ = compose.interpolate(entry)
            parts = text.split(":")
            if len(parts) >= 2 and parts[0].startswith(("/", "~", ".")):
                yield parts[0], parts[1], entry, line
        elif isinstance(entry, YMap) and entry.get("type", "volume") == "bind":
            source, _ = compose.interpolate(entry.get("source", ""))
            yield source, str(entry.get("target", "")), entry, line


def _normalise(path: str) -> str:
    path = re.sub(r"/+", "/", path).rstrip("/")
    return path or "/"


DOCKER_SOCKET = Rule(
    id="MCP-002", title="Container runtime socket mounted into a service", severity=Severity.CRITICAL,
    kind=MISCONFIG,
    description="Whoever can talk to /var/run/docker.sock (or containerd's, CRI-O's, Podman's socket) can start "
                "a privileged container with the host's root filesystem: mounting it is handing out root on the "
                "host.",
    remediation="Do not mount the socket; if a tool must manage containers, use a narrowly scoped API proxy "
                "(read-only, filtered) or rootless Docker.",
    references=("https://docs.docker.com/engine/security/#docker-daemon-attack-surface",),
    compliance=nist("4.5.5") + cis_docker("5.32"),
)  # fmt: skip


@check(DOCKER_SOCKET, CP)
def docker_socket(compose: ComposeFile) -> Iterator[Hit]:
    for service in compose.services:
        for source, _, _, line in _volumes(compose, service):
            if _normalise(source) in DOCKER_SOCKETS or _normalise(source) in ("/var/run", "/run"):
                yield Hit(line=line, message=f"service {service.name}: mounts {source}",
                          resource=f"service {service.name}")  # fmt: skip


SENSITIVE_MOUNT = Rule(
    id="MCP-003", title="Sensitive host directory mounted", severity=Severity.HIGH, kind=MISCONFIG,
    description="Bind-mounting /, /etc, /proc, /sys, /dev, /boot, /usr, /root … lets the container read host "
                "secrets or change the host (especially when the mount is writable).",
    remediation="Mount only application data directories, read-only where possible (`:ro`).",
    references=(SPEC + "#volumes",),
    compliance=nist("4.5.5") + cis_docker("5.6"),
)  # fmt: skip


@check(SENSITIVE_MOUNT, CP)
def sensitive_mount(compose: ComposeFile) -> Iterator[Hit]:
    for service in compose.services:
        for source, target, _, line in _volumes(compose, service):
            path = _normalise(source)
            if path in DOCKER_SOCKETS or path in ("/var/run", "/run"):
                continue
            if path in SENSITIVE_HOST_PATHS:
                yield Hit(line=line, message=f"service {service.name}: mounts host {source} at {target}",
                          resource=f"service {service.name}")  # fmt: skip


def _host_mode(rule: Rule, key: str, label: str) -> None:
    @check(rule, CP)
    def host_mode(compose: ComposeFile) -> Iterator[Hit]:
        for service, value in compose.services_with(key):
            if str(value).strip().lower() == "host":
                yield _hit(compose, service, key, f"{key}: host ({label})")

    host_mode.__name__ = host_mode.__qualname__ = f"host_{key}"


HOST_NETWORK = Rule(
    id="MCP-004", title="Service shares the host's network namespace", severity=Severity.HIGH, kind=MISCONFIG,
    description="`network_mode: host` puts the container on the host's interfaces: it can bind any host port, "
                "sniff and reach services listening on localhost, and skips Docker's network isolation.",
    remediation="Use a bridge network and publish only the ports needed.",
    references=(SPEC + "#network_mode",),
    compliance=nist("4.4.3", "4.4.2") + cis_docker("5.10"),
)  # fmt: skip
HOST_PID = Rule(
    id="MCP-005", title="Service shares the host's PID namespace", severity=Severity.HIGH, kind=MISCONFIG,
    description="`pid: host` shows the container every host process; with enough privileges it can signal, "
                "trace or read their memory and environment.",
    remediation="Remove `pid: host`.",
    references=(SPEC + "#pid",),
    compliance=nist("4.4.3") + cis_docker("5.16"),
)  # fmt: skip
HOST_IPC = Rule(
    id="MCP-006", title="Service shares the host's IPC namespace", severity=Severity.HIGH, kind=MISCONFIG,
    description="`ipc: host` gives access to the host's shared memory and semaphores.",
    remediation="Remove `ipc: host` (use `ipc: shareable` between services that need it).",
    references=(SPEC + "#ipc",),
    compliance=nist("4.4.3") + cis_docker("5.17"),
)  # fmt: skip
HOST_UTS = Rule(
    id="MCP-018", title="Service shares the host's UTS namespace", severity=Severity.MEDIUM, kind=MISCONFIG,
    description="`uts: host` lets the container change the host's hostname.",
    remediation="Remove `uts: host`.",
    references=(SPEC + "#uts",),
    compliance=nist("4.4.3") + cis_docker("5.21"),
)  # fmt: skip
HOST_USERNS = Rule(
    id="MCP-019", title="Service opts out of user namespace remapping", severity=Severity.MEDIUM, kind=MISCONFIG,
    description="`userns_mode: host` disables the daemon's user namespace remapping for this service: root in "
                "the container is root on the host.",
    remediation="Remove `userns_mode: host`.",
    references=(SPEC + "#userns_mode",),
    compliance=nist("4.5.2") + cis_docker("5.31"),
)  # fmt: skip
_host_mode(HOST_NETWORK, "network_mode", "the host's network stack")
_host_mode(HOST_PID, "pid", "every host process is visible")
_host_mode(HOST_IPC, "ipc", "host shared memory")
_host_mode(HOST_UTS, "uts", "host name")
_host_mode(HOST_USERNS, "userns_mode", "no user namespace remapping")


CAP_ADD = Rule(
    id="MCP-007", title="Service adds Linux capabilities", severity=Severity.HIGH, kind=MISCONFIG,
    description="`cap_add` beyond Docker's default set (SYS_ADMIN, NET_ADMIN, SYS_PTRACE, SYS_MODULE, ALL …) "
                "gives the container kernel powers that are one step from the host.",
    remediation="Drop the added capabilities; if one is really needed, add only it and `cap_drop: [ALL]` the rest.",
    references=(SPEC + "#cap_add",),
    compliance=nist("4.4.3") + cis_docker("5.4"),
)  # fmt: skip


@check(CAP_ADD, CP)
def cap_add(compose: ComposeFile) -> Iterator[Hit]:
    for service, value in compose.services_with("cap_add"):
        names = [str(c).upper().removeprefix("CAP_") for c in as_list(value)]
        extra = [n for n in names if n not in DEFAULT_CAPABILITIES]
        if extra:
            yield _hit(compose, service, "cap_add", f"cap_add {', '.join(extra)}")


UNCONFINED = Rule(
    id="MCP-008", title="Service disables seccomp, AppArmor or SELinux confinement", severity=Severity.HIGH,
    kind=MISCONFIG,
    description="`security_opt: [seccomp:unconfined]`, `apparmor:unconfined` or `label:disable` remove the "
                "kernel-level confinement that contains a compromised process.",
    remediation="Keep the default profiles, or write a custom profile that allows what the service needs.",
    references=(SPEC + "#security_opt",),
    compliance=nist("4.4.3") + cis_docker("5.22", "5.2", "5.3"),
)  # fmt: skip


@check(UNCONFINED, CP)
def unconfined(compose: ComposeFile) -> Iterator[Hit]:
    for service, value in compose.services_with("security_opt"):
        for option in as_list(value):
            text = str(option).replace("=", ":").lower().replace(" ", "")
            if text in ("seccomp:unconfined", "apparmor:unconfined", "label:disable", "label:type:unconfined_t"):
                yield _hit(compose, service, "security_opt", f"security_opt {option}")


def _environment(compose: ComposeFile, service: Service) -> Iterator[tuple[str, str | None, int]]:
    env = service.data.get("environment")
    if isinstance(env, YMap):
        for key, value in env.items():
            yield key, None if value is None else str(value), env.line_of(key)
    elif isinstance(env, YSeq):
        for index, item in enumerate(env):
            key, has_value, value = str(item).partition("=")
            yield key, value if has_value else None, env.line_of(index)


CLEAR_PASSWORD = Rule(
    id="MCP-009", title="Clear-text credential in a service's environment or build args", severity=Severity.HIGH,
    kind=FindingKind.SECRET,
    description="A password or token written into `environment:` is in the Compose file's repository, in "
                "`docker inspect` output and in every process listing of the container's environment; one in "
                "`build.args` is also recorded in the image history.",
    remediation="Use Compose `secrets:` (files under /run/secrets), the `*_FILE` variants images support "
                "(`POSTGRES_PASSWORD_FILE`), or interpolate from an untracked `.env` (`${DB_PASSWORD}`).",
    references=("https://docs.docker.com/compose/how-tos/use-secrets/",),
    compliance=nist("4.1.4") + cis_docker("4.10", "7.4"),
)  # fmt: skip


def _build_args(service: Service) -> Iterator[tuple[str, str | None, int]]:
    build = service.data.get("build")
    args = build.get("args") if isinstance(build, YMap) else None
    if isinstance(args, YMap):
        for key, value in args.items():
            yield key, None if value is None else str(value), args.line_of(key)
    elif isinstance(args, YSeq):
        for index, item in enumerate(args):
            key, has_value, value = str(item).partition("=")
            yield key, value if has_value else None, args.line_of(index)


@check(CLEAR_PASSWORD, CP)
def clear_password(compose: ComposeFile) -> Iterator[Hit]:
    for service in compose.services:
        for key, value, line in [*_environment(compose, service), *_build_args(service)]:
            if value is None or value.strip() == "" or not is_secret_name(key):
                continue
            if re.fullmatch(r"\$\{?[A-Za-z_][A-Za-z0-9_]*(?::?[-?][^}]*)?\}?", value.strip()):
                continue  # ${DB_PASSWORD}: comes from the environment or .env at run time
            yield Hit(line=line, message=f"service {service.name}: {key}={mask(value)}",
                      evidence=(f"{key}={mask(value)}",), resource=f"service {service.name}")  # fmt: skip


def _ports(compose: ComposeFile, service: Service) -> Iterator[tuple[str, str, str, int]]:
    """(host ip, host port, container port, line) of published ports."""
    ports = service.data.get("ports")
    if not isinstance(ports, YSeq):
        return
    for index, entry in enumerate(ports):
        line = ports.line_of(index)
        if isinstance(entry, YMap):
            published = str(entry.get("published", ""))
            yield str(entry.get("host_ip", "")), published, str(entry.get("target", "")), line
            continue
        text, _ = compose.interpolate(entry)
        text = text.split("/", 1)[0]
        if text.startswith("["):  # [::1]:8080:80
            host_ip, _, rest = text[1:].partition("]:")
            parts = rest.split(":")
            yield host_ip, parts[0] if len(parts) > 1 else "", parts[-1], line
            continue
        parts = text.split(":")
        if len(parts) == 3:
            yield parts[0], parts[1], parts[2], line
        elif len(parts) == 2:
            yield "", parts[0], parts[1], line
        else:
            yield "", "", parts[0], line


ALL_INTERFACES = Rule(
    id="MCP-010", title="Published port bound to all host interfaces", severity=Severity.MEDIUM, kind=MISCONFIG,
    description="`ports: [\"8080:80\"]` listens on every interface of the host (0.0.0.0), and Docker's iptables "
                "rules bypass the host firewall: a service meant for localhost is on the network.",
    remediation="Bind to the interface that needs it: `127.0.0.1:8080:80` (or `host_ip:` in the long syntax); "
                "use `expose:` for ports only other services need.",
    references=(SPEC + "#ports",),
    compliance=nist("4.4.2") + cis_docker("5.14"),
)  # fmt: skip


@check(ALL_INTERFACES, CP)
def all_interfaces(compose: ComposeFile) -> Iterator[Hit]:
    for service in compose.services:
        if str(service.data.get("network_mode", "")).lower() == "host":
            continue
        for host_ip, host_port, container_port, line in _ports(compose, service):
            if host_ip in ("", "0.0.0.0", "::"):  # noqa: S104 - the insecure value this rule looks for
                published = f"{host_port}:{container_port}" if host_port else container_port
                yield Hit(line=line, message=f"service {service.name}: port {published} on all interfaces",
                          resource=f"service {service.name}")  # fmt: skip


PRIVILEGED_PORT = Rule(
    id="MCP-017", title="Privileged host port (below 1024) published", severity=Severity.LOW, kind=MISCONFIG,
    description="Publishing host ports below 1024 (other than 80/443 for a web front end) usually means a "
                "system service's port is taken over by a container.",
    remediation="Publish on a high port, or put the service behind a reverse proxy.",
    references=(SPEC + "#ports",),
    compliance=nist("4.4.3") + cis_docker("5.8"),
)  # fmt: skip


@check(PRIVILEGED_PORT, CP)
def privileged_port(compose: ComposeFile) -> Iterator[Hit]:
    for service in compose.services:
        for _, host_port, _, line in _ports(compose, service):
            first = host_port.split("-", 1)[0]
            if first.isdigit() and 0 < int(first) < 1024 and int(first) not in (80, 443):
                yield Hit(line=line, message=f"service {service.name}: host port {host_port}",
                          resource=f"service {service.name}")  # fmt: skip


def _limit(service: Service, *keys: str) -> bool:
    data = service.data
    for key in keys:
        if data.get(key) not in (None, "", 0, "0"):
            return True
    limits = data.get("deploy", {})
    limits = limits.get("resources", {}) if isinstance(limits, dict) else {}
    limits = limits.get("limits", {}) if isinstance(limits, dict) else {}
    return isinstance(limits, dict) and any(limits.get(k) not in (None, "", 0, "0") for k in keys)


def _limit_rule(rule: Rule, keys: tuple[str, ...], what: str) -> None:
    @check(rule, CP)
    def missing_limit(compose: ComposeFile) -> Iterator[Hit]:
        for service in compose.services:
            if not _limit(service, *keys):
                yield Hit(line=service.line, message=f"service {service.name}: no {what} limit",
                          resource=f"service {service.name}")  # fmt: skip

    missing_limit.__name__ = missing_limit.__qualname__ = f"no_{keys[0]}_limit"


MEMORY = Rule(
    id="MCP-011", title="Service without a memory limit", severity=Severity.LOW, kind=MISCONFIG,
    description="Without a memory limit one service can exhaust the host's memory (a leak, or a denial of "
                "service) and take every other container down with it.",
    remediation="Set `deploy.resources.limits.memory` (or `mem_limit`).",
    references=("https://docs.docker.com/reference/compose-file/deploy/#resources",),
    compliance=nist("4.4.3") + cis_docker("5.11"),
)  # fmt: skip
CPU = Rule(
    id="MCP-012", title="Service without a CPU limit", severity=Severity.LOW, kind=MISCONFIG,
    description="Without a CPU limit one service can starve the others.",
    remediation="Set `deploy.resources.limits.cpus` (or `cpus`).",
    references=("https://docs.docker.com/reference/compose-file/deploy/#resources",),
    compliance=nist("4.4.3") + cis_docker("5.12"),
)  # fmt: skip
PIDS = Rule(
    id="MCP-013", title="Service without a PIDs limit", severity=Severity.LOW, kind=MISCONFIG,
    description="Without a PIDs limit a fork bomb in one container exhausts the host's process table.",
    remediation="Set `pids_limit` (or `deploy.resources.limits.pids`).",
    references=(SPEC + "#pids_limit",),
    compliance=nist("4.4.3") + cis_docker("5.29"),
)  # fmt: skip
_limit_rule(MEMORY, ("memory", "mem_limit"), "memory")
_limit_rule(CPU, ("cpus", "cpu_quota", "cpu_shares"), "CPU")
_limit_rule(PIDS, ("pids", "pids_limit"), "PIDs")


READ_ONLY = Rule(
    id="MCP-014", title="Service's root filesystem is writable", severity=Severity.LOW, kind=MISCONFIG,
    description="A writable root filesystem lets an attacker who gets in drop tools and change the "
                "application's code.",
    remediation="Set `read_only: true` and mount `tmpfs:` (or volumes) where the service writes.",
    references=(SPEC + "#read_only",),
    compliance=nist("4.4.4") + cis_docker("5.13"),
)  # fmt: skip


@check(READ_ONLY, CP)
def read_only(compose: ComposeFile) -> Iterator[Hit]:
    for service in compose.services:
        if not _truthy(service.data.get("read_only")):
            yield _hit(compose, service, "read_only", "read_only is not set")


LATEST_IMAGE = Rule(
    id="MCP-015", title="Service image uses the latest tag or no tag", severity=Severity.MEDIUM, kind=MISCONFIG,
    description="An image without a tag (or with `latest`) is whatever was pushed last: deployments are not "
                "reproducible and an update arrives unreviewed.",
    remediation="Use a version tag, better a digest (`image: postgres:16.4@sha256:…`).",
    references=(SPEC + "#image",),
    compliance=nist("4.2.2", "4.1.5"),
)  # fmt: skip


@check(LATEST_IMAGE, CP)
def latest_image(compose: ComposeFile) -> Iterator[Hit]:
    for service, value in compose.services_with("image"):
        text, known = compose.interpolate(value)
        if not known:
            continue
        image = parse_image(text)
        if image is not None and (image.is_latest or image.untagged):
            what = "the latest tag" if image.is_latest else "no tag"
            yield _hit(compose, service, "image", f"image {text} has {what}")


NO_NEW_PRIVILEGES = Rule(
    id="MCP-016", title="Service allows privilege escalation (no-new-privileges not set)", severity=Severity.LOW,
    kind=MISCONFIG,
    description="Without `no-new-privileges` a process in the container can gain privileges through setuid or "
                "file capabilities.",
    remediation="Add `security_opt: [\"no-new-privileges:true\"]`.",
    references=(SPEC + "#security_opt",),
    compliance=nist("4.4.3") + cis_docker("5.26"),
)  # fmt: skip


@check(NO_NEW_PRIVILEGES, CP)
def no_new_privileges(compose: ComposeFile) -> Iterator[Hit]:
    for service in compose.services:
        options = [str(o).replace("=", ":").replace(" ", "").lower() for o in as_list(service.data.get("security_opt"))]
        if not any(o in ("no-new-privileges", "no-new-privileges:true") for o in options):
            yield _hit(compose, service, "security_opt", "no-new-privileges is not set")


DEVICES = Rule(
    id="MCP-020", title="Host devices passed into a service", severity=Severity.MEDIUM, kind=MISCONFIG,
    description="`devices:` gives the container direct access to host hardware (disks, /dev/mem, GPUs …).",
    remediation="Pass only the devices the service needs, read-only where possible (`:r`).",
    references=(SPEC + "#devices",),
    compliance=nist("4.4.3") + cis_docker("5.18"),
)  # fmt: skip


@check(DEVICES, CP)
def devices(compose: ComposeFile) -> Iterator[Hit]:
    for service, value in compose.services_with("devices"):
        items = as_list(value)
        if items:
            shown = ", ".join(str(d) if not isinstance(d, YMap) else str(d.get("source", "")) for d in items)[:100]
            yield _hit(compose, service, "devices", f"devices {shown}")


SHARED_PROPAGATION = Rule(
    id="MCP-021", title="Bind mount with shared propagation", severity=Severity.MEDIUM, kind=MISCONFIG,
    description="`propagation: shared`/`rshared` makes mounts done inside the container appear on the host.",
    remediation="Use the default (private) propagation.",
    references=(SPEC + "#volumes",),
    compliance=nist("4.4.3") + cis_docker("5.20"),
)  # fmt: skip


@check(SHARED_PROPAGATION, CP)
def shared_propagation(compose: ComposeFile) -> Iterator[Hit]:
    for service in compose.services:
        for source, _, entry, line in _volumes(compose, service):
            if isinstance(entry, YMap):
                bind = entry.get("bind")
                propagation = str(bind.get("propagation", "")) if isinstance(bind, YMap) else ""
            else:
                options = str(entry).split(":")[2:] if isinstance(entry, str) else []
                propagation = next((o for p in options for o in p.split(",") if o in ("shared", "rshared")), "")
            if propagation in ("shared", "rshared"):
                yield Hit(line=line, message=f"service {service.name}: {source} has {propagation} propagation",
                          resource=f"service {service.name}")  # fmt: skip


RESTART_RETRIES = Rule(
    id="MCP-022", title="on-failure restart policy retries more than 5 times", severity=Severity.LOW,
    kind=MISCONFIG,
    description="A crash-looping container restarted many times can be used to exhaust host resources or hide "
                "an attack in the noise.",
    remediation="Use `restart: on-failure:5` (or `deploy.restart_policy.max_attempts: 5`).",
    references=(SPEC + "#restart",),
    compliance=nist("4.4.3") + cis_docker("5.15"),
)  # fmt: skip


@check(RESTART_RETRIES, CP)
def restart_retries(compose: ComposeFile) -> Iterator[Hit]:
    for service, value in compose.services_with("restart"):
        match = re.fullmatch(r"on-failure(?::(\d+))?", str(value).strip())
        if match and match.group(1) and int(match.group(1)) > 5:
            yield _hit(compose, service, "restart", f"restart {value}")


HEALTHCHECK_DISABLED = Rule(
    id="MCP-025", title="Service disables the image's HEALTHCHECK", severity=Severity.LOW, kind=MISCONFIG,
    description="`healthcheck: {disable: true}` (or `test: [\"NONE\"]`) hides a hung or broken service from the "
                "engine and from `depends_on: condition: service_healthy`.",
    remediation="Keep (or define) a healthcheck.",
    references=(SPEC + "#healthcheck",),
    compliance=nist("4.1.2") + cis_docker("5.27"),
)  # fmt: skip


@check(HEALTHCHECK_DISABLED, CP)
def healthcheck_disabled(compose: ComposeFile) -> Iterator[Hit]:
    for service, value in compose.services_with("healthcheck"):
        if not isinstance(value, YMap):
            continue
        test = value.get("test")
        if _truthy(value.get("disable")) or test == "NONE" or (isinstance(test, YSeq) and list(test)[:1] == ["NONE"]):
            yield _hit(compose, service, "healthcheck", "the healthcheck is disabled")
