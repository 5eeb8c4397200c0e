"""Rules about an image's config, history, accounts, files and packages (Dockle's checks and more)."""

from __future__ import annotations

from mamoru.model.finding import ComplianceRef, FindingKind, Rule, Severity
from mamoru.rules import register

NIST = "nist-sp-800-190"
CIS = "cis-docker-1.6.0"
CONFIG_DEFECTS = ComplianceRef(NIST, "4.1.2")  # image configuration defects
SECRETS = ComplianceRef(NIST, "4.1.4")
STALE = ComplianceRef(NIST, "4.2.2")  # stale images
TRUST = ComplianceRef(NIST, "4.1.5")  # untrusted images
HOST_FS = ComplianceRef(NIST, "4.5.5")
M, F = FindingKind.MISCONFIGURATION, FindingKind.FILE
CRIT, HIGH, MED, LOW = Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW


def _rule(rule_id: str, title: str, severity: Severity, kind: FindingKind, description: str, remediation: str,
          aliases: tuple[str, ...], *compliance: ComplianceRef) -> Rule:  # fmt: skip
    return Rule(id=rule_id, title=title, severity=severity, kind=kind, description=description,
                remediation=remediation, aliases=aliases, compliance=compliance)  # fmt: skip


IMAGE_RULES = (
    _rule("IMG-001", "Image runs as root", HIGH, M,
          "The image config has no USER, or USER is root/0, so containers run as root unless the runtime says "
          "otherwise; a container escape then starts as root on the host.",
          "Create an unprivileged user and end the Dockerfile with `USER <name>` (or a numeric UID).",
          ("CIS-DI-0001", "DS002", "AVD-DS-0002", "DL3002", "CKV_DOCKER_8"), CONFIG_DEFECTS, ComplianceRef(CIS, "4.1")),
    _rule("IMG-002", "No HEALTHCHECK", LOW, M,
          "The image config has no HEALTHCHECK, so the engine cannot tell a hung container from a healthy one.",
          "Add a `HEALTHCHECK CMD …` that exercises the service (or `HEALTHCHECK NONE` to say it is deliberate).",
          ("CIS-DI-0006", "DS026", "AVD-DS-0026", "CKV_DOCKER_2"), CONFIG_DEFECTS, ComplianceRef(CIS, "4.6")),
    _rule("IMG-003", "SSH port 22 exposed", MED, M,
          "The image exposes port 22: remote administration into containers bypasses the orchestrator.",
          "Remove `EXPOSE 22` and the SSH daemon; use `docker exec`/`kubectl exec` for maintenance.",
          ("DS004", "AVD-DS-0004", "DL3011", "CKV_DOCKER_1"), CONFIG_DEFECTS),
    _rule("IMG-004", "Package index updated without installing in the same RUN", MED, M,
          "A RUN line runs `apt-get update`/`apk update`/`yum makecache` alone: the cached index goes stale and "
          "later installs get outdated packages.",
          "Update and install in one RUN: `apt-get update && apt-get install -y …`.",
          ("CIS-DI-0007", "DS017", "AVD-DS-0017", "DL3009"), CONFIG_DEFECTS, ComplianceRef(CIS, "4.7")),
    _rule("IMG-005", "ADD used where COPY would do", LOW, M,
          "ADD also extracts archives and fetches URLs; for local files COPY is explicit and predictable. (The "
          "first ADD of a base image's root filesystem is excused.)",
          "Use COPY for local files; fetch remote files with a verified download in a RUN step.",
          ("CIS-DI-0009", "DS005", "AVD-DS-0005", "DL3020", "CKV_DOCKER_4"), CONFIG_DEFECTS, ComplianceRef(CIS, "4.9")),
    _rule("IMG-006", "ADD fetches a remote URL", MED, M,
          "`ADD <url>` downloads at build time without any checksum: whatever the server returns goes into the image.",
          "Download in a RUN step and verify a checksum or signature (or use `ADD --checksum=sha256:…`).",
          ("DL3020", "CKV_DOCKER_4"), CONFIG_DEFECTS, TRUST),
    _rule("IMG-007", "sudo used in a RUN instruction", MED, M,
          "Build steps already run as root; sudo adds an unpredictable, TTY-dependent layer and signals a root "
          "workflow.", "Run the step as root (`USER root` around it) instead of sudo.",
          ("DKL-DI-0001", "DL3004"), CONFIG_DEFECTS),
    _rule("IMG-008", "Distribution upgrade during the build", LOW, M,
          "`apt-get upgrade`/`dist-upgrade`/`yum update` in a build makes the image unreproducible; rebuild on "
          "an updated base image instead.", "Rebuild FROM a current base image tag or digest instead of upgrading.",
          ("DKL-DI-0003", "DL3005", "DS029"), CONFIG_DEFECTS),
    _rule("IMG-009", "apk add without --no-cache", LOW, M,
          "`apk add` without --no-cache leaves the package index in /var/cache/apk in the layer.",
          "Use `apk add --no-cache …`.", ("DKL-DI-0004", "DL3019", "DS025"), CONFIG_DEFECTS),
    _rule("IMG-010", "apt package lists not removed", LOW, M,
          "A RUN step runs apt-get but does not remove /var/lib/apt/lists: tens of MB of index stay in the layer.",
          "End the RUN with `&& rm -rf /var/lib/apt/lists/*`.", ("DKL-DI-0005", "DL3009", "DS025"),
          CONFIG_DEFECTS),
    _rule("IMG-011", "Image referenced by the latest tag", LOW, M,
          "The image is known by `:latest` only: deployments cannot say which build they run, and it changes "
          "under them.", "Tag images with a version and deploy them by version tag or digest.",
          ("DKL-DI-0006", "DS001", "DL3007", "KSV013"), STALE, ComplianceRef(CIS, "5.28")),
    _rule("IMG-012", "Sensitive directory declared as VOLUME", HIGH, M,
          "A VOLUME on /dev, /proc, /sys, /etc, /boot or /var/run exposes host-sensitive paths to the container.",
          "Remove the VOLUME; mount only application data directories.", ("DKL-DI-0002",), HOST_FS,
          ComplianceRef(CIS, "5.5")),
    _rule("IMG-013", "Image is old", LOW, M,
          "The image was built long ago (default limit 180 days): it carries every vulnerability fixed since.",
          "Rebuild regularly on a current base image, and retire old images from registries.",
          ("CIS-DI-0004",), STALE, ComplianceRef(CIS, "4.4")),
    _rule("IMG-014", "No provenance labels", LOW, M,
          "The image has no `org.opencontainers.image.source` or `.revision` label, so nobody can trace it to "
          "the code and build that made it.",
          "Label images with `org.opencontainers.image.source`, `.revision` and `.created` in the build.",
          ("CKV_DOCKER_9",), TRUST),
)  # fmt: skip

