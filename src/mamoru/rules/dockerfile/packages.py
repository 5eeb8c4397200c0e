"""Dockerfile rules about package managers: updates, upgrades, caches, prompts and version pins."""

from __future__ import annotations

import re
from collections.abc import Iterator

from mamoru.model.finding import Rule, Severity
from mamoru.rules.checks import Hit, check
from mamoru.rules.dockerfile.commands import DNF_FAMILY, PackageCommand, package_commands
from mamoru.rules.dockerfile.context import DockerfileContext, RunScript
from mamoru.rules.dockerfile.image import BEST_PRACTICES, DF, MISCONFIG
from mamoru.rules.refs import cis_docker, nist

APT = ("apt-get", "apt")
INSTALL_ACTIONS = frozenset({"install", "add", "in", "groupinstall", "localinstall", "reinstall", "source-install"})
SSH_SERVERS = frozenset({"openssh-server", "openssh", "dropbear", "ssh", "openssh-server-pam", "tinyssh"})


def _in(run: RunScript, commands: list[PackageCommand]) -> list[PackageCommand]:
    return [c for c in commands if c.at.run is run]


def _cache_mount(run: RunScript, *targets: str) -> bool:
    for value in run.instruction.flag_values("mount"):
        fields = dict(part.split("=", 1) for part in value.split(",") if "=" in part)
        target = fields.get("target") or fields.get("dst") or fields.get("destination") or ""
        kind = fields.get("type", "bind")
        if kind in ("cache", "tmpfs") and any(target.rstrip("/").startswith(t) for t in targets):
            return True
    return False


def _removes(run: RunScript, *prefixes: str) -> bool:
    if run.script is None:
        return False
    for command in run.script.commands:
        if command.name == "rm" and any(a.startswith(prefixes) for a in command.args):
            return True
    return False


UPGRADE = Rule(
    id="MDF-060", title="Package upgrade during the build (apt-get upgrade, yum update)", severity=Severity.MEDIUM,
    kind=MISCONFIG,
    description="Upgrading every package inside the build makes the image differ from its base in ways no one "
                "reviewed, differ between two builds of the same Dockerfile, and hides that the base image is "
                "outdated.",
    remediation="Rebuild on an updated base image (a newer tag or digest) instead; upgrade single packages "
                "explicitly when a fix cannot wait.",
    references=(BEST_PRACTICES + "#apt-get",),
    aliases=("DS024", "AVD-DS-0024", "DKL-DI-0003", "DL3005", "DL3035"),
    compliance=nist("4.2.2", "4.1.2") + cis_docker("4.7"),
)  # fmt: skip


@check(UPGRADE, DF)
def upgrade(context: DockerfileContext) -> Iterator[Hit]:
    for command in package_commands(context):
        manager, action = command.manager, command.action
        targeted = [p for p in command.packages if not p.startswith("-")]
        full = (
            (manager in APT and action in ("upgrade", "dist-upgrade", "full-upgrade"))
            or (manager == "apk" and action == "upgrade")
            or (
                manager in DNF_FAMILY
                and action in ("update", "upgrade", "distro-sync", "dist-upgrade")
                and not targeted
            )
            or (manager == "zypper" and action in ("update", "up", "dist-upgrade", "dup", "patch"))
        )
        if full:
            full = True
        if full:
            yield Hit(line=command.line, message=f"{manager} {action} upgrades every package")


_UPDATE = {"apt-get": ("update",), "apt": ("update",), "apk": ("update",), "yum": ("makecache",),
           "dnf": ("makecache",), "zypper": ("refresh", "ref")}  # fmt: skip


UPDATE_ALONE = Rule(
    id="MDF-061", title="Package index updated in a RUN that installs nothing", severity=Severity.MEDIUM,
    kind=MISCONFIG,
    description="`RUN apt-get update` on its own line is cached as a layer: later `apt-get install` lines reuse "
                "the stale index and install outdated (vulnerable) versions, or fail.",
    remediation="Update and install in the same RUN: `RUN apt-get update && apt-get install -y … && rm -rf "
                "/var/lib/apt/lists/*`.",
    references=(BEST_PRACTICES + "#apt-get",),
    aliases=("DS017", "AVD-DS-0017", "CKV_DOCKER_5", "CIS-DI-0007"),
    compliance=nist("4.2.2") + cis_docker("4.7"),
)  # fmt: skip


