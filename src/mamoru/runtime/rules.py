"""Rules for running containers: ``RUN-5NN`` mirrors CIS Docker Benchmark 1.6.0 recommendation 5.NN;
``RUN-0NN`` are mamoru's own checks (secrets in the environment, drift of the writable layer).

Aliases are docker-bench-security's check ids (``check_5_4``), so its users can map their results.
"""

from __future__ import annotations

from mamoru.model.finding import ComplianceRef, Finding, FindingKind, Rule, Severity
from mamoru.model.package import Location
from mamoru.rules import register

NIST = "nist-sp-800-190"
CIS = "cis-docker-1.6.0"
RUNTIME_CONFIG = ComplianceRef(NIST, "4.4.3")  # insecure container runtime configurations
HOST_FS = ComplianceRef(NIST, "4.5.5")  # host OS file system tampering
NETWORK = ComplianceRef(NIST, "4.4.2")  # unbounded network access from containers
APP = ComplianceRef(NIST, "4.4.4")  # app vulnerabilities (runtime profiling, read-only root)
ROGUE = ComplianceRef(NIST, "4.4.5")  # rogue containers
SHARED_KERNEL = ComplianceRef(NIST, "4.5.2")
SECRETS = ComplianceRef(NIST, "4.1.4")
CONFIG_DEFECTS = ComplianceRef(NIST, "4.1.2")
MALWARE = ComplianceRef(NIST, "4.1.3")
R = FindingKind.RUNTIME
CRIT, HIGH, MED, LOW = Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW


def _cis(number: str, title: str, severity: Severity, description: str, remediation: str,
         *compliance: ComplianceRef, extra_aliases: tuple[str, ...] = ()) -> Rule:  # fmt: skip
    """A rule for CIS Docker 5.<number>: id ``RUN-5NN``, docker-bench alias ``check_5_<number>``."""
    return Rule(id=f"RUN-5{int(number):02d}", title=title, severity=severity, kind=R, description=description,
                remediation=remediation, aliases=(f"check_5_{number}", *extra_aliases),
                compliance=(ComplianceRef(CIS, f"5.{number}"), *compliance))  # fmt: skip


