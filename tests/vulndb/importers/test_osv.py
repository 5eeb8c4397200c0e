"""OSV importer on the real feeds: GHSA, PYSEC (YAML), Go, RustSec, Debian, Alpine, Ubuntu, AlmaLinux, Rocky."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from packaging.version import Version

from mamoru.versions import get_scheme
from mamoru.vulndb.importers import _FAILED, load_document, parse_document
from mamoru.vulndb.importers.osv import build_intervals
from mamoru.vulndb.model import Advisory, BoundKind, Interval, Record, SkipCounter


def records_of(path: Path) -> tuple[list[Record], SkipCounter]:
    skipped = SkipCounter()
    return list(parse_document(path.name, path.read_bytes(), skipped)), skipped


def only(path: Path) -> Advisory:
    records, _ = records_of(path)
    assert len(records) == 1 and len(records[0].advisories) == 1
    return records[0].advisories[0]


def test_ghsa_pypi(vulndata: Path) -> None:
    advisory = only(vulndata / "vulsio/vuls-data-raw-pip-ghsa/2019/03/GHSA-2fch-jvg5-crf6/GHSA-2fch-jvg5-crf6.json")
    assert (advisory.source, advisory.record, advisory.id) == ("ghsa", "GHSA-2fch-jvg5-crf6", "GHSA-2fch-jvg5-crf6")
    assert advisory.aliases == ["CVE-2019-6690"]
    assert advisory.severity == "HIGH"  # GitHub's rating
    assert advisory.cvss_vector.startswith("CVSS:3.0/") and advisory.cvss_score == 7.5
    (entry,) = advisory.affected
    assert (entry.namespace, entry.package) == ("pypi", "python-gnupg")
    assert entry.intervals == [Interval("", "0.4.4", BoundKind.FIXED)]


def test_github_last_known_affected_range_bounds_an_open_entry(vulndata: Path) -> None:
    advisory = only(vulndata / "vulsio/vuls-data-raw-pip-ghsa/2024/06/GHSA-3mwc-2cj7-gx8c/GHSA-3mwc-2cj7-gx8c.json")
    (entry,) = advisory.affected
    assert entry.intervals == [Interval("", "1.2.13", BoundKind.LIMIT)]  # "< 1.2.13", no fix published


def test_pysec_yaml_drops_git_ranges_and_keeps_aliases(vulndata: Path) -> None:
    advisory = only(vulndata / "pypa/advisory-database/vulns/requests/PYSEC-2018-28.yaml")
    assert advisory.source == "pypa" and advisory.aliases == ["CVE-2018-18074", "GHSA-x84v-xcm2-53pg"]
    (entry,) = advisory.affected
    assert (entry.namespace, entry.package) == ("pypi", "requests")
    assert entry.intervals == [Interval("", "2.20.0", BoundKind.FIXED)]
    assert entry.versions == []  # derived from the range by osv.dev: not stored


def test_withdrawn_record_is_empty_and_counted(vulndata: Path) -> None:
    records, skipped = records_of(vulndata / "pypa/advisory-database/vulns/redis/PYSEC-2023-73.yaml")
    assert records == [Record("pypa", "PYSEC-2023-73", [])]  # replaces (deletes) an earlier copy
    assert skipped.counts == {"withdrawn": 1}


def test_go_pseudo_versions(vulndata: Path) -> None:
    advisory = only(vulndata / "golang/vulndb/data/osv/GO-2020-0004.json")
    (entry,) = advisory.affected
    assert (entry.namespace, entry.package) == ("go", "github.com/nanobox-io/golang-nanoauth")
    assert entry.intervals == [Interval("0.0.0-20160722212129-ac0cc4484ad4", "0.0.0-20200131131040-063a3fb69896",
                                        BoundKind.FIXED)]  # fmt: skip


def test_rustsec(vulndata: Path) -> None:
    advisory = only(vulndata / "rustsec/advisory-db@osv/crates/RUSTSEC-2016-0001.json")
    assert advisory.source == "rustsec" and "CVE-2016-10931" in advisory.aliases
    (entry,) = advisory.affected
    assert (entry.namespace, entry.package) == ("cargo", "openssl")
    assert entry.intervals == [Interval("0.0.0-0", "0.9.0", BoundKind.FIXED)]


def test_combined_debian_and_alpine_record(vulndata: Path) -> None:
    """osv.dev's CVE record: Debian entries by source package with urgency, Alpine entries per branch."""
    advisory = only(vulndata / "vulsio/vuls-data-raw-debian-osv/CVE/2022/CVE-2022-0563.json")
    assert advisory.source == "osv" and advisory.id == "CVE-2022-0563"
    by_namespace = {e.namespace: e for e in advisory.affected}
    bookworm = by_namespace["debian:12"]
    assert bookworm.package == "util-linux"
    assert bookworm.intervals == [Interval()]  # no fix in bookworm
    assert (bookworm.severity, bookworm.note) == ("LOW", "unimportant")
    assert by_namespace["alpine:3.12"].intervals == [Interval("", "2.37.4-r0", BoundKind.FIXED)]
    raw = json.loads((vulndata / "vulsio/vuls-data-raw-debian-osv/CVE/2022/CVE-2022-0563.json").read_text())
    with_package = [a for a in raw["affected"] if a.get("package")]
    assert len(advisory.affected) == len(with_package)  # only the GIT-only entry is left out


