"""Every secret format is found in a realistic text and not in a look-alike; redaction, checks and bounds."""

from __future__ import annotations

import random
import time

import pytest
from tests.content.secrets.samples import SAMPLES, github_token, render

from mamoru.content.secrets.engine import (
    Allowlist,
    SecretScanner,
    entropy,
    looks_like_placeholder,
    redact,
    value_hash,
)
from mamoru.content.secrets.patterns import PATTERNS, crc32_base62_ok
from mamoru.rules import all_rules

SCANNER = SecretScanner()


def test_every_format_has_a_sample_and_a_rule() -> None:
    ids = {p.rule_id for p in PATTERNS}
    assert len(ids) == len(PATTERNS) >= 60
    assert ids == set(SAMPLES)
    registered = {r.id for r in all_rules()}
    assert ids <= registered


@pytest.mark.parametrize("rule_id", sorted(SAMPLES))
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_format_found_and_look_alike_not(rule_id: str, seed: int) -> None:
    rng = random.Random(f"{rule_id}-{seed}")
    path, positive, other_path, negative = SAMPLES[rule_id]
    found = SCANNER.scan(render(positive, rng), path).matches
    assert rule_id in {m.pattern.rule_id for m in found}, (rule_id, render(positive, random.Random(1)))
    missed = SCANNER.scan(render(negative, rng), other_path).matches
    assert rule_id not in {m.pattern.rule_id for m in missed}


def test_checksums() -> None:
    rng = random.Random(7)
    token = github_token("ghp_", rng)
    assert crc32_base62_ok(token)
    assert not crc32_base62_ok(token[:-1] + ("A" if token[-1] != "A" else "B"))
    match = SCANNER.scan(f"t={token}\n").matches[0]
    assert match.checksum_valid is True


def test_values_are_never_kept_in_clear() -> None:
    secret = "q8J2mVn4Rt6Yx1Pz9Lk3Hb7Wd5Fs0Gc2Ne4Ua8Qo"
    match = SCANNER.scan(f'aws_secret_access_key = "{secret}"').matches[0]
    assert secret not in repr(match) and secret[4:] not in match.redacted
    assert match.hash == value_hash(secret) and match.redacted.startswith("q8J2")
    assert redact("abc") == "******** (3 chars)"


def test_line_numbers_and_one_report_per_value() -> None:
    text = "x = 1\n\nAWS_SECRET_ACCESS_KEY = 'q8J2mVn4Rt6Yx1Pz9Lk3Hb7Wd5Fs0Gc2Ne4Ua8Qo'\n"
    matches = SCANNER.scan(text).matches
    assert [(m.pattern.rule_id, m.line) for m in matches] == [("SEC-002", 3)]  # not again as a generic secret


def test_placeholders_and_documentation_keys_are_ignored() -> None:
    text = 'password = "changeme"\ntoken = "${API_TOKEN}"\nkey = "AKIAIOSFODNN7EXAMPLE"\nsecret = "<your-secret>"\n'
    assert SCANNER.scan(text).matches == []
    assert looks_like_placeholder("xxxxxxxxxx") and not looks_like_placeholder("k3Hb7Wd5Fs0G")
    assert entropy("aaaa") == 0 and entropy("abcd") == 2


def test_allowlist_by_rule_path_and_hash() -> None:
    text = 'aws_secret_access_key = "q8J2mVn4Rt6Yx1Pz9Lk3Hb7Wd5Fs0Gc2Ne4Ua8Qo"\n'
    hash_ = value_hash("q8J2mVn4Rt6Yx1Pz9Lk3Hb7Wd5Fs0Gc2Ne4Ua8Qo")
    for entry in [("SEC-002", None, None), (None, "tests/**", None), (None, None, hash_)]:
        scanner = SecretScanner(allowlist=Allowlist([entry]))
        assert scanner.scan(text, "tests/fixtures/x.py").matches == []
    assert SecretScanner(allowlist=Allowlist([("SEC-001", None, None)])).scan(text, "a.py").matches


def test_backtracking_input_is_cut_short() -> None:
    """A text built to make the generic assignment expression work hard is bounded by the time budget."""
    scanner = SecretScanner(time_budget=0.05)
    hostile = ("password" + "a" * 40 + " ") * 200_000
    started = time.monotonic()
    outcome = scanner.scan(hostile)
    assert time.monotonic() - started < 30  # bounded (generous: this is not a speed test)
    assert outcome.timed_out
