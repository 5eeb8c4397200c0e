"""Values that look like secrets but are not: placeholders, test data, documentation examples, filler,
and (for unquoted values) references to secrets kept elsewhere.

Each check is a cheap string test run only on values an expression matched. The lists hold what
documentation, tutorials and test suites write instead of a real credential.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections import Counter

import regex

# values that are obviously not secrets: documentation examples and placeholders
PLACEHOLDER_WORDS = frozenset({
    "password", "passwd", "secret", "token", "changeme", "change_me", "changeit", "example", "dummy", "sample",
    "placeholder", "redacted", "none", "null", "nil", "undefined", "true", "false", "default", "foobar", "test",
    "testing", "admin", "root", "pass", "secret123", "password123", "todo", "tbd", "fixme", "replace_me",
})  # fmt: skip
PLACEHOLDER_MARKERS = (
    "example", "placeholder", "changeme", "change_me", "change-me", "your_", "your-", "<your", "xxxx", "****",
    "${", "{{", "%(", "<", "replace_me", "replace-me", "replaceme", "insert_", "insert-", "dummy", "fake",
    "not-a-real", "not_a_real", "notareal", "not-real", "mock", "sample", "redacted", "-here", "_here", "anonymous",
)  # fmt: skip
TEST_PREFIXES = ("test-", "test_", "testing-", "testing_", "invalid-", "invalid_")
TEST_SUFFIXES = ("-test", "_test")
# documentation examples published by the vendors (AWS, Stripe); a real key never equals them
DOCUMENTATION_VALUES = frozenset({
    "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "sk_test_4eC39HqLyjWDarjtT1zdp7dc", "pk_test_TYooMQauvdEDq54NiTphI7jx",
})  # fmt: skip
DOCUMENTATION_SUFFIXES = ("EXAMPLE", "EXAMPLEKEY")  # the AWS documentation convention
DOCUMENTATION_MARKERS = (
    # the payload of jwt.io's example token: {"sub":"1234567890","name":"John Doe", ...
    ".eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIi",
)
# filler in a token's random part: ghp_xxxx…, sk_live_0000…, hooks…/XXXXXXXX, a run of one character
_FILLER = regex.compile(r"(?i:x{4})|\*{4}|(.)\1{7}")
# unquoted values that name something instead of holding it: var.db_password, process.env.X,
# data.aws_x.y.secret_string, get_secret("x"), a YAML alias or tag (*default, !vault)
_ROOTS = r"(?:var|vars|local|locals|data|module|env|secrets|settings|config|process|os|self|this|ctx|params|values)"
_SEGMENT = r"[A-Za-z_$][\w$-]*+"
_WORD = r"[A-Za-z_$][\w$]*+"
_REFERENCE = regex.compile(
    rf"(?i:{_ROOTS})\.{_SEGMENT}(?:\.{_SEGMENT})*+|{_WORD}(?:(?:\.|::|->){_WORD}){{2,}}+"
    r"|[A-Za-z_$][\w$.:>-]*+\(.*\)|[!*&][A-Za-z_][\w.-]*+"
)
# an identifier or setting: scram-sha-256, always-impersonate, private-key (words and numbers, no mix)
_SLUG = regex.compile(r"(?:[a-z]++|[0-9]++)(?:[-_.](?:[a-z]++|[0-9]++))++")
_PATH = regex.compile(r"(?:/|\./|\.\./|~/)\S*+")  # a path, or a /regular expression/
_URL = regex.compile(r"[A-Za-z][A-Za-z0-9+.-]{0,20}://\S*+")
_BASE64 = regex.compile(r"(?:[A-Za-z0-9+/]{4})*+(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    if not value:
        return 0.0
    counts = Counter(value)
    total = len(value)
    return -sum(n / total * math.log2(n / total) for n in counts.values())


def looks_like_placeholder(value: str) -> bool:
    """Documentation values and test data (``changeme``, ``${DB_PASSWORD}``, ``<your-token>``, ``xxxxxxxx``,
    ``$SECRET``, ``fake-api-key``, ``not-a-real-secret``, ``test-api-key-123``)."""
    lowered = value.lower().strip("\"'")
    if lowered in PLACEHOLDER_WORDS or lowered.startswith("$") or any(m in lowered for m in PLACEHOLDER_MARKERS):
        return True
    if lowered.startswith(TEST_PREFIXES) or lowered.endswith(TEST_SUFFIXES):
        return True
    if "{" in lowered and "}" in lowered:
        return True  # a template: f"{self.token}", {KeyObject}, {password}
    return len(set(lowered)) <= 3


def is_documentation_value(value: str) -> bool:
    """A key that vendors publish in their documentation (AWS's ``…EXAMPLE`` keys, jwt.io's token)."""
    return (
        value in DOCUMENTATION_VALUES
        or value.endswith(DOCUMENTATION_SUFFIXES)
        or any(marker in value for marker in DOCUMENTATION_MARKERS)
    )


def is_filler(value: str) -> bool:
    """A token whose random part is filler: ``ghp_xxxx…``, ``sk_live_0000…``, eight times the same character."""
    return _FILLER.search(value) is not None


def looks_like_reference(value: str) -> bool:
    """A path or URL (``/run/secrets/db``, ``https://auth.internal/token``): where a secret is, not the secret."""
    return _PATH.fullmatch(value) is not None or _URL.fullmatch(value) is not None


def looks_like_identifier(value: str) -> bool:
    """A lower-case identifier or setting (``scram-sha-256``, ``always-impersonate``, ``hf_siofllymndat``):
    words and numbers, none mixing letters and digits. In file content such a value after a credential name
    is a setting or an enumeration; an image's ``ENV`` is still judged without this test."""
    return _SLUG.fullmatch(value) is not None


def looks_like_expression(value: str) -> bool:
    """An unquoted value that is an expression: ``var.db_password``, ``process.env.TOKEN``, ``get_secret()``."""
    return _REFERENCE.fullmatch(value) is not None


def decoded_base64_text(value: str) -> str | None:
    """The text a base64 value encodes (Kubernetes Secret ``data``), or None when it is not base64 of text."""
    if len(value) % 4 or _BASE64.fullmatch(value) is None:
        return None
    try:
        text = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return text if "".join(text.split()).isprintable() else None  # text: printable but for line breaks