def test_dsa_becomes_one_advisory_per_cve(vulndata: Path) -> None:
    path = vulndata / "vulsio/vuls-data-raw-debian-osv/DSA/2024/DSA-5593-1.json"
    (record,), _ = records_of(path)
    raw = json.loads(path.read_text())
    assert (record.source, record.name) == ("debian-osv", "DSA-5593-1")
    assert sorted(a.id for a in record.advisories) == sorted(raw["related"])
    for advisory in record.advisories:
        assert "DSA-5593-1" in advisory.aliases
        assert advisory.affected[0].namespace == "debian:12" and advisory.affected[0].package == "linux"
        assert advisory.affected[0].intervals == [Interval("", "6.1.69-1", BoundKind.FIXED)]


def test_ubuntu_ids_pro_channel_and_priority(vulndata: Path) -> None:
    base = vulndata / "anchore/vunnel/tests/unit/providers/ubuntu/test-fixtures/osv/cve/2021/UBUNTU-CVE-2021-3782.json"
    advisory = only(base)
    assert advisory.source == "ubuntu-osv" and "CVE-2021-3782" in advisory.aliases
    assert advisory.severity == "MEDIUM"  # Ubuntu's priority
    namespaces = {e.namespace for e in advisory.affected}
    assert "ubuntu-pro:16.04" in namespaces  # ESM fixes never meet a plain ubuntu:16.04 image


def test_almalinux_and_rocky(vulndata: Path) -> None:
    alma = sorted((vulndata / "AlmaLinux/osv-database/advisories/almalinux9").glob("ALSA-*.json"))[0]
    (record,), _ = records_of(alma)
    raw = json.loads(alma.read_text())
    assert record.source == "almalinux-osv" and {a.id for a in record.advisories} == set(raw["related"])
    first = record.advisories[0]
    assert first.affected[0].namespace.startswith("almalinux:") and first.severity
    rocky = vulndata / "vulsio/vuls-data-raw-rocky-osv/RLSA/2024/RLSA-2024:9302.json"
    (record,), _ = records_of(rocky)
    entry = record.advisories[0].affected[0]
    assert (entry.namespace, entry.package) == ("rocky:9", "emacs")
    assert entry.intervals == [Interval("", "1:27.2-10.el9_4", BoundKind.FIXED)]
    assert record.advisories[0].severity == "MEDIUM"  # "Moderate: emacs security update"


def _document(affected: list[dict[str, Any]], **extra: Any) -> bytes:
    return json.dumps({"id": "TEST-2026-0001", "modified": "2026-01-01T00:00:00Z", "affected": affected,
                       **extra}).encode()  # fmt: skip


