"""Alpine secdb importer on the real JSON (secdb site mirror) and the old YAML (alpine-secdb repository)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from mamoru.versions import get_scheme
from mamoru.vulndb.importers import parse_document
from mamoru.vulndb.model import Advisory, BoundKind, EntryStatus, Interval, Record, SkipCounter

APK = get_scheme("apk")
CVE = re.compile(r"CVE-\d{4}-\d{4,}")


def load(path: Path, name: str) -> tuple[Record, SkipCounter]:
    skipped = SkipCounter()
    (record,) = parse_document(name, path.read_bytes(), skipped)
    return record, skipped


def entries(record: Record, vuln_id: str, package: str) -> list[Advisory]:
    return [a for a in record.advisories if a.id == vuln_id and any(e.package == package for e in a.affected)]


def test_branch_file_is_one_record_with_fixed_and_never_affected_entries(vulndata: Path) -> None:
    path = vulndata / "vulsio/vuls-data-raw-alpine-secdb/3.21/main.json"
    record, _ = load(path, "3.21/main.json")
    assert (record.source, record.name) == ("alpine-secdb", "v3.21/main")
    (fixed,) = entries(record, "CVE-2024-6119", "openssl")
    (entry,) = [e for e in fixed.affected if e.package == "openssl"]
    assert entry.namespace == "alpine:3.21" and entry.intervals == [Interval("", "3.3.2-r0", BoundKind.FIXED)]
    (never,) = entries(record, "CVE-2022-1292", "openssl")  # listed under the "0" key
    assert [e.status for e in never.affected if e.package == "openssl"] == [EntryStatus.NOT_AFFECTED]
    raw = json.loads(path.read_text())
    zero = {(p["pkg"]["name"], text.split()[0]) for p in raw["packages"]
            for text in (p["pkg"].get("secfixes") or {}).get("0", [])}  # fmt: skip
    stored = {(e.package, a.id) for a in record.advisories for e in a.affected if e.status is EntryStatus.NOT_AFFECTED}
    assert stored == zero


def test_several_ids_in_one_string_are_one_vulnerability(vulndata: Path) -> None:
    record, _ = load(vulndata / "vulsio/vuls-data-raw-alpine-secdb/3.21/main.json", "3.21/main.json")
    (advisory,) = entries(record, "CVE-2020-11501", "gnutls")  # "CVE-2020-11501 GNUTLS-SA-2020-03-31"
    assert advisory.aliases == ["GNUTLS-SA-2020-03-31"]
    assert not entries(record, "GNUTLS-SA-2020-03-31", "gnutls")


def test_old_yaml_with_repaired_and_junk_ids(vulndata: Path) -> None:
    record, skipped = load(vulndata / "alpinelinux/alpine-secdb/v3.9/main.yaml", "v3.9/main.yaml")
    assert (record.source, record.name) == ("alpine-secdb", "v3.9/main")
    (advisory,) = entries(record, "CVE-2018-16859", "ansible")  # written "CVE 2018-16859" in the file
    assert advisory.affected[0].namespace == "alpine:3.9"
    assert advisory.affected[0].intervals == [Interval("", "2.7.3-r0", BoundKind.FIXED)]
    assert skipped.counts.get("unrecognised vulnerability id in secdb", 0) <= 5


def test_every_id_string_is_accounted_for(vulndata: Path) -> None:
    """Each secfixes id string gives ids, or is counted as unrecognised; nothing vanishes silently."""
    for path in sorted((vulndata / "vulsio/vuls-data-raw-alpine-secdb").glob("*/*.json")):
        record, skipped = load(path, path.name)
        raw = json.loads(path.read_text())
        strings = [i for p in raw["packages"] for key, v in (p["pkg"].get("secfixes") or {}).items() for i in v or []
                   if key == "0" or APK.validate(key)]  # fmt: skip
        unrecognised = skipped.counts.get("unrecognised vulnerability id in secdb", 0)
        ids = {i for a in record.advisories for i in (a.id, *a.aliases)}
        with_ids = sum(1 for s in strings if any(i in ids for i in s.replace("CVE ", "CVE-").replace("CVE_", "CVE-")
                                                 .split()) or any(cve in ids for cve in CVE.findall(s)))  # fmt: skip
        assert with_ids + unrecognised >= len(strings), path


def test_fixed_versions_that_are_not_apk_versions_are_counted(vulndata: Path) -> None:
    _, skipped = load(vulndata / "alpinelinux/alpine-secdb/v3.10/community.yaml", "v3.10/community.yaml")
    assert skipped.counts.get("unparsable fixed version in secdb", 0) >= 1  # "4.8.0.-r1"
