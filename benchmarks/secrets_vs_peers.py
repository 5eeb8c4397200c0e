"""Benchmark mamoru's secret scanner against Trivy 0.59.1 and detect-secrets 1.5 on the same inputs.

What is measured, in one run:

1. **A corpus with a ground truth.** ``benchmarks/.work/secret-corpus/`` is generated afresh on every
   run from a seeded RNG (the same seed gives the same bytes): realistic files (Python settings, JS
   config, YAML app config, Kubernetes Deployments and Secrets, compose files, ``.env``, JSON, shell
   scripts, Dockerfiles, INI, Terraform, docs, CI workflows, credential files such as ``.npmrc``,
   ``.pypirc``, kubeconfigs, PEM keys and GCP service-account keys), plus every sample of
   ``tests/content/secrets/samples.py`` (each positive and each negative as a file of its own). Token
   values come from the ``SAMPLES`` templates (``render``, ``github_token``: no real-looking token is
   committed). Each file mixes filler lines, *planted* secrets (a known format = the mamoru rule id
   that should report it) and *decoys* that must not be reported: placeholders (``changeme``,
   ``${TOKEN}``, ``<your-api-key>``, ``sk_live_xxxx…``), documentation keys (``AKIAIOSFODNN7EXAMPLE``,
   the jwt.io sample token, Slack's sample webhook), look-alikes of the wrong length or prefix (the
   ``SAMPLES`` negatives), hashes, UUIDs, base64 blobs and public keys, test data, references to
   secrets held elsewhere (``os.environ[...]``, ``secretKeyRef``, ``/run/secrets/...``), and settings
   with secret-like names but harmless values (``TOKEN_TTL=3600``). The ground truth (file, line
   range, planted format or decoy category) is written to ``secret-corpus.manifest.json`` *beside*
   the corpus, so no tool reads it. Planted secrets are kept out of the paths Trivy's built-in allow
   rules skip (``test``, ``example``, ``.md``, ``vendor``…): the comparison is about detection, not
   path policy. Markdown files hold decoys only. (The corpus is generated, not taken from a public
   data set: it must hold no live credential and its ground truth must be exact to the line.)
2. **Scoring.** Each tool scans the corpus once (its JSON output is parsed). A planted secret counts
   as found when a finding of the tool lies in the same file and its line range overlaps the planted
   lines (the rule id need not match: peers use their own ids). Every finding that overlaps no planted
   secret is a false positive, counted once per (file, first line) and attributed to the decoy it hit
   (or "unlabelled line" for filler). Reported: recall, false positives, precision, recall per format
   and per file kind, false positives per decoy category, and every miss and false positive.
3. **Images.** ``mamoru image`` and ``trivy image`` with the secret scanner only, on the docker
   archives in ``.cache/fixtures``: findings per tool, recall against ``planted-expected.json``
   (``SEC-*`` items; plus the ENV secret that ``build-planted-image.sh`` sets in the config) and
   against the secrets ``build-images.sh`` plants in ``app-docker.tar``; ``base-docker.tar`` and
   ``alpine-docker.tar`` should give none. Wall time: one untimed warm-up (Trivy's runs with
   ``--debug`` to log the layers it treats as base-image layers and skips), then ``--runs`` timed runs
   per tool, interleaved, measured with ``measure``/``Stats`` from ``sbom_vs_trivy.py`` (``wait4``
   rusage of the child).

Every scanner runs inside ``unshare -n`` (a new network namespace: no network at all), mamoru too,
so the wrappers cost the same. Trivy is ``/work/tools/trivy`` when present, else fetched the way
``sbom_vs_trivy.py`` does; detect-secrets 1.5.0 is ``pip install``-ed into its own venv under
``benchmarks/.work/`` (the only network access, before any scan).

The Markdown report goes to stdout and, with ``--markdown FILE``, to a file.

usage: python benchmarks/secrets_vs_peers.py [--runs 5] [--seed 20260601] [--markdown FILE]
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "benchmarks")]

import sbom_vs_trivy as sbom  # noqa: E402  (sibling benchmark: measuring, Trivy download, machine facts)
from tests.content.secrets.samples import SAMPLES, github_token, render  # noqa: E402

from mamoru.analyzers.content.secrets import MAX_SECRET_FILE  # noqa: E402
from mamoru.content.secrets.patterns import PATTERNS  # noqa: E402

WORK = REPO / "benchmarks" / ".work"
CORPUS = WORK / "secret-corpus"
MANIFEST = WORK / "secret-corpus.manifest.json"
DS_VENV = WORK / "detect-secrets-venv"
TRIVY_CACHE = WORK / "trivy-cache-secrets"  # our own: Trivy's filesystem cache is locked while in use
DS_REQUIREMENT = "detect-secrets==1.5.0"
SHARED_TRIVY = Path("/work/tools/trivy")
DEFAULT_SEED = 20260601
IMAGES = ("app-docker.tar", "planted-docker.tar", "base-docker.tar", "alpine-docker.tar")
RULE_NAMES = {p.rule_id: p.name for p in PATTERNS}
RULE_ALIASES = {p.rule_id: set(p.aliases) for p in PATTERNS}
PLACEHOLDER = re.compile(r"\{\w:\d+\}|<(?:ghp|gho|ghs|npm)>")


# --------------------------------------------------------------------------- ground truth


@dataclass(frozen=True)
class Truth:
    """One labelled line range of the corpus: a planted secret (label = mamoru rule id) or a decoy."""

    file: str
    line: int
    end: int
    kind: str  # "planted" | "decoy"
    label: str  # planted: SEC-xxx; decoy: its category
    context: str  # the kind of file ("python", "k8s", "samples", ...)
    shown: str  # the line(s), planted values redacted
    hint: str = ""  # a fact that may explain a miss (e.g. "value not quoted")


@dataclass
class FileBuilder:
    """The lines of one corpus file and the labelled ranges in it."""

    path: str
    context: str
    lines: list[str] = field(default_factory=list)
    truth: list[Truth] = field(default_factory=list)

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)

    def mark(self, kind: str, label: str, lines: Sequence[str], first: int = 0, last: int | None = None,
             secret: str = "", hint: str = "") -> None:  # fmt: skip
        """Append ``lines``; ``lines[first..last]`` is the labelled range (the value's lines)."""
        start = len(self.lines) + 1
        self.lines.extend(lines)
        last = len(lines) - 1 if last is None else last
        shown = " ⏎ ".join(lines[first : last + 1])
        if secret:
            shown = shown.replace(secret, redact(secret))
        self.truth.append(Truth(self.path, start + first, start + last, kind, label, self.context, clip(shown), hint))

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def redact(value: str) -> str:
    """The first characters (at most 8, at most a third) and the length: enough to recognise the format."""
    return f"{value[: min(8, len(value) // 3)]}…({len(value)} chars)"


def clip(text: str, limit: int = 110) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------- secret values

# formats that only exist inside particular files; planted through their own file generators below
FILE_BOUND = {"SEC-012", "SEC-013", "SEC-014", "SEC-023", "SEC-050", "SEC-051", "SEC-053", "SEC-054", "SEC-055",
              "SEC-057", "SEC-064", "SEC-065"}  # fmt: skip
TOKEN_RULES = sorted(set(SAMPLES) - FILE_BOUND)
# variable name (snake_case) under which each token format is planted; vendor names make the format's
# keyword appear before the value, as in real configuration
TOKEN_NAMES = {
    "SEC-001": "aws_access_key_id", "SEC-002": "aws_secret_access_key", "SEC-003": "github_token",
    "SEC-004": "github_oauth_token", "SEC-005": "github_app_token", "SEC-006": "github_refresh_token",
    "SEC-007": "gh_fine_grained_pat", "SEC-008": "gitlab_token", "SEC-009": "gitlab_runner_token",
    "SEC-010": "slack_bot_token", "SEC-011": "slack_webhook_url", "SEC-015": "google_maps_api_key",
    "SEC-016": "stripe_secret_key", "SEC-017": "stripe_publishable_key", "SEC-018": "twilio_api_key",
    "SEC-019": "sendgrid_api_key", "SEC-020": "npm_token", "SEC-021": "pypi_upload_token",
    "SEC-022": "rubygems_api_key", "SEC-024": "dockerhub_token", "SEC-025": "service_jwt",
    "SEC-026": "openai_api_key", "SEC-027": "anthropic_api_key", "SEC-028": "hf_token", "SEC-029": "vault_token",
    "SEC-030": "tfc_token", "SEC-031": "azure_client_secret", "SEC-032": "digitalocean_token",
    "SEC-033": "shopify_access_token", "SEC-034": "alibaba_access_key_id", "SEC-035": "databricks_token",
    "SEC-036": "grafana_sa_token", "SEC-037": "mailgun_api_key", "SEC-038": "mailchimp_api_key",
    "SEC-039": "square_access_token", "SEC-040": "postman_api_key", "SEC-041": "pulumi_access_token",
    "SEC-042": "doppler_token", "SEC-043": "new_relic_api_key", "SEC-044": "sops_age_key",
    "SEC-045": "heroku_api_key", "SEC-046": "sentry_auth_token", "SEC-047": "artifactory_api_key",
    "SEC-048": "op_service_account_token", "SEC-049": "openshift_token", "SEC-052": "database_url",
    "SEC-056": "azure_storage_connection_string", "SEC-058": "linear_api_key", "SEC-059": "planetscale_password",
    "SEC-060": "supabase_access_token", "SEC-061": "discord_webhook_url", "SEC-062": "telegram_bot_token",
    "SEC-063": "mapbox_secret_token",
}  # fmt: skip
# generic credentials: the name carries the meaning (some names use none of the usual keywords)
GENERIC_NAMES = ("db_password", "smtp_password", "redis_password", "secret_key", "jwt_secret", "session_secret",
                 "internal_api_key", "admin_password", "rabbitmq_password", "ldap_bind_password", "webhook_secret",
                 "encryption_key", "signing_key", "db_pass", "mysql_pwd")  # fmt: skip
DJANGO_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*(-_=+)"


def value_template(template: str) -> str:
    """The token part of a ``SAMPLES`` line: the word holding a placeholder, minus a ``NAME=`` prefix."""
    for line in template.splitlines():
        for word in re.findall(r"[^\s\"']+", line):
            if PLACEHOLDER.search(word):
                return re.sub(r"^(?:[A-Z][A-Z0-9_]*=|[a-z_]+:)(?!//)", "", word)
    raise ValueError(f"no placeholder in {template!r}")


# where the word holding the placeholder is more than the token (``//host/:_authToken=<npm>``)
VALUE_OVERRIDES = {"SEC-020": "<npm>"}


def token(rule: str, rng: random.Random) -> str:
    """A fresh value of a token format, from the positive ``SAMPLES`` template of ``rule``."""
    template = VALUE_OVERRIDES.get(rule) or value_template(SAMPLES[rule][1])
    assert template in SAMPLES[rule][1], f"{rule}: {template!r} is not part of its sample"
    return render(template, rng)


def lookalike(rule: str, rng: random.Random) -> str:
    """A value like the format but not of it (wrong length or prefix): the negative ``SAMPLES`` template."""
    return render(value_template(SAMPLES[rule][3]), rng)


def generic_password(rng: random.Random, name: str = "") -> str:
    """A credential as people and frameworks make them; ``secret_key`` mostly the Django way."""
    kind = rng.random()
    if name == "secret_key" and kind < 0.7:  # Django's get_random_secret_key(): 50 characters of this alphabet
        return "".join(rng.choice(DJANGO_ALPHABET) for _ in range(50))
    if kind < 0.35:  # a human-made password with punctuation
        words = ("Falcon", "river", "Quartz", "maple", "Orbit", "cobalt", "Tundra", "ember")
        return f"{rng.choice(words)}{rng.choice('!#%&*+-.@^_')}{rng.choice(words)}{rng.randint(10, 9999)}"
    return render(value_template(SAMPLES["SEC-064"][1]) if kind < 0.7 else "{X:32}", rng)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def pem_body(rng: random.Random, lines: int = 6) -> list[str]:
    return [render("{S:64}", rng) for _ in range(lines)] + [render("{S:40}", rng) + "=="]


# --------------------------------------------------------------------------- decoys

# (category, name, value, raw): raw values are expressions (``os.environ[...]``), written without quotes
Decoy = tuple[str, str, str, bool]
JWT_IO = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5"
          "MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c")  # fmt: skip
