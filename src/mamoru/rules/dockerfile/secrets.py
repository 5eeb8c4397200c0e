"""Dockerfile rules about credentials: in ARG/ENV, in copied files, in RUN command lines."""

from __future__ import annotations

import re
from collections.abc import Iterator

from mamoru.config.dockerfile import Instruction
from mamoru.config.shell import Command
from mamoru.model.finding import FindingKind, Rule, Severity
from mamoru.rules.checks import Hit, check
from mamoru.rules.dockerfile.context import DockerfileContext
from mamoru.rules.dockerfile.image import DF, REFERENCE
from mamoru.rules.refs import cis_docker, nist
from mamoru.rules.secret_names import is_secret_name, mask

SECRET = FindingKind.SECRET
BUILD_SECRETS = "https://docs.docker.com/build/building/secrets/"


def _pairs(instruction: Instruction) -> list[tuple[str, str, bool]]:
    """(name, value, has a value) of an ARG or ENV instruction."""
    if instruction.keyword == "ENV":
        return [(k, v, True) for k, v in zip(instruction.args[::2], instruction.args[1::2], strict=False)]
    pairs = []
    for raw in instruction.args:
        name, has_value, value = raw.partition("=")
        pairs.append((name, value, bool(has_value)))
    return pairs


SECRET_ARG_ENV = Rule(
    id="MDF-090", title="Secret passed in ARG or ENV", severity=Severity.HIGH, kind=SECRET,
    description="An ARG or ENV whose name says it holds a credential (`DB_PASSWORD`, `NPM_TOKEN`, "
                "`AWS_SECRET_ACCESS_KEY`): ENV values are stored in the image config and ARG values used by a RUN "
                "are recorded in the image history, so anyone who can pull the image can read them.",
    remediation="Use build secrets (`RUN --mount=type=secret,id=npm_token …`, `docker build --secret`) for build "
                "time and orchestrator secrets for run time; rotate any credential that was built into an image.",
    references=(BUILD_SECRETS,),
    aliases=("DL3064", "DS031", "AVD-DS-0031", "CIS-DI-0010"),
    compliance=nist("4.1.4") + cis_docker("4.10"),
)  # fmt: skip


@check(SECRET_ARG_ENV, DF)
def secret_arg_env(context: DockerfileContext) -> Iterator[Hit]:
    for instruction in context.dockerfile.all_instructions():
        if instruction.keyword not in ("ARG", "ENV"):
            continue
        for name, value, has_value in _pairs(instruction):
            if not is_secret_name(name):
                continue
            shown = f"{name}={mask(value)}" if has_value else name
            how = "stored in the image config" if instruction.keyword == "ENV" else "recorded in the image history"
            yield Hit(line=instruction.line, message=f"{instruction.keyword} {shown}: {how}", evidence=(shown,))


SECRET_FILES = re.compile(
    r"(?ix)(?:^|/)(?:id_(?:rsa|dsa|ecdsa|ed25519)|\.env(?:\.[\w.-]+)?|\.netrc|\.npmrc|\.pypirc|\.git-credentials"
    r"|\.pgpass|\.htpasswd|\.dockercfg|credentials(?:\.json|\.xml|\.ya?ml)?|kubeconfig|[\w.-]*\.kubeconfig"
    r"|secrets?\.(?:ya?ml|json|env|txt)|service[-_]?account[\w.-]*\.json|[\w.-]+\.(?:pem|key|p12|pfx|jks|keystore"
    r"|ovpn|ppk|gpg|asc|tfvars))$"
)
CREDENTIAL_FILE_ENVS = frozenset({"GOOGLE_APPLICATION_CREDENTIALS", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE",
                                  "HF_TOKEN_PATH", "KUBECONFIG", "DOCKER_CONFIG", "NETRC"})  # fmt: skip
_PUBLIC_CERT = re.compile(r"(?i)(?:^|[/_.-])(?:ca|cacert|ca-bundle|ca-certificates|chain|fullchain|cert|public|pub)"
                          r"[\w.-]*\.pem$|\.pub$|\.crt$")  # fmt: skip


SECRET_FILE = Rule(
    id="MDF-091", title="Credential file copied into the image", severity=Severity.HIGH, kind=SECRET,
    description="COPY/ADD of a private key, `.env`, `.npmrc`, `.netrc`, a cloud credentials file or a "
                "kubeconfig puts the credential into a layer, where it stays even if a later step deletes it; "
                "an ENV pointing at such a file inside the image means the file is expected there.",
    remediation="Mount credentials at build time (`RUN --mount=type=secret`) or run time (a volume or an "
                "orchestrator secret), keep them out of the build context (`.dockerignore`), and rotate them.",
    references=(BUILD_SECRETS,),
    aliases=("DS031", "AVD-DS-0031", "CIS-DI-0010"),
    compliance=nist("4.1.4") + cis_docker("4.10"),
)  # fmt: skip


@check(SECRET_FILE, DF)
def secret_file(context: DockerfileContext) -> Iterator[Hit]:
    for instruction in context.dockerfile.all_instructions():
        if instruction.keyword in ("COPY", "ADD") and not instruction.heredocs:
            sources = [a for a in instruction.args[:-1]] if len(instruction.args) > 1 else []
            for source in sources:
                clean = source.rstrip("/")
                if SECRET_FILES.search(clean) and not _PUBLIC_CERT.search(clean) and "://" not in clean:
                    yield Hit(line=instruction.line, message=f"{instruction.keyword} {source}")
        elif instruction.keyword == "ENV":
            for name, value, _ in _pairs(instruction):
                if name.upper() in CREDENTIAL_FILE_ENVS and value and not value.startswith("/run/secrets"):
                    yield Hit(line=instruction.line, message=f"ENV {name} points at {value} inside the image")


