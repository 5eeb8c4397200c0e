"""Dockerfile rules about the base image, the user, and the shape of the instructions."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator, Sequence
from datetime import date

from mamoru.config.detect import ConfigType
from mamoru.config.dockerfile import Instruction, Stage
from mamoru.model.finding import FindingKind, Rule, Severity
from mamoru.rules import register
from mamoru.rules.checks import Check, Hit, check
from mamoru.rules.dockerfile.context import DockerfileContext
from mamoru.rules.dockerfile.eol import end_of_life
from mamoru.rules.refs import cis_docker, nist

MISCONFIG = FindingKind.MISCONFIGURATION
DF = ConfigType.DOCKERFILE
BEST_PRACTICES = "https://docs.docker.com/build/building/best-practices/"
REFERENCE = "https://docs.docker.com/reference/dockerfile/"


def _external_stages(context: DockerfileContext) -> Iterator[Stage]:
    """Stages built FROM an image (not scratch, not an earlier stage, reference resolved)."""
    for stage in context.stages:
        if stage.image is not None:
            yield stage


UNTAGGED = Rule(
    id="MDF-001", title="Base image without a tag", severity=Severity.MEDIUM, kind=MISCONFIG,
    description="`FROM image` without a tag or digest pulls `latest`: a different image on every rebuild, "
                "chosen by whoever pushed last.",
    remediation="Name a version tag (`FROM python:3.12-slim`), better also its digest (`@sha256:…`).",
    references=(BEST_PRACTICES,),
    aliases=("DL3006", "DS001", "AVD-DS-0001", "CKV_DOCKER_7", "DKL-DI-0006"),
    compliance=nist("4.2.2", "4.1.5") + cis_docker("4.2"),
)  # fmt: skip


@check(UNTAGGED, DF)
def untagged_base(context: DockerfileContext) -> Iterator[Hit]:
    for stage in _external_stages(context):
        assert stage.image is not None
        if stage.image.untagged:
            yield Hit(line=stage.from_instruction.line, message=f"FROM {stage.image_text} has no tag (pulls latest)")


LATEST = Rule(
    id="MDF-002", title="Base image uses the latest tag", severity=Severity.MEDIUM, kind=MISCONFIG,
    description="The `latest` tag moves: builds are not reproducible and an update of the base image arrives "
                "unreviewed.",
    remediation="Use a version tag (`FROM node:22-bookworm-slim`), better also its digest.",
    references=(BEST_PRACTICES,),
    aliases=("DL3007", "DS001", "AVD-DS-0001", "CKV_DOCKER_7", "DKL-DI-0006"),
    compliance=nist("4.2.2", "4.1.5") + cis_docker("4.2"),
)  # fmt: skip


@check(LATEST, DF)
def latest_base(context: DockerfileContext) -> Iterator[Hit]:
    for stage in _external_stages(context):
        assert stage.image is not None
        if stage.image.is_latest:
            yield Hit(line=stage.from_instruction.line, message=f"FROM {stage.image_text} uses the latest tag")


DIGEST = Rule(
    id="MDF-003", title="Base image not pinned by digest", severity=Severity.LOW, kind=MISCONFIG,
    description="A tag can be re-pointed to other content by whoever controls the repository; only a digest "
                "names exactly the image that was reviewed.",
    remediation="Pin the base image by digest (`FROM python:3.12-slim@sha256:…`) and let a bot (Renovate, "
                "Dependabot) update it.",
    references=(BEST_PRACTICES,),
    compliance=nist("4.1.5") + cis_docker("4.2"),
)  # fmt: skip


@check(DIGEST, DF)
def base_without_digest(context: DockerfileContext) -> Iterator[Hit]:
    final = context.final_chain
    for stage in _external_stages(context):
        assert stage.image is not None
        if not stage.image.digest and stage in final:
            yield Hit(line=stage.from_instruction.line, message=f"FROM {stage.image_text} is not pinned by digest")


END_OF_LIFE = Rule(
    id="MDF-004", title="End-of-life base image", severity=Severity.HIGH, kind=MISCONFIG,
    description="The base image's distribution release or language runtime no longer gets security fixes "
                "(CentOS 7, Debian 9 stretch, Python 2, Node.js 16 …): every vulnerability found from now on "
                "stays.",
    remediation="Move to a supported release of the base image (and rebuild regularly).",
    references=("https://endoflife.date/",),
    compliance=nist("4.1.1") + cis_docker("4.4"),
)  # fmt: skip


@check(END_OF_LIFE, DF)
def end_of_life_base(context: DockerfileContext) -> Iterator[Hit]:
    today = date.today()
    for stage in _external_stages(context):
        assert stage.image is not None
        for item in end_of_life(stage.image, today):
            yield Hit(
                line=stage.from_instruction.line,
                message=f"FROM {stage.image_text}: {item.what} reached its end of life on {item.since.isoformat()}",
            )


UNTRUSTED_REGISTRY = Rule(
    id="MDF-097", title="Base image from a registry not on the trusted list", severity=Severity.MEDIUM,
    kind=MISCONFIG,
    description="The organisation names the registries base images may come from (its own, a vetted mirror); "
                "a `FROM` elsewhere brings in an image nobody reviewed. Checked only when a trusted list is "
                "given: `--trusted-registry` or `trusted-registries` in mamoru.yaml (Docker Hub is `docker.io`; "
                "`*.example.com` matches its subdomains).",
    remediation="Pull the base image through a trusted registry (mirror it there) or add the registry to the list.",
    references=("https://github.com/hadolint/hadolint/wiki/DL3026",),
    aliases=("DL3026",),
    compliance=nist("4.1.5") + cis_docker("4.2"),
)  # fmt: skip
register(UNTRUSTED_REGISTRY)  # in the catalogue always; its check runs when the scan is given a trusted list


def trusted_registry_check(trusted: Sequence[str]) -> Check:
    """The MDF-097 check for this list of registries (names or ``*.domain`` patterns)."""
    patterns = tuple(name.strip().lower() for name in trusted if name.strip())

    def untrusted_registry(context: DockerfileContext) -> Iterator[Hit]:
        for stage in _external_stages(context):
            assert stage.image is not None
            registry = stage.image.registry_host
            if not any(fnmatch.fnmatchcase(registry, pattern) for pattern in patterns):
                message = f"FROM {stage.image_text} comes from {registry}, which is not a trusted registry"
                yield Hit(line=stage.from_instruction.line, message=message)

    return Check(UNTRUSTED_REGISTRY, DF, untrusted_registry)


# --- user -------------------------------------------------------------------------------------

_ROOT = re.compile(r"^(?:root|0)(?::.*)?$")
_NONROOT_BASE = re.compile(r"(?i)nonroot|non-root|unprivileged|rootless")


def _effective_user(context: DockerfileContext) -> tuple[Instruction | None, bool]:
    """The USER that takes effect in the final image, and whether the base image is known to be non-root."""
    user = context.last_in_final_image("USER")
    base = context.final_chain[-1] if context.final_chain else None
    known_nonroot = bool(base is not None and base.image is not None and _NONROOT_BASE.search(base.image.text))
    return user, known_nonroot


NO_USER = Rule(
    id="MDF-010", title="Image runs as root: no USER instruction", severity=Severity.HIGH, kind=MISCONFIG,
    description="Without a USER instruction the container's processes run as the base image's user, root in "
                "almost every base image; a compromised process then owns the whole container and is one kernel "
                "or runtime bug away from the host.",
    remediation="Create an unprivileged user and switch to it: `RUN useradd -r -u 10001 app` then `USER 10001`.",
    references=(BEST_PRACTICES + "#user",),
    aliases=("DS002", "AVD-DS-0002", "CKV_DOCKER_3", "CIS-DI-0001"),
    compliance=nist("4.1.2") + cis_docker("4.1"),
)  # fmt: skip


@check(NO_USER, DF)
def no_user(context: DockerfileContext) -> Iterator[Hit]:
    final = context.dockerfile.final_stage
    if final is None:
        return
    user, known_nonroot = _effective_user(context)
    if user is None and not known_nonroot:
        yield Hit(
            line=final.from_instruction.line,
            message="no USER instruction: the image runs as the base image's user (root unless it sets one)",
        )


ROOT_USER = Rule(
    id="MDF-011", title="Image runs as root: the last USER is root", severity=Severity.HIGH, kind=MISCONFIG,
    description="The USER that takes effect in the final image is root (or UID 0).",
    remediation="End the Dockerfile with `USER <unprivileged user>`; switch to root only for the steps that "
                "need it.",
    references=(BEST_PRACTICES + "#user",),
    aliases=("DL3002", "DS002", "AVD-DS-0002", "CKV_DOCKER_8", "CIS-DI-0001"),
    compliance=nist("4.1.2") + cis_docker("4.1"),
)  # fmt: skip


@check(ROOT_USER, DF)
def root_user(context: DockerfileContext) -> Iterator[Hit]:
    user, _ = _effective_user(context)
    if user is not None and user.args and _ROOT.match(user.args[0]) and not user.unresolved:
        yield Hit(line=user.line, message=f"the final image runs as {user.args[0]}")


# --- instructions --------------------------------------------------------------------------------

_ARCHIVE = re.compile(r"(?i)\.(?:tar|tar\.gz|tgz|tar\.bz2|tbz2?|tar\.xz|txz|tar\.zst|tzst|gz|bz2|xz|zst|lz|lzma)$")
_URL = re.compile(r"(?i)^(?:https?|ftp)://|^git@|\.git(?:#.*)?$")


def _sources(instruction: Instruction) -> list[str]:
    values = [a for a in instruction.args if not a.startswith("<<")]
    return values[:-1] if len(values) > 1 else []


ADD_LOCAL = Rule(
    id="MDF-020", title="ADD used to copy local files", severity=Severity.LOW, kind=MISCONFIG,
    description="ADD also fetches URLs and unpacks archives; for plain files COPY does the same with no "
                "surprises.",
    remediation="Use COPY for local files and directories; keep ADD for local tar archives it should unpack.",
    references=(BEST_PRACTICES + "#add-or-copy",),
    aliases=("DL3020", "DS005", "AVD-DS-0005", "CKV_DOCKER_4", "CIS-DI-0009"),
    compliance=nist("4.1.2") + cis_docker("4.9"),
)  # fmt: skip


@check(ADD_LOCAL, DF)
def add_local(context: DockerfileContext) -> Iterator[Hit]:
    for instruction in context.dockerfile.all_instructions():
        if instruction.keyword != "ADD" or instruction.heredocs:
            continue
        local = [s for s in _sources(instruction) if not _URL.search(s) and not _ARCHIVE.search(s)]
        if local:
            yield Hit(line=instruction.line, message=f"ADD {' '.join(local)}: use COPY for local files")


ADD_URL = Rule(
    id="MDF-021", title="ADD downloads a remote file without a checksum", severity=Severity.MEDIUM,
    kind=MISCONFIG,
    description="ADD <url> puts whatever the server returns today into the image: no checksum, no signature, "
                "and a different file on every cache miss.",
    remediation="Use `ADD --checksum=sha256:<hash> <url> <dest>` (or download with curl and verify with "
                "sha256sum in the same RUN); for git sources pin a commit.",
    references=(REFERENCE + "#add---checksum",),
    aliases=("CKV_DOCKER_4", "CIS-DI-0009"),
    compliance=nist("4.1.5") + cis_docker("4.9", "4.12"),
)  # fmt: skip


@check(ADD_URL, DF)
def add_url(context: DockerfileContext) -> Iterator[Hit]:
    for instruction in context.dockerfile.all_instructions():
        if instruction.keyword != "ADD" or instruction.flag("checksum"):
            continue
        remote = [s for s in _sources(instruction) if _URL.search(s)]
        if remote:
            yield Hit(line=instruction.line, message=f"ADD {' '.join(remote)} without --checksum")


NO_HEALTHCHECK = Rule(
    id="MDF-022", title="No HEALTHCHECK", severity=Severity.LOW, kind=MISCONFIG,
    description="Without a HEALTHCHECK the engine cannot tell a running but broken container from a healthy "
                "one.",
    remediation="Add `HEALTHCHECK CMD <command that exits non-zero when the service is unhealthy>` (or rely on "
                "orchestrator probes and say so with `HEALTHCHECK NONE`).",
    references=(REFERENCE + "#healthcheck",),
    aliases=("DL3057", "DS026", "AVD-DS-0026", "CKV_DOCKER_2", "CIS-DI-0006"),
    compliance=nist("4.1.2") + cis_docker("4.6"),
)  # fmt: skip


@check(NO_HEALTHCHECK, DF)
def no_healthcheck(context: DockerfileContext) -> Iterator[Hit]:
    final = context.dockerfile.final_stage
    if final is not None and context.last_in_final_image("HEALTHCHECK") is None:
        yield Hit(line=final.from_instruction.line, message="the final image has no HEALTHCHECK")


PORT_22 = Rule(
    id="MDF-023", title="SSH port 22 exposed", severity=Severity.MEDIUM, kind=MISCONFIG,
    description="Exposing port 22 means an SSH daemon runs in the container: another remote administration "
                "path with its own credentials, outside the orchestrator's control.",
    remediation="Remove the SSH server and `EXPOSE 22`; use `docker exec` / `kubectl exec` for debugging.",
    references=(REFERENCE + "#expose",),
    aliases=("DS004", "AVD-DS-0004", "CKV_DOCKER_1"),
    compliance=nist("4.1.2") + cis_docker("5.7"),
)  # fmt: skip


@check(PORT_22, DF)
def port_22(context: DockerfileContext) -> Iterator[Hit]:
    for instruction in context.dockerfile.instructions:
        if instruction.keyword == "EXPOSE":
            for port in " ".join(instruction.args).split():
                if port.split("/", 1)[0] == "22":
                    yield Hit(line=instruction.line, message=f"EXPOSE {port}")


def _duplicates(context: DockerfileContext, keyword: str) -> Iterator[Hit]:
    for stage in context.stages:
        found = list(stage.of(keyword))
        for later in found[1:]:
            yield Hit(line=later.line, message=f"{keyword} overrides the {keyword} on line {found[0].line}")


MULTIPLE_CMD = Rule(
    id="MDF-025", title="More than one CMD in a stage", severity=Severity.LOW, kind=MISCONFIG,
    description="Only the last CMD of a stage takes effect; the others are dead code that misleads readers.",
    remediation="Keep one CMD per stage.",
    references=(REFERENCE + "#cmd",),
    aliases=("DL4003", "DS016", "AVD-DS-0016"),
    compliance=nist("4.1.2"),
)  # fmt: skip


@check(MULTIPLE_CMD, DF)
def multiple_cmd(context: DockerfileContext) -> Iterator[Hit]:
    yield from _duplicates(context, "CMD")


MULTIPLE_ENTRYPOINT = Rule(
    id="MDF-026", title="More than one ENTRYPOINT in a stage", severity=Severity.LOW, kind=MISCONFIG,
    description="Only the last ENTRYPOINT of a stage takes effect.",
    remediation="Keep one ENTRYPOINT per stage.",
    references=(REFERENCE + "#entrypoint",),
    aliases=("DL4004", "DS007", "AVD-DS-0007"),
    compliance=nist("4.1.2"),
)  # fmt: skip


@check(MULTIPLE_ENTRYPOINT, DF)
def multiple_entrypoint(context: DockerfileContext) -> Iterator[Hit]:
    yield from _duplicates(context, "ENTRYPOINT")


MULTIPLE_HEALTHCHECK = Rule(
    id="MDF-027", title="More than one HEALTHCHECK in a stage", severity=Severity.LOW, kind=MISCONFIG,
    description="Only the last HEALTHCHECK of a stage takes effect.",
    remediation="Keep one HEALTHCHECK per stage.",
    references=(REFERENCE + "#healthcheck",),
    aliases=("DL3012", "DS023", "AVD-DS-0023"),
    compliance=nist("4.1.2") + cis_docker("4.6"),
)  # fmt: skip


@check(MULTIPLE_HEALTHCHECK, DF)
def multiple_healthcheck(context: DockerfileContext) -> Iterator[Hit]:
    yield from _duplicates(context, "HEALTHCHECK")


RELATIVE_WORKDIR = Rule(
    id="MDF-028", title="WORKDIR is a relative path", severity=Severity.LOW, kind=MISCONFIG,
    description="A relative WORKDIR depends on every WORKDIR before it, including the base image's.",
    remediation="Use absolute paths in WORKDIR.",
    references=(REFERENCE + "#workdir",),
    aliases=("DL3000", "DS009", "AVD-DS-0009", "CKV_DOCKER_10"),
    compliance=nist("4.1.2"),
)  # fmt: skip


@check(RELATIVE_WORKDIR, DF)
def relative_workdir(context: DockerfileContext) -> Iterator[Hit]:
    for instruction in context.dockerfile.all_instructions():
        if instruction.keyword != "WORKDIR" or not instruction.args:
            continue
        path = instruction.args[0]
        raw = instruction.raw_args[0] if instruction.raw_args else path
        if instruction.unresolved and raw.lstrip("\"'").startswith("$"):
            continue  # WORKDIR $HOME: not known here
        if not path.startswith("/") and not re.match(r"^[A-Za-z]:[\\/]", path):
            yield Hit(line=instruction.line, message=f"WORKDIR {raw} is relative")


PORT_RANGE = Rule(
    id="MDF-029", title="EXPOSE port out of range", severity=Severity.LOW, kind=MISCONFIG,
    description="A port number outside 0-65535 cannot be exposed; the build or the run fails.",
    remediation="Use a valid port number.",
    references=(REFERENCE + "#expose",),
    aliases=("DL3011", "DS008", "AVD-DS-0008"),
    compliance=nist("4.1.2"),
)  # fmt: skip


@check(PORT_RANGE, DF)
def port_range(context: DockerfileContext) -> Iterator[Hit]:
    for instruction in context.dockerfile.instructions:
        if instruction.keyword != "EXPOSE":
            continue
        for port in " ".join(instruction.args).split():
            for number in re.split(r"-", port.split("/", 1)[0]):
                if number.isdigit() and int(number) > 65535:
                    yield Hit(line=instruction.line, message=f"EXPOSE {port}: port {number} is out of range")


COPY_OWN_STAGE = Rule(
    id="MDF-030", title="COPY --from names its own stage", severity=Severity.MEDIUM, kind=MISCONFIG,
    description="A stage cannot copy from itself; BuildKit refuses the build.",
    remediation="Copy from an earlier stage or an image.",
    references=(REFERENCE + "#copy---from",),
    aliases=("DL3023", "DS006", "AVD-DS-0006"),
    compliance=nist("4.1.2"),
)  # fmt: skip


@check(COPY_OWN_STAGE, DF)
def copy_own_stage(context: DockerfileContext) -> Iterator[Hit]:
    for stage in context.stages:
        for instruction in stage.of("COPY"):
            source = (instruction.flag("from") or "").lower()
            if source and (source == stage.name or source == str(stage.index)):
                yield Hit(line=instruction.line, message=f"COPY --from={source} inside stage {source}")


DUPLICATE_STAGE = Rule(
    id="MDF-031", title="Two build stages have the same name", severity=Severity.LOW, kind=MISCONFIG,
    description="Stage names must be unique; `COPY --from` and `--target` would pick one silently (BuildKit "
                "refuses it).",
    remediation="Give every stage its own name.",
    references=(REFERENCE + "#from",),
    aliases=("DL3024", "DS012", "AVD-DS-0012", "CKV_DOCKER_11"),
    compliance=nist("4.1.2"),
)  # fmt: skip


@check(DUPLICATE_STAGE, DF)
def duplicate_stage(context: DockerfileContext) -> Iterator[Hit]:
    lines: dict[str, list[int]] = {}
    for stage in context.stages:
        if stage.name:
            lines.setdefault(stage.name, []).append(stage.from_instruction.line)
    for name, where in lines.items():
        if len(where) > 1:
            for line in where:
                others = ", ".join(str(other) for other in where if other != line)
                yield Hit(line=line, message=f"stage name {name} is also used on line {others}")


COPY_SLASH = Rule(
    id="MDF-032", title="COPY of several sources to a destination without a trailing slash",
    severity=Severity.LOW, kind=MISCONFIG,
    description="With more than one source the destination must be a directory ending in `/`.",
    remediation="End the destination with `/`.",
    references=(REFERENCE + "#copy",),
    aliases=("DL3021", "DS011", "AVD-DS-0011"),
    compliance=nist("4.1.2"),
)  # fmt: skip


@check(COPY_SLASH, DF)
def copy_slash(context: DockerfileContext) -> Iterator[Hit]:
    for instruction in context.dockerfile.all_instructions():
        if instruction.keyword not in ("COPY", "ADD") or instruction.heredocs:
            continue
        values = instruction.args
        if len(values) > 2 and not values[-1].endswith("/"):
            yield Hit(line=instruction.line, message=f"{instruction.keyword} destination {values[-1]} needs a '/'")


MAINTAINER = Rule(
    id="MDF-033", title="MAINTAINER is deprecated", severity=Severity.LOW, kind=MISCONFIG,
    description="MAINTAINER has been deprecated since Docker 1.13.",
    remediation='Use `LABEL org.opencontainers.image.authors="…"`.',
    references=(REFERENCE + "#maintainer-deprecated",),
    aliases=("DL4000", "DS022", "AVD-DS-0022", "CKV_DOCKER_6"),
    compliance=nist("4.1.2"),
)  # fmt: skip


@check(MAINTAINER, DF)
def maintainer(context: DockerfileContext) -> Iterator[Hit]:
    for instruction in context.dockerfile.instructions:
        if instruction.keyword == "MAINTAINER":
            yield Hit(line=instruction.line, message="MAINTAINER is deprecated")


SHELL_FORM_CMD = Rule(
    id="MDF-035", title="CMD or ENTRYPOINT in shell form", severity=Severity.LOW, kind=MISCONFIG,
    description="In shell form the process runs under `/bin/sh -c`: it does not receive SIGTERM, so "
                "`docker stop` waits and kills it without a clean shutdown.",
    remediation='Use the JSON (exec) form: `CMD ["gunicorn", "app:app"]`.',
    references=(REFERENCE + "#shell-and-exec-form",),
    aliases=("DL3025",),
    compliance=nist("4.1.2"),
)  # fmt: skip


@check(SHELL_FORM_CMD, DF)
def shell_form_cmd(context: DockerfileContext) -> Iterator[Hit]:
    for instruction in context.dockerfile.all_instructions():
        if instruction.keyword in ("CMD", "ENTRYPOINT") and not instruction.json and instruction.raw_args:
            yield Hit(line=instruction.line, message=f"{instruction.keyword} {instruction.text[:80]} is in shell form")


SENSITIVE_VOLUME = Rule(
    id="MDF-038", title="VOLUME or WORKDIR on a kernel or system directory", severity=Severity.MEDIUM,
    kind=MISCONFIG,
    description="A volume (or working directory) at /proc, /sys, /dev, /boot and similar places invites "
                "mounting the host's own directories there.",
    remediation="Use application directories for volumes and WORKDIR.",
    references=(REFERENCE + "#volume",),
    aliases=("DS030", "AVD-DS-0030", "DKL-DI-0002"),
    compliance=nist("4.5.5") + cis_docker("5.6"),
)  # fmt: skip

_SYSTEM_DIRS = ("/proc", "/sys", "/dev", "/boot", "/initrd", "/lost+found")


@check(SENSITIVE_VOLUME, DF)
def sensitive_volume(context: DockerfileContext) -> Iterator[Hit]:
    for instruction in context.dockerfile.all_instructions():
        if instruction.keyword not in ("VOLUME", "WORKDIR"):
            continue
        values = instruction.args if instruction.json else tuple(" ".join(instruction.args).split())
        for value in values:
            path = value.strip("\"'").rstrip("/") or "/"
            if any(path == d or path.startswith(d + "/") for d in _SYSTEM_DIRS):
                yield Hit(line=instruction.line, message=f"{instruction.keyword} {value}")