FILE_RULES = (
    _rule("FILE-001", "setuid or setgid file", LOW, F,
          "A file with the setuid or setgid bit runs with its owner's or group's rights; each one is a "
          "privilege-escalation path if it has a flaw.",
          "Remove setuid/setgid bits the application does not need: `RUN find / -xdev -perm /6000 -type f "
          "-exec chmod a-s {} +`.", ("CIS-DI-0008",), CONFIG_DEFECTS, ComplianceRef(CIS, "4.8")),
    _rule("FILE-002", "World-writable file", MED, F,
          "Any user in the container can change this file (configuration, scripts, binaries).",
          "Remove write permission for others: `chmod o-w`.", (), CONFIG_DEFECTS),
    _rule("FILE-003", "World-writable directory without the sticky bit", MED, F,
          "Any user can create, replace or delete files in this directory.",
          "Remove write permission for others, or set the sticky bit like /tmp (`chmod 1777`).", (),
          CONFIG_DEFECTS),
    _rule("FILE-004", "Credential or private key file shipped", HIGH, F,
          "A file whose name marks credentials (id_rsa, .env, .aws/credentials, .docker/config.json, .npmrc, "
          ".pypirc, .netrc, .git-credentials, kubeconfig, keystores) is in the image, readable by anyone who "
          "pulls it — even when a later layer deleted it.",
          "Keep credentials out of the build context (.dockerignore), pass them at run time, rotate this one.",
          ("CIS-DI-0010",), SECRETS, ComplianceRef(CIS, "4.10")),
    _rule("FILE-005", "Development files shipped", LOW, F,
          "Version-control metadata, editor settings or build files (.git, .svn, .vscode, .idea, .DS_Store, "
          "Dockerfile, docker-compose.yml) are in the image; .git can hold the whole source history.",
          "Exclude them with a .dockerignore.", ("DKL-LI-0003",), CONFIG_DEFECTS),
    _rule("FILE-006", "Package manager cache left in the image", LOW, F,
          "Package indexes or downloaded packages (apt lists, apk/yum/dnf caches, pip or npm caches) stay in a "
          "layer: size, and stale metadata.",
          "Clean caches in the same RUN that fills them (`rm -rf /var/lib/apt/lists/*`, `apk add --no-cache`, "
          "`pip install --no-cache-dir`).", ("DKL-DI-0004", "DKL-DI-0005", "DL3009", "DL3042"), CONFIG_DEFECTS),
    _rule("ACCT-001", "Account with an empty password", CRIT, F,
          "An /etc/shadow entry has an empty password field: anyone can log in as this account without a "
          "password (the Alpine root account bug CVE-2019-5021).",
          "Lock the account (`passwd -l`, or `*`/`!` in /etc/shadow).", ("DKL-LI-0001",), CONFIG_DEFECTS),
    _rule("ACCT-002", "Duplicate UID", MED, F,
          "Two accounts in /etc/passwd share a UID, so files and processes of one belong to the other.",
          "Give each account its own UID.", ("DKL-LI-0002",), CONFIG_DEFECTS),
    _rule("ACCT-003", "Duplicate GID", LOW, F,
          "Two groups in /etc/group share a GID.", "Give each group its own GID.", ("DKL-LI-0002",), CONFIG_DEFECTS),
    _rule("ACCT-004", "Passwordless sudo", HIGH, F,
          "A sudoers rule grants commands with NOPASSWD: any process running as that user becomes root.",
          "Remove sudo from the image, or the NOPASSWD rule.", (), CONFIG_DEFECTS),
    _rule("ACCT-005", "Extra account with UID 0", HIGH, F,
          "An account other than root has UID 0, i.e. is root under another name — a classic backdoor.",
          "Remove the account or give it an unprivileged UID.", (), CONFIG_DEFECTS),
    _rule("PKG-001", "Remote administration daemon installed", HIGH, F,
          "An SSH, telnet, VNC or RDP server is installed: containers should be reached through the "
          "orchestrator, and a daemon adds attack surface and credentials to manage.",
          "Remove the package from the image.", ("DS004",), CONFIG_DEFECTS, ComplianceRef(CIS, "4.3")),
)  # fmt: skip

register(*IMAGE_RULES, *FILE_RULES)
RULES = {rule.id: rule for rule in (*IMAGE_RULES, *FILE_RULES)}
