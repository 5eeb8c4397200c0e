"""Every Debian, PyPI and npm match on the real images, against a ground truth computed here independently.

The database is built from the whole shared advisory snapshot; the images are the real fixtures
(Debian bookworm minbase, the 5-layer app image, the image built by a real Docker engine). The
expected matches come straight from the feed files (``reference.py``: the OSV schema's evaluation)
with the real version order: ``dpkg --compare-versions`` for Debian, node's ``semver`` for npm, and
packaging (PEP 440) for PyPI. The binary → source mapping comes from the image's own dpkg database
(read with python-debian) or from ``dpkg-query`` run in the Docker-built image, not from mamoru.

A match is compared as a vulnerability (an id set), so the test holds whichever alias mamoru shows:
every expected vulnerability is reported by exactly one finding, and every finding is expected.
"""

from __future__ import annotations

import tarfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from debian.deb822 import Deb822
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version
from tests.detectors.vuln import reference
from tests.versions import tools

from mamoru.model.finding import Finding, FindingKind
from mamoru.model.inventory import Inventory
from mamoru.model.package import PackageKind
from mamoru.scan.pipeline import ScanOptions, scan_image

pytestmark = pytest.mark.images
VULN = frozenset({FindingKind.VULNERABILITY})
Expected = dict[str, list[reference.Vulnerability]]  # package -> vulnerabilities


@pytest.fixture(scope="module")
def debian_records(vulndata: Path) -> dict[str, list[tuple[dict[str, Any], dict[str, Any]]]]:
    documents = reference.osv_documents(vulndata / "vulsio/vuls-data-raw-debian-osv",
                                        vulndata / "vulsio/vuls-data-raw-alpine-osv")  # fmt: skip
    return reference.entries_for(documents, "Debian:12")


def scan(image: Path, db: Path) -> Inventory:
    return scan_image(str(image), ScanOptions(scanners=VULN, db_path=db))


def findings_by_package(inventory: Inventory, kind: PackageKind) -> dict[str, list[Finding]]:
    found: dict[str, list[Finding]] = defaultdict(list)
    for finding in inventory.findings:
        if finding.package is not None and finding.package.kind is kind:
            found[finding.package.name].append(finding)
    return found


def assert_same(found: dict[str, list[Finding]], expected: Expected) -> None:
    """Each expected vulnerability is covered by exactly one finding; every finding is expected; no doubles."""
    problems = []
    for package in sorted(set(found) | set(expected)):
        findings = [(f.rule_id, frozenset({f.rule_id, *f.vulnerability.aliases})) for f in found.get(package, [])
                    if f.vulnerability is not None]  # fmt: skip
        ids = [rule for rule, _ in findings]
        if len(ids) != len(set(ids)):
            problems.append(f"{package}: duplicate findings {sorted(ids)}")
        for vulnerability in expected.get(package, []):
            covering = [rule for rule, group in findings if group & vulnerability.ids]
            if len(covering) != 1:
                problems.append(f"{package}: {sorted(vulnerability.ids)} covered by {covering}")
        for rule, group in findings:
            if not any(group & v.ids for v in expected.get(package, [])):
                problems.append(f"{package}: unexpected {rule} ({sorted(group)})")
    assert not problems, "\n".join(problems[:40])


def debian_expected(packages: list[tuple[str, str, str]], records: dict[str, Any]) -> Expected:
    """(binary, source, source version) triples against the raw Debian:12 OSV entries, with real dpkg."""
    pairs: set[tuple[str, str]] = set()
    for _, source, version in packages:
        for _, entry in records.get(source, []):
            pairs |= reference.needed_pairs(version, entry)
    ordered = sorted(pairs)
    compare = reference.table_compare(dict(zip(ordered, tools.dpkg_compare(ordered), strict=True)))
    expected: Expected = {}
    for binary, source, version in packages:
        hits = [v for record, entry in records.get(source, []) if reference.affected(version, entry, compare)
                for v in reference.vulnerabilities(record, "osv")]  # fmt: skip
        if hits:
            expected[binary] = hits
    return expected


def dpkg_status_packages(status: str) -> list[tuple[str, str, str]]:
    """(binary, source, source version) from a dpkg status file, as dpkg records them."""
    packages = []
    for paragraph in Deb822.iter_paragraphs(status):
        if "install ok installed" not in paragraph.get("Status", ""):
            continue
        source, source_version = paragraph["Package"], paragraph["Version"]
        if "Source" in paragraph:
            words = paragraph["Source"].split()
            source = words[0]
            if len(words) > 1:
                source_version = words[1].strip("()")
        packages.append((paragraph["Package"], source, source_version))
    return packages


