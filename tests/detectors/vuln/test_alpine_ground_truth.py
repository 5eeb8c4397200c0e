"""Every Alpine match against a ground truth from the raw secdb and OSV files, ordered by the real ``apk``.

The Alpine fixture is 3.23, newer than the advisory snapshot (secdb ends at 3.21), so its OS packages
cannot be checked — the scan says so in a note. The matching itself is tested on the same real package
database turned into an Alpine 3.19 image: the origins the feeds know about carry real historical 3.19
versions taken from the feeds' own ``versions[]`` lists. Expected matches: secdb 3.19 (``installed <
fixed`` by ``apk version -t``; key ``"0"`` never affected) and, for vulnerabilities the secdb does not
list for that origin, osv.dev's ``Alpine:v3.19`` entries (the OSV schema's evaluation, same ``apk``).
"""

from __future__ import annotations

import json
import re
import tarfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from tests.detectors.vuln import reference
from tests.detectors.vuln.test_ground_truth import Expected, assert_same, findings_by_package
from tests.helpers import ImageSpec, docker_archive, files, layer_tar
from tests.versions import tools

from mamoru.model.finding import FindingKind
from mamoru.model.package import PackageKind
from mamoru.scan.pipeline import ScanOptions, scan_image
from mamoru.versions import get_scheme

pytestmark = pytest.mark.images
VULN = frozenset({FindingKind.VULNERABILITY})
SECDB_IDS = re.compile(r"\bCVE[-_ ]\d{4}-\d{4,}\b|\b[A-Z][A-Z0-9]+-[A-Z0-9-]*\d\b")


@pytest.fixture(scope="module")
def alpine_root(images: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tools.extract_alpine_root(images, tmp_path_factory.mktemp("alpine-root"))


@pytest.fixture(scope="module")
def osv_319(vulndata: Path) -> dict[str, list[tuple[dict[str, Any], dict[str, Any]]]]:
    documents = reference.osv_documents(vulndata / "vulsio/vuls-data-raw-alpine-osv",
                                        vulndata / "vulsio/vuls-data-raw-debian-osv")  # fmt: skip
    return reference.entries_for(documents, "Alpine:v3.19")


def installed_db(images: Path) -> str:
    with tarfile.open(images / "rootfs" / "alpine-rootfs.tar") as rootfs:
        member = rootfs.extractfile("./lib/apk/db/installed")
        assert member is not None
        return member.read().decode()


def with_versions(database: str, versions: dict[str, str]) -> tuple[str, dict[str, tuple[str, str]]]:
    """The apk database with each package of a chosen origin at that origin's version; name -> (origin, version)."""
    paragraphs, packages = [], {}
    for paragraph in database.strip().split("\n\n"):
        fields = dict(line.split(":", 1) for line in paragraph.splitlines() if ":" in line[:2])
        origin = fields.get("o", fields["P"])
        version = versions.get(origin, fields["V"])
        paragraphs.append(re.sub(r"(?m)^V:.*$", f"V:{version}", paragraph))
        packages[fields["P"]] = (origin, version)
    return "\n\n".join(paragraphs) + "\n\n", packages


def test_the_323_fixture_is_declared_unchecked(images: Path, shared_db: Path) -> None:
    inventory = scan_image(str(images / "alpine-docker.tar"), ScanOptions(scanners=VULN, db_path=shared_db))
    assert not [f for f in inventory.findings if f.package is not None]
    assert any("no advisories for alpine:3.23" in n.message for n in inventory.notes)


def test_alpine_319(images: Path, shared_db: Path, vulndata: Path, alpine_root: Path, tmp_path: Path,
                    osv_319: dict[str, Any]) -> None:  # fmt: skip
    apk = get_scheme("apk")
    chosen = {}
    for origin, entries in osv_319.items():
        known = sorted({v for _, entry in entries for v in entry.get("versions") or [] if apk.validate(v)},
                       key=apk.key)  # fmt: skip
        if known:
            chosen[origin] = known[-1]  # the newest version some 3.19 advisory lists
    database, packages = with_versions(installed_db(images), chosen)
    assert sum(1 for origin, _ in packages.values() if origin in chosen) >= 8
    release = 'ID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME="Alpine Linux v3.19"\n'
    layer = layer_tar(files(("etc/os-release", release), ("etc/alpine-release", "3.19.1\n"),
                            ("lib/apk/db/installed", database)))  # fmt: skip
    image = docker_archive(tmp_path / "alpine319.tar", ImageSpec(layers=[layer]))

    secdb: dict[str, dict[str, tuple[str, frozenset[str]]]] = defaultdict(dict)  # origin -> first id -> (key, ids)
    for repo in ("main", "community"):
        raw = json.loads((vulndata / f"vulsio/vuls-data-raw-alpine-secdb/3.19/{repo}.json").read_text())
        for item in raw["packages"]:
            for key, texts in (item["pkg"].get("secfixes") or {}).items():
                for text in texts or []:
                    ids = [re.sub(r"^CVE[_ ]", "CVE-", i) for i in SECDB_IDS.findall(text)]
                    if ids:
                        secdb[item["pkg"]["name"]][ids[0]] = (key, frozenset(ids))
    pairs = set()
    for origin, version in set(packages.values()):
        pairs |= {(version, key) for key, _ in secdb.get(origin, {}).values() if key != "0"}
        for _, entry in osv_319.get(origin, []):
            pairs |= reference.needed_pairs(version, entry)
    ordered = sorted(pairs)
    answers = tools.apk_compare(alpine_root, ordered)
    valid = {pair: int(a) for pair, a in zip(ordered, answers, strict=True) if a != "!"}
    compare = reference.table_compare(valid)

    expected: Expected = {}
    for name, (origin, version) in packages.items():
        hits = []
        listed = secdb.get(origin, {})
        listed_ids = {i for _, ids in listed.values() for i in ids}
        for key, ids in listed.values():
            if key != "0" and (version, key) in valid and compare(version, key) < 0:
                hits.append(reference.Vulnerability(ids, "alpine-secdb"))
        for record, entry in osv_319.get(origin, []):
            record_ids = {record["id"], *(record.get("aliases") or []), *(record.get("upstream") or [])}
            if record_ids & listed_ids:
                continue  # Alpine's own secdb speaks for this vulnerability
            if reference.affected(version, entry, compare):
                hits.extend(reference.vulnerabilities(record, "osv"))
        if hits:
            expected[name] = hits
    inventory = scan_image(str(image), ScanOptions(scanners=VULN, db_path=shared_db))
    assert sum(len(v) for v in expected.values()) > 30
    assert {"libcrypto3", "busybox", "musl"} <= set(expected)
    assert_same(findings_by_package(inventory, PackageKind.APK), expected)
