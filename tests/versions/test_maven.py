"""Maven order: mamoru agrees with Maven 3.8's own ``ComparableVersion`` (Debian's maven-artifact jar)."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mamoru.versions import InvalidVersion, get_scheme

MAVEN = get_scheme("maven")
qualifier = st.sampled_from(
    ["alpha", "beta", "milestone", "rc", "cr", "snapshot", "SNAPSHOT", "ga", "final", "release", "sp", "a", "b", "m",
     "foo", "x", "Final", "RELEASE", "jre", "android"]
)  # fmt: skip
piece = st.one_of(st.integers(0, 12).map(str), st.sampled_from(["0", "00", "1234567890123", "20240101"]), qualifier)
versions = st.lists(st.tuples(st.sampled_from([".", "-", ""]), piece), min_size=1, max_size=6).map(
    lambda parts: parts[0][1] + "".join(sep + p for sep, p in parts[1:])
)
EDGE = [
    "1", "1.0", "1.0.0", "1-ga", "1-final", "1.release", "1-SNAPSHOT", "1.0-SNAPSHOT", "1-rc", "1-cr", "2.rc", "2-rc",
    "1-alpha-1", "1.a1", "1.alpha-1", "1-beta", "1-milestone", "1-sp", "1-sp-1", "1-foo", "1.1", "1-1", "1.0.1",
    "2.0.0.Final", "2.0.0-RC1", "5.3.39", "5.3.4", "1.2.3-jre", "1.2.3-android", "31.1-jre", "32.0.0-android",
]  # fmt: skip


def test_edge_vectors(maven_compare: Callable[..., list[int]]) -> None:
    assert [MAVEN.compare(a, b) for a, b in itertools.pairwise(EDGE)] == maven_compare(EDGE)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(versions, min_size=60, max_size=150))
def test_agrees_with_maven(maven_compare: Callable[..., list[int]], sequence: list[str]) -> None:
    sequence += sequence[:5]  # equal neighbours somewhere
    ours = [MAVEN.compare(a, b) for a, b in itertools.pairwise(sequence)]
    assert ours == maven_compare(sequence)


def test_rejects_what_it_cannot_order() -> None:
    with pytest.raises(InvalidVersion):
        MAVEN.compare("1." * 200, "1")
    with pytest.raises(InvalidVersion):
        MAVEN.compare("1.0-é", "1")
