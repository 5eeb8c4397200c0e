"""The vulnerability detector's decisions: names and versions it matches on, merging, precedence, statuses, notes.

Real advisory data where it shows the case (the shared snapshot); small handmade advisories for the
edge cases no real record happens to contain (they use the real formats and go through the importers).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from tests.helpers import ImageSpec, docker_archive, files, layer_tar

from mamoru.detectors.base import DetectContext
from mamoru.detectors.vuln import VulnerabilityDetector
from mamoru.model.artifact import Artifact, ArtifactKind, Layer
from mamoru.model.finding import Finding, FindingKind, FixStatus, Severity
from mamoru.model.inventory import Inventory, NoteKind, OSRelease
from mamoru.model.package import Package, PackageKind
from mamoru.scan.pipeline import ScanOptions, scan_image
from mamoru.vulndb.build import Source, import_sources

BASE = Layer(index=0, diff_id="sha256:" + "a" * 64, instruction="ADD file:rootfs in /")
RUN = Layer(index=1, diff_id="sha256:" + "b" * 64, instruction="RUN apt-get install -y openssl")


def inventory(os: OSRelease | None, *packages: Package) -> Inventory:
    artifact = Artifact(name="test", kind=ArtifactKind.CONTAINER_IMAGE, source="docker-archive", layers=(BASE, RUN))
    return Inventory(artifact=artifact, os=os, packages=list(packages))


def detect(inv: Inventory, db: Path, today: date | None = None) -> tuple[list[Finding], DetectContext]:
    context = DetectContext(db_path=db)
    findings = list(VulnerabilityDetector(today=today).detect(inv, context))
    return findings, context


def osv_file(directory: Path, record: dict[str, object]) -> Path:
    path = directory / f"{record['id']}.json"
    path.write_text(json.dumps({"modified": "2026-01-01T00:00:00Z", **record}))
    return path


BOOKWORM = OSRelease(family="debian", version="12.15", codename="bookworm")
deb = dict(kind=PackageKind.DEB, arch="amd64")


def test_debian_matches_by_source_package_and_source_version(tmp_path: Path) -> None:
    """bsdutils 1:2.38.1-5+deb12u3 is built from util-linux 2.38.1-5+deb12u3: advisories name util-linux."""
    osv_file(tmp_path, {"id": "CVE-2099-0001", "aliases": [], "affected": [
        {"package": {"ecosystem": "Debian:12", "name": "util-linux"},
         "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.38.1-5+deb12u4"}]}]},
        {"package": {"ecosystem": "Debian:12", "name": "bsdutils"},  # a binary name: never an advisory key
         "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]})  # fmt: skip
    db = tmp_path / "db.sqlite"
    import_sources(db, [Source(tmp_path / "CVE-2099-0001.json", "test")])
    bsdutils = Package(
        name="bsdutils",
        version="1:2.38.1-5+deb12u3",
        source_name="util-linux",
        source_version="2.38.1-5+deb12u3",
        layer=BASE,
        **deb,
    )  # type: ignore[arg-type]
    findings, _ = detect(inventory(BOOKWORM, bsdutils), db)
    (finding,) = findings
    # the binary's epoch would hide the vulnerability (1:2.38.1… > 2.38.1-5+deb12u4); the source version does not
    assert finding.rule_id == "CVE-2099-0001" and finding.vulnerability is not None
    assert finding.vulnerability.installed_version == "1:2.38.1-5+deb12u3"
    assert finding.vulnerability.fixed_version == "2.38.1-5+deb12u4"
    assert finding.remediation == "upgrade bsdutils to 2.38.1-5+deb12u4 or later (rebuild on a current debian:12 base)"
    assert "source util-linux 2.38.1-5+deb12u3" in finding.message
    assert [(c.framework, c.control) for c in finding.compliance] == [("nist-sp-800-190", "4.1.1"),
                                                                      ("cis-docker-1.6.0", "4.4")]  # fmt: skip


def test_distribution_packages_never_meet_upstream_or_other_releases(shared_db: Path) -> None:
    """A deb named like a PyPI project, an Alpine package and a Debian 11 entry: none of them match bookworm."""
    jinja = Package(name="jinja2", version="2.0", layer=BASE, **deb)  # type: ignore[arg-type]
    apk_in_debian = Package(name="openssl", version="1.0.0-r0", kind=PackageKind.APK, layer=BASE)
    findings, _ = detect(inventory(BOOKWORM, jinja, apk_in_debian), shared_db)
    assert findings == []


def test_language_packages_installed_by_the_os_are_not_matched_upstream(tmp_path: Path, shared_db: Path) -> None:
    """Debian's python3-requests owns its dist-info: the GHSA/PYSEC advisories for requests do not apply."""
    status = ("Package: python3-requests\nStatus: install ok installed\nArchitecture: all\nVersion: 2.18.4-2\n"
              "Source: requests\n\n")  # fmt: skip
    metadata = "Metadata-Version: 2.1\nName: requests\nVersion: 2.18.4\n"
    dist = "usr/lib/python3/dist-packages/requests-2.18.4.dist-info/METADATA"
    venv = "opt/venv/lib/python3.11/site-packages/requests-2.18.4.dist-info/METADATA"
    layer = layer_tar(files(("etc/os-release", 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n'),
                            ("var/lib/dpkg/status", status), ("var/lib/dpkg/info/python3-requests.list", f"/{dist}\n"),
                            (dist, metadata), (venv, metadata)))  # fmt: skip
    image = docker_archive(tmp_path / "i.tar", ImageSpec(layers=[layer]))
    scanned = scan_image(str(image), ScanOptions(scanners=frozenset({FindingKind.VULNERABILITY}), db_path=shared_db))
    pypi = {f.package.locations[0].path for f in scanned.findings if f.package and f.package.kind is PackageKind.PYPI}
    assert pypi == {venv}  # only the pip-installed copy


def test_aliases_merge_into_one_finding_with_the_cve_id(shared_db: Path) -> None:
    requests = Package(name="Requests", version="2.19.0", kind=PackageKind.PYPI, layer=RUN)
    findings, _ = detect(inventory(None, requests), shared_db)
    ids = [f.rule_id for f in findings]
    assert len(ids) == len(set(ids)) and "CVE-2018-18074" in ids
    (finding,) = [f for f in findings if f.rule_id == "CVE-2018-18074"]
    assert finding.vulnerability is not None and {"GHSA-x84v-xcm2-53pg", "PYSEC-2018-28"} <= set(
        finding.vulnerability.aliases
    )
    assert finding.severity is Severity.HIGH  # GitHub's rating


def test_the_distributions_own_feed_outranks_osv(vulndata: Path, tmp_path: Path) -> None:
    """secdb says openssl in 3.21 was never affected by CVE-2022-1292 ("0"); a contrary OSV copy is ignored."""
    package = {"ecosystem": "Alpine:v3.21", "name": "openssl"}
    osv_file(tmp_path, {"id": "CVE-2022-1292", "affected": [
        {"package": package, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]})  # fmt: skip
    db = tmp_path / "db.sqlite"
    import_sources(db, [Source(vulndata / "vulsio/vuls-data-raw-alpine-secdb/3.21/main.json", "secdb"),
                        Source(tmp_path / "CVE-2022-1292.json", "osv")])  # fmt: skip
    openssl = Package(name="libcrypto3", version="3.3.0-r0", kind=PackageKind.APK, source_name="openssl", layer=BASE)
    findings, _ = detect(inventory(OSRelease(family="alpine", version="3.21.2"), openssl), db)
    ids = {f.rule_id for f in findings}
    assert "CVE-2022-1292" not in ids
    assert "CVE-2024-6119" in ids  # fixed in 3.3.2-r0 per secdb
    (fixed,) = [f for f in findings if f.rule_id == "CVE-2024-6119"]
    assert fixed.vulnerability is not None and fixed.vulnerability.source == "alpine-secdb"


def test_rpm_family_epochs_and_source_rpms(vulndata: Path, tmp_path: Path) -> None:
    alma = sorted((vulndata / "AlmaLinux/osv-database/advisories/almalinux10").glob("*.json"))
    osv_file(tmp_path, {"id": "ALSA-2099:0001", "summary": "Important: openssl security update",
                        "related": ["CVE-2099-1111"], "affected": [
        {"package": {"ecosystem": "AlmaLinux:9", "name": "openssl"},
         "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.7-28.el9_4"}]}]},
    ]})  # fmt: skip
    db = tmp_path / "db.sqlite"
    import_sources(db, [Source(tmp_path / "ALSA-2099:0001.json", "t"), *(Source(p, "alma") for p in alma)])
    alma9 = OSRelease(family="almalinux", version="9.4")
    old = Package(name="openssl-libs", version="1:3.0.7-27.el9", epoch=1, kind=PackageKind.RPM, source_name="openssl",
                  source_version="3.0.7-27.el9", layer=BASE)  # fmt: skip
    new = Package(name="openssl", version="1:3.0.7-28.el9_4", epoch=1, kind=PackageKind.RPM, source_name="openssl",
                  source_version="3.0.7-28.el9_4", layer=BASE)  # fmt: skip
    findings, _ = detect(inventory(alma9, old, new), db)
    (finding,) = findings  # the advisory's missing epoch is the installed one's, not 0
    assert finding.package is old and finding.rule_id == "CVE-2099-1111"
    assert finding.severity is Severity.HIGH and finding.vulnerability is not None
    assert "ALSA-2099:0001" in finding.vulnerability.aliases