SLACK_DOC_WEBHOOK = "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"
# formats whose negative sample is a wrong length or prefix anywhere (not one that only fails by its path)
LOOKALIKE_RULES = ("SEC-001", "SEC-003", "SEC-004", "SEC-005", "SEC-006", "SEC-007", "SEC-008", "SEC-009",
                   "SEC-010", "SEC-015", "SEC-016", "SEC-019", "SEC-022", "SEC-024", "SEC-026",
                   "SEC-027", "SEC-028", "SEC-029", "SEC-032", "SEC-033", "SEC-034", "SEC-035", "SEC-036",
                   "SEC-039", "SEC-040", "SEC-041", "SEC-042", "SEC-043", "SEC-044", "SEC-045", "SEC-046",
                   "SEC-047", "SEC-048", "SEC-049", "SEC-058", "SEC-059", "SEC-060", "SEC-063")  # fmt: skip
NEUTRAL_NAMES = ("request_id", "trace_ref", "build_ref", "fixture_ref", "cache_prefix", "object_ref", "label")
REFERENCES = {
    "python": ['os.environ["{U}"]', 'os.getenv("{U}", "")', 'get_secret("{s}")'],
    "javascript": ["process.env.{U}", "process.env.{U} || ''", "await secrets.get('{s}')"],
    "terraform": ["var.{s}", "data.aws_secretsmanager_secret_version.{s}.secret_string"],
}


