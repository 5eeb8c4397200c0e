"""Rules for the container host, numbered after CIS Docker Benchmark 1.6.0:

- ``HOST-1NN``: §1.1.NN host configuration (separate partition, docker group, audit rules);
- ``DAEMON-2NN``: §2.NN daemon configuration (daemon.json and the dockerd command line);
- ``DFILE-3NN``: §3.NN ownership and permissions of the daemon's files;
- ``HOST-0NN``: mamoru's own host checks from NIST SP 800-190 §4.5 (services, end of life).

Aliases are docker-bench-security's check ids (``check_2_2``).
"""

from __future__ import annotations

from mamoru.model.finding import ComplianceRef, Finding, FindingKind, Rule, Severity
from mamoru.model.package import Location
from mamoru.rules import register

NIST = "nist-sp-800-190"
CIS = "cis-docker-1.6.0"
ACCESS = ComplianceRef(NIST, "4.5.4")  # improper user access rights (audit, who controls the daemon)
HOST_FS = ComplianceRef(NIST, "4.5.5")
RUNTIME_CONFIG = ComplianceRef(NIST, "4.4.3")
REGISTRY_TLS = ComplianceRef(NIST, "4.2.1")
ORCHESTRATOR = ComplianceRef(NIST, "4.3.1")
ORCHESTRATOR_AUTH = ComplianceRef(NIST, "4.3.2")
NETWORK = ComplianceRef(NIST, "4.3.3")
SHARED_KERNEL = ComplianceRef(NIST, "4.5.2")
H = FindingKind.HOST
CRIT, HIGH, MED, LOW = Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW


def _rule(rule_id: str, cis: str, title: str, severity: Severity, description: str, remediation: str,
          *compliance: ComplianceRef) -> Rule:  # fmt: skip
    return Rule(id=rule_id, title=title, severity=severity, kind=H, description=description,
                remediation=remediation, aliases=(f"check_{cis.replace('.', '_')}",),
                compliance=(ComplianceRef(CIS, cis), *compliance))  # fmt: skip


AUDITED = (  # CIS 1.1.3-1.1.18: what each audit rule must watch
    ("1.1.3", "the dockerd binary"), ("1.1.4", "/run/containerd"),
    ("1.1.5", "the Docker data root (/var/lib/docker)"),
    ("1.1.6", "/etc/docker"), ("1.1.7", "the docker.service unit"), ("1.1.8", "containerd.sock"),
    ("1.1.9", "the docker.socket unit"), ("1.1.10", "/etc/default/docker"), ("1.1.11", "/etc/docker/daemon.json"),
    ("1.1.12", "/etc/containerd/config.toml"), ("1.1.13", "/etc/sysconfig/docker"), ("1.1.14", "the containerd binary"),
    ("1.1.15", "the containerd-shim binary"), ("1.1.16", "the containerd-shim-runc-v1 binary"),
    ("1.1.17", "the containerd-shim-runc-v2 binary"), ("1.1.18", "the runc binary"),
)  # fmt: skip

HOST_RULES = (
    _rule("HOST-101", "1.1.1", "Docker data root not on a separate partition", MED,
          "The Docker data root shares a file system with the rest of the host: images, containers and volumes "
          "filling it stop the host too.",
          "Mount a separate partition (or logical volume) at the data root (/var/lib/docker).", RUNTIME_CONFIG),
    _rule("HOST-102", "1.1.2", "Users other than root can control the Docker daemon", MED,
          "Members of the docker group can start privileged containers that mount the host: they are root on the "
          "host in all but name.",
          "Keep only trusted administrators in the docker group (`gpasswd -d <user> docker`).", ACCESS,
          ORCHESTRATOR),
    *(_rule(f"HOST-1{int(cis.rsplit('.', 1)[1]):02d}", cis, f"No audit rule for {what}", LOW,
            f"auditd does not watch {what}: changes to it, or its use, leave no audit trail.",
            "Add an audit watch, e.g. `-w <path> -k docker` in /etc/audit/rules.d/docker.rules, and reload "
            "(`augenrules --load`).", ACCESS) for cis, what in AUDITED),
)  # fmt: skip