CIS_RULES = (
    _cis("1", "Swarm mode enabled", LOW,
         "The engine is part of a swarm: it opens management ports and holds cluster secrets even when nothing "
         "uses swarm services.", "Leave the swarm when it is not needed: `docker swarm leave`.", RUNTIME_CONFIG),
    _cis("2", "No AppArmor profile", HIGH,
         "The container runs without an AppArmor profile (or with `apparmor=unconfined`) on a host that supports "
         "AppArmor, so mandatory access control does not restrict it.",
         "Run with the default `docker-default` profile or a custom one: `--security-opt apparmor=<profile>`; never "
         "`apparmor=unconfined`.", RUNTIME_CONFIG),
    _cis("3", "No SELinux labels", HIGH,
         "The daemon enforces SELinux but the container has no SELinux options, or `label=disable`.",
         "Run with SELinux labels (`--security-opt label=level:…`) and never `label=disable`.", RUNTIME_CONFIG),
    _cis("4", "Capabilities added beyond Docker's default set", HIGH,
         "`--cap-add` gives the container kernel capabilities Docker does not grant by default (SYS_ADMIN, "
         "NET_ADMIN, SYS_PTRACE, ALL …): each widens what a compromised process can do to the host.",
         "Remove `--cap-add`; better, start from `--cap-drop ALL` and add back only what the process needs.",
         RUNTIME_CONFIG, extra_aliases=("check_c_5_3_1", "check_c_5_3_2", "check_c_5_3_3", "check_c_5_3_4")),
    _cis("5", "Privileged container", CRIT,
         "`--privileged` gives every capability, every host device, and turns off seccomp, AppArmor and SELinux "
         "confinement: root in the container is root on the host.",
         "Do not use `--privileged`; add the single capability or device the workload needs.", RUNTIME_CONFIG),
    _cis("6", "Sensitive host directory mounted", HIGH,
         "A host system directory (/, /boot, /dev, /etc, /lib, /proc, /sys, /usr) is bind-mounted into the "
         "container: it can read host secrets, and change the host when the mount is writable.",
         "Mount only application data directories or named volumes; never host system directories.", HOST_FS,
         RUNTIME_CONFIG),
    _cis("7", "SSH daemon running in the container", MED,
         "An sshd process runs inside the container: one more service to patch and credentials to manage, and "
         "a way into the container that bypasses the engine's access control.",
         "Remove the SSH server; use `docker exec` for maintenance.", CONFIG_DEFECTS),
    _cis("8", "Privileged host port published", MED,
         "A container port is published on a host port below 1024, which normally only root may bind.",
         "Publish on a host port of 1024 or above (a front proxy can listen on 80/443).", NETWORK),
    _cis("10", "Host network namespace shared", HIGH,
         "`--network host`: the container sees and can bind every host interface, including services on "
         "loopback, and is not isolated by the engine's networking.",
         "Use a bridge or user-defined network and publish only the ports needed.", NETWORK, RUNTIME_CONFIG),
    _cis("11", "No memory limit", MED,
         "The container may use all host memory and starve other containers and the host itself.",
         "Set `--memory` (and `--memory-swap`).", RUNTIME_CONFIG),
    _cis("12", "No CPU limit or priority", LOW,
         "The container has the default CPU shares and no quota: it competes equally with everything on the host.",
         "Set `--cpus`, `--cpu-quota` or `--cpu-shares`.", RUNTIME_CONFIG),
    _cis("13", "Root filesystem is writable", MED,
         "The container can change its own binaries and configuration; a read-only root filesystem makes "
         "drift and persistence much harder.",
         "Run with `--read-only` and mount writable tmpfs or volumes only where the application writes.", APP),
    _cis("14", "Port published on all host interfaces", MED,
         "A published port binds 0.0.0.0 (or ::), so it is reachable on every host interface, public ones included.",
         "Bind to the interface that needs it: `-p 127.0.0.1:8080:80` or a specific address.", NETWORK),
    _cis("15", "Restart policy not limited to on-failure:5", LOW,
         "`always`/`unless-stopped`, or `on-failure` without a small retry limit, restarts a failing or "
         "compromised container forever.", "Use `--restart on-failure:5`.", RUNTIME_CONFIG),
    _cis("16", "Host PID namespace shared", HIGH,
         "`--pid host`: the container sees every host process and can signal or trace them.",
         "Do not use `--pid host`.", RUNTIME_CONFIG),
    _cis("17", "Host IPC namespace shared", HIGH,
         "`--ipc host`: the container shares the host's shared memory and semaphores.",
         "Do not use `--ipc host`.", RUNTIME_CONFIG),
    _cis("18", "Host device passed into the container", MED,
         "`--device` exposes a host device node; with write access the container can talk to the hardware or "
         "disk directly.", "Pass devices only when needed, with the fewest permissions (`:r`).", RUNTIME_CONFIG),
    _cis("20", "Mount propagation is shared", MED,
         "A mount uses `shared`/`rshared` propagation: mounts made in the container appear on the host and "
         "the other way round.", "Use the default `private` (or `rprivate`) propagation.", HOST_FS, RUNTIME_CONFIG),
    _cis("21", "Host UTS namespace shared", MED,
         "`--uts host`: the container can change the host's hostname.", "Do not use `--uts host`.", RUNTIME_CONFIG),
    _cis("22", "Seccomp disabled", HIGH,
         "The container runs with `seccomp=unconfined` (or privileged, which turns seccomp off): every system "
         "call, including the ones kernel exploits need, is open to it.",
         "Keep Docker's default seccomp profile or a stricter custom one.", RUNTIME_CONFIG),
    _cis("23", "Privileged exec session", HIGH,
         "A `docker exec --privileged` session runs in the container with every capability (only sessions the "
         "engine still holds can be seen).", "Do not use `docker exec --privileged`.", ROGUE),
    _cis("25", "Custom cgroup parent", LOW,
         "The container is placed under a non-default cgroup parent, outside the limits the host applies to "
         "containers.", "Leave `--cgroup-parent` unset unless the host's cgroup layout requires it.", RUNTIME_CONFIG),
    _cis("26", "Privilege escalation not blocked (no-new-privileges)", MED,
         "Neither the container nor the daemon sets no-new-privileges, so setuid binaries can raise a process's "
         "privileges inside the container.",
         "Run with `--security-opt no-new-privileges:true` (or set `no-new-privileges` in daemon.json).",
         RUNTIME_CONFIG),
    _cis("27", "No health check, or unhealthy", LOW,
         "The engine does not check the container's health (no HEALTHCHECK in the image or at run), or the "
         "check reports it unhealthy.", "Add a health check (`--health-cmd` or HEALTHCHECK) and watch its status.",
         APP),
    _cis("29", "No PIDs limit", MED,
         "Without `--pids-limit` a fork bomb in the container exhausts the host's process table.",
         "Set `--pids-limit` (for example 100).", RUNTIME_CONFIG),
    _cis("30", "Default bridge network used", LOW,
         "The container is on docker0, the default bridge, where every container can reach every other one.",
         "Put containers on user-defined networks that group only the services that talk to each other.", NETWORK),
    _cis("31", "Host user namespace shared", MED,
         "`--userns host` turns off user-namespace remapping for this container: its root is the host's root.",
         "Do not use `--userns host`.", SHARED_KERNEL, RUNTIME_CONFIG),
    _cis("32", "Docker socket mounted into the container", CRIT,
         "The engine's API socket (docker.sock, containerd.sock or the directory holding it) is mounted: the "
         "container can start a privileged container and own the host.",
         "Never mount the Docker or containerd socket; use a narrowly scoped API proxy if a tool needs it.",
         HOST_FS, RUNTIME_CONFIG),
)  # fmt: skip