def decoy(context: str, rng: random.Random) -> Decoy:
    """One decoy for a file of ``context`` (names are secret-like unless the value is an identifier)."""
    category = rng.choice(("placeholder", "placeholder", "doc-key", "look-alike", "look-alike", "hash", "uuid",
                           "base64-blob", "test-data", "reference", "setting"))  # fmt: skip
    secret_name = rng.choice((*GENERIC_NAMES[:8], "api_key", "auth_token", "github_token", "stripe_secret_key"))
    if category == "placeholder":
        name, value = rng.choice((
            (secret_name, "changeme"), (secret_name, "<your-api-key>"), (secret_name, "${" + secret_name.upper() + "}"),
            (secret_name, "your-password-here"), (secret_name, "REPLACE_ME"), (secret_name, "********"),
            (secret_name, "{{ .Values." + secret_name + " }}"), (secret_name, "TODO"),
            ("stripe_secret_key", "sk_live_" + "x" * 24), ("github_token", "ghp_" + "x" * 36),
            ("database_url", "postgres://user:password@localhost:5432/app"),
            ("redis_url", "redis://:${REDIS_PASSWORD}@redis:6379/0"), ("aws_secret_access_key", "<secret-access-key>"),
        ))  # fmt: skip
        return category, name, value, False
    if category == "doc-key":
        name, value = rng.choice((("aws_access_key_id", "AKIAIOSFODNN7EXAMPLE"),
                                  ("aws_secret_access_key", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
                                  ("id_token", JWT_IO), ("slack_webhook_url", SLACK_DOC_WEBHOOK)))  # fmt: skip
        return category, name, value, False
    if category == "look-alike":
        return category, rng.choice(NEUTRAL_NAMES), lookalike(rng.choice(LOOKALIKE_RULES), rng), False
    if category == "hash":
        name, value = rng.choice((
            ("checksum_sha256", render("{H:64}", rng)), ("commit_sha", render("{H:40}", rng)),
            ("etag", render("{H:32}", rng)), ("base_image", "python@sha256:" + render("{H:64}", rng)),
            ("integrity", "sha512-" + b64(rng.randbytes(64))),
        ))  # fmt: skip
        return category, name, value, False
    if category == "uuid":
        name = rng.choice(("tenant_id", "client_id", "subscription_id", "correlation_id", "app_id"))
        return category, name, str(uuid.UUID(int=rng.getrandbits(128), version=4)), False
    if category == "base64-blob":
        name, value = rng.choice((
            ("logo_png", b64(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + rng.randbytes(60))),
            ("ca_bundle", b64(b"-----BEGIN CERTIFICATE-----\nMII" + rng.randbytes(57))),
            ("deploy_public_key", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + render("{S:43}", rng) + " deploy@ci"),
        ))  # fmt: skip
        return category, name, value, False
    if category == "test-data":
        name, value = rng.choice(((secret_name, "test"), ("api_key", "fake-api-key"), ("auth_token", "dummy-token"),
                                  ("password", "password123"), (secret_name, "not-a-real-secret")))  # fmt: skip
        return category, name, value, False
    if category == "reference" and context in REFERENCES:
        template = rng.choice(REFERENCES[context])
        return category, secret_name, template.format(U=secret_name.upper(), s=secret_name), True
    if category == "reference":
        return category, secret_name + "_file", "/run/secrets/" + secret_name, False
    name, value = rng.choice((("token_ttl_seconds", "3600"), ("password_min_length", "12"),
                              ("api_key_header", "X-Api-Key"), ("secret_rotation_days", "90"),
                              ("auth_token_url", "https://auth.internal/oauth/token"), ("db_user", "app"),
                              ("jwt_secret_ssm_path", "/prod/app/jwt-secret")))  # fmt: skip
    return "setting", name, value, False


# --------------------------------------------------------------------------- file kinds

APPS = ("billing", "checkout", "inventory", "search", "notifier", "gateway", "reports", "ledger", "catalog",
        "shipping", "analytics", "mailer", "scheduler", "uploads", "accounts", "pricing")  # fmt: skip


def upper(name: str) -> str:
    return name.upper()


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def yaml_scalar(value: str, rng: random.Random) -> str:
    plain = re.fullmatch(r"[A-Za-z0-9][^\s#:'\"{}\[\],&*!|>%@`]*", value) is not None
    return value if plain and rng.random() < 0.6 else json.dumps(value)


Entry = Callable[[str, str, bool, random.Random], tuple[list[str], int]]


@dataclass(frozen=True)
class Kind:
    """A kind of realistic file: where it lives, its frame, filler lines and how a setting is written."""

    name: str
    count: int
    path: Callable[[str, int], str]
    header: Callable[[str], list[str]]
    footer: list[str]
    filler: tuple[str, ...]
    entry: Entry  # (name, value, raw, rng) -> (lines, index of the line holding the value)
    plants: bool = True


def _py(name: str, value: str, raw: bool, rng: random.Random) -> tuple[list[str], int]:
    quote = "'" if rng.random() < 0.3 else '"'
    return [f"{upper(name)} = {value if raw else quote + value + quote}"], 0


def _js(name: str, value: str, raw: bool, rng: random.Random) -> tuple[list[str], int]:
    return [f"  {camel(name)}: {value if raw else repr(value) if rng.random() < 0.7 else json.dumps(value)},"], 0


def _yaml(name: str, value: str, raw: bool, rng: random.Random) -> tuple[list[str], int]:
    return [f"  {name}: {yaml_scalar(value, rng)}"], 0


def _k8s(name: str, value: str, raw: bool, rng: random.Random) -> tuple[list[str], int]:
    if value.startswith("/run/secrets/"):  # a reference: the Kubernetes way
        return [f"            - name: {upper(name)}", "              valueFrom:", "                secretKeyRef:",
                f"                  name: {name.replace('_', '-')}", "                  key: value"], 0  # fmt: skip
    return [f"            - name: {upper(name)}", f"              value: {json.dumps(value)}"], 1


def _compose(name: str, value: str, raw: bool, rng: random.Random) -> tuple[list[str], int]:
    return [f"      {upper(name)}: {yaml_scalar(value, rng)}"], 0


def _dotenv(name: str, value: str, raw: bool, rng: random.Random) -> tuple[list[str], int]:
    return [f"{upper(name)}={json.dumps(value) if rng.random() < 0.2 else value}"], 0


def _json(name: str, value: str, raw: bool, rng: random.Random) -> tuple[list[str], int]:
    return [f"  {json.dumps(camel(name))}: {json.dumps(value)},"], 0


def _shell(name: str, value: str, raw: bool, rng: random.Random) -> tuple[list[str], int]:
    quote = "'" if "$" in value and not value.startswith("$") else '"'
    return [f"export {upper(name)}={quote}{value}{quote}"], 0


def _dockerfile(name: str, value: str, raw: bool, rng: random.Random) -> tuple[list[str], int]:
    verb = rng.choice(("ENV", "ENV", "ARG"))
    return [f"{verb} {upper(name)}={json.dumps(value) if rng.random() < 0.3 else value}"], 0


def _ini(name: str, value: str, raw: bool, rng: random.Random) -> tuple[list[str], int]:
    return [f"{name} = {value}"], 0


def _terraform(name: str, value: str, raw: bool, rng: random.Random) -> tuple[list[str], int]:
    return [f"  {name} = {value if raw else json.dumps(value)}"], 0


def _docs(name: str, value: str, raw: bool, rng: random.Random) -> tuple[list[str], int]:
    return ["", f"Set ``{upper(name)}`` before starting the service::", "", f"    export {upper(name)}={value}"], 3


def _workflow(name: str, value: str, raw: bool, rng: random.Random) -> tuple[list[str], int]:
    return [f"      {upper(name)}: {yaml_scalar(value, rng)}"], 0


KINDS = (
    Kind("python", 26, lambda app, i: f"services/{app}/{app}/settings{'' if i % 3 else '_prod'}.py",
         lambda app: [f'"""Settings for the {app} service."""', "", "import os", "from pathlib import Path", "",
                      "BASE_DIR = Path(__file__).resolve().parent.parent"], [],
         ("DEBUG = False", 'ALLOWED_HOSTS = ["localhost", "127.0.0.1"]', 'TIME_ZONE = "UTC"', "USE_TZ = True",
          'STATIC_URL = "/static/"', 'LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")', "SESSION_COOKIE_SECURE = True",
          'DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"', "PASSWORD_RESET_TIMEOUT = 259200",
          'AUTH_PASSWORD_VALIDATORS = [{"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"}]',
          "TOKEN_EXPIRY_SECONDS = 3600", "# external services", "REQUEST_TIMEOUT = 30", "SECRET_KEY_FALLBACKS = []",
          'CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "redis://redis:6379/0")'), _py),
    Kind("javascript", 22, lambda app, i: f"web/{app}/config/{'default' if i % 2 else 'production'}.js",
         lambda app: ["'use strict';", "", "module.exports = {", f"  serviceName: '{app}',"], ["};"],
         ("  port: Number(process.env.PORT) || 8080,", "  logLevel: 'info',", "  cacheTtlSeconds: 300,",
          "  featureFlags: { darkMode: true, betaSearch: false },", "  tokenExpiresIn: '1h',",
          "  passwordMinLength: 12,", "  region: 'eu-west-1',", "  corsOrigins: ['https://app.internal'],"), _js),
    Kind("yaml", 20, lambda app, i: f"services/{app}/config/application{'-prod' if i % 2 else ''}.yml",
         lambda app: [f"# {app} configuration", "server:", "  port: 8080", "app:", f"  name: {app}"], [],
         ("  log_level: info", "  timeout_seconds: 30", "  region: eu-central-1", "  retries: 3",
          "  token_ttl: 3600", "  password_policy: strong", "  cache_dir: /var/cache/app"), _yaml),
    Kind("k8s", 20, lambda app, i: f"deploy/k8s/{app}/deployment{i}.yaml",
         lambda app: ["apiVersion: apps/v1", "kind: Deployment", "metadata:", f"  name: {app}", "spec:",
                      "  replicas: 2", "  selector:", "    matchLabels:", f"      app: {app}", "  template:",
                      "    metadata:", "      labels:", f"        app: {app}", "    spec:", "      containers:",
                      f"        - name: {app}", f"          image: registry.internal/{app}:1.4.2", "          env:"],
         ["          ports:", "            - containerPort: 8080", "          resources:", "            limits:",
          "              memory: 256Mi"],
         ("            - name: LOG_LEVEL\n              value: info",
          "            - name: PORT\n              value: \"8080\"",
          "            - name: TOKEN_AUDIENCE\n              value: api"), _k8s),
    Kind("compose", 14, lambda app, i: f"deploy/compose/{app}/docker-compose{'.prod' if i % 2 else ''}.yml",
         lambda app: ["services:", f"  {app}:", f"    image: registry.internal/{app}:2.1", "    ports:",
                      '      - "127.0.0.1:8080:8080"', "    environment:"],
         ["    restart: unless-stopped"], ("      LOG_LEVEL: info", "      TZ: UTC", "      WORKERS: \"4\""), _compose),
    Kind("dotenv", 26, lambda app, i: f"services/{app}/.env{'' if i % 3 else '.production'}",
         lambda app: [f"# {app}", "NODE_ENV=production"], [],
         ("PORT=3000", "LOG_LEVEL=debug", "# database", "DB_HOST=db", "DB_PORT=5432", "REDIS_HOST=redis",
          "FEATURE_SEARCH=true", "TZ=UTC"), _dotenv),
    Kind("json", 16, lambda app, i: f"services/{app}/config/appsettings{'.Production' if i % 2 else ''}.json",
         lambda app: ["{", f'  "serviceName": "{app}",'], ['  "version": 3', "}"],
         ('  "logLevel": "Information",', '  "allowedHosts": "*",', '  "retryCount": 3,',
          '  "tokenLifetimeMinutes": 60,', '  "cacheSeconds": 120,'), _json),
    Kind("shell", 22, lambda app, i: f"scripts/{app}/{'deploy' if i % 2 else 'release'}.sh",
         lambda app: ["#!/usr/bin/env bash", "set -euo pipefail", f'SERVICE="{app}"', 'cd "$(dirname "$0")/.."'],
         ['echo "done: ${SERVICE}"'],
         ('echo "building ${SERVICE}"', 'docker build -t "registry.internal/${SERVICE}:${VERSION:-dev}" .',
          'kubectl rollout status "deploy/${SERVICE}" --timeout=120s', 'TOKEN_FILE="${HOME}/.config/${SERVICE}/token"',
          'read -r -s -p "password: " DB_PASSWORD'), _shell),
    Kind("dockerfile", 20, lambda app, i: f"services/{app}/{'Dockerfile' if i % 2 else 'Dockerfile.worker'}",
         lambda app: ["# syntax=docker/dockerfile:1", "FROM python:3.12-slim", "WORKDIR /app"],
         ['CMD ["python", "-m", "app"]'],
         ("COPY requirements.txt .", "RUN pip install --no-cache-dir -r requirements.txt", "COPY . .",
          "RUN --mount=type=secret,id=pip_token pip download -d /wheels private-lib", "EXPOSE 8080",
          "USER 10001"), _dockerfile),
    Kind("ini", 16, lambda app, i: f"services/{app}/{'app.ini' if i % 2 else 'setup.cfg'}",
         lambda app: [f"[{app}]", "host = 0.0.0.0", "port = 8080", "", "[database]"], [],
         ("engine = postgresql", "pool_size = 10", "timeout = 30", "sslmode = require"), _ini),
    Kind("terraform", 14, lambda app, i: f"infra/{app}/main.tf",
         lambda app: ['provider "aws" {', '  region = "eu-west-1"', "}", "", f'module "{app}" {{',
                      '  source = "./modules/service"'], ["}"],
         ('  instance_class = "db.t3.medium"', "  multi_az = true", '  engine_version = "16.3"',
          "  backup_retention_period = 7"), _terraform),
    Kind("docs", 16, lambda app, i: f"docs/{app}/{'operations.rst' if i % 2 else 'runbook.txt'}",
         lambda app: [f"{app} operations", "=" * (len(app) + 11), "", "This page describes how to run the service."],
         ["", "Contact the platform team for access."],
         ("", "The service reads its settings from the environment.", "Restart the pods after a change.",
          "Tokens are rotated every 90 days."), _docs),
    Kind("workflow", 10, lambda app, i: f".github/workflows/{app}-ci.yml",
         lambda app: [f"name: {app} ci", "on: [push]", "jobs:", "  build:", "    runs-on: ubuntu-latest", "    env:"],
         ["    steps:", "      - uses: actions/checkout@v4", "      - run: make ci"],
         ("      GO_VERSION: \"1.22\"", "      REGISTRY_TOKEN: ${{ secrets.REGISTRY_TOKEN }}"), _workflow),
    Kind("markdown", 8, lambda app, i: f"docs/{app}/README.md",
         lambda app: [f"# {app}", "", "## Configuration", ""], ["", "See the runbook for more."],
         ("Copy `.env.sample` to `.env` and fill in the values.", "The keys below are placeholders.", "```sh"),
         lambda n, v, raw, rng: ([f"export {upper(n)}={v}"], 0), plants=False),
)  # fmt: skip


# --------------------------------------------------------------------------- corpus


def realistic_file(kind: Kind, index: int, rng: random.Random, deck: list[str]) -> FileBuilder:
    """One file of ``kind``: filler, 0-3 planted secrets (formats drawn from ``deck``) and 2-4 decoys."""
    app = APPS[index % len(APPS)] + (str(index // len(APPS) + 1) if index >= len(APPS) else "")
    builder = FileBuilder(kind.path(app, index), kind.name)
    builder.add(*kind.header(app))
    planted = rng.choice((0, 1, 1, 2, 2, 3)) if kind.plants else 0
    slots = ["plant"] * planted + ["decoy"] * rng.randint(2, 4) + ["filler"] * rng.randint(3, 7)
    rng.shuffle(slots)
    filler = rng.sample(kind.filler, len(kind.filler))
    for slot in slots:
        if slot == "filler":
            builder.add(*(filler.pop() if filler else rng.choice(kind.filler)).split("\n"))
        elif slot == "decoy":
            category, name, value, raw = decoy(kind.name, rng)
            lines, at = kind.entry(name, value, raw, rng)
            if kind.name == "k8s" and category == "reference":
                builder.mark("decoy", category, lines)
            else:
                builder.mark("decoy", category, lines, at, at)
        else:
            plant(builder, kind, rng, deck)
    builder.add(*kind.footer)
    return builder


def plant(builder: FileBuilder, kind: Kind, rng: random.Random, deck: list[str]) -> None:
    """A token format from the deck, or (one time in four) a generic credential."""
    if rng.random() < 0.25:
        name = rng.choice(GENERIC_NAMES)
        value = generic_password(rng, name)
        rule = "SEC-065" if kind.name == "dotenv" else "SEC-064"
    else:
        if not deck:
            deck.extend(rng.sample(TOKEN_RULES, len(TOKEN_RULES)))
        rule = deck.pop()
        name, value = TOKEN_NAMES[rule], token(rule, rng)
    lines, at = kind.entry(name, value, False, rng)
    builder.mark("planted", rule, lines, at, at, secret=value, hint=hint_for(rule, kind.name, name, lines[at]))


def hint_for(rule: str, kind: str, name: str, line: str) -> str:
    """Facts about a planted generic credential that a keyword-and-quote heuristic may trip on."""
    if rule not in ("SEC-064", "SEC-065"):  # token formats stand alone, except the AWS secret (found by its name)
        return "name on the line above" if kind == "k8s" and rule == "SEC-002" else ""
    facts = []
    suffix = name.rsplit("_", 1)[-1]
    if suffix in ("key", "pwd", "pass") and not name.endswith(("api_key", "access_key")):
        facts.append(f"name ends in `_{suffix}`")
    if kind == "k8s":
        facts.append("name on the line above")
    elif not re.search(r"[=:]\s*[\"']", line):
        facts.append("value not quoted")
    if "$" in line.split("=", 1)[-1] or "$" in line.split(": ", 1)[-1]:
        facts.append("value contains `$`")
    return "; ".join(facts)


def credential_files(rng: random.Random) -> list[FileBuilder]:
    """Files whose format or path is the secret: keys, service-account JSON, .npmrc, .pypirc, kubeconfigs …"""
    files: list[FileBuilder] = []
    key_types = ("RSA PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY", "PRIVATE KEY")
    for i, (path, label) in enumerate((("ops/ssh/id_rsa", 0), ("ops/ssh/id_ecdsa", 1), ("ops/ssh/id_ed25519", 2),
                                       ("services/gateway/tls/server.key", 3), ("services/billing/certs/client.pem", 0),
                                       ("services/mailer/keys/dkim.pem", 3))):  # fmt: skip
        f = FileBuilder(path, "pem")
        body = pem_body(rng, 4 + i)
        f.mark(
            "planted", "SEC-012", [f"-----BEGIN {key_types[label]}-----", *body, f"-----END {key_types[label]}-----"]
        )
        files.append(f)
    # a key embedded in code and in a YAML block scalar
    f = FileBuilder("services/ledger/ledger/signing.py", "python")
    f.add('"""Request signing."""', "", "import base64", "")
    f.mark("planted", "SEC-012", ['SIGNING_KEY_PEM = """-----BEGIN PRIVATE KEY-----', *pem_body(rng, 5),
                                  '-----END PRIVATE KEY-----"""'])  # fmt: skip
    f.add("", "def sign(payload: bytes) -> str:", "    return base64.b64encode(payload).decode()")
    files.append(f)
    f = FileBuilder("deploy/k8s/gateway/tls-secret.yaml", "k8s")
    f.add(
        "apiVersion: v1", "kind: Secret", "metadata:", "  name: gateway-tls", "type: kubernetes.io/tls", "stringData:"
    )
    f.mark("decoy", "base64-blob", ["  tls.crt: " + b64(b"-----BEGIN CERTIFICATE-----\n" + rng.randbytes(90))])
    f.mark("planted", "SEC-012", ["  tls.key: |", "    -----BEGIN EC PRIVATE KEY-----",
                                  *("    " + line for line in pem_body(rng, 2)), "    -----END EC PRIVATE KEY-----"],
           first=1)  # fmt: skip
    files.append(f)
    # public material next to keys: certificates, public keys
    f = FileBuilder("services/gateway/tls/ca.pem", "pem")
    f.mark("decoy", "public-cert", ["-----BEGIN CERTIFICATE-----", *pem_body(rng, 8), "-----END CERTIFICATE-----"])
    files.append(f)
    f = FileBuilder("ops/ssh/id_ed25519.pub", "pem")
    f.mark("decoy", "public-key", ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + render("{S:43}", rng) + " ops@bastion"])
    files.append(f)
    f = FileBuilder("services/billing/keys/jwt-public.pem", "pem")
    f.mark("decoy", "public-key", ["-----BEGIN PUBLIC KEY-----", *pem_body(rng, 5), "-----END PUBLIC KEY-----"])
    files.append(f)
    # GCP service-account keys: the key id and the escaped PEM on one line, as Google writes them
    for i, app in enumerate(("billing", "analytics", "uploads")):
        project = f"{app}-prod-{rng.randint(1000, 9999)}"
        f = FileBuilder(f"deploy/gcp/{app}-sa{i}.json", "gcp-sa")
        f.add("{", '  "type": "service_account",', f'  "project_id": "{project}",')
        key_id = render("{H:40}", rng)
        f.mark("planted", "SEC-014", [f'  "private_key_id": "{key_id}",'], secret=key_id)
        escaped = "\\n".join(["-----BEGIN PRIVATE KEY-----", *pem_body(rng, 4), "-----END PRIVATE KEY-----", ""])
        f.mark(
            "planted",
            "SEC-012",
            [f'  "private_key": "{escaped}",'],
            secret=escaped,
            hint="PEM escaped with \\n on one line",
        )
        f.add(f'  "client_email": "deployer@{project}.iam.gserviceaccount.com",',
              f'  "client_id": "{rng.randint(10**20, 10**21 - 1)}",',
              '  "auth_uri": "https://accounts.google.com/o/oauth2/auth",',
              '  "token_uri": "https://oauth2.googleapis.com/token"', "}")  # fmt: skip
        files.append(f)
    # Kubernetes Secrets (data: base64, stringData: plain) and a ConfigMap look-alike
    for i, app in enumerate(("billing", "search", "ledger", "accounts")):
        f = FileBuilder(f"deploy/k8s/{app}/secret{i}.yaml", "k8s-secret")
        f.add("apiVersion: v1", "kind: Secret", "metadata:", f"  name: {app}-db", "  namespace: prod", "type: Opaque")
        plain = i % 2 == 1
        values = [generic_password(rng) for _ in range(2)]
        entries = [f"  password: {json.dumps(v) if plain else b64(v.encode())}" for v in values]
        f.mark("planted", "SEC-050", ["stringData:" if plain else "data:", f"  username: {'app' if plain else 'YXBw'}",
                                      *entries], first=1)  # fmt: skip
        f.add("---", "apiVersion: v1", "kind: ConfigMap", "metadata:", f"  name: {app}-settings", "data:")
        f.mark("decoy", "setting", [f"  password_policy: {b64(b'min-length=12')}"])
        files.append(f)
    # kubeconfig: public CA and client certificate, private client key and a bearer token
    for i in range(2):
        f = FileBuilder(f"ops/kube/{'prod' if i else 'staging'}/.kube/config", "kubeconfig")
        f.add("apiVersion: v1", "kind: Config", "clusters:", "- cluster:")
        f.mark("decoy", "public-cert", ["    certificate-authority-data: " + b64(b"-----BEGIN CERTIFICATE-----\n"
                                                                                 + rng.randbytes(120))])  # fmt: skip
        f.add("    server: https://10.0.0.1:6443", "  name: prod", "users:", "- name: admin", "  user:")
        f.mark("decoy", "public-cert", ["    client-certificate-data: " + b64(b"-----BEGIN CERTIFICATE-----\n"
                                                                                + rng.randbytes(120))])  # fmt: skip
        f.mark("planted", "SEC-055", ["    client-key-data: " + b64(b"-----BEGIN RSA PRIVATE KEY-----\n"
                                                                    + rng.randbytes(120))])  # fmt: skip
        f.add("- name: ci", "  user:")
        f.mark("planted", "SEC-055", ["    token: " + render("{W:48}", rng)])
        files.append(f)
    # .npmrc, .pypirc, docker config.json, AWS credentials, git credentials, age key file
    f = FileBuilder("web/checkout/.npmrc", "npmrc")
    f.add("registry=https://npm.internal/", "always-auth=true")
    npm = github_token("npm_", rng)
    f.mark("planted", "SEC-020", [f"//npm.internal/:_authToken={npm}"], secret=npm)
    f.mark("decoy", "reference", ["//npm.mirror.internal/:_authToken=${NPM_TOKEN}"])
    files.append(f)
    f = FileBuilder("web/catalog/.npmrc", "npmrc")
    auth = b64(f"ci:{render('{X:18}', rng)}".encode())
    f.mark("planted", "SEC-053", [f"//npm.internal/:_auth={auth}"], secret=auth)
    files.append(f)
    f = FileBuilder("services/ledger/.pypirc", "pypirc")
    f.add("[distutils]", "index-servers =", "    pypi", "    internal", "", "[pypi]", "username = __token__")
    pypi = token("SEC-021", rng)
    f.mark("planted", "SEC-021", [f"password = {pypi}"], secret=pypi)
    f.add("", "[internal]", "repository = https://pypi.internal/", "username = ci")
    pw = render("{X:20}", rng)
    f.mark("planted", "SEC-054", [f"password = {pw}"], secret=pw)
    files.append(f)
    for i, app in enumerate(("gateway", "uploads")):
        f = FileBuilder(f"ops/docker/{app}/config.json", "docker-config")
        f.add("{", '  "auths": {', '    "registry.internal": {')
        auth = b64(f"ci-{app}:{render('{X:20}', rng)}".encode())
        f.mark("planted", "SEC-023", [f'      "auth": "{auth}"'], secret=auth)
        f.add("    }", "  },")
        f.mark(
            "decoy", "setting", ['  "credsStore": "desktop"' if i else '  "credHelpers": {"ecr.internal": "ecr-login"}']
        )
        f.add("}")
        files.append(f)
    f = FileBuilder("ops/aws/.aws/credentials", "aws-credentials")
    f.add("[default]")
    for rule in ("SEC-001", "SEC-002"):
        value = token(rule, rng)
        f.mark("planted", rule, [f"{TOKEN_NAMES[rule]} = {value}"], secret=value)
    f.add("", "[docs]")
    f.mark("decoy", "doc-key", ["aws_access_key_id = AKIAIOSFODNN7EXAMPLE"])
    f.mark("decoy", "doc-key", ["aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"])
    files.append(f)
    f = FileBuilder("ops/ci/.git-credentials", "git-credentials")
    ghp = github_token("ghp_", rng)
    f.mark("planted", "SEC-003", [f"https://deploy:{ghp}@git.internal"], secret=ghp)
    files.append(f)
    f = FileBuilder("ops/sops/keys.txt", "age")
    f.add("# created: 2025-01-14T09:12:44Z")
    f.mark("decoy", "public-key", ["# public key: age1" + render("{Q:58}", rng).lower()])
    age = token("SEC-044", rng)
    f.mark("planted", "SEC-044", [age], secret=age)
    files.append(f)
    # curl with credentials in scripts (and the safe way beside it)
    for i, app in enumerate(("reports", "scheduler", "pricing")):
        f = FileBuilder(f"scripts/{app}/sync.sh", "shell")
        f.add("#!/bin/sh", "set -eu")
        bearer = render("{W:40}", rng)
        f.mark("planted", "SEC-051", [f'curl -fsS -H "Authorization: Bearer {bearer}" https://api.internal/v1/{app}'],
               secret=bearer)  # fmt: skip
        pw = render("{X:16}", rng)
        f.mark("planted", "SEC-051", [f"curl -fsS -u deploy:{pw} https://artifacts.internal/{app}.tgz -o /tmp/a.tgz"],
               secret=pw)  # fmt: skip
        f.mark("decoy", "reference", [f'curl -fsS -H "Authorization: Bearer $API_TOKEN" https://api.internal/{i}'])
        files.append(f)
    # an Azure CLI token cache and a PuTTY key, from the sample templates
    for rule, path in (("SEC-057", "ops/azure/.azure/accessTokens.json"), ("SEC-013", "ops/putty/deploy.ppk")):
        files.append(sample_file(rule, path, SAMPLES[rule][1], rng, "credential-file"))
    return files


def sample_file(rule: str, path: str, template: str, rng: random.Random, context: str) -> FileBuilder:
    """A ``SAMPLES`` positive as a file; the planted range = its placeholder lines (whole key blocks)."""
    lines = render(template, rng).rstrip("\n").split("\n")
    marks = [i for i, line in enumerate(template.rstrip("\n").split("\n")) if PLACEHOLDER.search(line)]
    first, last = min(marks), max(marks)
    for i, line in enumerate(lines):
        if line.startswith(("-----BEGIN", "PuTTY-User-Key-File")):
            first = min(first, i)
        if line.startswith("-----END"):
            last = max(last, i)
    f = FileBuilder(path, context)
    f.add(*lines[:first])
    f.mark("planted", rule, lines[first : last + 1])
    f.add(*lines[last + 1 :])
    return f


def samples_files(rng: random.Random) -> list[FileBuilder]:
    """Every ``SAMPLES`` positive and negative as a file of its own (negatives: the whole file is a decoy)."""
    files = []
    for rule, (path, positive, neg_path, negative) in sorted(SAMPLES.items()):
        files.append(sample_file(rule, f"samples/{rule}/{path}", positive, rng, "samples"))
        f = FileBuilder(f"samples-negative/{rule}/{neg_path}", "samples-negative")
        f.mark("decoy", f"sample negative of {rule}", render(negative, rng).rstrip("\n").split("\n"))
        files.append(f)
    return files


def lock_files(rng: random.Random) -> list[FileBuilder]:
    """Dependency lock data: hashes everywhere, secrets nowhere."""
    f = FileBuilder("web/checkout/package-lock.json", "lockfile")
    f.add("{", '  "name": "checkout",', '  "lockfileVersion": 3,', '  "packages": {')
    for name in ("express", "lodash", "zod", "pino"):
        f.add(f'    "node_modules/{name}": {{', f'      "version": "{rng.randint(1, 5)}.{rng.randint(0, 20)}.0",')
        f.mark("decoy", "hash", [f'      "integrity": "sha512-{b64(rng.randbytes(64))}"'])
        f.add("    },")
    f.add('    "": {}', "  }", "}")
    g = FileBuilder("services/search/go.sum", "lockfile")
    for name in ("github.com/google/uuid v1.6.0", "golang.org/x/sync v0.7.0", "gopkg.in/yaml.v3 v3.0.1"):
        g.mark("decoy", "hash", [f"{name} h1:{b64(rng.randbytes(32))}"])
        g.mark("decoy", "hash", [f"{name}/go.mod h1:{b64(rng.randbytes(32))}"])
    r = FileBuilder("services/reports/requirements.txt", "lockfile")
    for name in ("requests==2.32.3", "urllib3==2.2.2"):
        r.mark("decoy", "hash", [f"{name} \\", f"    --hash=sha256:{render('{H:64}', rng)}"], 1, 1)
    return [f, g, r]


def test_data_files(rng: random.Random) -> list[FileBuilder]:
    """Test code with obviously fake credentials (the kind every repository has)."""
    files = []
    for app in ("accounts", "gateway", "billing"):
        f = FileBuilder(f"services/{app}/tests/test_auth.py", "test-code")
        f.add("import pytest", "", "from app.auth import login", "")
        for name, value in (("password", "hunter2"), ("token", "fake-token"), ("api_key", "test-api-key-123")):
            f.mark("decoy", "test-data", [f'FAKE_{name.upper()} = "{value}"'])
        f.add("", "def test_login_rejects_wrong_password():",
              '    assert not login("alice", FAKE_PASSWORD)')  # fmt: skip
        files.append(f)
    return files


@dataclass
class Corpus:
    root: Path
    files: list[FileBuilder]

    @property
    def truth(self) -> list[Truth]:
        return [t for f in self.files for t in f.truth]

    @property
    def planted(self) -> list[Truth]:
        return [t for t in self.truth if t.kind == "planted"]


def build_corpus(root: Path, seed: int) -> Corpus:
    """Write the corpus (removing any old one) and its manifest; same seed, same bytes."""
    rng = random.Random(seed)
    deck: list[str] = []
    files: list[FileBuilder] = []
    for kind in KINDS:
        files += [realistic_file(kind, i, rng, deck) for i in range(kind.count)]
    files += credential_files(rng) + samples_files(rng) + lock_files(rng) + test_data_files(rng)
    paths = Counter(f.path for f in files)
    if duplicates := [p for p, n in paths.items() if n > 1]:
        raise SystemExit(f"corpus generator bug: duplicate paths {duplicates}")
    if root.exists():
        shutil.rmtree(root)
    for f in files:
        target = root / f.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f.text())
    corpus = Corpus(root, files)
    MANIFEST.write_text(json.dumps({"seed": seed, "truth": [asdict(t) for t in corpus.truth]}, indent=1))
    return corpus


# --------------------------------------------------------------------------- running the scanners


@dataclass(frozen=True)
class Finding:
    """One reported secret, reduced to what all tools share."""

    file: str
    line: int
    end: int
    rule: str
    text: str = ""  # for image-config findings: the place (``ENV NAME``) or the redacted line


@dataclass
class ToolRun:
    name: str
    command: list[str]
    findings: list[Finding] = field(default_factory=list)
    wall_s: float = 0.0
    error: str | None = None


def no_network() -> list[str]:
    """``unshare -n`` when it works here (root or user namespaces), else nothing (and a note in the report)."""
    ok = shutil.which("unshare") and subprocess.run(["unshare", "-n", "true"], check=False).returncode == 0
    return ["unshare", "-n"] if ok else []


def timed(cmd: Sequence[str], stdout: Path, stderr: Path) -> float:
    """Run ``cmd`` with stdout to a file; its wall time; ToolFailed on a non-zero exit."""
    with stdout.open("wb") as out, stderr.open("wb") as err:
        start = time.perf_counter()
        done = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err, check=False)
        wall = time.perf_counter() - start
    if done.returncode != 0:
        lines = [line for line in stderr.read_text(errors="replace").splitlines() if line.strip()]
        raise sbom.ToolFailed(f"exit {done.returncode}: {lines[-1] if lines else 'no stderr'}")
    return wall


