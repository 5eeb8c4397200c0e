"""CIS Docker Benchmark 1.6.0 §1-3 and §5: what mamoru automates, next to docker-bench-security's coverage.

python benchmarks/cis_docker_coverage.py                          # print the table (markdown)
python benchmarks/cis_docker_coverage.py -o docs/cis-docker-coverage.md
python benchmarks/cis_docker_coverage.py --check docs/cis-docker-coverage.md   # exit 1 when not current

mamoru's column comes from the rule registry: a recommendation is "automated" when a runtime or host rule
names it in its compliance references (``ComplianceRef("cis-docker-1.6.0", "5.4")``); the few partial
and manual items carry the reason below. docker-bench-security's column is its v1.6.0 labels
(``tests/1_…`` to ``tests/5_…``, HEAD ff26d67f): it runs a test for every item, but prints only
"info"/"note" for the ones it labels Manual.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

# (id, short title, docker-bench label) — titles paraphrased from the benchmark
ITEMS: tuple[tuple[str, str, str], ...] = (
    ("1.1.1", "Separate partition for the Docker data root", "Automated"),
    ("1.1.2", "Only trusted users control the daemon (docker group)", "Automated"),
    ("1.1.3", "Audit the dockerd binary", "Automated"),
    ("1.1.4", "Audit /run/containerd", "Automated"),
    ("1.1.5", "Audit /var/lib/docker", "Automated"),
    ("1.1.6", "Audit /etc/docker", "Automated"),
    ("1.1.7", "Audit docker.service", "Automated"),
    ("1.1.8", "Audit containerd.sock", "Automated"),
    ("1.1.9", "Audit docker.socket", "Automated"),
    ("1.1.10", "Audit /etc/default/docker", "Automated"),
    ("1.1.11", "Audit /etc/docker/daemon.json", "Automated"),
    ("1.1.12", "Audit /etc/containerd/config.toml", "Automated"),
    ("1.1.13", "Audit /etc/sysconfig/docker", "Automated"),
    ("1.1.14", "Audit /usr/bin/containerd", "Automated"),
    ("1.1.15", "Audit /usr/bin/containerd-shim", "Automated"),
    ("1.1.16", "Audit containerd-shim-runc-v1", "Automated"),
    ("1.1.17", "Audit containerd-shim-runc-v2", "Automated"),
    ("1.1.18", "Audit /usr/bin/runc", "Automated"),
    ("1.2.1", "Container host hardened", "Manual"),
    ("1.2.2", "Docker version up to date", "Manual"),
    ("2.1", "Run the daemon as a non-root user (rootless)", "Manual"),
    ("2.2", "Restrict traffic between containers on the default bridge", "Automated"),
    ("2.3", "Logging level set to info", "Automated"),
    ("2.4", "Allow Docker to change iptables", "Automated"),
    ("2.5", "No insecure registries", "Automated"),
    ("2.6", "aufs storage driver not used", "Automated"),
    ("2.7", "TLS authentication for the daemon", "Automated"),
    ("2.8", "Default ulimit configured", "Manual"),
    ("2.9", "User-namespace support enabled", "Automated"),
    ("2.10", "Default cgroup usage confirmed", "Automated"),
    ("2.11", "Base device size not changed", "Automated"),
    ("2.12", "Authorization for client commands", "Automated"),
    ("2.13", "Centralized and remote logging", "Automated"),
    ("2.14", "Containers restricted from acquiring new privileges", "Automated"),
    ("2.15", "Live restore enabled", "Automated"),
    ("2.16", "Userland proxy disabled", "Automated"),
    ("2.17", "Daemon-wide custom seccomp profile", "Manual"),
    ("2.18", "No experimental features in production", "Automated"),
    *((f"3.{n}", title, "Automated") for n, title in (
        (1, "docker.service owned by root:root"), (2, "docker.service mode 644 or stricter"),
        (3, "docker.socket owned by root:root"), (4, "docker.socket mode 644 or stricter"),
        (5, "/etc/docker owned by root:root"), (6, "/etc/docker mode 755 or stricter"),
        (7, "Registry certificates owned by root:root"), (8, "Registry certificates mode 444 or stricter"),
        (9, "TLS CA certificate owned by root:root"), (10, "TLS CA certificate mode 444 or stricter"),
        (11, "Daemon certificate owned by root:root"), (12, "Daemon certificate mode 444 or stricter"),
        (13, "Daemon key owned by root:root"), (14, "Daemon key mode 400"),
        (15, "docker.sock owned by root:docker"), (16, "docker.sock mode 660 or stricter"),
        (17, "daemon.json owned by root:root"), (18, "daemon.json mode 644 or stricter"),
        (19, "/etc/default/docker owned by root:root"), (20, "/etc/default/docker mode 644 or stricter"),
        (21, "/etc/sysconfig/docker mode 644 or stricter"), (22, "/etc/sysconfig/docker owned by root:root"),
        (23, "containerd socket owned by root:root"), (24, "containerd socket mode 660 or stricter"))),
    ("5.1", "Swarm mode not enabled unless needed", "Automated"),
    ("5.2", "AppArmor profile enabled", "Automated"),
    ("5.3", "SELinux security options set", "Automated"),
    ("5.4", "Linux kernel capabilities restricted", "Automated"),
    ("5.5", "No privileged containers", "Automated"),
    ("5.6", "No sensitive host system directories mounted", "Automated"),
    ("5.7", "sshd not run within containers", "Automated"),
    ("5.8", "No privileged ports mapped", "Automated"),
    ("5.9", "Only needed ports open", "Manual"),
    ("5.10", "Host network namespace not shared", "Automated"),
    ("5.11", "Memory usage limited", "Automated"),
    ("5.12", "CPU priority set", "Automated"),
    ("5.13", "Root filesystem mounted read-only", "Automated"),
    ("5.14", "Incoming traffic bound to a specific host interface", "Automated"),
    ("5.15", "on-failure restart policy set to 5", "Automated"),
    ("5.16", "Host PID namespace not shared", "Automated"),
    ("5.17", "Host IPC namespace not shared", "Automated"),
    ("5.18", "Host devices not exposed directly", "Manual"),
    ("5.19", "Default ulimit overwritten only when needed", "Manual"),
    ("5.20", "Mount propagation not shared", "Automated"),
    ("5.21", "Host UTS namespace not shared", "Automated"),
    ("5.22", "Default seccomp profile not disabled", "Automated"),
    ("5.23", "docker exec not used with --privileged", "Automated"),
    ("5.24", "docker exec not used with --user=root", "Manual"),
    ("5.25", "cgroup usage confirmed", "Automated"),
    ("5.26", "Container restricted from acquiring additional privileges", "Automated"),
    ("5.27", "Container health checked at runtime", "Automated"),
    ("5.28", "Docker commands always pull the latest image version", "Manual"),
    ("5.29", "PIDs cgroup limit used", "Automated"),
    ("5.30", "Docker's default bridge docker0 not used", "Manual"),
    ("5.31", "Host user namespace not shared", "Automated"),
    ("5.32", "Docker socket not mounted inside containers", "Automated"),
)  # fmt: skip

# items mamoru automates only in part, or leaves to people, and why
PARTIAL = {
    "1.2.1": "partial: HOST-001 (unrelated services on a general-purpose host) and HOST-002 (end of life); "
    "the rest of host hardening is SP 800-123 work",
    "1.2.2": "automated as vulnerabilities: dockerd, containerd, runc, buildkit, CRI-O, kubelet and kube-apiserver "
    "versions against the escape-CVE table (Debian backports honoured) and the vulnerability database",
    "5.23": "partial: privileged exec sessions the engine still holds (finished ones leave no trace in the API)",
}
MANUAL = {
    "2.1": "manual: whether rootless mode fits the workload",
    "2.8": "manual: the right ulimits depend on the workload",
    "5.9": "manual: which ports a service needs (5.8 and 5.14 check how they are published)",
    "5.19": "manual: whether a ulimit override is needed",
    "5.24": "manual: needs the daemon's audit log",
    "5.28": "manual: a deployment practice, not a container setting",
}
SECTIONS = {"1": "1 Host configuration", "2": "2 Docker daemon configuration", "3": "3 Daemon configuration files",
            "5": "5 Container runtime"}  # fmt: skip


def mamoru_rules() -> dict[str, list[str]]:
    """CIS 1.6.0 item → ids of the runtime and host rules that automate it."""
    from mamoru.rules import all_rules

    found: dict[str, list[str]] = {}
    for rule in all_rules():
        if not rule.id.startswith(("RUN-5", "HOST-1", "DAEMON-", "DFILE-")):
            continue
        for ref in rule.compliance:
            if ref.framework == "cis-docker-1.6.0":
                found.setdefault(ref.control, []).append(rule.id)
    return found


def status(item: str, rules: dict[str, list[str]]) -> tuple[str, str]:
    """(short status, detail) of one item for mamoru."""
    if item in PARTIAL:
        word = "automated" if PARTIAL[item].startswith("automated") else "partial"
        return word, PARTIAL[item] + (f" ({', '.join(rules[item])})" if item in rules else "")
    if item in rules:
        return "automated", ", ".join(f"`{r}`" for r in sorted(rules[item]))
    if item in MANUAL:
        return "manual", MANUAL[item]
    return "not automated", ""


def render() -> str:
    rules = mamoru_rules()
    lines = [
        "# CIS Docker Benchmark 1.6.0: coverage of §1-3 and §5",
        "",
        "Generated by `python benchmarks/cis_docker_coverage.py -o docs/cis-docker-coverage.md` from the rule",
        "registry; a test fails when this file is not current. `mamoru host` runs §1-3 (on `/` or `--root DIR`),",
        "`mamoru runtime` runs §5 (every container of an engine). docker-bench-security (v1.6.0, the only",
        "other open-source tool covering these sections) runs a test for every item but reports the ones it",
        "labels *Manual* as information only.",
        "",
    ]
    counts: Counter[tuple[str, str]] = Counter()
    body: list[str] = []
    current = ""
    for item, title, bench in ITEMS:
        section = item.split(".")[0]
        if section != current:
            current = section
            header = "| CIS | Recommendation | mamoru | rules / reason | docker-bench |"
            body += ["", f"## {SECTIONS[section]}", "", header, "|---|---|---|---|---|"]
        word, detail = status(item, rules)
        counts[(section, word)] += 1
        counts[(section, f"bench-{bench}")] += 1
        body.append(f"| {item} | {title} | {word} | {detail} | {bench.lower()} |")
    lines += ["## Summary", "", "| section | items | mamoru automated | partial | manual | docker-bench automated |",
              "|---|---|---|---|---|---|"]  # fmt: skip
    for section, name in SECTIONS.items():
        total = sum(1 for item, _t, _b in ITEMS if item.split(".")[0] == section)
        lines.append(f"| {name} | {total} | {counts[(section, 'automated')]} | {counts[(section, 'partial')]} | "
                     f"{counts[(section, 'manual')]} | {counts[(section, 'bench-Automated')]} |")  # fmt: skip
    lines += body
    lines += ["", "Beyond the benchmark, `mamoru runtime` reports clear-text secrets in container environments",
              "(`RUN-001`), drift of the writable layer (`RUN-010`…`RUN-013`, plus malware and secrets in changed",
              "files) and scans every container's image; `mamoru host` scans the host's packages and reports",
              "end-of-life hosts (`HOST-002`). docker-bench-security has none of these.", ""]  # fmt: skip
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path)
    parser.add_argument("--check", type=Path, help="exit 1 when this file differs from the generated table")
    args = parser.parse_args(argv)
    text = render()
    if args.check is not None:
        if not args.check.exists() or args.check.read_text() != text:
            print(f"{args.check} is not current: run python benchmarks/cis_docker_coverage.py -o {args.check}",
                  file=sys.stderr)  # fmt: skip
            return 1
        return 0
    if args.output is not None:
        args.output.write_text(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