@check(UPDATE_ALONE, DF)
def update_alone(context: DockerfileContext) -> Iterator[Hit]:
    commands = package_commands(context)
    for run in context.runs:
        mine = _in(run, commands)
        for command in mine:
            if command.action not in _UPDATE.get(command.manager, ()) and not (
                command.manager in DNF_FAMILY and command.action in ("update", "upgrade") and not command.packages
            ):
                continue
            family = APT if command.manager in APT else (command.manager,)
            installs = [
                c
                for c in mine
                if c.at.command.index > command.at.command.index
                and (c.manager in family or (command.manager in DNF_FAMILY and c.manager in DNF_FAMILY))
                and (c.action in INSTALL_ACTIONS or c.action in ("upgrade", "dist-upgrade", "full-upgrade"))
            ]
            if not installs:
                yield Hit(line=command.line, message=f"{command.manager} {command.action} without an install after it")


NO_YES = Rule(
    id="MDF-062", title="Package install may stop at a prompt (no -y)", severity=Severity.LOW, kind=MISCONFIG,
    description="Without `-y` (or zypper's `-n`) the package manager asks for confirmation and the build fails "
                "or hangs.",
    remediation="Add `-y` (`apt-get install -y`, `yum install -y`, `dnf install -y`, `zypper -n install`).",
    aliases=("DL3014", "DS021", "AVD-DS-0021", "DL3030", "DL3038", "DL3034"),
    compliance=nist("4.1.2"),
)  # fmt: skip


def _assumes_yes(command: PackageCommand) -> bool:
    options = command.options
    if command.manager in APT:
        raw = command.at.command.args
        quiet_twice = any(re.fullmatch(r"-[a-zA-Z]*q[a-zA-Z]*q[a-zA-Z]*", a) for a in raw) or raw.count("-q") >= 2
        forced = any("assume-yes" in v.lower() for v in options.values.get("o", []) + options.values.get("option", []))
        return options.has("y", "yes", "assume-yes", "force-yes") or quiet_twice or forced
    if command.manager in ("yum", "dnf", "tdnf"):
        return options.has("y", "assumeyes", "setopt") and (
            options.has("y", "assumeyes") or any("assumeyes" in v for v in options.values.get("setopt", []))
        )
    if command.manager == "zypper":
        return options.has("n", "non-interactive", "y", "no-confirm")
    return True


def _piped_yes(command: PackageCommand) -> bool:
    script = command.at.script
    if command.at.command.pipeline is None:
        return False
    return any(
        c.name == "yes" and c.pipeline == command.at.command.pipeline and c.position < command.at.command.position
        for c in script.commands
    )


@check(NO_YES, DF)
def no_yes(context: DockerfileContext) -> Iterator[Hit]:
    for command in package_commands(context):
        if command.manager not in (*APT, "yum", "dnf", "tdnf", "zypper"):
            continue
        actions = INSTALL_ACTIONS | {"upgrade", "dist-upgrade", "full-upgrade", "update", "remove", "purge", "erase"}
        if command.manager in APT and command.action == "update":
            continue
        if command.action in actions and not _assumes_yes(command) and not _piped_yes(command):
            yield Hit(line=command.line, message=f"{command.manager} {command.action} without -y")


RECOMMENDS = Rule(
    id="MDF-063", title="apt-get install without --no-install-recommends", severity=Severity.LOW, kind=MISCONFIG,
    description="Recommended packages are installed by default: more software, more vulnerabilities, nothing "
                "the application asked for.",
    remediation="`apt-get install -y --no-install-recommends …`.",
    references=(BEST_PRACTICES + "#apt-get",),
    aliases=("DL3015", "DS029", "AVD-DS-0029"),
    compliance=nist("4.1.2") + cis_docker("4.3"),
)  # fmt: skip


@check(RECOMMENDS, DF)
def recommends(context: DockerfileContext) -> Iterator[Hit]:
    for command in package_commands(context):
        if command.manager not in APT or command.action != "install":
            continue
        options = command.options
        configured = any(
            re.search(r"(?i)Install-Recommends\s*=\s*(?:false|0|no)", v)
            for v in options.values.get("o", []) + options.values.get("option", [])
        )
        if not options.has("no-install-recommends") and not configured:
            yield Hit(line=command.line, message=f"{command.manager} install without --no-install-recommends")


APT_CLI = Rule(
    id="MDF-064", title="apt used in a Dockerfile (use apt-get)", severity=Severity.LOW, kind=MISCONFIG,
    description="`apt` is meant for people: its output and behaviour may change between releases and it warns "
                "that its CLI is not stable for scripts.",
    remediation="Use `apt-get` (and `apt-cache`) in Dockerfiles.",
    aliases=("DL3027", "CKV_DOCKER_9"),
    compliance=nist("4.1.2"),
)  # fmt: skip