def relative(name: str, root: Path, cwd: Path) -> str:
    """A tool's file name, relative to the scanned root (tools print absolute, relative or ``/``-rooted)."""
    path = Path(name)
    if path.is_absolute() and path.is_relative_to(root):
        return str(path.relative_to(root))
    if not path.is_absolute() and (cwd / path).resolve().is_relative_to(root):
        return str((cwd / path).resolve().relative_to(root))
    return name.lstrip("/")


def parse_mamoru(doc: dict[str, Any]) -> list[Finding]:
    findings = []
    for item in doc.get("findings", []):
        if item.get("kind") != "secret":
            continue
        location = item.get("location") or {}
        path, line = location.get("path") or "", location.get("line") or 0
        where = "" if path else item.get("message", "").rpartition(": ")[2]
        findings.append(Finding(path.lstrip("/"), line, line, item["ruleId"], where))
    return findings


def parse_trivy(doc: dict[str, Any], image: Path | None = None) -> list[Finding]:
    findings = []
    for result in doc.get("Results") or []:
        target = result.get("Target", "")
        is_config = image is not None and Path(target).name == image.name  # Trivy names the config after the image
        for secret in result.get("Secrets") or []:
            path = "" if is_config else target.lstrip("/")
            text = secret.get("Match", "") if is_config else ""
            findings.append(Finding(path, secret.get("StartLine", 0), secret.get("EndLine", 0), secret["RuleID"], text))
    return findings


