"""BuildKit word processing: quotes, escapes and variable expansion, case by case."""

from __future__ import annotations

import pytest

from mamoru.config.lex import process_word

ENV = {"A": "alpha", "V": "3.12.1", "EMPTY": "", "PATHS": "/a/b/c.tar.gz"}


@pytest.mark.parametrize(
    ("word", "value", "unresolved"),
    [
        ("$A", "alpha", set()),
        ("${A}", "alpha", set()),
        ("pre${A}post", "prealphapost", set()),
        ('"$A b"', "alpha b", set()),
        ("'$A'", "$A", set()),
        ("x\\$A", "x$A", set()),
        ('a"b c"d', "ab cd", set()),
        ("${MISSING:-fallback}", "fallback", set()),
        ("${EMPTY:-fallback}", "fallback", set()),
        ("${EMPTY-fallback}", "", set()),
        ("${MISSING-fallback}", "fallback", set()),
        ("${A:+yes}", "yes", set()),
        ("${EMPTY:+yes}", "", set()),
        ("${V%.*}", "3.12", set()),
        ("${V%%.*}", "3", set()),
        ("${V#*.}", "12.1", set()),
        ("${V##*.}", "1", set()),
        ("${PATHS##*/}", "c.tar.gz", set()),
        ("${V/./_}", "3_12.1", set()),
        ("${V//./_}", "3_12_1", set()),
        ("${MISSING:-${A}}", "alpha", set()),
        ("python:${PY:-3.12}-slim", "python:3.12-slim", set()),
        ("$MISSING", "", {"MISSING"}),
        ("${MISSING}", "", {"MISSING"}),
        ("${MISSING:+x}", "", {"MISSING"}),
        ("$", "$", set()),
        ("cost: 5$", "cost: 5$", set()),
        ("${A", "${A", set()),
        ("$1", "", {"1"}),
    ],
)
def test_process_word(word: str, value: str, unresolved: set[str]) -> None:
    assert process_word(word, ENV) == (value, frozenset(unresolved))


def test_backtick_escape_of_windows_dockerfiles() -> None:
    assert process_word("C:\\dir`$A", ENV, "`") == ("C:\\dir$A", frozenset())
    assert process_word("C:\\app\\$A", ENV, "`") == ("C:\\app\\alpha", frozenset())


def test_expansion_is_bounded() -> None:
    env = {"X": "x" * 4096}
    value, _ = process_word("$X" * 1000, env)
    assert len(value) == 1 << 20
    nested = "${A:-" * 200 + "z" + "}" * 200  # deeper than MAX_NESTING: the inner part stays literal
    value, _ = process_word(nested, {})
    assert "z" in value and len(value) < len(nested)
