"""The walk's path gate answers like searching every analyzer pattern, only faster."""

from __future__ import annotations

import re
import tarfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mamoru.analyzers.registry import load_analyzers
from mamoru.model.finding import FindingKind
from mamoru.walk.path_gate import _top_level_alternation, compile_path_gate

ANALYZER_PATTERNS = [getattr(a, "path_pattern", "") for a in load_analyzers(frozenset(FindingKind))]
PLUGIN_LIKE = [
    r"^a|b",  # top-level alternation: "b" may match anywhere
    r"(?:^|/)x\.conf$|\.pem$",
    r"^(?:etc|opt)/app/[^|/]+\.ini$",  # "|" inside a class or group is not top level
    r"[]|]+\.odd$",
    r"\(|\)",  # escaped parentheses
    r"(?:^|/)\.env(?:\.[^/]+)?$",
]


def searched(patterns: list[str], path: str) -> bool:
    return any(re.search(p, path) for p in patterns if p)


def layer_paths(images: Path) -> list[str]:
    """Every path of the real bookworm layer (what the walk asks the gate about)."""
    with tarfile.open(images / "base-docker.tar") as outer:
        member = next(m for m in outer.getmembers() if m.isfile() and m.name.endswith(".tar"))
        layer = outer.extractfile(member)
        assert layer is not None
        with tarfile.open(fileobj=layer) as inner:
            return [m.name.removeprefix("./") for m in inner.getmembers()]


def test_same_answers_as_search_on_a_real_layer(images: Path) -> None:
    paths = layer_paths(images)
    gate = compile_path_gate(ANALYZER_PATTERNS)
    assert gate is not None
    answers = {path: gate(path) for path in paths}
    assert answers == {path: searched(ANALYZER_PATTERNS, path) for path in paths}
    assert answers["var/lib/dpkg/status"] and answers["etc/os-release"] and answers["usr/share/doc/bash/copyright"]
    assert not answers["usr/bin/ls"]


@pytest.mark.parametrize(
    "path",
    [
        "b", "xb", "a", "ba", "etc/x.conf", "x.conf", "/x.conf", "ax.conf", "k.pem", "opt/app/a.ini",
        "opt/app/a|b.ini", "]|].odd", "(", "a)", ".env", "srv/.env.local", "srv\n/.env", "go.mod\n",
        "usr/lib/os-release", "x/usr/lib/os-release", "node_modules/@s/p/package.json", "",
    ],
)  # fmt: skip
def test_plugin_patterns_keep_their_meaning(path: str) -> None:
    patterns = ANALYZER_PATTERNS + PLUGIN_LIKE
    gate = compile_path_gate(patterns)
    assert gate is not None
    assert gate(path) == searched(patterns, path)


PARTS = ["etc", "usr", "lib", "go.mod", "a", "b", "\n", ".env", "x.conf", "", "dpkg", "status", "os-release"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PARTS), max_size=6))
def test_generated_paths(parts: list[str]) -> None:
    path = "/".join(parts)
    patterns = ANALYZER_PATTERNS + PLUGIN_LIKE
    gate = compile_path_gate(patterns)
    assert gate is not None
    assert gate(path) == searched(patterns, path)


def test_no_patterns_no_gate() -> None:
    assert compile_path_gate(["", ""]) is None


@pytest.mark.parametrize(
    ("pattern", "top_level"),
    [(r"^a|b", True), (r"(?:a|b)", False), (r"[|]", False), (r"[]|]", False), (r"\|", False), (r"a)|(b", True),
     (r"(a", True), (r"[a", True), (r"[^]|]x", False)],
)  # fmt: skip
def test_top_level_alternation(pattern: str, top_level: bool) -> None:
    assert _top_level_alternation(pattern) is top_level
