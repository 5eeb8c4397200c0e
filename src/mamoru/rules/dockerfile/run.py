"""Dockerfile rules about what ``RUN`` lines do, read as shell commands (never as substrings)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from mamoru.config.shell import SHELLS, Command
from mamoru.model.finding import Rule, Severity
from mamoru.rules.checks import Hit, check
from mamoru.rules.dockerfile.commands import parse_options, pip_invocation
from mamoru.rules.dockerfile.context import DockerfileContext, RunCommand
from mamoru.rules.dockerfile.image import BEST_PRACTICES, DF, MISCONFIG, REFERENCE
from mamoru.rules.refs import cis_docker, nist

DOWNLOADERS = frozenset({"curl", "wget", "fetch", "aria2c"})
INTERPRETERS = SHELLS | frozenset({"python", "python2", "python3", "perl", "ruby", "node", "php", "source", "."})
VERIFIERS = frozenset({"sha256sum", "sha512sum", "sha384sum", "sha224sum", "sha1sum", "md5sum", "shasum", "b2sum",
                       "cksum", "gpg", "gpgv", "gpg2", "cosign", "minisign", "signify", "sigstore",
                       "slsa-verifier"})  # fmt: skip
CURL_VALUE_OPTIONS = frozenset(
    {
        "o", "H", "d", "u", "X", "A", "e", "w", "x", "T", "F", "b", "c", "r", "m", "E", "K", "C", "U", "Y", "y", "z",
        "D", "P", "Q", "t", "output", "header", "data", "data-raw", "data-binary", "data-urlencode", "user", "request",
        "user-agent", "referer", "write-out", "proxy", "upload-file", "form", "cookie", "cookie-jar", "range",
        "max-time", "cert", "config", "continue-at", "proxy-user", "retry", "retry-delay", "retry-max-time",
        "connect-timeout", "cacert", "capath", "key", "url", "output-dir", "create-file-mode", "limit-rate",
        "interface", "resolve"
    }
)  # fmt: skip
WGET_VALUE_OPTIONS = frozenset(
    {
        "O", "o", "a", "P", "t", "T", "w", "U", "e", "i", "B", "Q", "output-document", "output-file", "append-output",
        "directory-prefix", "tries", "timeout", "wait", "user-agent", "header", "user", "password", "http-user",
        "http-password", "ca-certificate", "certificate", "private-key", "input-file", "base", "quota"
    }
)  # fmt: skip


def _name(command: Command) -> str:
    return command.name


def _is_interpreter(command: Command) -> bool:
    name = command.name
    return name in INTERPRETERS or bool(re.fullmatch(r"python\d(?:\.\d+)?", name))


PIPE_TO_SHELL = Rule(
    id="MDF-050", title="Remote script piped into a shell", severity=Severity.HIGH, kind=MISCONFIG,
    description="`curl … | sh` (or `bash <(curl …)`, `sh -c \"$(wget -O- …)\"`) runs whatever the server sends "
                "at build time, unverified: a compromised or spoofed server owns the image.",
    remediation="Download to a file, verify its checksum or signature (`sha256sum -c`, `gpg --verify`), then "
                "run it; better, install the tool from a signed package repository.",
    references=("https://docs.docker.com/build/building/best-practices/#using-pipes",),
    compliance=nist("4.1.5") + cis_docker("4.11", "4.12"),
)  # fmt: skip


@check(PIPE_TO_SHELL, DF)
def pipe_to_shell(context: DockerfileContext) -> Iterator[Hit]:
    for at in context.commands(*DOWNLOADERS):
        readers = [c for c in at.script.pipeline_after(at.command) if _is_interpreter(c)]
        holders = [c for c in at.script.ancestors(at.command) if _is_interpreter(c) or c.name == "eval"]
        target = readers[0] if readers else (holders[0] if holders else None)
        if target is not None:
            url = next((a for a in at.command.args if "://" in a), "")
            source = f"{at.command.name} {url}" if url else at.command.name
            yield Hit(line=at.line, message=f"the output of {source} is run by {target.name}")


def _downloaded_files(command: Command) -> list[str]:
    """The files a curl/wget command writes (``-o f``, ``-O`` = remote name, ``> f``)."""
    files: list[str] = []
    name = command.name
    if name == "curl":
        options = parse_options(command.args, CURL_VALUE_OPTIONS)
        files += options.values.get("o", []) + options.values.get("output", [])
        if options.has("O", "remote-name", "remote-name-all"):
            files += [u.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0] for u in options.operands if "://" in u]
    elif name in ("wget", "fetch", "aria2c"):
        options = parse_options(command.args, WGET_VALUE_OPTIONS | frozenset({"o", "out"}))
        named = options.values.get("O", []) + options.values.get("output-document", [])
        if name != "wget":
            named = options.values.get("o", []) + options.values.get("out", [])
        if named:
            files += [f for f in named if f != "-"]
        else:
            files += [u.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0] for u in options.operands if "://" in u]
    files += [target for operator, target in command.redirects if operator in (">", ">>")]
    return [f for f in files if f and f != "-" and not f.startswith("/dev/")]


_EXTRACT = re.compile(r"^-?[a-zA-Z]*x")


def _uses_file(command: Command, base: str) -> str:
    """How ``command`` runs or installs the downloaded file ``base`` (empty when it does not)."""
    name = command.name
    args = command.args

    def mentions(value: str) -> bool:
        return value.rsplit("/", 1)[-1] == base

    if command.argv and mentions(command.argv[0]) and name != "":
        return "executed"
    if (name in SHELLS or _is_interpreter(command)) and args and any(mentions(a) for a in args[:3]):
        return f"run with {name}"
    if name in ("dpkg", "rpm") and any(mentions(a) for a in args):
        return f"installed with {name}"
    if name in ("apt-get", "apt", "yum", "dnf", "zypper", "apk", "microdnf") and any(mentions(a) for a in args):
        return f"installed with {name}"
    if name == "tar" and args and _EXTRACT.match(args[0]) and any(mentions(a) for a in args):
        return "unpacked with tar"
    if name in ("unzip", "7z", "bsdtar") and any(mentions(a) for a in args):
        return f"unpacked with {name}"
    if name == "install" and any(mentions(a) for a in args):
        return "installed"
    return ""


UNVERIFIED_DOWNLOAD = Rule(
    id="MDF-051", title="Downloaded file run or installed without checksum verification", severity=Severity.HIGH,
    kind=MISCONFIG,
    description="A RUN line downloads a script, package or archive and executes, installs or unpacks it without "
                "checking a checksum or signature: what ends up in the image is whatever the server (or anyone "
                "in between) sent that day.",
    remediation="Verify the download in the same RUN before using it: `echo \"<sha256>  file\" | sha256sum -c -` "
                "or `gpg --verify file.asc file` (or use `ADD --checksum=sha256:…`).",
    references=("https://docs.docker.com/reference/dockerfile/#add---checksum",),
    compliance=nist("4.1.5") + cis_docker("4.11", "4.12"),
)  # fmt: skip


@check(UNVERIFIED_DOWNLOAD, DF)
def unverified_download(context: DockerfileContext) -> Iterator[Hit]:
    for run in context.runs:
        if run.script is None:
            continue
        commands = run.script.commands
        if any(c.name in VERIFIERS or (c.name.startswith("sha") and c.name.endswith("sum")) for c in commands):
            continue
        reported: set[str] = set()
        for command in commands:
            if command.name not in DOWNLOADERS:
                continue
            for path in _downloaded_files(command):
                base = path.rsplit("/", 1)[-1]
                if not base or base in reported:
                    continue
                for later in commands[command.index + 1 :]:
                    how = _uses_file(later, base)
                    if how:
                        reported.add(base)
                        yield Hit(
                            line=run.line(later),
                            message=f"{base} is downloaded by {command.name} and {how} without a checksum check",
                        )
                        break


def _world_writable(mode: str) -> bool:
    if re.fullmatch(r"[0-7]{3,4}", mode):
        digits = mode[-3:]
        sticky = len(mode) == 4 and mode[0] in "1357"
        return int(digits[2]) & 2 != 0 and not sticky
    for clause in mode.split(","):
        match = re.fullmatch(r"([ugoa]*)([-+=])([rwxXst]*)", clause)
        if match and match.group(2) in "+=" and "w" in match.group(3):
            who = match.group(1)
            if "o" in who or "a" in who or (who == "" and match.group(2) == "="):
                return True
    return False


WORLD_WRITABLE = Rule(
    id="MDF-052", title="World-writable permissions set (chmod 777)", severity=Severity.MEDIUM, kind=MISCONFIG,
    description="`chmod 777`, `chmod 666` or `o+w` lets any user in the container — including a compromised "
                "unprivileged process — replace code and data the application trusts.",
    remediation="Give ownership to the user that needs write access (`COPY --chown`, `chown app:app dir`) and "
                "keep modes at 755/644 or stricter.",
    references=(BEST_PRACTICES,),
    compliance=nist("4.1.2", "4.5.5"),
)  # fmt: skip


@check(WORLD_WRITABLE, DF)
def world_writable(context: DockerfileContext) -> Iterator[Hit]:
    for at in context.commands("chmod"):
        modes = [a for a in at.command.args if not a.startswith("-") or re.fullmatch(r"-[rwxXst]+", a)]
        if modes and _world_writable(modes[0].lstrip("-") if modes[0].startswith("-") else modes[0]):
            targets = " ".join(modes[1:])[:80]
            yield Hit(line=at.line, message=f"chmod {modes[0]} {targets}".strip())
    for instruction in context.dockerfile.all_instructions():
        mode = instruction.flag("chmod") if instruction.keyword in ("COPY", "ADD") else None
        if mode and _world_writable(mode):
            yield Hit(line=instruction.line, message=f"{instruction.keyword} --chmod={mode}")


SYSTEM_PATHS = frozenset({"/", "/bin", "/boot", "/etc", "/home", "/lib", "/lib32", "/lib64", "/libx32", "/opt",
                          "/root", "/sbin", "/srv", "/usr", "/usr/bin", "/usr/lib", "/usr/lib64", "/usr/libexec",
                          "/usr/local", "/usr/sbin", "/usr/share", "/var", "/var/lib", "/var/run", "/run",
                          "/tmp"})  # fmt: skip  # noqa: S108 - paths this rule looks for, not temporary files


RECURSIVE_SYSTEM = Rule(
    id="MDF-053", title="Recursive chmod or chown of a system directory", severity=Severity.MEDIUM,
    kind=MISCONFIG,
    description="`chmod -R 755 /`, `chmod -R 777 /usr` or `chown -R app /etc` rewrites the permissions of "
                "every system file below: /etc/shadow becomes readable, setuid programs writable or owned by the "
                "application user.",
    remediation="Change only the application's own files and directories.",
    references=(BEST_PRACTICES,),
    compliance=nist("4.1.2", "4.5.5"),
)  # fmt: skip


@check(RECURSIVE_SYSTEM, DF)
def recursive_system(context: DockerfileContext) -> Iterator[Hit]:
    for at in context.commands("chmod", "chown", "chgrp"):
        options = parse_options(at.command.args, frozenset({"reference", "from"}))
        if not options.has("R", "recursive"):
            continue
        paths = [p.rstrip("/") or "/" for p in options.operands[1:]]
        hits = [p for p in paths if p in SYSTEM_PATHS or (p.endswith("/*") and (p[:-2] or "/") in SYSTEM_PATHS)]
        if hits:
            yield Hit(line=at.line, message=f"{at.command.name} -R {options.operands[0]} {' '.join(hits)}")


SUDO = Rule(
    id="MDF-054", title="sudo installed, configured or used", severity=Severity.MEDIUM, kind=MISCONFIG,
    description="sudo in an image (installed, granted through /etc/sudoers or the sudo/wheel group, or run in a "
                "build step) gives every process of the user a way to root at run time; in a build step its TTY "
                "and signal handling are unpredictable too.",
    remediation="Run the steps that need root with `USER root` … `USER app`; use gosu/su-exec in an entrypoint; "
                "do not install sudo.",
    references=(BEST_PRACTICES + "#user",),
    aliases=("DL3004", "DS010", "AVD-DS-0010", "CKV2_DOCKER_1", "DKL-DI-0001"),
    compliance=nist("4.1.2"),
)  # fmt: skip


_INSTALLERS = frozenset({"apt-get", "apt", "apk", "yum", "dnf", "microdnf", "tdnf", "zypper"})
_ADMIN_GROUPS = frozenset({"sudo", "wheel", "admin"})


@check(SUDO, DF)
def sudo(context: DockerfileContext) -> Iterator[Hit]:
    for at in context.commands():
        command = at.command
        name, args = command.name, command.args
        if name == "sudo" and not command.wrapper:
            yield Hit(line=at.line, message=f"sudo {' '.join(args)[:80]}")
        elif name in _INSTALLERS and args and args[0] in ("install", "add", "in") and "sudo" in args:
            yield Hit(line=at.line, message=f"{name} {args[0]} sudo")
        elif name in ("usermod", "useradd", "adduser", "addgroup", "gpasswd"):
            groups = {g for a in args for g in a.split(",")}
            if groups & _ADMIN_GROUPS:
                yield Hit(
                    line=at.line, message=f"{name} puts a user in the {', '.join(sorted(groups & _ADMIN_GROUPS))} group"
                )
        elif any(target.startswith("/etc/sudoers") for _, target in command.redirects) or (
            name == "tee" and any(a.startswith("/etc/sudoers") for a in args)
        ):
            yield Hit(line=at.line, message="writes a sudoers rule")


_FALSE = frozenset({"0", "false", "no", "off", "n"})


def _tls_env(name: str, value: str) -> str:
    """Why an environment variable assignment turns TLS verification off (empty when it does not)."""
    upper = name.upper()
    lowered = value.strip("\"'").lower()
    if upper == "GIT_SSL_NO_VERIFY" and value:
        return "GIT_SSL_NO_VERIFY is set"
    if upper in ("PYTHONHTTPSVERIFY", "NODE_TLS_REJECT_UNAUTHORIZED") and lowered in ("0", "false"):
        return f"{upper}={value}"
    if upper == "NPM_CONFIG_STRICT_SSL" and lowered in _FALSE:
        return f"{name}={value}"
    if upper == "PIP_TRUSTED_HOST" and value:
        return "PIP_TRUSTED_HOST is set"
    if upper in ("CURL_CA_BUNDLE", "REQUESTS_CA_BUNDLE") and value == "":
        return ""
    return ""


def _tls_command(command: Command) -> str:
    name = command.name
    args = command.args
    if name == "curl":
        options = parse_options(args, CURL_VALUE_OPTIONS)
        if options.has("k", "insecure"):
            return "curl -k/--insecure"
    elif name == "wget":
        if "--no-check-certificate" in args:
            return "wget --no-check-certificate"
    elif pip_invocation(command) is not None or name in ("pipenv", "poetry"):
        if any(a == "--trusted-host" or a.startswith("--trusted-host=") for a in args):
            return f"{name} --trusted-host"
        if "config" in args and any("trusted-host" in a for a in args):
            return f"{name} config trusted-host"
    elif name == "git":
        text = " ".join(args).lower()
        if re.search(r"http\.sslverify[= ]+(?:false|0|no)", text):
            return "git http.sslVerify false"
    elif name in ("npm", "yarn", "pnpm"):
        text = " ".join(args).lower().replace('"', "").replace("'", "")
        if re.search(r"\bset\s+strict-ssl(?:\s+|=)(?:false|0)", text) or "--strict-ssl=false" in text:
            return f"{name} strict-ssl false"
    elif name in ("yum", "dnf", "yum-config-manager", "dnf-config-manager", "tdnf", "microdnf"):
        text = " ".join(args).lower().replace('"', "").replace("'", "")
        if re.search(r"sslverify=(?:0|false|no)\b", text):
            return f"{name} sslverify=0"
    elif name == "conda":
        text = " ".join(args).lower()
        if re.search(r"ssl_verify\s+(?:false|no|0)", text):
            return "conda ssl_verify false"
    elif name == "composer":
        text = " ".join(args).lower()
        if "secure-http" in text and "false" in text:
            return "composer secure-http false"
    if any(a in ("--insecure-skip-tls-verify", "--no-verify-ssl", "--insecure-skip-tls-verify=true") for a in args):
        return f"{name} skips TLS verification"
    for assignment in command.assignments:
        key, _, value = assignment.partition("=")
        why = _tls_env(key, value)
        if why:
            return why
    return ""


TLS_DISABLED = Rule(
    id="MDF-055", title="TLS certificate verification turned off", severity=Severity.HIGH, kind=MISCONFIG,
    description="`curl -k`, `wget --no-check-certificate`, `pip --trusted-host`, `GIT_SSL_NO_VERIFY`, "
                "`NODE_TLS_REJECT_UNAUTHORIZED=0`, `strict-ssl false` … let anyone on the network path replace "
                "what the build downloads.",
    remediation="Keep certificate verification on; add the internal CA to the trust store "
                "(`COPY ca.crt /usr/local/share/ca-certificates/` + `update-ca-certificates`) instead.",
    aliases=("CKV2_DOCKER_2", "CKV2_DOCKER_3", "CKV2_DOCKER_4", "CKV2_DOCKER_5", "CKV2_DOCKER_6", "CKV2_DOCKER_12",
             "CKV2_DOCKER_13", "CKV2_DOCKER_14", "CKV2_DOCKER_15", "CKV2_DOCKER_16"),
    compliance=nist("4.1.5") + cis_docker("4.11"),
)  # fmt: skip


@check(TLS_DISABLED, DF)
def tls_disabled(context: DockerfileContext) -> Iterator[Hit]:
    for at in context.commands():
        why = _tls_command(at.command)
        if why and at.command.name != "sudo":
            yield Hit(line=at.line, message=why)
    for instruction in context.dockerfile.all_instructions():
        if instruction.keyword == "ENV":
            pairs = list(zip(instruction.args[::2], instruction.args[1::2], strict=False))
        elif instruction.keyword == "ARG":
            pairs = [tuple(a.split("=", 1)) for a in instruction.args if "=" in a]  # type: ignore[misc]
        else:
            continue
        for name, value in pairs:
            why = _tls_env(name, value)
            if why:
                yield Hit(line=instruction.line, message=f"{instruction.keyword} {why}")


def _unsigned(command: Command) -> str:
    name = command.name
    args = command.args
    joined = " ".join(args)
    if name == "apk" and "--allow-untrusted" in args:
        return "apk --allow-untrusted"
    if name in ("apt-get", "apt", "aptitude"):
        for flag in ("--allow-unauthenticated", "--force-yes", "--allow-insecure-repositories"):
            if flag in args:
                return f"{name} {flag}"
        if re.search(r"(?i)AllowUnauthenticated\s*=\s*(?:1|true|yes)", joined):
            return f"{name} -o APT::Get::AllowUnauthenticated=true"
    if name in ("yum", "dnf", "tdnf", "microdnf"):
        if "--nogpgcheck" in args:
            return f"{name} --nogpgcheck"
        if re.search(r"(?i)(?:^|[\s.=])gpgcheck=(?:0|false|no)\b", joined):
            return f"{name} gpgcheck=0"
    if name == "rpm":
        for flag in ("--nosignature", "--nodigest", "--noverify", "--nofiledigest"):
            if flag in args:
                return f"rpm {flag}"
    if name == "zypper" and ("--no-gpg-checks" in args or "--no-gpgcheck" in args):
        return "zypper --no-gpg-checks"
    if name == "echo" and "[trusted=yes]" in joined:
        return "an APT source marked [trusted=yes]"
    if name == "dpkg" and "--force-bad-verify" in joined:
        return "dpkg --force-bad-verify"
    return ""


UNSIGNED_PACKAGES = Rule(
    id="MDF-056", title="Package signature verification turned off", severity=Severity.HIGH, kind=MISCONFIG,
    description="`apk --allow-untrusted`, `apt-get --allow-unauthenticated`/`--force-yes`, `yum --nogpgcheck`, "
                "`rpm --nosignature` install packages whose origin nobody checked.",
    remediation="Import the repository's signing key and keep signature checks on.",
    aliases=("CKV2_DOCKER_7", "CKV2_DOCKER_8", "CKV2_DOCKER_9", "CKV2_DOCKER_10", "CKV2_DOCKER_11"),
    compliance=nist("4.1.5") + cis_docker("4.11"),
)  # fmt: skip


@check(UNSIGNED_PACKAGES, DF)
def unsigned_packages(context: DockerfileContext) -> Iterator[Hit]:
    for at in context.commands():
        why = _unsigned(at.command)
        if why:
            yield Hit(line=at.line, message=why)


CD_IN_RUN = Rule(
    id="MDF-034", title="RUN cd instead of WORKDIR", severity=Severity.LOW, kind=MISCONFIG,
    description="A `cd` in RUN lasts for that RUN only, which makes later instructions easy to misread.",
    remediation="Use WORKDIR to change directory (a subshell `(cd dir && make)` for one command).",
    references=(REFERENCE + "#workdir",),
    aliases=("DL3003", "DS013", "AVD-DS-0013"),
    compliance=nist("4.1.2"),
)  # fmt: skip


@check(CD_IN_RUN, DF)
def cd_in_run(context: DockerfileContext) -> Iterator[Hit]:
    seen: set[int] = set()
    for at in context.commands("cd"):
        if at.line not in seen:
            seen.add(at.line)
            yield Hit(line=at.line, message=f"cd {' '.join(at.command.args)}".strip())


CURL_AND_WGET = Rule(
    id="MDF-059", title="Both curl and wget used", severity=Severity.LOW, kind=MISCONFIG,
    description="Two download tools where one would do: more packages, more attack surface.",
    remediation="Use one of them throughout.",
    aliases=("DL4001", "DS014", "AVD-DS-0014"),
    compliance=nist("4.1.2") + cis_docker("4.3"),
)  # fmt: skip


@check(CURL_AND_WGET, DF)
def curl_and_wget(context: DockerfileContext) -> Iterator[Hit]:
    for stage in context.stages:
        used: dict[str, RunCommand] = {}
        for at in context.commands("curl", "wget"):
            if at.instruction.stage == stage.index and at.command.name not in used:
                used[at.command.name] = at
        if len(used) == 2:
            for name, at in sorted(used.items()):
                other = "wget" if name == "curl" else "curl"
                yield Hit(line=at.line, message=f"{name} here, {other} on line {used[other].line}")


PIPEFAIL = Rule(
    id="MDF-096", title="RUN with a pipe but without pipefail", severity=Severity.LOW, kind=MISCONFIG,
    description="A pipeline's exit status is that of its last command: `RUN curl -fsSL URL | tar -xz` succeeds "
                "when the download fails, and the build goes on with whatever arrived (or nothing), unnoticed.",
    remediation='Set `SHELL ["/bin/bash", "-o", "pipefail", "-c"]` before the RUN (on busybox images, '
                '`["/bin/ash", "-o", "pipefail", "-c"]`), or start the RUN with `set -o pipefail &&`.',
    references=("https://docs.docker.com/build/building/best-practices/#using-pipes",),
    aliases=("DL4006",),
    compliance=nist("4.1.2"),
)  # fmt: skip


@check(PIPEFAIL, DF)
def pipefail(context: DockerfileContext) -> Iterator[Hit]:
    for run in context.runs:
        if run.script is None or not run.shell or any("pipefail" in word for word in run.shell):
            continue  # exec form, a non-POSIX shell, or a SHELL that already sets pipefail
        commands = run.script.commands
        if any(c.name == "set" and any("pipefail" in a for a in c.args) for c in commands):
            continue
        reader = next((c for c in commands if c.pipeline is not None and c.position > 0), None)
        if reader is not None:
            writers = [c for c in commands if c.pipeline == reader.pipeline and c.position < reader.position]
            writer = max(writers, key=lambda c: c.position, default=reader)
            yield Hit(line=run.line(writer), message=f"{writer.name} | {reader.name} without pipefail")


JDK_PATH = Rule(
    id="MDF-095", title="Hard-coded versioned or architecture-specific JDK/library path", severity=Severity.LOW,
    kind=MISCONFIG,
    description="A path like `/usr/lib/jvm/java-1.8.0-openjdk-1.8.0.292.b10-1.el7_9.x86_64` or "
                "`/usr/lib/x86_64-linux-gnu` names one exact package build and architecture: the next security "
                "update of the package (or an arm64 build) moves it, and the rebuild breaks — so images stop being "
                "rebuilt and patched.",
    remediation="Use the stable names the packages provide (`/usr/lib/jvm/jre`, `/usr/lib/jvm/default-java`, "
                "`$(dpkg-architecture -qDEB_HOST_MULTIARCH)`, `readlink -f $(which java)`).",
    compliance=nist("4.2.2") + cis_docker("4.4"),
)  # fmt: skip

_VERSIONED_PATH = re.compile(
    r"/usr/lib/jvm/[^\s:\"'/]*(?:\d+\.\d+\.\d+[^\s:\"'/]*|(?:amd64|x86_64|aarch64|arm64|i386|ppc64le|s390x)\b)"
    r"|/usr/lib/(?:x86_64|aarch64|i386|arm|powerpc64le|s390x)-linux-gnu(?:eabihf)?\b"
)


@check(JDK_PATH, DF)
def hard_coded_path(context: DockerfileContext) -> Iterator[Hit]:
    for instruction in context.dockerfile.all_instructions():
        if instruction.keyword not in ("ENV", "ARG", "RUN", "CMD", "ENTRYPOINT"):
            continue
        text = " ".join(instruction.args) if instruction.keyword in ("ENV", "ARG") else instruction.text
        match = _VERSIONED_PATH.search(text)
        if match:
            yield Hit(line=instruction.line, message=f"{instruction.keyword} hard-codes {match.group(0)}")