def parse_detect_secrets(doc: dict[str, Any]) -> list[Finding]:
    return [Finding(name, s["line_number"], s["line_number"], s["type"])
            for name, items in doc.get("results", {}).items() for s in items]  # fmt: skip


def ensure_detect_secrets() -> Path:
    """detect-secrets 1.5.0 in its own venv under benchmarks/.work (installed from PyPI when missing)."""
    exe = DS_VENV / "bin" / "detect-secrets"
    if exe.exists():
        return exe
    sbom.log(f"installing {DS_REQUIREMENT} into {sbom.display(DS_VENV)}")
    subprocess.run([sys.executable, "-m", "venv", str(DS_VENV)], check=True)
    subprocess.run([str(DS_VENV / "bin" / "python"), "-m", "pip", "install", "-q", DS_REQUIREMENT], check=True)
    return exe


def scan_corpus(corpus: Path, mamoru: Path, trivy: Path, detect_secrets: Path, wrap: list[str]) -> list[ToolRun]:
    """Each tool once on the corpus, in a fresh network namespace; their findings, normalised."""
    out = WORK / "out" / "secret-corpus"
    out.mkdir(parents=True, exist_ok=True)
    trivy_options = ["-f", "json", "-q", "--cache-backend", "memory", "--cache-dir", str(TRIVY_CACHE)]  # no reuse
    runs = [
        ToolRun("mamoru", [str(mamoru), "fs", str(corpus), "--scanners", "secret", "-f", "json", "-q"]),
        ToolRun(
            "trivy", [str(trivy), "fs", "--scanners", "secret", "--skip-check-update", *trivy_options, str(corpus)]
        ),
        ToolRun("detect-secrets", [str(detect_secrets), "scan", "--all-files", str(corpus)]),
    ]
    parsers: dict[str, Callable[[dict[str, Any]], list[Finding]]] = {
        "mamoru": parse_mamoru, "trivy": parse_trivy, "detect-secrets": parse_detect_secrets}  # fmt: skip
    for run in runs:
        sbom.log(f"corpus: {run.name}")
        stdout, stderr = out / f"{run.name}.json", out / f"{run.name}.stderr"
        try:
            run.wall_s = timed([*wrap, *run.command], stdout, stderr)
            found = parsers[run.name](json.loads(stdout.read_text()))
        except (sbom.ToolFailed, json.JSONDecodeError) as failure:
            run.error = f"{failure} (stderr: {sbom.display(stderr)})"
            continue
        run.findings = [Finding(relative(f.file, corpus, REPO), f.line, f.end, f.rule) for f in found]
    return runs


