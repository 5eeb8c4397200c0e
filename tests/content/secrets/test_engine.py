"""Every secret format is found in a realistic text and not in a look-alike; redaction, checks and bounds."""

from __future__ import annotations

import random
import time

import pytest
from tests.content.secrets.samples import DECOYS, SAMPLES, SHAPES, github_token, render, render_shape

from mamoru.content.secrets.engine import (
    KEYWORD_SLICE,
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


@pytest.mark.parametrize("index", range(len(SHAPES)), ids=[f"{r}-{p}-{i}" for i, (r, p, _) in enumerate(SHAPES)])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_real_world_shapes_report_the_whole_value(index: int, seed: int) -> None:
    rule_id, path, template = SHAPES[index]
    text, value = render_shape(template, random.Random(f"{index}-{seed}"))
    found = {(m.pattern.rule_id, m.hash) for m in SCANNER.scan(text, path).matches}
    assert (rule_id, value_hash(value)) in found, (text, sorted(r for r, _ in found))


@pytest.mark.parametrize(("path", "text"), DECOYS, ids=[f"{p}-{i}" for i, (p, _) in enumerate(DECOYS)])
def test_decoys_hold_no_secret(path: str, text: str) -> None:
    assert [(m.pattern.rule_id, m.line) for m in SCANNER.scan(text, path).matches] == []


def test_every_entry_of_a_kubernetes_secret_is_reported_on_its_line() -> None:
    text = (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  username: YXBw\n"
        '  password: UTJoaGJtZGxUV1ZPYjNjeU1ESTE=\n  api-key: "ZzhKMm1WbjRSdDZZeDFQejlMazNIYjdX"\n'
        "  tls.crt: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJJREFOQmdrcWhraUc5dzBCQVFFRkFBT0NB\n"
    )
    assert [(m.pattern.rule_id, m.line) for m in SCANNER.scan(text, "k8s/db.yaml").matches] == [
        ("SEC-050", 7),
        ("SEC-050", 8),
    ]


def test_unquoted_values_are_expressions_in_source_code_and_values_in_configuration() -> None:
    line = "db_password = q8J2mVn4Rt6Yx1Pz9Lk3\n"
    assert [m.pattern.rule_id for m in SCANNER.scan(line, "etc/app/app.ini").matches] == ["SEC-064"]
    assert SCANNER.scan(line, "app/models.py").matches == []
    assert SCANNER.scan("#!/usr/bin/env python3\n" + line, "usr/local/bin/tool").matches == []
    assert [m.pattern.rule_id for m in SCANNER.scan('db_password = "q8J2mVn4Rt6Yx1Pz9Lk3"', "a.py").matches] == [
        "SEC-064"
    ]


def test_generic_patterns_skip_third_party_code_but_formats_do_not() -> None:
    text = 'db_password = "q8J2mVn4Rt6Yx1Pz9Lk3"\nkey = "AKIAZ7VRSQ4TQPLK3MBW"\n'
    assert {m.pattern.rule_id for m in SCANNER.scan(text, "srv/app/settings.py").matches} == {"SEC-001", "SEC-064"}
    for path in ("usr/lib/python3/dist-packages/x/settings.py", "app/node_modules/x/index.js",
                 "usr/local/lib/python3.11/site-packages/x.py", "usr/share/perl5/X.pm",
                 "var/lib/dpkg/info/mysql-server.postinst", "lib/apk/db/installed", "var/lib/rpm/x",
                 "var/cache/debconf/templates.dat", "app/app.jar:BOOT-INF/lib/x.jar:conf.yml",
                 "app/APP.JAR:META-INF/maven/g/a/pom.xml", "root/.m2/repository/g/a/1/a-1.jar:x.properties",
                 "src/third_party/lib/config.py"):  # fmt: skip
        assert {m.pattern.rule_id for m in SCANNER.scan(text, path).matches} == {"SEC-001"}, path
    for path in ("var/cache/debconf/passwords.dat", "var/cache/debconf/config.dat", "srv/var/lib/dpkg/x.py",
                 "app/app.jar:BOOT-INF/classes/application.properties", "srv/notes:2024.txt"):  # fmt: skip
        assert {m.pattern.rule_id for m in SCANNER.scan(text, path).matches} == {"SEC-001", "SEC-064"}, path


def test_a_value_is_reported_once_by_the_most_specific_format() -> None:
    text = "SECRET_KEY=q8J2mVn4Rt6Yx1Pz9Lk3Hb7Wd5Fs0Gc2Ne4Ua8Qo\nAPI_TOKEN=Zq8W3kLm9Xv2Tn5Rp7Yb\n"
    assert [(m.pattern.rule_id, m.line) for m in SCANNER.scan(text, "app/.env").matches] == [
        ("SEC-002", 1),  # 40 characters under a secret key name: AWS's format, not again as a .env secret
        ("SEC-065", 2),  # the .env format before the generic assignment
    ]


@pytest.mark.parametrize("hostile", [
    ("password_" * 30 + "= ") * 5_000,
    "- name: DB_PASSWORD\n  " * 10_000,
    ("db_password: " + "x1" * 70 + ",") * 5_000,
    ('token = "' + "a1" * 100) * 5_000,
    ("<password>" + "k" * 200) * 5_000,
    "pass=" * 50_000,
    "kind: Secret\n" + "data:\n  a:\n" * 50_000,
    ("data:\n" + "  x: y\n" * 150 + "\n") * 2_000 + "kind: Secret\n",
    "kind: Secret\ndata:\n" + "".join(f"  k{i}: {'QUJD' * 5}{i}\n" for i in range(50_000)),
])  # fmt: skip
def test_patterns_finish_on_hostile_input(hostile: str) -> None:
    """Identifiers and values are matched possessively, so the work grows linearly with the input: these
    take a fraction of a second, where backtracking would take far longer than the (generous) budget."""
    outcome = SecretScanner(time_budget=30).scan(hostile, "app/config.yaml")
    assert not outcome.timed_out


def test_every_expression_compiles() -> None:
    """The scanner compiles a format's expression only when its keywords occur; all must compile."""
    import regex

    for pattern in PATTERNS:
        regex.compile(pattern.regex)
        if pattern.path_regex:
            regex.compile(pattern.path_regex)


def _every_keyword_hit(text: str) -> list[tuple[str, int, int]]:
    """Every occurrence of every keyword, overlapping ones too, found the slow and obvious way."""
    hits = []
    for keyword in SCANNER.keywords:
        start = text.find(keyword)
        while start >= 0:
            hits.append((keyword, start, start + len(keyword)))
            start = text.find(keyword, start + 1)
    return sorted(hits)


@pytest.mark.parametrize("offset", [0, 1, 3, 7, 11, 15, 17])
def test_keywords_across_search_slices_are_found_once(offset: int) -> None:
    """The text is searched a slice at a time; a keyword straddling a slice's end is reported once."""
    filler = "x" * (KEYWORD_SLICE - offset)
    text = filler + "secret_access_key password passphrase" + filler + "github_pat_"
    hits = sorted((SCANNER.keywords[k], start, end) for k, start, end in SCANNER.keyword_hits(text.encode()))
    assert hits == _every_keyword_hit(text)


def test_a_secret_straddling_a_search_slice_is_found() -> None:
    token = github_token("ghp_", random.Random(7))
    alone = [(m.pattern.rule_id, m.hash) for m in SCANNER.scan(f"GITHUB_TOKEN={token}\n", "app/.env").matches]
    assert alone
    for shift in range(1, 20):
        text = "#" * (KEYWORD_SLICE - shift) + f"\nGITHUB_TOKEN={token}\n"
        assert [(m.pattern.rule_id, m.hash) for m in SCANNER.scan(text, "app/.env").matches] == alone


def test_bytes_and_text_scans_agree() -> None:
    """A file's bytes (lowered as ASCII) find what the Latin-1 text (lowered as Unicode) finds, at the same lines."""
    rng = random.Random(11)
    token = github_token("ghp_", rng)
    data = ("Überall ÄÖÜ é\n".encode() + b"\xff\xfe binary-ish \x80\n" + f"GITHUB_TOKEN={token}\n".encode()
            + "PASSWORD='q8J2mVn4Rt6Yx1Pz9Lk3'\n".encode("latin-1"))  # fmt: skip
    by_bytes = [(m.pattern.rule_id, m.line, m.hash) for m in SCANNER.scan_bytes(data, "app/.env").matches]
    by_text = [(m.pattern.rule_id, m.line, m.hash) for m in SCANNER.scan(data.decode("latin-1"), "app/.env").matches]
    assert by_bytes == by_text
    assert [line for _, line, _ in by_bytes] == [3, 4]
