"""RubyGems order: mamoru agrees with Ruby's ``Gem::Version``."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mamoru.versions import get_scheme

GEM = get_scheme("gem")
segment = st.one_of(st.integers(0, 12).map(str), st.sampled_from(["a", "b", "rc", "pre", "alpha", "beta1", "0", "00"]))
versions = st.builds(
    lambda parts, tail: ".".join(parts) + tail,
    st.lists(segment, min_size=1, max_size=5),
    st.sampled_from(["", "", "-1", "-pre", "-rc1"]),
)
EDGE = [("1.0.a", "1.0"), ("1.0.0", "1"), ("1.0.b1", "1.0.a2"), ("2.0.0.rc1", "2.0.0"), ("1.2-1", "1.2.pre.1"),
        ("7.0.8.1", "7.0.8"), ("1.13.10", "1.13.9"), ("0.0.1", "0.0.1.pre")]  # fmt: skip


def ours(a: str, b: str) -> int | None:
    """mamoru's answer in Ruby's terms: None when either is not a version (Ruby raises ArgumentError)."""
    return GEM.compare(a, b) if GEM.validate(a) and GEM.validate(b) else None


def test_edge_vectors(gem_compare: Callable[..., list[int | None]]) -> None:
    assert [GEM.compare(a, b) for a, b in EDGE] == gem_compare(EDGE)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(versions, versions), min_size=50, max_size=150))
def test_agrees_with_ruby(gem_compare: Callable[..., list[int | None]], pairs: list[tuple[str, str]]) -> None:
    pairs += [(b, a) for a, b in pairs[:10]]
    assert [ours(a, b) for a, b in pairs] == gem_compare(pairs)