# --------------------------------------------------------------------------- scoring the corpus


def overlaps(finding: Finding, truth: Truth) -> bool:
    return finding.file == truth.file and finding.line <= truth.end and max(finding.end, finding.line) >= truth.line


@dataclass
class Score:
    """One tool against the ground truth."""

    tool: str
    found: dict[Truth, list[Finding]]  # planted -> findings on it
    missed: list[Truth]
    false_positives: list[tuple[Finding, Truth | None]]  # one per (file, first line); the decoy it hit

    @property
    def recall(self) -> float:
        total = len(self.found) + len(self.missed)
        return len(self.found) / total if total else float("nan")

    @property
    def precision(self) -> float:
        reported = len(self.found) + len(self.false_positives)
        return len(self.found) / reported if reported else float("nan")


def score(run: ToolRun, truth: list[Truth]) -> Score:
    by_file: dict[str, list[Truth]] = defaultdict(list)
    for t in truth:
        by_file[t.file].append(t)
    found: dict[Truth, list[Finding]] = {}
    false_positives: dict[tuple[str, int], tuple[Finding, Truth | None]] = {}
    for finding in run.findings:
        hits = [t for t in by_file.get(finding.file, []) if overlaps(finding, t)]
        planted = [t for t in hits if t.kind == "planted"]
        for t in planted:
            found.setdefault(t, []).append(finding)
        if not planted:
            decoys = [t for t in hits if t.kind == "decoy"]
            false_positives.setdefault((finding.file, finding.line), (finding, decoys[0] if decoys else None))
    missed = [t for t in truth if t.kind == "planted" and t not in found]
    return Score(run.name, found, missed, sorted(false_positives.values(), key=lambda fp: (fp[0].file, fp[0].line)))


def fp_category(fp: tuple[Finding, Truth | None]) -> str:
    decoy_hit = fp[1]
    if decoy_hit is None:
        return "unlabelled line"
    return "sample negative" if decoy_hit.label.startswith("sample negative") else decoy_hit.label


# --------------------------------------------------------------------------- images


@dataclass(frozen=True)
class Expected:
    """A secret planted in a fixture image: a file (path) or an image-config place (``ENV NAME``)."""

    rule: str
    path: str
    visible: bool = True
    place: str = ""  # config secrets: the variable name, matched in the tool's text
    source: str = "planted-expected.json"
    line: int = 0  # when known (several secrets in one file): the finding must be on this line


# what tests/fixtures/build-images.sh plants in the app image (steps 4-6)
APP_EXPECTED = (
    Expected("SEC-001", "app/config.py", source="build-images.sh", line=1),
    Expected("SEC-002", "app/config.py", source="build-images.sh", line=2),
    Expected("SEC-003", "app/config.py", source="build-images.sh", line=3),
    Expected("SEC-065", "app/.env", visible=False, source="build-images.sh", line=1),
    Expected("SEC-001", "app/.env", visible=False, source="build-images.sh", line=2),
    Expected("SEC-002", "app/.env", visible=False, source="build-images.sh", line=3),
    Expected("SEC-012", "root/.ssh/id_rsa", visible=False, source="build-images.sh", line=1),
    Expected("SEC-100", "", place="DB_PASSWORD", source="build-images.sh"),
    Expected("SEC-100", "", place="AWS_SECRET_ACCESS_KEY", source="build-images.sh"),
)


# real secrets in the fixtures that nobody planted on purpose
KNOWN_EXTRAS = {
    "etc/ssh/ssh_host_": "host key made by openssh-server's install script: a real private key in the image",
}


