"""Which variable names hold credentials."""

from __future__ import annotations

import pytest

from mamoru.rules.secret_names import is_secret_name, mask, words


@pytest.mark.parametrize(
    "name",
    ["DB_PASSWORD", "POSTGRES_PASSWORD", "NPM_TOKEN", "npm_token", "apiKey", "API_KEY", "AWS_SECRET_ACCESS_KEY",
     "AWS_ACCESS_KEY_ID", "SECRET_KEY_BASE", "GITHUB_TOKEN", "DBPASSWORD", "x-auth-token", "PRIVATE_KEY", "SSH_PASS"],
)  # fmt: skip
def test_secret_names(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize(
    "name",
    ["GPG_KEY", "PASSWORD_FILE", "POSTGRES_PASSWORD_FILE", "TOKEN_URL", "CLIENT_ID", "KEY_ID", "PUBLIC_KEY",
     "AUTH_ENABLED", "DB_USER", "USERNAME", "BYPASS_PROXY", "KEYCLOAK_URL", "MONKEY"],
)  # fmt: skip
def test_not_secret_names(name: str) -> None:
    assert not is_secret_name(name)


def test_words_and_mask() -> None:
    assert words("apiKeyValue") == ["api", "key", "value"] and words("X-AUTH-TOKEN") == ["x", "auth", "token"]
    assert mask("") == '""' and mask("${TOKEN}") == "${TOKEN}" and mask("hunter2") == "***"