@check(APT_CLI, DF)
def apt_cli(context: DockerfileContext) -> Iterator[Hit]:
    for command in package_commands(context):
        if command.manager == "apt" and command.action:
            yield Hit(line=command.line, message=f"apt {command.action}")


SSH_SERVER = Rule(
    id="MDF-024", title="SSH server installed or started", severity=Severity.MEDIUM, kind=MISCONFIG,
    description="An SSH daemon in a container is a second way in, with its own keys and passwords, that the "
                "orchestrator neither controls nor audits.",
    remediation="Do not install an SSH server; use `docker exec` or `kubectl exec`.",
    compliance=nist("4.1.2") + cis_docker("5.7", "4.3"),
)  # fmt: skip


@check(SSH_SERVER, DF)
def ssh_server(context: DockerfileContext) -> Iterator[Hit]:
    for command in package_commands(context):
        if command.action in INSTALL_ACTIONS and command.manager not in ("pip", "npm", "yarn", "gem", "go"):
            servers = [p for p in command.packages if p.split("=")[0] in SSH_SERVERS]
            if servers:
                yield Hit(line=command.line, message=f"{command.manager} {command.action} {' '.join(servers)}")
    for at in context.commands("sshd", "dropbear"):
        yield Hit(line=at.line, message=f"runs {at.command.name}")
    for instruction in context.dockerfile.all_instructions():
        if instruction.keyword in ("CMD", "ENTRYPOINT") and re.search(r"(?:^|[/\s\"'])sshd\b", instruction.text):
            yield Hit(line=instruction.line, message=f"{instruction.keyword} starts sshd")


APT_LISTS = Rule(
    id="MDF-070", title="APT package lists left in the image", severity=Severity.LOW, kind=MISCONFIG,
    description="`apt-get update` downloads tens of MB of package lists; unless the same RUN removes them they "
                "stay in the layer for ever.",
    remediation="End the RUN with `&& rm -rf /var/lib/apt/lists/*` (or use a cache mount: "
                "`RUN --mount=type=cache,target=/var/lib/apt/lists …`).",
    references=(BEST_PRACTICES + "#apt-get",),
    aliases=("DL3009", "DKL-DI-0005"),
    compliance=nist("4.1.2") + cis_docker("4.3"),
)  # fmt: skip


@check(APT_LISTS, DF)
def apt_lists(context: DockerfileContext) -> Iterator[Hit]:
    final = {stage.index for stage in context.final_chain}
    commands = package_commands(context)
    for run in context.runs:
        if (run.instruction.stage not in final and run.instruction.keyword != "RUN") or run.script is None:
            continue
        if run.instruction.stage not in final:
            continue
        updates = [c for c in _in(run, commands) if c.manager in APT and c.action == "update"]
        if not updates:
            continue
        if _removes(run, "/var/lib/apt/lists") or _cache_mount(run, "/var/lib/apt"):
            continue
        yield Hit(line=updates[0].line, message="apt-get update without rm -rf /var/lib/apt/lists/* in the same RUN")


APK_CACHE = Rule(
    id="MDF-071", title="apk add without --no-cache", severity=Severity.LOW, kind=MISCONFIG,
    description="Without `--no-cache` (or removing /var/cache/apk) the package index stays in the layer.",
    remediation="`apk add --no-cache …`.",
    aliases=("DL3019", "DS025", "AVD-DS-0025", "DKL-DI-0004"),
    compliance=nist("4.1.2") + cis_docker("4.3"),
)  # fmt: skip


@check(APK_CACHE, DF)
def apk_cache(context: DockerfileContext) -> Iterator[Hit]:
    for command in package_commands(context):
        if command.manager != "apk" or command.action != "add" or command.options.has("no-cache"):
            continue
        run = command.at.run
        if _removes(run, "/var/cache/apk") or _cache_mount(run, "/var/cache/apk", "/etc/apk/cache"):
            continue
        yield Hit(line=command.line, message="apk add without --no-cache")


RPM_CACHE = Rule(
    id="MDF-072", title="yum/dnf/zypper cache left in the image", severity=Severity.LOW, kind=MISCONFIG,
    description="yum, dnf, microdnf and zypper keep downloaded metadata and packages; unless the same RUN "
                "cleans them they stay in the layer.",
    remediation="End the RUN with `&& yum clean all` (`dnf clean all`, `microdnf clean all`, `zypper clean -a`), "
                "or remove /var/cache/yum, /var/cache/dnf.",
    aliases=("DL3032", "DS015", "AVD-DS-0015", "DL3040", "DS019", "AVD-DS-0019", "DS027", "AVD-DS-0027",
             "DL3036", "DS020", "AVD-DS-0020"),
    compliance=nist("4.1.2") + cis_docker("4.3"),
)  # fmt: skip

