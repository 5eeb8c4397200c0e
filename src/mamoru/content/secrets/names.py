"""Which names hold a credential, shared by the secret engine, the image-config detector and containers.

It builds on :mod:`mamoru.rules.secret_names` (the Dockerfile, Compose and Kubernetes rules' word lists:
``DB_PASSWORD``, ``MYSQL_PWD``, ``signingKey`` yes; ``PASSWORD_FILE``, ``GPG_KEY``, ``TOKEN_URL`` no) and
adds the words that, as the last word of a name, make it a setting or a pointer rather than a value
(``JWT_SECRET_SSM_PATH``, ``TOKEN_TTL_SECONDS``, ``TOKEN_AUDIENCE``, ``tls.crt``). Two tests: the lenient
``is_credential_name`` for environment variables (image ENV, labels, build args, ``.env`` files, containers),
named for what they hold, and the strict ``is_credential_key`` for assignments in any file, where code names
many things after credentials (``token.markup``, ``password_encryption``). The keywords are what the engine's
pre-filter looks for, so that every such name reaches the expressions.
"""

from __future__ import annotations

from mamoru.rules.secret_names import KEY_QUALIFIERS, KNOWN_NAMES, NOT_A_VALUE, SECRET_WORDS, is_secret_name, words

# last words of a setting, a pointer to a secret kept elsewhere, or public material
SETTING_WORDS = frozenset({
    "ssm", "arn", "kms", "vault", "store", "provider", "backend", "source", "audience", "aud", "issuer", "iss",
    "scope", "scopes", "seconds", "secs", "minutes", "mins", "hours", "days", "ms", "lifetime", "interval",
    "user", "username", "login", "email", "owner", "label", "description", "desc", "template", "pattern", "regex",
    "validation", "strength", "complexity", "reset", "changed", "updated", "created", "rotated", "generator",
    "crt", "cert", "certificate", "pub", "publickey", "ca", "checksum", "digest", "sha", "sha256", "md5",
})  # fmt: skip
NOT_A_CREDENTIAL = frozenset({"nopasswd", "nopassword"})  # sudoers tags
PUBLIC_WORDS = frozenset({"crt", "cert", "certificate", "pub", "publickey", "public", "ca", "fingerprint"})


def is_credential_name(name: str) -> bool:
    """Whether ``name`` names a credential's value: ``DB_PASS``, ``signingKey``, ``--password`` yes;
    ``API_KEY_FILE``, ``JWT_SECRET_SSM_PATH``, ``TOKEN_TTL_SECONDS``, ``secretKeyRef``, ``NOPASSWD`` no."""
    parts = words(name)
    if not parts or parts[-1] in SETTING_WORDS or NOT_A_CREDENTIAL.intersection(parts):
        return False
    return is_secret_name(name)


# words that may follow the credential word in a name that still holds it: SECRET_KEY_BASE, DB_PASSWORD_PROD
VALUE_SUFFIXES = frozenset({
    "value", "val", "string", "str", "base", "raw", "plain", "plaintext", "clear", "b64", "base64", "hex", "text",
    "data", "prod", "production", "dev", "development", "staging", "stage", "live", "local", "old", "new",
    "current", "primary", "secondary", "backup",
})  # fmt: skip
_COMPOUND_ENDINGS = ("password", "passwd", "secret", "token", "apikey", "secretkey", "privatekey", "accesskey")


def is_credential_key(name: str) -> bool:
    """The stricter test for names in file content, where code names many things after credentials: the
    credential word must end the name, or be followed only by qualifiers (``SECRET_KEY_BASE``,
    ``DB_PASSWORD_PROD``, ``client-key-data``). ``token.markup``, ``password_encryption``,
    ``last_pass_time`` and ``license_key`` (a license identifier) are no credentials."""
    if name.upper() in KNOWN_NAMES:
        return True
    parts = [part.rstrip("0123456789") or part for part in words(name)]
    for _ in range(2):
        if len(parts) > 1 and parts[-1] in VALUE_SUFFIXES:
            parts.pop()
    if not parts or parts[-1] in SETTING_WORDS or parts[-1] in NOT_A_VALUE or parts[-1] in NOT_A_CREDENTIAL:
        return False
    last = parts[-1]
    if last in SECRET_WORDS:
        return True
    if last == "key":
        return len(parts) > 1 and parts[-2] in KEY_QUALIFIERS and parts[-2] != "license"
    return last.endswith(_COMPOUND_ENDINGS) and len(last) > 6


def holds_secret_data(key: str) -> bool:
    """Whether an entry of a Kubernetes Secret's ``data`` holds secret material: not ``tls.crt``,
    ``ca.crt``, ``ssh-publickey``, ``username`` or ``host``."""
    parts = words(key)
    return bool(parts) and parts[-1] not in PUBLIC_WORDS | NOT_A_VALUE | {"user", "username", "login", "email"}


def _keywords() -> tuple[str, ...]:
    """Lower-case literals, one of which every credential name contains (``key`` only after a qualifier).

    ``pass`` alone would stop at every Python ``pass`` statement: it counts only as a word of a name
    (``DB_PASS``, ``pass:``, ``dbPass =``), ``password``, ``passwd`` and ``passphrase`` on their own.
    """
    found = {"passw", "passphrase", "_pass", "-pass", ".pass", "pass_", "pass-", "pass=", "pass:", "pass =",
             "pass :", "pass\"", "pass'", "pwd", "psw", "pword", "secret", "token", "credential", "creds", "apikey",
             "privatekey", "accesskey", "secretkey", "authtoken", "bearer"}  # fmt: skip
    found.update(w for w in SECRET_WORDS if w != "pass" and not any(k in w for k in found))
    for qualifier in KEY_QUALIFIERS - {"license"}:  # a license key names a license (SPDX), not a credential
        found.update(f"{qualifier}{separator}key" for separator in ("", "_", "-", "."))
    return tuple(sorted(k for k in found if not any(other != k and other in k for other in found)))


CREDENTIAL_KEYWORDS = _keywords()