OWN_RULES = (
    Rule(id="RUN-001", title="Clear-text secret in the container environment", severity=HIGH, kind=R,
         description="An environment variable of the container holds a credential (by its name or its format); "
                     "anyone who can inspect the container, and every child process, can read it.",
         remediation="Pass secrets as files (Docker/Kubernetes secrets mounted read-only) and rotate this one.",
         compliance=(SECRETS, RUNTIME_CONFIG)),
    Rule(id="RUN-010", title="New executable in the container's writable layer", severity=HIGH, kind=R,
         description="An executable file (ELF, or a script with execute permission) was added after the container "
                     "started: software installed or dropped at run time, a common first step of an intrusion.",
         remediation="Find out what wrote it; rebuild the image with what the service needs and replace the "
                     "container instead of changing it in place (a read-only root filesystem prevents this).",
         compliance=(APP, ComplianceRef(CIS, "5.13"))),
    Rule(id="RUN-011", title="Image executable modified in a running container", severity=HIGH, kind=R,
         description="A binary, library or script that came with the image was changed in the container's "
                     "writable layer: patched in place, or replaced by something else.",
         remediation="Treat the container as compromised until explained; replace it from the image.",
         compliance=(APP, ComplianceRef(CIS, "5.13"))),
    Rule(id="RUN-012", title="Container file system changed since it started", severity=LOW, kind=R,
         description="Files outside temporary and log directories were added, changed or deleted in the "
                     "container's writable layer: containers are meant to be rebuilt and replaced, not patched.",
         remediation="Move changes into the image build or onto volumes; run with `--read-only` where possible.",
         compliance=(APP,)),
    Rule(id="RUN-013", title="Packages installed or changed in a running container", severity=MED, kind=R,
         description="A package database changed in the writable layer: software was installed, upgraded or "
                     "removed in place, so the container no longer matches its scanned image.",
         remediation="Install packages in the image build, rescan the image, and replace the container.",
         compliance=(APP, ComplianceRef(NIST, "4.1.1"))),
)  # fmt: skip

RUNTIME_RULES = (*CIS_RULES, *OWN_RULES)
RULES = {rule.id: rule for rule in RUNTIME_RULES}
register(*RUNTIME_RULES)


def make_finding(rule: Rule, message: str, path: str = "", evidence: tuple[str, ...] = ()) -> Finding:
    """A finding of ``rule``; ``path`` locates it (see :func:`container_path`)."""
    return Finding(
        rule_id=rule.id,
        kind=rule.kind,
        severity=rule.severity,
        title=rule.title,
        message=message,
        location=Location(path=path) if path else None,
        evidence=evidence,
        remediation=rule.remediation,
        compliance=rule.compliance,
    )


def container_path(name: str, inner: str = "") -> str:
    """Where a container finding points: ``containers/<name>`` (the Engine API's resource path), plus the
    file inside the container for drift (``containers/web/usr/local/bin/x``); settings with several
    instances add ``:<what>`` (``containers/web:env/DB_PASSWORD``). Names, not ids: fingerprints and
    ignore entries survive re-creating a container under the same name."""
    inner = inner.strip("/")
    return f"containers/{name}/{inner}" if inner else f"containers/{name}"
