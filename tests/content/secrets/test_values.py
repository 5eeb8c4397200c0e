"""Values that look like secrets but are not: placeholders, test data, documentation keys, filler, references."""

from __future__ import annotations

import base64

import pytest

from mamoru.content.secrets.values import (
    decoded_base64_text,
    is_documentation_value,
    is_filler,
    looks_like_expression,
    looks_like_identifier,
    looks_like_placeholder,
    looks_like_reference,
)

JWT_IO = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ"
    ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)


@pytest.mark.parametrize("value", [
    "changeme", "${DB_PASSWORD}", "$SECRET", "<your-token>", "xxxxxxxx", "fake-api-key", "not-a-real-secret",
    "test-api-key-123", "dummy-token", "your-password-here", "REPLACE_ME", "TODO", "{self.token_string}",
    "{{ .Values.apiKey }}", "-anonymous@", "mock_secret_value",
])  # fmt: skip
def test_placeholders(value: str) -> None:
    assert looks_like_placeholder(value)


@pytest.mark.parametrize("value", ["k3Hb7Wd5Fs0G", "Falcon!river12", "maple.maple2024", "1k$$4sf0Qz#x", "cobalt-Maple"])
def test_secrets_are_not_placeholders(value: str) -> None:
    assert not looks_like_placeholder(value)


@pytest.mark.parametrize(("value", "identifier"), [
    ("scram-sha-256", True), ("always-impersonate", True), ("389-exception", True), ("hf_siofllymndat", True),
    ("maple.maple2024", False), ("Cobalt-maple", False), ("ember744-river", False), ("q8j2mvn4rt6yx1pz", False),
])  # fmt: skip
def test_identifiers(value: str, identifier: bool) -> None:
    assert looks_like_identifier(value) is identifier


def test_documentation_values_and_filler() -> None:
    assert is_documentation_value("AKIAIOSFODNN7EXAMPLE") and is_documentation_value("AKIAI44QH8DHBEXAMPLE")
    assert is_documentation_value(JWT_IO)
    assert not is_documentation_value("AKIAZ7VRSQ4TQPLK3MBW")
    assert is_filler("ghp_" + "x" * 36) and is_filler("sk_live_" + "0" * 24) and is_filler("T00000000/B00000000")
    assert not is_filler("ghp_R4nd0mT0k3nF0rT3st1ngPurp0s3sOnly123")


@pytest.mark.parametrize(("value", "expression"), [
    ("var.db_password", True), ("process.env.DB_PASSWORD", True), ("settings.SECRET_KEY", True),
    ("data.aws_secretsmanager_secret_version.db.secret_string", True), ('get_secret("db")', True),
    ("Cwd::getcwd()", True), ("*default_password", True), ("!vault", True),
    ("Falcon.river12", False), ("q8J2mVn4Rt6Yx1Pz", False), ("wmd*31tz(x)#q", False),
])  # fmt: skip
def test_unquoted_expressions(value: str, expression: bool) -> None:
    assert looks_like_expression(value) is expression


def test_references() -> None:
    assert looks_like_reference("/run/secrets/db_password") and looks_like_reference("https://auth.internal/token")
    assert looks_like_reference("/_?[A-Z][_A-Z0-9]*/")  # a regular expression
    assert not looks_like_reference("q8J2/mVn4+Rt6Yx1Pz==")


def test_base64_text() -> None:
    assert decoded_base64_text("Y2hhbmdlbWU=") == "changeme"
    pem = base64.b64encode(b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n").decode()
    assert (decoded_base64_text(pem) or "").startswith("-----BEGIN CERTIFICATE-----")
    assert decoded_base64_text("q8J2mVn4Rt6Yx1Pz") is None  # random bytes, not text
    assert decoded_base64_text("abc") is None
