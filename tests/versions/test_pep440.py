"""PEP 440 order (packaging): the PEP's own ordering examples, and a total order on generated versions."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mamoru.versions import InvalidVersion, get_scheme

PEP440 = get_scheme("pep440")
# the summary ordering of PEP 440 ("Examples of compliant version schemes", plus epochs and local versions)
ORDERED = [
    "1.0.dev456", "1.0a1", "1.0a2.dev456", "1.0a12.dev456", "1.0a12", "1.0b1.dev456", "1.0b2", "1.0b2.post345.dev456",
    "1.0b2.post345", "1.0rc1.dev456", "1.0rc1", "1.0", "1.0+abc.5", "1.0+abc.7", "1.0+5", "1.0.post456.dev34",
    "1.0.post456", "1.0.15", "1.1.dev1", "1!0.1",
]  # fmt: skip
versions = st.builds(
    lambda release, pre, post, dev: ".".join(map(str, release)) + pre + post + dev,
    st.lists(st.integers(0, 20), min_size=1, max_size=4),
    st.sampled_from(["", "a1", "b2", "rc1", "alpha3", "c1", "pre2"]),
    st.sampled_from(["", ".post1", "-1", ".post0"]),
    st.sampled_from(["", ".dev0", ".dev3"]),
)


def test_pep_order() -> None:
    assert [PEP440.compare(a, b) for a, b in itertools.pairwise(ORDERED)] == [-1] * (len(ORDERED) - 1)
    assert PEP440.compare("1.0", "1.0.0") == 0
    assert PEP440.compare("1.0c1", "1.0rc1") == 0
    assert PEP440.compare("2.19.0", "2.20.0") == -1


@given(versions, versions, versions)
def test_total_order(a: str, b: str, c: str) -> None:
    assert PEP440.compare(a, b) == -PEP440.compare(b, a)
    if PEP440.compare(a, b) <= 0 and PEP440.compare(b, c) <= 0:
        assert PEP440.compare(a, c) <= 0


@pytest.mark.parametrize("bad", ["1.0-foo-bar", "", "latest", "1.0.x"])
def test_rejects_legacy_versions(bad: str) -> None:
    with pytest.raises(InvalidVersion):
        PEP440.compare(bad, "1.0")
