"""Which variable names hold credentials, and how to show their values without revealing them.

Shared by the Dockerfile (ARG/ENV), Compose (environment) and Kubernetes (env) rules. The name is
split into words (``DB_PASSWORD`` → ``db``, ``password``; ``apiKey`` → ``api``, ``key``) and matched
against credential words, so ``PASSWORD_FILE`` (a path, the Docker secrets convention), ``GPG_KEY``
(a public key fingerprint) and ``TOKEN_URL`` are not reported while ``NPM_TOKEN``, ``DB_PASS`` and
``SECRET_KEY_BASE`` are.
"""

from __future__ import annotations

import re

# one word is enough
SECRET_WORDS = frozenset({"password", "passwd", "passwords", "pass", "pwd", "pword", "psw", "secret", "secrets",
                          "token", "tokens", "apikey", "credential", "credentials", "creds", "passphrase",
                          "privatekey", "accesskey", "secretkey", "authtoken", "bearer"})  # fmt: skip
# "key" only counts after one of these: API_KEY, ACCESS_KEY, PRIVATE_KEY …
KEY_QUALIFIERS = frozenset({"api", "access", "private", "secret", "client", "signing", "encryption", "master",
                            "auth", "license", "session", "app", "service", "account", "storage",
                            "shared"})  # fmt: skip
# the name is about the credential, not the credential itself
NOT_A_VALUE = frozenset({"file", "path", "dir", "directory", "url", "uri", "endpoint", "host", "hostname", "port",
                         "name", "id", "ids", "type", "length", "len", "size", "expiry", "expires", "ttl", "timeout",
                         "enabled", "enable", "disabled", "required", "policy", "rotation", "header", "prefix",
                         "format", "algorithm", "algo", "method", "mode", "field", "env", "location", "mount",
                         "ref", "hint", "min", "max", "count", "version", "public", "fingerprint"})  # fmt: skip
KNOWN_NAMES = frozenset({"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AZURE_CLIENT_SECRET",
                         "GITHUB_TOKEN", "GH_TOKEN", "GITLAB_TOKEN", "NPM_TOKEN", "NPM_AUTH_TOKEN", "HF_TOKEN",
                         "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "SLACK_TOKEN", "STRIPE_API_KEY", "VAULT_TOKEN",
                         "DOCKER_PASSWORD", "DOCKERHUB_PASSWORD", "HEROKU_API_KEY", "DIGITALOCEAN_ACCESS_TOKEN",
                         "CI_DEPLOY_PASSWORD", "FIREBASE_TOKEN", "GOOGLE_API_KEY", "SENTRY_AUTH_TOKEN",
                         "TWINE_PASSWORD", "PYPI_TOKEN", "SONAR_TOKEN", "CODECOV_TOKEN", "DATADOG_API_KEY",
                         "DD_API_KEY", "NEW_RELIC_LICENSE_KEY", "MYSQL_ROOT_PASSWORD", "POSTGRES_PASSWORD",
                         "RABBITMQ_DEFAULT_PASS", "REDIS_PASSWORD", "MONGO_INITDB_ROOT_PASSWORD",
                         "SECRET_KEY_BASE", "DJANGO_SECRET_KEY", "JWT_SECRET", "SESSION_SECRET"})  # fmt: skip


def words(name: str) -> list[str]:
    """``DB_PASSWORD`` → [db, password]; ``apiKey`` → [api, key]; ``x-auth-token`` → [x, auth, token]."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return [w for w in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if w]


def is_secret_name(name: str) -> bool:
    """Whether a variable named ``name`` holds a credential."""
    if name.upper() in KNOWN_NAMES:
        return True
    parts = words(name)
    if not parts or parts[-1] in NOT_A_VALUE:
        return False
    for index, word in enumerate(parts):
        if word in SECRET_WORDS:
            return True
        if word == "key" and index > 0 and parts[index - 1] in KEY_QUALIFIERS:
            return True
        if word.endswith(("password", "passwd", "secret", "token")) and len(word) > 5:
            return True  # DBPASSWORD, APISECRET, AUTHTOKEN
    return False


def mask(value: str) -> str:
    """A value shown in a finding: empty, a reference to another variable, or masked."""
    if value == "":
        return '""'
    if value.startswith("$") or value.startswith("{{"):
        return value
    return "***"
