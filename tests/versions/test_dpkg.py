"""dpkg order: mamoru agrees with ``dpkg --compare-versions``."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mamoru.versions import InvalidVersion, get_scheme

DPKG = get_scheme("dpkg")
_part = st.text(alphabet="0123456789abcz.+~", min_size=0, max_size=6)
upstream = st.builds(lambda first, rest: first + rest, st.sampled_from("0123456789"), _part)
versions = st.builds(
    lambda epoch, up, rev: (f"{epoch}:" if epoch is not None else "") + up + (f"-{rev}" if rev else ""),
    st.one_of(st.none(), st.integers(0, 3)),
    upstream,
    st.one_of(st.just(""), st.text(alphabet="0123456789abz.+~", min_size=1, max_size=5)),
)
# real Debian versions from the bookworm fixtures and the advisory data
EDGE = [
    ("1.0~rc1-1", "1.0-1"), ("1.0-1", "1.0-1~bpo1"), ("1:1.0-1", "2.0-1"), ("2.36-9+deb12u14", "2.36-9+deb12u4"),
    ("5.2.15-2+b13", "5.2.15-2"), ("5.2.15-2+b13", "5.2.15-2+deb12u1"), ("3.0.20-1~deb12u2", "3.0.15-1~deb12u1"),
    ("1.0", "1.0-0"), ("1.0a", "1.0"), ("1.0.", "1.0"), ("0:1.0", "1.0"), ("1.0~", "1.0"), ("1.0~~", "1.0~"),
    ("7.88.1-10+deb12u8", "7.88.1-10+deb12u12"), ("1:2.38.1-5+deb12u3", "2.38.1-5+deb12u3"),
    ("2023.3+deb12u2", "2023.3+deb12u1"), ("252.39-1~deb12u2", "252.39-1"), ("1.47.0-2+b2", "1.47.0-2.1"),
]  # fmt: skip


def test_edge_vectors(dpkg_compare: Callable[..., list[int]]) -> None:
    assert [DPKG.compare(a, b) for a, b in EDGE] == dpkg_compare(EDGE)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(versions, versions), min_size=40, max_size=120))
def test_agrees_with_dpkg(dpkg_compare: Callable[..., list[int]], pairs: list[tuple[str, str]]) -> None:
    pairs += [(b, a) for a, b in pairs[:10]] + [(a, a) for a, _ in pairs[:5]]
    assert [DPKG.compare(a, b) for a, b in pairs] == dpkg_compare(pairs)


@pytest.mark.parametrize("bad", ["", "1.0 2", ":1", "1:", "1.0:2", "1_0", "é1", "1" * 300])
def test_rejects_what_dpkg_cannot_parse(bad: str) -> None:
    assert not DPKG.validate(bad)
    with pytest.raises(InvalidVersion):
        DPKG.compare(bad, "1.0")