def expected_for(image: Path) -> list[Expected]:
    if image.name == "app-docker.tar":
        return list(APP_EXPECTED)
    if image.name == "planted-docker.tar":
        items = json.loads((image.parent / "planted-expected.json").read_text())
        expected = [Expected(i["rule"], i["path"], i["visible"]) for i in items if i["rule"].startswith("SEC-")]
        return [*expected, Expected("SEC-100", "", place="SERVICE_TOKEN", source="build-planted-image.sh")]
    return []


def equivalent(mamoru_rule: str, rule: str) -> bool:
    """Same rule, or a peer rule listed among the mamoru rule's aliases (SEC-100 covers any config secret)."""
    return rule == mamoru_rule or rule in RULE_ALIASES.get(mamoru_rule, set()) or mamoru_rule == "SEC-100"


def matches(expected: Expected, finding: Finding) -> bool:
    if expected.place:
        return not finding.file and bool(re.search(rf"\b{expected.place}\b", finding.text))
    return finding.file == expected.path and (not expected.line or finding.line <= expected.line <= finding.end)


@dataclass
class ImageResult:
    image: Path
    findings: dict[str, list[Finding]]
    stats: dict[str, sbom.Stats]
    trivy_base_layers: str  # "1 of 5" (from the debug warm-up)
    large_files: tuple[int, float]  # files over mamoru's secret-scan size limit in the layers: count, MiB


class ImageTool(sbom.Tool):
    """A scanner under test on images, secret scanner only, wrapped in ``unshare -n``."""

    def __init__(self, name: str, exe: Path, wrap: list[str]) -> None:
        super().__init__(name, exe)
        self.wrap = wrap

    def command(self, image: Path, output: Path) -> list[str]:
        if self.name == "mamoru":
            return [*self.wrap, str(self.exe), "image", str(image), "--scanners", "secret", "-f", "json", "-q",
                    "-o", str(output)]  # fmt: skip
        return [*self.wrap, str(self.exe), "image", "--input", str(image), "--scanners", "secret",
                "--cache-backend", "memory", "--cache-dir", str(TRIVY_CACHE), "-f", "json", "-q",
                "-o", str(output)]  # fmt: skip


def bench_image(tools: Sequence[ImageTool], image: Path, runs: int) -> ImageResult:
    """Warm-up (Trivy with --debug: its base-layer guess), then ``runs`` interleaved timed runs per tool."""
    outdir = WORK / "out" / f"secrets-{image.name}"
    outdir.mkdir(parents=True, exist_ok=True)
    stats = {t.name: sbom.Stats() for t in tools}
    outputs = {t.name: outdir / f"{t.name}.json" for t in tools}
    base_layers = "unknown"
    for tool in tools:  # warm-up, not timed
        cmd = tool.command(image, outputs[tool.name])
        if tool.name == "trivy":
            cmd = [*(c for c in cmd if c != "-q"), "--debug"]  # its log names the layers it takes for base layers
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            stats[tool.name].error = f"exit {done.returncode}: {(done.stderr.strip().splitlines() or [''])[-1]}"
        if tool.name == "trivy":
            base_layers = trivy_base_layers(done.stderr, image)
    for i in range(runs):
        for tool in tools if i % 2 == 0 else list(reversed(tools)):
            if stats[tool.name].error is None:
                try:
                    stats[tool.name].runs.append(sbom.run_tool(tool, image, outputs[tool.name]))
                except sbom.ToolFailed as failure:
                    stats[tool.name].error = str(failure)
    findings: dict[str, list[Finding]] = {}
    for tool in tools:
        if stats[tool.name].error is None and outputs[tool.name].is_file():
            doc = json.loads(outputs[tool.name].read_text())
            findings[tool.name] = parse_mamoru(doc) if tool.name == "mamoru" else parse_trivy(doc, image)
    return ImageResult(image, findings, stats, base_layers, large_files(image))


def large_files(image: Path) -> tuple[int, float]:
    """Regular files larger than mamoru's secret-scan limit in all layers of a docker archive (count, MiB)."""
    count, total = 0, 0
    with tarfile.open(image) as archive:
        manifest = archive.extractfile("manifest.json")
        layers = json.load(manifest)[0]["Layers"] if manifest else []
        for name in layers:
            blob = archive.extractfile(name)
            if blob is None:
                continue
            with tarfile.open(fileobj=blob, mode="r:*") as layer:
                for member in layer:
                    if member.isfile() and member.size > MAX_SECRET_FILE:
                        count, total = count + 1, total + member.size
    return count, total / 2**20


def trivy_base_layers(log_text: str, image: Path) -> str:
    """How many layers Trivy's debug log calls base layers (their secrets are not scanned), of how many."""
    base = re.search(r"Detected base layers\s+diff_ids=\[([^\]]*)\]", log_text)
    all_ids = re.search(r"Detected diff ID\s+diff_ids=\[([^\]]*)\]", log_text)
    if not all_ids:
        return "unknown"
    count = len(base.group(1).split()) if base else 0
    return f"{count} of {len(all_ids.group(1).split())}"


# --------------------------------------------------------------------------- report


def pct(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.1f}%)" if whole else "0/0"


def machine_section(mamoru: Path, trivy: Path, detect_secrets: Path, wrap: list[str]) -> list[str]:
    facts = sbom.machine_facts(mamoru, trivy)
    facts.append(("detect-secrets", sbom.output_of([str(detect_secrets), "--version"])))
    facts.append(("network during scans", "none (`unshare -n`)" if wrap else "**not isolated**: unshare -n failed"))
    return ["## Machine", "", *sbom.table(["", ""], facts), ""]


def commands_section(runs: list[ToolRun], tools: Sequence[ImageTool], seed: int, n_runs: int) -> list[str]:
    sample = [shlex.join(t.command(Path("IMAGE.tar"), Path("OUT.json"))) for t in tools]
    corpus = [shlex.join(["unshare", "-n", *r.command]).replace(str(REPO) + "/", "") for r in runs]
    return [
        "## Commands", "", "```sh", shlex.join(sys.orig_argv), "```", "",
        f"Corpus (seed {seed}; one run each, stdout = JSON):", "", "```sh", *corpus, "```", "",
        f"Images (1 untimed warm-up, Trivy's with `--debug`; then {n_runs} timed runs per tool, interleaved):", "",
        "```sh", *(s.replace(str(REPO) + "/", "") for s in sample), "```", "",
    ]  # fmt: skip


def corpus_section(corpus: Corpus, runs: list[ToolRun], scores: dict[str, Score]) -> list[str]:
    truth = corpus.truth
    planted = corpus.planted
    decoys = [t for t in truth if t.kind == "decoy"]
    formats = sorted({t.label for t in planted})
    lines = [
        "## Corpus", "",
        f"{len(corpus.files)} files, {len(planted)} planted secrets of {len(formats)} formats, {len(decoys)} decoys "
        f"(ground truth: `{sbom.display(MANIFEST)}`).", "",
        *sbom.table(["file kind", "files", "planted", "decoys"], [
            [kind, n, sum(1 for t in planted if t.context == kind), sum(1 for t in decoys if t.context == kind)]
            for kind, n in sorted(Counter(f.context for f in corpus.files).items())]), "",
        "## Corpus results", "",
    ]  # fmt: skip
    rows: list[list[object]] = []
    for run in runs:
        if run.error:
            rows.append([run.name, f"**failed**: {run.error}", "", "", "", ""])
            continue
        s = scores[run.name]
        rows.append([run.name, pct(len(s.found), len(planted)), len(s.false_positives), f"{s.precision:.3f}",
                     len(run.findings), f"{run.wall_s:.2f}"])  # fmt: skip
    lines += sbom.table(["tool", "recall (planted lines found)", "false positives (lines)", "precision",
                         "findings", "wall s (1 run)"], rows)  # fmt: skip
    mamoru = scores.get("mamoru")
    if mamoru:
        same = sum(1 for t, fs in mamoru.found.items() if any(f.rule == t.label for f in fs))
        lines += ["", f"mamoru reported {same} of the {len(mamoru.found)} planted secrets it found under the planted "
                      "format's own rule id; the others under another rule (usually a generic one)."]  # fmt: skip
    tools = [r.name for r in runs if not r.error]
    lines += ["", "### Recall per format", "",
              "Planted secrets per mamoru format (the rule id is the format; peers are matched by file and line only).",
              ""]  # fmt: skip
    format_rows = []
    for rule in formats:
        items = [t for t in planted if t.label == rule]
        cells = [f"{sum(1 for t in items if t in scores[name].found)}/{len(items)}" for name in tools]
        format_rows.append([rule, RULE_NAMES.get(rule, ""), *cells])
    lines += sbom.table(["format", "name", *tools], format_rows)
    lines += ["", "### Recall per file kind", ""]
    kind_rows = []
    for kind in sorted({t.context for t in planted}):
        items = [t for t in planted if t.context == kind]
        kind_rows.append([kind, *(pct(sum(1 for t in items if t in scores[n].found), len(items)) for n in tools)])
    lines += sbom.table(["file kind", *tools], kind_rows)
    lines += ["", "### False positives per decoy category", "",
              "Lines a tool reported that hold no planted secret, by the decoy on that line "
              "(\"unlabelled line\" = filler).", ""]  # fmt: skip
    categories = sorted(
        {fp_category(fp) for n in tools for fp in scores[n].false_positives}
        | {("sample negative" if t.label.startswith("sample negative") else t.label) for t in decoys}
    )
    total = Counter("sample negative" if t.label.startswith("sample negative") else t.label for t in decoys)
    cat_rows = []
    for category in categories:
        counts = [sum(1 for fp in scores[n].false_positives if fp_category(fp) == category) for n in tools]
        cat_rows.append([category, total.get(category, "-"), *counts])
    lines += sbom.table(["decoy category", "decoys", *tools], cat_rows)
    lines.append("")
    return lines