def test_unfixed_statuses_and_severity_from_the_vendor(vulndata: Path, tmp_path: Path) -> None:
    tracker = {"glibc": {"CVE-2099-2222": {"description": "x", "releases": {
        "bookworm": {"status": "open", "urgency": "low", "nodsa": "minor", "nodsa_reason": "ignored"},
        "buster": {"status": "open", "urgency": "end-of-life"}}}}}  # fmt: skip
    (tmp_path / "tracker.json").write_text(json.dumps(tracker))
    db = tmp_path / "db.sqlite"
    import_sources(db, [Source(tmp_path / "tracker.json", "tracker")])
    libc = Package(
        name="libc6", version="2.36-9+deb12u4", source_name="glibc", source_version="2.36-9+deb12u4", layer=BASE, **deb
    )  # type: ignore[arg-type]
    (finding,), _ = detect(inventory(BOOKWORM, libc), db)
    assert finding.vulnerability is not None and finding.vulnerability.status is FixStatus.WILL_NOT_FIX
    assert finding.severity is Severity.LOW and "no-dsa: ignored" in finding.message
    buster = OSRelease(family="debian", version="10.13", codename="buster")
    findings, _ = detect(inventory(buster, libc), db, today=date(2026, 1, 1))
    statuses = {f.rule_id: f.vulnerability.status if f.vulnerability else None for f in findings}
    assert statuses == {"CVE-2099-2222": FixStatus.END_OF_LIFE, "VULN-001": None}