def test_debian_base_image(images: Path, shared_db: Path, debian_records: dict[str, Any]) -> None:
    with tarfile.open(images / "rootfs" / "bookworm-minbase.tar") as rootfs:
        member = rootfs.extractfile("./var/lib/dpkg/status")
        assert member is not None
        packages = dpkg_status_packages(member.read().decode())
    assert len(packages) > 80
    expected = debian_expected(packages, debian_records)
    inventory = scan(images / "base-docker.tar", shared_db)
    assert sum(len(v) for v in expected.values()) > 50  # unfixed CVEs of bookworm (glibc, systemd, util-linux …)
    assert_same(findings_by_package(inventory, PackageKind.DEB), expected)
    assert not [n for n in inventory.notes if n.source == "vuln"]


def test_debian_image_built_by_docker(docker_images: Path, shared_db: Path, debian_records: dict[str, Any]) -> None:
    """dpkg-query run inside the Docker-built image is the binary → source truth."""
    truth = [line.split() for line in (docker_images / "docker-truth.txt").read_text().splitlines() if line.strip()]
    packages = [(name, source, source_version) for name, _version, source, source_version in truth]
    expected = debian_expected(packages, debian_records)
    inventory = scan(docker_images / "docker-save.tar", shared_db)
    assert_same(findings_by_package(inventory, PackageKind.DEB), expected)
    assert all(f.package is not None and f.package.layer is not None for f in inventory.findings)


def test_app_image_debian_pypi_and_npm(images: Path, shared_db: Path, vulndata: Path,
                                       debian_records: dict[str, Any]) -> None:  # fmt: skip
    inventory = scan(images / "app-docker.tar", shared_db)
    debs = [(p.name, p.source_name or p.name, p.source_version or p.version) for p in inventory.packages
            if p.kind is PackageKind.DEB]  # fmt: skip
    assert_same(findings_by_package(inventory, PackageKind.DEB), debian_expected(debs, debian_records))

    pypi_documents = list(reference.osv_documents(vulndata / "vulsio/vuls-data-raw-pip-ghsa",
                                                  vulndata / "pypa/advisory-database/vulns"))  # fmt: skip
    records = reference.entries_for(pypi_documents, "PyPI", lambda name: canonicalize_name(name))
    expected: Expected = {}
    for package in (p for p in inventory.packages if p.kind is PackageKind.PYPI):
        hits = [v for record, entry in records.get(canonicalize_name(package.name), [])
                if reference.affected(package.version, entry, _pep440)
                for v in reference.vulnerabilities(record, record["id"].split("-", 1)[0])]  # fmt: skip
        if hits:
            expected[package.name] = hits
    assert {"requests", "Django", "flask", "pyyaml"} <= set(expected)
    assert_same(findings_by_package(inventory, PackageKind.PYPI), expected)

    npm_records = reference.entries_for(reference.osv_documents(vulndata / "vulsio/vuls-data-raw-npm-ghsa"), "npm")
    npm = [p for p in inventory.packages if p.kind is PackageKind.NPM]
    pairs = sorted({pair for p in npm for _, entry in npm_records.get(p.name, [])
                    for pair in reference.needed_pairs(p.version, entry)})  # fmt: skip
    answers = tools.node_semver_compare(pairs)
    assert None not in answers
    compare = reference.table_compare({pair: int(a or 0) for pair, a in zip(pairs, answers, strict=True)})
    expected = {}
    for package in npm:
        hits = [v for record, entry in npm_records.get(package.name, []) if reference.affected(package.version, entry,
                compare) for v in reference.vulnerabilities(record, "ghsa")]  # fmt: skip
        if hits:
            expected[package.name] = hits
    assert {"lodash", "minimist"} <= set(expected)
    assert_same(findings_by_package(inventory, PackageKind.NPM), expected)


def _pep440(a: str, b: str) -> int:
    try:
        left, right = Version(a), Version(b)
    except InvalidVersion:
        return 1  # an unparsable bound in a feed: treated as never reached (mamoru skips such ranges)
    return (left > right) - (left < right)


def test_findings_carry_layer_instruction_fix_and_hint(images: Path, shared_db: Path) -> None:
    inventory = scan(images / "app-docker.tar", shared_db)
    requests = [f for f in inventory.findings if f.package is not None and f.package.name == "requests"
                and f.rule_id == "CVE-2018-18074"]  # fmt: skip
    (finding,) = requests
    detail = finding.vulnerability
    assert detail is not None and detail.fixed_version == "2.20.0" and detail.status.value == "fixed"
    assert {"GHSA-x84v-xcm2-53pg", "PYSEC-2018-28"} <= set(detail.aliases)
    assert detail.source == "ghsa, pypa" and detail.cvss_score is not None
    assert finding.remediation == "pin requests>=2.20.0"
    assert finding.package is not None and finding.package.layer is not None
    assert finding.package.layer.instruction.startswith("COPY")
    openssl = [f for f in inventory.findings if f.package is not None and f.package.name == "libssl3"]
    assert openssl and all(f.package is not None and f.package.layer is not None
                           and f.package.layer.instruction.startswith("RUN apt-get") for f in openssl)  # fmt: skip
