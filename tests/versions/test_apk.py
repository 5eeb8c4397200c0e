"""apk order: mamoru agrees with ``apk version -t`` (apk-tools 3 of the real Alpine 3.23 rootfs)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mamoru.versions import get_scheme

APK = get_scheme("apk")
pytestmark = pytest.mark.images
number = st.one_of(st.integers(0, 30).map(str), st.sampled_from(["0", "00", "01", "007", "10", "010", "99999999999"]))
suffix = st.builds(
    lambda s, n: s + n,
    st.sampled_from(["_alpha", "_beta", "_pre", "_rc", "_cvs", "_svn", "_git", "_hg", "_p"]),
    st.sampled_from(["", "1", "2", "10", "0", "20240101"]),
)
versions = st.builds(
    lambda first, dots, letter, suffixes, hash_, rev: first + "".join("." + d for d in dots) + letter
    + "".join(suffixes) + hash_ + rev,
    number,
    st.lists(number, max_size=3),
    st.sampled_from(["", "", "", "a", "z"]),
    st.lists(suffix, max_size=2),
    st.sampled_from(["", "", "", "~0a1f", "~abc", "~1234567"]),
    st.sampled_from(["", "-r0", "-r1", "-r10", "-r2"]),
)  # fmt: skip
junk = st.text(alphabet="0123456789.abrpz_-~", min_size=1, max_size=10)
# real versions from the Alpine 3.23 fixture and Alpine's secdb
EDGE = [
    ("1.37.0-r30", "1.37.0-r29"), ("6.5_p20251123-r0", "6.5-r0"), ("1.9.17_p2-r0", "1.9.17-r1"),
    ("1.0_rc1", "1.0"), ("1.0_alpha", "1.0_beta"), ("1.0_p1", "1.0"), ("1.0a", "1.0.1"), ("1.0a", "1.0"),
    ("1.01", "1.1"), ("1.001", "1.01"), ("1.0_git20240101", "1.0"), ("3.3.2-r3", "3.3.2-r10"),
    ("2.41.6-r1", "2.37.4-r0"), ("1.2.3~abc-r1", "1.2.3-r1"), ("1.2.3~abc", "1.2.3~abd"),
    ("20260909-r0", "20250911-r0"),
    ("0", "1.0"), ("1.0-r1", "1.0_p1-r0"), ("1.0_cvs", "1.0_svn"), ("1.0_rc", "1.0_rc0"),
]  # fmt: skip
INVALID = "!"


def ours(a: str, b: str) -> int | str:
    """mamoru's answer in apk's terms: refused (invalid) or the order."""
    if not (APK.validate(a) and APK.validate(b)):
        return INVALID
    return APK.compare(a, b)


def test_edge_vectors(apk_tool: Callable[..., Any]) -> None:
    assert all(APK.validate(v) for pair in EDGE for v in pair)
    assert [ours(a, b) for a, b in EDGE] == apk_tool(EDGE)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(versions, versions), min_size=40, max_size=120))
def test_agrees_with_apk(apk_tool: Callable[..., Any], pairs: list[tuple[str, str]]) -> None:
    pairs += [(b, a) for a, b in pairs[:10]] + [(a, a) for a, _ in pairs[:5]]
    assert [ours(a, b) for a, b in pairs] == apk_tool(pairs)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.one_of(versions, junk), st.one_of(versions, junk)), min_size=40, max_size=100))
def test_refuses_what_apk_refuses(apk_tool: Callable[..., Any], pairs: list[tuple[str, str]]) -> None:
    """apk 3 does not order strings that break its grammar; neither does mamoru."""
    assert [ours(a, b) for a, b in pairs] == apk_tool(pairs)
