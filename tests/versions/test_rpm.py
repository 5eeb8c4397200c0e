"""rpm order: mamoru agrees with rpm's own comparison (``rpm.ver`` / ``rpm.labelCompare`` of python3-rpm)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mamoru.versions import InvalidVersion, get_scheme
from mamoru.versions.rpm import align_epoch, split_evr, vercmp

RPM = get_scheme("rpm")
segment = st.one_of(
    st.integers(0, 20).map(str),
    st.sampled_from(["0", "00", "01", "a", "b", "z", "rc", "el9", "el9_4", "fc40", "git", "~", "^", "~rc1", "^post1"]),
    st.sampled_from([".", "_", "+", "."]),
)
version_text = st.builds(
    lambda first, rest: first + "".join(rest),
    st.one_of(st.integers(0, 20).map(str), st.sampled_from(["a", "rc", "el9", "0", "01"])),
    st.lists(segment, max_size=5),
)
evrs = st.builds(
    lambda epoch, version, release: (f"{epoch}:" if epoch is not None else "") + version + (
        f"-{release}" if release else ""),
    st.one_of(st.none(), st.integers(0, 3)),
    version_text,
    st.one_of(st.just(""), version_text),
)  # fmt: skip
EDGE = [
    ("1.0~rc1-1", "1.0-1"), ("1.0^post1-1", "1.0-1"), ("1.0^post1-1", "1.0.1-1"), ("1:1.0-1", "2.0-1"),
    ("0:1.0-1", "1.0-1"), ("5.14.0-611.54.6.el9_7", "5.14.0-427.35.1.el9_4"), ("1.0a-1", "1.0-1"),
    ("3.9.18-3.el9_4.5", "3.9.18-3.el9_4.10"), ("1.01-1", "1.1-1"), ("1.0-1.el8", "1.0-1.el8_1"),
    ("2.0-1", "2.0.0-1"), ("1.0~~-1", "1.0~-1"), ("1.0^-1", "1.0-1"), ("1.0-1~", "1.0-1"),
]  # fmt: skip


def test_edge_vectors(rpm_compare: Callable[..., list[int]]) -> None:
    assert [RPM.compare(a, b) for a, b in EDGE] == rpm_compare(EDGE)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(evrs, evrs), min_size=50, max_size=150))
def test_agrees_with_rpm_ver(rpm_compare: Callable[..., list[int]], pairs: list[tuple[str, str]]) -> None:
    pairs += [(b, a) for a, b in pairs[:10]] + [(a, a) for a, _ in pairs[:5]]
    assert [RPM.compare(a, b) for a, b in pairs] == rpm_compare(pairs)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(version_text, version_text), min_size=50, max_size=150))
def test_segments_agree_with_label_compare(rpm_compare: Callable[..., Any], pairs: list[tuple[str, str]]) -> None:
    """rpmvercmp itself (``~``, ``^``, alpha/numeric segments) against labelCompare of the bare versions."""
    assert [vercmp(a, b) for a, b in pairs] == rpm_compare(pairs, True)


def test_split_like_rpm() -> None:
    assert split_evr("1:2.3-4.el9") == (1, "2.3", "4.el9")
    assert split_evr("2.3") == (None, "2.3", "")
    assert split_evr("a:1.0-1") == (None, "a:1.0", "1")
    assert split_evr("1.0-1-2") == (None, "1.0-1", "2")


def test_missing_epoch_takes_the_installed_one() -> None:
    """AlmaLinux advisories omit the epoch: ``3.0.7-28`` is a fix for ``1:3.0.7-27``, not older than it."""
    assert RPM.compare("1:3.0.7-27.el9", align_epoch("3.0.7-28.el9_4", "1:3.0.7-27.el9")) == -1
    assert align_epoch("0:3.0.7-28", "1:3.0.7-27") == "0:3.0.7-28"
    assert align_epoch("3.0.7-28", "3.0.7-27") == "3.0.7-28"


@pytest.mark.parametrize("bad", ["", "1.0 -1", "1.0-", "1:", "x" * 300, "1.0-é"])
def test_rejects_non_versions(bad: str) -> None:
    with pytest.raises(InvalidVersion):
        RPM.compare(bad, "1.0-1")