def _credential_in_command(command: Command) -> str:
    """Why a command line carries a credential (empty when it does not)."""
    name, args = command.name, command.args
    joined = " ".join(args)
    if name in ("curl", "wget"):
        for index, arg in enumerate(args):
            value = args[index + 1] if index + 1 < len(args) else ""
            if arg in ("-u", "--user", "--proxy-user", "-U") and ":" in value and not _variable(value.split(":", 1)[1]):
                return f"{name} {arg} user:password"
            if arg.startswith("-u") and len(arg) > 2 and ":" in arg and not _variable(arg.split(":", 1)[1]):
                return f"{name} -u user:password"
            if arg in ("--password", "--http-password", "--ftp-password") and value and not _variable(value):
                return f"{name} {arg}"
            if arg.startswith(("--password=", "--http-password=")) and not _variable(arg.split("=", 1)[1]):
                return f"{name} {arg.split('=', 1)[0]}"
            if arg in ("-H", "--header") and re.match(r"(?i)\s*(?:authorization|x-api-key|private-token)\s*:", value):
                secret = value.split(":", 1)[1].split()[-1] if value.split(":", 1)[1].split() else ""
                if secret and not _variable(secret):
                    return f"{name} {arg} '{value.split(':', 1)[0]}: …'"
    if re.search(r"(?i)\b[a-z][a-z0-9+.-]*://[^/\s:@]+:([^@\s/]+)@", joined):
        password = re.search(r"(?i)://[^/\s:@]+:([^@\s/]+)@", joined)
        if password and not _variable(password.group(1)):
            return "a URL with user:password@"
    if name in ("mysql", "mysqladmin", "mysqldump", "mariadb") and any(
        re.fullmatch(r"-p\S+", a) and not _variable(a[2:]) for a in args
    ):
        return f"{name} -p<password>"
    if name in ("sshpass",) and "-p" in args:
        return "sshpass -p"
    if name in ("docker", "podman", "buildah", "helm", "skopeo") and "login" in args:
        for index, arg in enumerate(args):
            if arg in ("-p", "--password") and index + 1 < len(args) and not _variable(args[index + 1]):
                return f"{name} login --password"
    aws_keys = ("aws_secret_access_key", "aws_access_key_id", "aws_session_token")
    if name == "aws" and args[:2] == ("configure", "set") and len(args) > 3 and args[2] in aws_keys:
        return f"aws configure set {args[2]}"
    if name in ("npm", "yarn", "pnpm") and re.search(r"(?i)_auth(?:token)?\s*[= ]\s*[^$\s]", joined):
        return f"{name} config with an auth token"
    if name == "gcloud" and args[:2] == ("auth", "activate-service-account"):
        return "gcloud auth activate-service-account with a key file in the image"
    return ""


def _variable(value: str) -> bool:
    """``$TOKEN``, ``${TOKEN}``, ``$(cat /run/secrets/x)``: the value is not written in the Dockerfile."""
    value = value.strip("\"'")
    return value.startswith("$") or "$(" in value or value.startswith("`")


CREDENTIAL_IN_RUN = Rule(
    id="MDF-092", title="Credential in a RUN command line", severity=Severity.HIGH, kind=SECRET,
    description="A password or token written into a RUN line (`curl -u user:pass`, `Authorization:` headers, "
                "`https://user:token@host`, `mysql -pSecret`, `docker login -p`, `aws configure set "
                "aws_secret_access_key`) is stored in the image history and in the Dockerfile's repository.",
    remediation="Read credentials from a build secret in the same RUN (`RUN --mount=type=secret,id=token "
                "TOKEN=$(cat /run/secrets/token) …`) and rotate the exposed one.",
    references=(BUILD_SECRETS,),
    aliases=("DS031", "AVD-DS-0031", "CIS-DI-0010"),
    compliance=nist("4.1.4") + cis_docker("4.10"),
)  # fmt: skip


@check(CREDENTIAL_IN_RUN, DF)
def credential_in_run(context: DockerfileContext) -> Iterator[Hit]:
    for at in context.commands():
        why = _credential_in_command(at.command)
        if not why:
            continue
        mounted = any("type=secret" in v for v in at.instruction.flag_values("mount"))
        if mounted and at.command.name in ("aws", "gcloud"):
            continue
        yield Hit(line=at.line, message=why)


PASSWORD_SET = Rule(
    id="MDF-057", title="Account password set in the image", severity=Severity.HIGH, kind=SECRET,
    description="`chpasswd`, `passwd --stdin` or `useradd -p` bake a password (or its hash) into /etc/shadow of "
                "every container, and the command line into the image history.",
    remediation="Do not give accounts passwords in images; use key-based access outside the container, or "
                "locked accounts (`useradd -r`).",
    references=(REFERENCE + "#run",),
    aliases=("CKV2_DOCKER_17",),
    compliance=nist("4.1.4") + cis_docker("4.10"),
)  # fmt: skip


@check(PASSWORD_SET, DF)
def password_set(context: DockerfileContext) -> Iterator[Hit]:
    for at in context.commands("chpasswd", "passwd", "useradd", "usermod", "adduser"):
        name, args = at.command.name, at.command.args
        if name == "chpasswd":
            yield Hit(line=at.line, message="chpasswd sets an account password")
        elif name == "passwd" and "--stdin" in args:
            yield Hit(line=at.line, message="passwd --stdin sets an account password")
        elif name in ("useradd", "usermod") and any(a in ("-p", "--password") or a.startswith("--password=")
                                                     for a in args):  # fmt: skip
            yield Hit(line=at.line, message=f"{name} -p sets an account password")