def misses_section(score_: Score, runs: list[ToolRun], full: bool) -> list[str]:
    """Misses and false positives of one tool; peers' lists are folded (``<details>``)."""
    lines = []
    found_formats: dict[str, set[str]] = defaultdict(set)
    for t in score_.found:
        found_formats[t.label].add(t.context)
    miss_rows = []
    for t in score_.missed:
        elsewhere = sorted(found_formats.get(t.label, set()))
        kinds = ", ".join(elsewhere[:4]) + (f" +{len(elsewhere) - 4} more" if len(elsewhere) > 4 else "")
        miss_rows.append([f"`{t.file}:{t.line}`", t.label, t.context, f"`{t.shown}`", t.hint, kinds or "nowhere"])
    fp_rows = []
    for finding, hit in score_.false_positives:
        fp_rows.append([f"`{finding.file}:{finding.line}`", finding.rule, fp_category((finding, hit)),
                        f"`{hit.shown}`" if hit else "(filler)"])  # fmt: skip
    miss_table = sbom.table(["where", "format", "file kind", "line (value redacted)", "facts",
                             "this tool found the format in"], miss_rows)  # fmt: skip
    fp_table = sbom.table(["where", "tool rule", "decoy", "line"], fp_rows)
    title = f"### {score_.tool}: {len(score_.missed)} missed, {len(score_.false_positives)} false positives"
    if full:
        lines += [title, "", "#### Missed planted secrets", "", *(miss_table if miss_rows else ["none"]), "",
                  "#### False positives", "", *(fp_table if fp_rows else ["none"]), ""]  # fmt: skip
    else:
        lines += [title, "", "<details><summary>missed</summary>", "", *(miss_table if miss_rows else ["none"]), "",
                  "</details>", "", "<details><summary>false positives</summary>", "",
                  *(fp_table if fp_rows else ["none"]), "", "</details>", ""]  # fmt: skip
    return lines


def image_section(results: list[ImageResult], runs: int) -> list[str]:
    lines = ["## Images", "", f"Wall time: median of {runs} timed runs after 1 warm-up, interleaved; "
             "each run is one child process (`wait4`).", ""]  # fmt: skip
    rows = []
    for r in results:
        m, t = r.stats["mamoru"], r.stats["trivy"]
        cells: list[object] = [r.image.name]
        for st in (m, t):
            cells.append(f"**failed**: {st.error}" if st.error else f"{st.median_wall:.2f} ({min(st.walls):.2f}-"
                         f"{max(st.walls):.2f})")  # fmt: skip
        ratio = f"{m.median_wall / t.median_wall:.3g}x" if not (m.error or t.error) else ""
        big, mib = r.large_files
        cells += [ratio, len(r.findings.get("mamoru", [])), len(r.findings.get("trivy", [])), r.trivy_base_layers,
                  f"{big} ({mib:.0f} MiB)" if big else "0"]  # fmt: skip
        rows.append(cells)
    lines += sbom.table(["image", "mamoru s (min-max)", "trivy s (min-max)", "mamoru / trivy", "mamoru findings",
                         "trivy findings", "trivy: layers it treats as base (not scanned)",
                         f"files > {MAX_SECRET_FILE // 2**20} MiB in the layers (mamoru skips them)"],
                        rows)  # fmt: skip
    lines += ["", "Trivy guesses the base image from the history (the layers up to the last `CMD`/`ENTRYPOINT` "
              "before the image's own layers) and does not scan those layers for secrets. `base-docker.tar` is "
              "one layer with a `CMD` after it, so Trivy treats no layer as base there and scans it all; its time "
              "is Trivy's cost for a whole Debian root filesystem. mamoru scans every layer (the base ones too) but "
              f"skips files over {MAX_SECRET_FILE // 2**20} MiB (data, not configuration) and binary files; Trivy "
              "scans large text files such as apt's package lists (50 MiB in `planted-docker.tar`, whose build "
              "leaves them behind) with every rule.", ""]  # fmt: skip
    for r in results:
        expected = expected_for(r.image)
        lines += [f"### {r.image.name}", ""]
        if expected:
            exp_rows = []
            for e in expected:
                cells = [e.rule, f"`{e.path}`" if e.path else f"config `{e.place}`", "yes" if e.visible else "no",
                         e.source]  # fmt: skip
                for tool in ("mamoru", "trivy"):
                    hits = [f for f in r.findings.get(tool, []) if matches(e, f)]
                    rules = sorted({f.rule for f in hits})
                    same = any(equivalent(e.rule, f.rule) for f in hits)
                    cells.append(("✅ " if same else "⚠️ other rule: ") + ", ".join(rules) if hits else "❌")
                exp_rows.append(cells)
            for tool in ("mamoru", "trivy"):
                hit = sum(1 for e in expected if any(matches(e, f) for f in r.findings.get(tool, [])))
                lines.append(f"- {tool}: {pct(hit, len(expected))} planted secrets found")
            lines += ["", *sbom.table(["rule", "where", "visible", "planted by", "mamoru", "trivy"], exp_rows), ""]
        other_rows = []
        for tool in ("mamoru", "trivy"):
            for f in r.findings.get(tool, []):
                if not any(matches(e, f) for e in expected):
                    where = f"`{f.file}:{f.line}`" if f.file else f"config: `{clip(f.text, 60)}`"
                    note = next((text for prefix, text in KNOWN_EXTRAS.items() if f.file.startswith(prefix)), "")
                    other_rows.append([tool, f.rule, where, note])
        if other_rows:
            other = sbom.table(["tool", "rule", "where", "note"], other_rows)
            lines += ["Findings outside the planted list:", "", *other, ""]
        elif not expected:
            lines += ["No findings from either tool (expected: nothing is planted).", ""]
    return lines


def render_report(args: argparse.Namespace, header: list[str], corpus: Corpus, runs: list[ToolRun],
                  scores: dict[str, Score], images: list[ImageResult]) -> str:  # fmt: skip
    lines = [*header, *corpus_section(corpus, runs, scores), "## Misses and false positives on the corpus", ""]
    for run in runs:
        if run.name in scores:
            lines += misses_section(scores[run.name], runs, full=run.name == "mamoru")
    if images:
        lines += image_section(images, args.runs)
    failures = [f"- corpus / {r.name}: {r.error}" for r in runs if r.error]
    failures += [f"- {r.image.name} / {n}: {st.error}" for r in images for n, st in r.stats.items() if st.error]
    if failures:
        lines += ["## Failures", "", *failures, ""]
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per tool and image (default 5)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"corpus seed (default {DEFAULT_SEED})")
    parser.add_argument("--fixtures", type=Path, default=REPO / ".cache" / "fixtures",
                        help="fixture folder (default .cache/fixtures; built when missing)")  # fmt: skip
    parser.add_argument("--images", nargs="*", default=list(IMAGES), help="image tars in --fixtures (none to skip)")
    parser.add_argument("--markdown", type=Path, help="also write the report to this file")
    parser.add_argument("--mamoru", type=Path, help="mamoru executable (default: the one beside this Python)")
    parser.add_argument("--trivy", type=Path, help="trivy executable (default: /work/tools/trivy or fetched)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    args.fixtures = args.fixtures.resolve()
    args.images = [args.fixtures / name for name in args.images]
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    WORK.mkdir(parents=True, exist_ok=True)
    if args.images:
        sbom.ensure_fixtures(args.fixtures, [i for i in args.images if i.name != "planted-docker.tar"])
        if any(i.name == "planted-docker.tar" and not i.exists() for i in args.images):
            raise SystemExit(
                "planted-docker.tar missing: OUT=.cache/fixtures bash tests/fixtures/build-planted-image.sh"
            )
    mamoru = sbom.find_mamoru(args.mamoru)
    trivy = sbom.ensure_trivy(args.trivy or (SHARED_TRIVY if SHARED_TRIVY.exists() else None))
    detect_secrets = ensure_detect_secrets()
    wrap = no_network()

    sbom.log(f"writing the corpus (seed {args.seed}) to {sbom.display(CORPUS)}")
    corpus = build_corpus(CORPUS, args.seed)
    runs = scan_corpus(CORPUS, mamoru, trivy, detect_secrets, wrap)
    scores = {r.name: score(r, corpus.truth) for r in runs if r.error is None}

    tools = [ImageTool("mamoru", mamoru, wrap), ImageTool("trivy", trivy, wrap)]
    images = []
    for image in args.images:
        sbom.log(f"{image.name}: 1 warm-up + {args.runs} runs per tool")
        images.append(bench_image(tools, image, args.runs))

    header = ["# mamoru vs Trivy vs detect-secrets: secret scanning", "",
              *machine_section(mamoru, trivy, detect_secrets, wrap),
              *commands_section(runs, tools, args.seed, args.runs)]  # fmt: skip
    report = render_report(args, header, corpus, runs, scores, images)
    print(report)
    if args.markdown:
        args.markdown.write_text(report + "\n")
    failed = any(r.error for r in runs) or any(st.error for r in images for st in r.stats.values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