DAEMON_RULES = (
    _rule("DAEMON-202", "2.2", "Inter-container traffic on the default bridge not restricted", MED,
          "With icc enabled (the default) every container on docker0 can reach every port of every other one.",
          "Set `\"icc\": false` in daemon.json (or `--icc=false`) and link containers through user-defined networks.",
          NETWORK),
    _rule("DAEMON-203", "2.3", "Daemon log level is not info", LOW,
          "`debug` logs request bodies and secrets; `warn`/`error`/`fatal` drop the events an investigation needs.",
          "Set `\"log-level\": \"info\"` (or leave it unset).", ACCESS),
    _rule("DAEMON-204", "2.4", "Docker may not change iptables", MED,
          "With `iptables: false` Docker cannot add the rules that isolate published ports and networks; hand-made "
          "rules drift from what containers expect.", "Remove `--iptables=false` / `\"iptables\": false`.", NETWORK),
    _rule("DAEMON-205", "2.5", "Insecure registries configured", HIGH,
          "Images are pulled from these registries over plain HTTP or unverified TLS: anyone on the path can "
          "substitute them.", "Remove `insecure-registries`; give the registry a certificate the host trusts.",
          REGISTRY_TLS),
    _rule("DAEMON-206", "2.6", "aufs storage driver used", MED,
          "aufs is unmaintained, missing from current kernels and known for kernel crashes.",
          "Use the overlay2 storage driver.", RUNTIME_CONFIG),
    _rule("DAEMON-207", "2.7", "Daemon listens on TCP without TLS client authentication", CRIT,
          "The Engine API is reachable over the network without verified client certificates: anyone who can "
          "connect can run privileged containers, i.e. own the host (the docker123321 attacks spread this way).",
          "Listen on the unix socket only, or use `--tlsverify` with `--tlscacert`, `--tlscert` and `--tlskey`.",
          ORCHESTRATOR_AUTH, HOST_FS),
    _rule("DAEMON-209", "2.9", "User-namespace remapping not enabled", MED,
          "Without userns-remap, root in a container is root (UID 0) on the host.",
          "Set `\"userns-remap\": \"default\"` (after checking volume ownership).", SHARED_KERNEL),
    _rule("DAEMON-210", "2.10", "Non-default cgroup parent", LOW,
          "The daemon places containers under a custom cgroup parent; confirm it applies the intended limits.",
          "Remove `cgroup-parent` unless the host's cgroup layout requires it.", RUNTIME_CONFIG),
    _rule("DAEMON-211", "2.11", "Base device size changed", LOW,
          "`dm.basesize` enlarges every container's devicemapper volume and can fill the host's storage.",
          "Remove the `dm.basesize` storage option.", RUNTIME_CONFIG),
    _rule("DAEMON-212", "2.12", "No authorization plugin", MED,
          "Any client that reaches the daemon may use every API call; an authorization plugin restricts who "
          "may do what.", "Configure an authorization plugin (`\"authorization-plugins\": [...]`).",
          ORCHESTRATOR, ACCESS),
    _rule("DAEMON-213", "2.13", "Container logs not sent to a central log service", LOW,
          "The log driver keeps logs on this host only (json-file/local): they are lost with the host and "
          "can be changed by whoever controls it.",
          "Set a remote log driver (syslog, journald with forwarding, fluentd, gelf, awslogs, splunk …).", ACCESS),
    _rule("DAEMON-214", "2.14", "Daemon does not default to no-new-privileges", MED,
          "Containers may gain privileges through setuid binaries unless each one sets no-new-privileges.",
          "Set `\"no-new-privileges\": true` in daemon.json.", RUNTIME_CONFIG),
    _rule("DAEMON-215", "2.15", "live-restore not enabled", LOW,
          "Containers stop whenever the daemon stops or is upgraded, which discourages timely upgrades.",
          "Set `\"live-restore\": true`.", RUNTIME_CONFIG),
    _rule("DAEMON-216", "2.16", "Userland proxy enabled", LOW,
          "docker-proxy processes forward published ports: a larger attack surface than the kernel's hairpin NAT.",
          "Set `\"userland-proxy\": false`.", NETWORK),
    _rule("DAEMON-217", "2.17", "Seccomp disabled daemon-wide", HIGH,
          "The daemon's default seccomp profile is `unconfined`: no container is protected by system call "
          "filtering unless it asks.", "Remove `seccomp-profile: unconfined`; use Docker's default or a custom "
          "profile.", RUNTIME_CONFIG),
    _rule("DAEMON-218", "2.18", "Experimental features enabled", LOW,
          "Experimental daemon features are not covered by security support and may change without notice.",
          "Remove `--experimental` / `\"experimental\": true` in production.", RUNTIME_CONFIG),
)  # fmt: skip

