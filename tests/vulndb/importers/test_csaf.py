"""Red Hat CSAF advisories (real RHSAs from vunnel's fixtures)."""

from __future__ import annotations

from pathlib import Path

from mamoru.vulndb.importers import parse_document
from mamoru.vulndb.model import BoundKind, Interval, Record, SkipCounter

BASE = "anchore/vunnel/tests/unit/providers/rhel/test-fixtures/csaf/advisories"


def load(vulndata: Path, name: str) -> tuple[Record, SkipCounter]:
    skipped = SkipCounter()
    (record,) = parse_document(name, (vulndata / BASE / name).read_bytes(), skipped)
    return record, skipped


def test_main_stream_fix_by_source_rpm(vulndata: Path) -> None:
    record, _ = load(vulndata, "2024/rhsa-2024_9371.json")
    assert (record.source, record.name) == ("redhat-csaf", "RHSA-2024:9371")
    (advisory,) = record.advisories
    assert advisory.id.startswith("CVE-") and advisory.aliases == ["RHSA-2024:9371"]
    assert advisory.severity in ("LOW", "MEDIUM", "HIGH", "CRITICAL") and advisory.cvss_score is not None
    (entry,) = advisory.affected
    assert (entry.namespace, entry.package) == ("rhel:9", "python3.9")
    assert entry.intervals == [Interval("", "3.9.19-8.el9", BoundKind.FIXED)]


def test_only_the_main_streams_count(vulndata: Path) -> None:
    """RHSA-2024:0811 fixes sudo in EUS streams (8.6, 8.8, 9.0, 9.2) and in the main 8 and 9 streams."""
    record, skipped = load(vulndata, "rhsa-2024_0811.json")
    fixes = {(e.namespace, e.package, e.intervals[0].bound) for a in record.advisories for e in a.affected}
    assert fixes == {("rhel:9", "sudo", "1.9.5p2-10.el9_3"), ("rhel:8", "sudo", "1.9.5p2-1.el8_9")}
    assert skipped.counts["CSAF product stream outside plain RHEL (EUS, ELS, add-ons)"] > 0


def test_eus_els_and_modular_streams_are_left_out(vulndata: Path) -> None:
    for name in ("2024/rhsa-2024_6163.json", "2025/rhsa-2025_23414.json", "rhsa-2024_1431.json"):
        record, skipped = load(vulndata, name)
        assert record.advisories == [], name  # an empty record: nothing applies to plain RHEL images
        assert skipped.total, name