_RPM_CACHES = {"yum": ("/var/cache/yum",), "dnf": ("/var/cache/dnf", "/var/cache/yum"),
               "microdnf": ("/var/cache/dnf", "/var/cache/yum"), "tdnf": ("/var/cache/tdnf",),
               "zypper": ("/var/cache/zypp",)}  # fmt: skip


@check(RPM_CACHE, DF)
def rpm_cache(context: DockerfileContext) -> Iterator[Hit]:
    commands = package_commands(context)
    for run in context.runs:
        mine = _in(run, commands)
        for manager, caches in _RPM_CACHES.items():
            installs = [c for c in mine if c.manager == manager and c.action in INSTALL_ACTIONS]
            if not installs:
                continue
            cleaned = any(
                c.manager in (manager, "yum", "dnf") and c.action in ("clean", "cc") and (manager == "zypper" or
                "all" in c.packages or "packages" in c.packages or "metadata" in c.packages) for c in mine
            )  # fmt: skip
            if cleaned or _removes(run, *caches) or _cache_mount(run, *caches):
                continue
            yield Hit(line=installs[0].line, message=f"{manager} {installs[0].action} without {manager} clean")


PIP_CACHE = Rule(
    id="MDF-073", title="pip install without --no-cache-dir", severity=Severity.LOW, kind=MISCONFIG,
    description="pip keeps every downloaded wheel in ~/.cache/pip, which stays in the layer.",
    remediation="`pip install --no-cache-dir …` (or `ENV PIP_NO_CACHE_DIR=1`, or a cache mount).",
    aliases=("DL3042",),
    compliance=nist("4.1.2") + cis_docker("4.3"),
)  # fmt: skip

_TRUTHY = frozenset({"1", "true", "yes", "on"})


@check(PIP_CACHE, DF)
def pip_cache(context: DockerfileContext) -> Iterator[Hit]:
    for command in package_commands(context):
        if command.manager != "pip" or command.action != "install" or command.options.has("no-cache-dir"):
            continue
        stage = context.stage_of(command.at.instruction)
        env = {} if stage is None else _env_before(context, command.at.instruction.line, stage.index)
        if env.get("PIP_NO_CACHE_DIR", "").lower() in _TRUTHY or "PIP_NO_CACHE_DIR=" in command.at.run.instruction.text:
            continue
        if _cache_mount(command.at.run, "/root/.cache", "/root/.cache/pip") or any(
            "/.cache" in value for value in command.at.run.instruction.flag_values("mount")
        ):
            continue
        yield Hit(line=command.line, message="pip install without --no-cache-dir")


def _env_before(context: DockerfileContext, line: int, stage_index: int) -> dict[str, str]:
    env: dict[str, str] = {}
    for stage in reversed(context.chain(context.stages[stage_index])):
        for instruction in stage.of("ENV"):
            if stage.index != stage_index or instruction.line < line:
                env.update(zip(instruction.args[::2], instruction.args[1::2], strict=False))
    return env


YARN_CACHE = Rule(
    id="MDF-074", title="yarn cache left in the image", severity=Severity.LOW, kind=MISCONFIG,
    description="yarn keeps a copy of every package in its cache directory, which stays in the layer.",
    remediation="End the RUN with `&& yarn cache clean` (or use a cache mount).",
    aliases=("DL3060",),
    compliance=nist("4.1.2") + cis_docker("4.3"),
)  # fmt: skip


@check(YARN_CACHE, DF)
def yarn_cache(context: DockerfileContext) -> Iterator[Hit]:
    for run in context.runs:
        if run.script is None:
            continue
        yarns = [c for c in run.script.commands if c.name == "yarn"]
        installs = [
            c for c in yarns if not c.args or c.args[0] in ("install", "add") or c.args[:2] == ("global", "add")
        ]
        cleaned = any(c.args[:2] == ("cache", "clean") for c in yarns)
        if installs and not cleaned and not _cache_mount(run, "/usr/local/share/.cache/yarn", "/root/.cache/yarn"):
            yield Hit(line=run.line(installs[0]), message="yarn install without yarn cache clean")


# --- version pins --------------------------------------------------------------------------------


def _apt_pinned(package: str) -> bool:
    return "=" in package or "/" in package or package.endswith(".deb")


def _apk_pinned(package: str) -> bool:
    return any(ch in package for ch in "=~<>") or package.endswith(".apk")