def test_unknown_ecosystems_and_bad_versions_are_counted_not_fatal() -> None:
    skipped = SkipCounter()
    data = _document([
        {"package": {"ecosystem": "Packagist", "name": "x/y"}, "ranges": [{"type": "ECOSYSTEM", "events": [
            {"introduced": "0"}, {"fixed": "1.0"}]}]},
        {"package": {"ecosystem": "PyPI", "name": "Foo_Bar"}, "ranges": [
            {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "not a version!"}]},
            {"type": "ECOSYSTEM", "events": [{"introduced": "2.0"}, {"fixed": "2.1"}]},
            {"type": "ECOSYSTEM", "events": [{"bogus": "1"}]}]},
        {"package": {"ecosystem": "npm"}},
        "not an object",
    ])  # fmt: skip
    (record,) = parse_document("x.json", data, skipped)
    (advisory,) = record.advisories
    (entry,) = advisory.affected
    assert (entry.package, entry.intervals) == ("foo-bar", [Interval("2.0", "2.1", BoundKind.FIXED)])  # PEP 503 name
    assert skipped.counts == {
        "unsupported ecosystem Packagist": 1, "unparsable version in pypi range": 1, "malformed range": 1,
        "affected entry without a package (e.g. only git ranges)": 1,
    }  # fmt: skip


@pytest.mark.parametrize("data", [b"{", b"\xff\xfe", b"[1, 2]", b'{"id": 3}', b"null"])
def test_malformed_documents(data: bytes) -> None:
    skipped = SkipCounter()
    assert list(parse_document("bad.json", data, skipped)) == []
    assert skipped.total == 1


def test_yaml_aliases_are_refused() -> None:
    bomb = b"a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\nid: X\naffected: [*c]\n"
    skipped = SkipCounter()
    assert load_document("bomb.yaml", bomb, skipped) is _FAILED
    assert "malformed document" in skipped.counts


# --- the interval construction follows the OSV schema's evaluation algorithm ---------------------

PEP440 = get_scheme("pep440")
event_versions = st.sampled_from(["0", "1.0", "1.1", "1.2", "2.0", "2.0.1", "3.0", "3.0a1"])
events = st.lists(st.tuples(st.sampled_from(["introduced", "fixed", "last_affected", "limit"]), event_versions),
                  min_size=1, max_size=6)  # fmt: skip


def _event_key(event: tuple[str, str]) -> tuple[int, ...] | tuple[int, Version]:
    return (0,) if event == ("introduced", "0") else (1, Version(event[1]))


def osv_reference(version: str, raw: list[tuple[str, str]]) -> bool:
    """The OSV schema's evaluation: sorted events, introduced flips on, fixed/last_affected flip off."""
    affected = False
    limits = [Version(v) for kind, v in raw if kind == "limit"]
    for kind, value in sorted(raw, key=_event_key):
        v, bound = Version(version), None if (kind, value) == ("introduced", "0") else Version(value)
        if kind == "introduced" and (bound is None or v >= bound):
            affected = True
        elif bound is not None and ((kind == "fixed" and v >= bound) or (kind == "last_affected" and v > bound)):
            affected = False
    return affected and not any(Version(version) >= limit for limit in limits)


def inside(version: str, intervals: list[Interval]) -> bool:
    for interval in intervals:
        if interval.introduced and PEP440.compare(version, interval.introduced) < 0:
            continue
        if interval.kind is BoundKind.OPEN:
            return True
        order = PEP440.compare(version, interval.bound)
        if order < 0 or (order == 0 and interval.kind is BoundKind.LAST_AFFECTED):
            return True
    return False


@example([("introduced", "0"), ("last_affected", "1.0"), ("limit", "1.0")], "1.0")  # the limit is exclusive
@settings(max_examples=300)
@given(events, st.sampled_from(["0.5", "1.0", "1.1", "1.5", "2.0", "2.0.1", "2.5", "3.0a1", "3.0", "4.0"]))
def test_intervals_match_the_osv_algorithm(raw: list[tuple[str, str]], version: str) -> None:
    """For the well-formed ranges OSV describes (one introduced per interval; fixed and last_affected not mixed)."""
    if {"fixed", "last_affected"} <= {kind for kind, _ in raw}:
        return  # the schema forbids a range with both
    ordered = sorted(raw, key=_event_key)
    opens = [k == "introduced" for k, _ in ordered]
    if not opens or not opens[0] or any(a and b for a, b in itertools.pairwise(opens)):
        return  # two introduced in a row or a range starting with a bound: undefined in the schema
    intervals = build_intervals([{kind: value} for kind, value in raw], PEP440)
    assert inside(version, intervals) == osv_reference(version, raw)
