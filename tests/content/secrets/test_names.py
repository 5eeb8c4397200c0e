"""Which names hold a credential: the lenient test for environment variables, the strict one for file content."""

from __future__ import annotations

import pytest

from mamoru.content.secrets.names import (
    CREDENTIAL_KEYWORDS,
    holds_secret_data,
    is_credential_key,
    is_credential_name,
)


@pytest.mark.parametrize(("name", "credential"), [
    ("DB_PASSWORD", True), ("DB_PASS", True), ("MYSQL_PWD", True), ("signingKey", True), ("ENCRYPTION_KEY", True),
    ("secret_key", True), ("SECRET_KEY_BASE", True), ("DB_PASSWORD_PROD", True), ("client-key-data", True),
    ("--password", True), ("spring.datasource.password", True), ("dbpassword", True), ("PASSWORD2", True),
    ("NEW_RELIC_LICENSE_KEY", True), ("accessToken", True),
    ("API_KEY_FILE", False), ("JWT_SECRET_SSM_PATH", False), ("TOKEN_TTL_SECONDS", False), ("secretKeyRef", False),
    ("AUTH_TOKEN_URL", False), ("API_KEY_HEADER", False), ("password_policy", False), ("NOPASSWD", False),
    ("token.markup", False), ("password_encryption", False), ("last_pass_time", False), ("license_key", False),
    ("bypass", False), ("compass", False), ("secretName", False), ("TOKEN_AUDIENCE", False), ("GPG_KEY", False),
])  # fmt: skip
def test_names_in_file_content(name: str, credential: bool) -> None:
    assert is_credential_key(name) is credential


@pytest.mark.parametrize(("name", "credential"), [
    ("DB_PASSWORD", True), ("GITHUB_TOKEN", True), ("NPM_TOKEN_READONLY", True), ("TOKEN_MARKUP", True),
    ("MYSQL_ROOT_PASSWORD_FILE", False), ("JWT_SECRET_SSM_PATH", False), ("SECRET_ROTATION_DAYS", False),
    ("ADMIN_USER", False), ("KEYRING", False),
])  # fmt: skip
def test_environment_variable_names(name: str, credential: bool) -> None:
    """Variables are named for what they hold: any credential word counts, unless the last word is a setting."""
    assert is_credential_name(name) is credential


@pytest.mark.parametrize(("key", "secret"), [
    ("password", True), ("tls.key", True), (".dockerconfigjson", True), ("ssh-privatekey", True), ("token", True),
    ("tls.crt", False), ("ca.crt", False), ("ssh-publickey", False), ("username", False), ("host", False),
])  # fmt: skip
def test_kubernetes_secret_data_keys(key: str, secret: bool) -> None:
    assert holds_secret_data(key) is secret


def test_every_credential_name_contains_a_keyword() -> None:
    """The pre-filter must let every credential name reach the expressions; plain ``pass`` must not count."""
    names = ["DB_PASS", "dbPass = 'x'", "MYSQL_PWD", "signingKey", "ENCRYPTION_KEY", "api-key", "client_secret",
             "ldap_bind_password", "x_passphrase", "authToken", "private.key", "MASTER_KEY", "creds"]  # fmt: skip
    for name in names:
        assert any(k in name.lower() for k in CREDENTIAL_KEYWORDS), name
    assert not any(k in "    pass\n" for k in CREDENTIAL_KEYWORDS)