def test_missing_database_is_a_note_and_the_scan_goes_on(tmp_path: Path) -> None:
    stretch = OSRelease(family="debian", version="9.13", codename="stretch")
    findings, context = detect(inventory(stretch), tmp_path / "none.sqlite", today=date(2026, 11, 26))
    assert [f.rule_id for f in findings] == ["VULN-001"]  # the end-of-life check needs no database
    (note,) = context.notes
    assert note.kind is NoteKind.WARNING and "mamoru db update" in note.message and "mamoru db import" in note.message


def test_stale_database_and_unparsable_versions_are_noted(shared_db: Path) -> None:
    broken = Package(name="requests", version="not-a-version!", kind=PackageKind.PYPI, layer=RUN)
    findings, context = detect(inventory(None, broken), shared_db, today=date(2099, 1, 1))
    messages = [n.message for n in context.notes]
    assert findings == []
    assert any("database was built" in m for m in messages)
    assert any("could not be compared" in m and "requests not-a-version!" in m for m in messages)


@pytest.mark.parametrize(("family", "version", "today", "eol"), [
    ("debian", "10.13", date(2026, 11, 26), "Debian 10 reached its end of life on 2024-06-30"),
    ("debian", "12.15", date(2026, 11, 26), None),
    ("debian", "12.15", date(2028, 7, 1), "Debian 12 reached its end of life on 2028-06-30"),
    ("alpine", "3.15.11", date(2026, 11, 26), "Alpine 3.15 reached its end of life on 2023-11-01"),
    ("alpine", "3.23.6", date(2026, 11, 26), None),
    ("centos", "7.9.2009", date(2026, 11, 26), "CentOS 7 reached its end of life on 2024-06-30"),
    ("ubuntu", "18.04", date(2026, 11, 26), "Ubuntu 18.04 reached its end of life on 2023-05-31"),
    ("ubuntu", "24.04", date(2026, 11, 26), None),
    ("gentoo", "2.15", date(2026, 11, 26), None),
])  # fmt: skip
def test_end_of_life_releases(tmp_path: Path, family: str, version: str, today: date, eol: str | None) -> None:
    findings, _ = detect(inventory(OSRelease(family=family, version=version)), tmp_path / "none.sqlite", today)
    assert [f.message.split(":")[0] for f in findings] == ([eol] if eol else [])
