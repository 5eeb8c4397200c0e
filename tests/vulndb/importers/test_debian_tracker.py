"""Debian security tracker JSON importer (the real format, as excerpted in vunnel's fixtures)."""

from __future__ import annotations

from pathlib import Path

from mamoru.vulndb.importers import parse_document
from mamoru.vulndb.model import Affected, BoundKind, EntryStatus, Interval, SkipCounter

FIXTURE = "anchore/vunnel/tests/unit/providers/debian/test-fixtures/input/debian.json"


def load(vulndata: Path) -> dict[tuple[str, str, str], Affected]:
    skipped = SkipCounter()
    (record,) = parse_document("debian.json", (vulndata / FIXTURE).read_bytes(), skipped)
    assert (record.source, record.name) == ("debian-tracker", "tracker")
    return {(a.id, e.namespace, e.package): e for a in record.advisories for e in a.affected}


def test_release_states(vulndata: Path) -> None:
    entries = load(vulndata)
    sope = entries[("CVE-2025-53603", "debian:12", "sope")]
    assert sope.intervals == [Interval("", "5.8.0-1+deb12u1", BoundKind.FIXED)] and sope.status is EntryStatus.RANGES
    assert entries[("CVE-2007-2383", "debian:9", "prototypejs")].status is EntryStatus.NOT_AFFECTED  # fixed "0"
    buster = entries[("CVE-2022-0456", "debian:10", "chromium")]
    assert buster.intervals == [Interval()] and buster.status is EntryStatus.END_OF_LIFE
    assert entries[("CVE-2022-0456", "debian:12", "chromium")].intervals == [
        Interval("", "98.0.4758.80-1", BoundKind.FIXED)]  # fmt: skip


def test_urgency_is_the_vendor_severity(vulndata: Path) -> None:
    entries = load(vulndata)
    assert entries[("CVE-2008-7220", "debian:9", "prototypejs")].severity == "HIGH"  # "high**"
    assert entries[("CVE-2005-3111", "debian:10", "backupninja")].severity == "MEDIUM"
    unimportant = entries[("CVE-2007-2383", "debian:9", "prototypejs")]
    assert unimportant.severity == "LOW" and unimportant.note == "unimportant"
    assert entries[("CVE-2025-53603", "debian:12", "sope")].severity == ""  # not yet assigned


def test_no_dsa_reasons() -> None:
    document = {"pkg": {"CVE-2099-0001": {"releases": {
        "bookworm": {"status": "open", "urgency": "low", "nodsa": "Minor issue", "nodsa_reason": "ignored"},
        "bullseye": {"status": "open", "urgency": "low", "nodsa": "Minor issue", "nodsa_reason": "postponed"},
        "trixie": {"status": "undetermined", "urgency": "not yet assigned"},
        "hamm": {"status": "weird"}}}}}  # fmt: skip
    import json

    skipped = SkipCounter()
    (record,) = parse_document("t.json", json.dumps(document).encode(), skipped)
    by_ns = {e.namespace: e for e in record.advisories[0].affected}
    assert by_ns["debian:12"].status is EntryStatus.WILL_NOT_FIX and by_ns["debian:12"].note == "low, no-dsa: ignored"
    assert by_ns["debian:11"].status is EntryStatus.FIX_DEFERRED
    assert by_ns["debian:13"].intervals == [Interval()] and by_ns["debian:13"].note == "undetermined"
    assert skipped.counts == {"unknown tracker status": 1}
