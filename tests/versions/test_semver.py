"""SemVer precedence for npm, Go and crates.io: mamoru agrees with node's ``semver`` (the one npm ships)."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mamoru.versions import InvalidVersion, get_scheme

NPM, GO, CARGO = get_scheme("npm"), get_scheme("go"), get_scheme("cargo")
identifier = st.one_of(
    st.integers(0, 12).map(str),
    st.sampled_from(["alpha", "beta", "rc", "a1", "x-y", "01a", "pre", "0", "20191109021931", "daa7c04131f5"]),
)
versions = st.builds(
    lambda core, pre, build: ".".join(map(str, core)) + (("-" + ".".join(pre)) if pre else "") + (
        ("+" + build) if build else ""),
    st.tuples(st.integers(0, 11), st.integers(0, 11), st.integers(0, 11)),
    st.lists(identifier, max_size=3),
    st.sampled_from(["", "", "", "build.1", "incompatible", "x"]),
)  # fmt: skip
# SemVer 2.0's own ordered example, Go pseudo-versions and +incompatible, from the specs
ORDERED = [
    "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11",
    "1.0.0-rc.1", "1.0.0", "1.0.1-0.20191109021931-daa7c04131f5", "1.0.1", "2.0.0+incompatible",
    "2.1.0-0.20200101000000-abcdefabcdef", "2.1.0",
]  # fmt: skip


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(versions, versions), min_size=50, max_size=150))
def test_agrees_with_node_semver(node_semver_compare: Callable[..., list[int | None]],
                                 pairs: list[tuple[str, str]]) -> None:  # fmt: skip
    pairs += [(b, a) for a, b in pairs[:10]] + [(a, a) for a, _ in pairs[:5]]
    truth = node_semver_compare(pairs)
    for scheme in (NPM, CARGO):
        assert [scheme.compare(a, b) for a, b in pairs] == truth
    assert [GO.compare("v" + a, b) for a, b in pairs] == truth


def test_specification_order(node_semver_compare: Callable[..., list[int | None]]) -> None:
    pairs = list(itertools.pairwise(ORDERED))
    assert node_semver_compare(pairs) == [-1] * len(pairs)
    assert [CARGO.compare(a, b) for a, b in pairs] == [-1] * len(pairs)
    assert [GO.compare("v" + a, "v" + b) for a, b in pairs] == [-1] * len(pairs)


def test_go_and_npm_spellings() -> None:
    assert GO.compare("v1.2", "1.2.0") == 0  # Go's shorthand
    assert GO.compare("v2.0.0+incompatible", "2.0.0") == 0  # build metadata does not order
    assert NPM.compare("v1.2.3", "=1.2.3") == 0
    assert NPM.compare("1.0", "1.0.0") == 0  # some GHSA npm ranges write 1.0
    with pytest.raises(InvalidVersion):
        CARGO.compare("1.0", "1.0.0")
    with pytest.raises(InvalidVersion):
        NPM.compare("1.0.0.0", "1.0.0")