def _rpm_pinned(package: str) -> bool:
    return bool(re.search(r"-\d|[=<>]|:\d", package)) or package.endswith(".rpm") or "/" in package


def _zypper_pinned(package: str) -> bool:
    return bool(re.search(r"[=<>]|-\d", package)) or package.endswith(".rpm")


OS_PINS = Rule(
    id="MDF-080", title="OS packages installed without version pins", severity=Severity.LOW, kind=MISCONFIG,
    description="Unpinned packages make two builds of the same Dockerfile differ, and a rebuild picks up "
                "whatever the mirror serves that day.",
    remediation="Pin versions (`apt-get install curl=7.88.1-10+deb12u8`, `apk add curl=8.5.0-r0`) and update "
                "them deliberately, or pin the base image by digest and rebuild from it.",
    references=(BEST_PRACTICES + "#apt-get",),
    aliases=("DL3008", "DL3018", "DL3033", "DL3041", "DL3037"),
    compliance=nist("4.1.2", "4.2.2"),
)  # fmt: skip

_OS_PINNED = {"apt-get": _apt_pinned, "apt": _apt_pinned, "apk": _apk_pinned, "yum": _rpm_pinned,
              "dnf": _rpm_pinned, "microdnf": _rpm_pinned, "tdnf": _rpm_pinned, "zypper": _zypper_pinned}  # fmt: skip


@check(OS_PINS, DF)
def os_pins(context: DockerfileContext) -> Iterator[Hit]:
    for command in package_commands(context):
        pinned = _OS_PINNED.get(command.manager)
        if pinned is None or command.action not in ("install", "add", "in"):
            continue
        if command.manager == "apk" and command.action != "add":
            continue
        loose = [p for p in command.packages if not p.startswith("-") and "$" not in p and not pinned(p)]
        if loose:
            yield Hit(line=command.line, message=f"{command.manager} {command.action} {' '.join(loose)[:100]}")


_VCS = ("git+", "hg+", "svn+", "bzr+", "git://")


def _pip_pinned(package: str) -> bool:
    if package.startswith(_VCS):
        return "@" in package.split("://", 1)[-1]
    if package in (".", "..") or package.startswith(("./", "../", "/", "~/", "file:")):
        return True
    if package.endswith((".whl", ".tar.gz", ".zip", ".tgz")) or "://" in package:
        return True
    return any(s in package for s in ("==", ">=", "<=", "~=", "!=", "===", ">", "<", "@"))


def _npm_pinned(package: str) -> bool:
    if package.startswith(("git://", "git+ssh://", "git+http://", "git+https://", "github:")):
        return "#" in package
    if package.endswith((".tar", ".tar.gz", ".tgz")) or package.startswith(("/", "./", "../", "~/", "file:")):
        return True
    name = package[1:] if package.startswith("@") else package
    return "@" in name


LANGUAGE_PINS = Rule(
    id="MDF-081", title="Language packages installed without version pins", severity=Severity.LOW,
    kind=MISCONFIG,
    description="`pip install flask`, `npm install -g express`, `gem install rails`, `go install x@latest` take "
                "whatever version is newest at build time, including a compromised release.",
    remediation="Pin versions (`flask==3.0.3`, `express@4.19.2`, `-v 7.1.3`, `@v1.2.3`), or install from a "
                "lock file or requirements file with hashes.",
    aliases=("DL3013", "DL3016", "DL3028", "DL3062"),
    compliance=nist("4.1.2", "4.1.5"),
)  # fmt: skip


@check(LANGUAGE_PINS, DF)
def language_pins(context: DockerfileContext) -> Iterator[Hit]:
    for command in package_commands(context):
        manager, action, options = command.manager, command.action, command.options
        loose: list[str] = []
        if manager == "pip" and action == "install":
            if options.has("r", "requirement", "c", "constraint", "e", "editable"):
                continue
            loose = [p for p in command.packages if not _pip_pinned(p) and "$" not in p]
        elif (manager == "npm" and action in ("install", "i", "add")) or (manager == "yarn" and action == "add"):
            loose = [p for p in command.packages if not _npm_pinned(p) and "$" not in p]
        elif manager == "gem" and action == "install":
            if options.has("v", "version"):
                continue
            loose = [p for p in command.packages if ":" not in p and not p.endswith(".gem") and "$" not in p]
        elif manager == "go" and action in ("install", "get"):
            loose = [p for p in command.packages if "@" not in p or p.endswith("@latest")]
            loose = [p for p in loose if not p.startswith((".", "/")) and "$" not in p]
        if loose:
            yield Hit(line=command.line, message=f"{manager} {action} {' '.join(loose)[:100]}")