_FILES = (  # CIS 3.N pairs: (owner id, mode id, what, owner text, max mode)
    ("3.1", "3.2", "docker.service unit file", "root:root", 0o644),
    ("3.3", "3.4", "docker.socket unit file", "root:root", 0o644),
    ("3.5", "3.6", "/etc/docker", "root:root", 0o755),
    ("3.7", "3.8", "registry certificate", "root:root", 0o444),
    ("3.9", "3.10", "TLS CA certificate", "root:root", 0o444),
    ("3.11", "3.12", "daemon TLS certificate", "root:root", 0o444),
    ("3.13", "3.14", "daemon TLS key", "root:root", 0o400),
    ("3.15", "3.16", "Docker socket", "root:docker", 0o660),
    ("3.17", "3.18", "daemon.json", "root:root", 0o644),
    ("3.19", "3.20", "/etc/default/docker", "root:root", 0o644),
    ("3.22", "3.21", "/etc/sysconfig/docker", "root:root", 0o644),
    ("3.23", "3.24", "containerd socket", "root:root", 0o660),
)  # fmt: skip


def _file_rules() -> list[Rule]:
    rules = []
    for owner_id, mode_id, what, owner, mode in _FILES:
        severity = HIGH if what in ("Docker socket", "daemon TLS key", "containerd socket") else MED
        rules.append(_rule(f"DFILE-3{int(owner_id.split('.')[1]):02d}", owner_id, f"{what} not owned by {owner}",
                           severity, f"The {what} belongs to another user or group, who can change it or use it.",
                           f"`chown {owner} <path>`.", HOST_FS, ACCESS))  # fmt: skip
        rules.append(_rule(f"DFILE-3{int(mode_id.split('.')[1]):02d}", mode_id,
                           f"{what} permissions wider than {mode:o}", severity,
                           f"The {what} can be written (or read) by users who should not.",
                           f"`chmod {mode:o} <path>` (or stricter).", HOST_FS, ACCESS))  # fmt: skip
    return rules


FILE_RULES = tuple(_file_rules())

OWN_RULES = (
    Rule(id="HOST-001", title="General-purpose host runs services unrelated to containers", severity=MED, kind=H,
         description="The host runs servers that have nothing to do with running containers (web, database, mail, "
                     "desktop, file sharing …): each is attack surface that shares the kernel with every "
                     "container. NIST SP 800-190 recommends a container-specific host OS, or at least a host that "
                     "runs only containers.",
         remediation="Move these services into containers or onto other hosts and uninstall them; prefer a "
                     "container-specific OS (Flatcar, Bottlerocket, Fedora CoreOS, Talos).",
         aliases=("check_1_2_1",),
         compliance=(ComplianceRef(NIST, "4.5.1"), ComplianceRef(NIST, "4.5.2"), ComplianceRef(CIS, "1.2.1"))),
    Rule(id="HOST-002", title="Host operating system has reached its end of life", severity=HIGH, kind=H,
         description="The host's distribution release no longer receives security updates: the kernel, the "
                     "container runtime and every other host component stay vulnerable.",
         remediation="Upgrade the host to a supported release (or redeploy it from a current host image).",
         compliance=(ComplianceRef(NIST, "4.5.3"), ComplianceRef(CIS, "1.2.1"))),
)  # fmt: skip

ALL_HOST_RULES = (*HOST_RULES, *DAEMON_RULES, *FILE_RULES, *OWN_RULES)
RULES = {rule.id: rule for rule in ALL_HOST_RULES}
register(*ALL_HOST_RULES)


def make_finding(rule_id: str, message: str, path: str = "", evidence: tuple[str, ...] = ()) -> Finding:
    """A finding of a host rule located at a host path (relative to the root)."""
    rule = RULES[rule_id]
    return Finding(rule_id=rule.id, kind=rule.kind, severity=rule.severity, title=rule.title, message=message,
                   location=Location(path=path.strip("/")) if path else None, evidence=evidence,
                   remediation=rule.remediation, compliance=rule.compliance)  # fmt: skip
