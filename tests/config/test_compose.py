"""Compose files: services, Compose's variable interpolation and .env files."""

from __future__ import annotations

import pytest

from mamoru.config.compose import ComposeError, interpolate, parse_compose, parse_dotenv


def test_services_and_lines() -> None:
    compose = parse_compose(
        "x-base: &base\n  restart: always\nservices:\n  web:\n    <<: *base\n    image: nginx\n  db:\n"
    )
    assert [(s.name, s.line) for s in compose.services] == [("web", 4), ("db", 7)]
    assert compose.services[0].data["restart"] == "always"


@pytest.mark.parametrize(
    ("text", "value", "known"),
    [
        ("app:${TAG}", "app:1.0", True),
        ("app:${MISSING}", "app:${MISSING}", False),
        ("app:${MISSING:-dev}", "app:dev", True),
        ("${EMPTY:-x}/${EMPTY-y}", "x/", True),
        ("${TAG:+set}${MISSING:+no}", "set", True),
        ("$$TAG is literal, $TAG is not", "$TAG is literal, 1.0 is not", True),
        ("${PW:?set a password}", "${PW:?set a password}", False),
    ],
)
def test_interpolation(text: str, value: str, known: bool) -> None:
    assert interpolate(text, {"TAG": "1.0", "EMPTY": ""}) == (value, known)


def test_dotenv() -> None:
    env = parse_dotenv("# comment\nexport TAG=1.2\nNAME=\"with spaces\"\nSINGLE='x'\nINLINE=abc # note\nbad line\n")
    assert env == {"TAG": "1.2", "NAME": "with spaces", "SINGLE": "x", "INLINE": "abc"}


@pytest.mark.parametrize(("text", "message"), [("services: [a, b]\n", "not a mapping"), ("- a\n", "top level"),
                                               ("", "empty"), ("services:\n  a: [\n", "invalid YAML")])  # fmt: skip
def test_not_compose(text: str, message: str) -> None:
    with pytest.raises(ComposeError, match=message):
        parse_compose(text)
