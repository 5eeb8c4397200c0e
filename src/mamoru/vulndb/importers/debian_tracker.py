"""The Debian security tracker's JSON: ``{source package: {CVE: {releases: {codename: {...}}}}}``.

Per release (``bookworm`` → namespace ``debian:12``):

* ``resolved`` with ``fixed_version`` ``0`` → never affected; with a version → fixed in that version;
* ``open`` / ``undetermined`` → affected with no fix, qualified by ``urgency: end-of-life`` (the package
  is no longer supported in that release) and ``nodsa_reason`` (``ignored`` → will not fix,
  ``postponed`` → fix deferred);
* ``urgency`` (``low``, ``medium``, ``high``, ``unimportant``; a trailing ``*`` marks a guess) is the
  vendor severity; ``not yet assigned`` is none.

The whole file is one record (``tracker``): importing a newer copy replaces the older one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from mamoru.versions import get_scheme
from mamoru.vulndb.model import Advisory, Affected, BoundKind, EntryStatus, Interval, Record, SkipCounter
from mamoru.vulndb.namespaces import DEBIAN_CODENAMES
from mamoru.vulndb.severity import vendor_severity

SOURCE = "debian-tracker"
RECORD = "tracker"
NODSA_STATUS = {"ignored": EntryStatus.WILL_NOT_FIX, "postponed": EntryStatus.FIX_DEFERRED}


def is_tracker(document: Any) -> bool:
    """A mapping of package names to mappings of ids to objects with ``releases``."""
    if not isinstance(document, dict) or not document:
        return False
    for cves in list(document.values())[:20]:
        if isinstance(cves, dict) and cves:
            first = next(iter(cves.values()))
            return isinstance(first, dict) and "releases" in first
    return False


def records(document: dict[str, Any], skipped: SkipCounter) -> Iterator[Record]:
    dpkg = get_scheme("dpkg")
    advisories: dict[str, Advisory] = {}
    for package, cves in document.items():
        if not isinstance(cves, dict):
            skipped.add("tracker package without vulnerabilities", str(package)[:60])
            continue
        for vuln_id, data in cves.items():
            if not isinstance(data, dict) or not isinstance(data.get("releases"), dict):
                continue  # "releases": [] — no release tracked
            for codename, release in data["releases"].items():
                version = DEBIAN_CODENAMES.get(codename)
                if version is None or not isinstance(release, dict):
                    skipped.add("unknown Debian release", str(codename)[:30])
                    continue
                entry = _entry(f"debian:{version}", package, release, dpkg.validate, f"{vuln_id} {package}", skipped)
                if entry is None:
                    continue
                advisory = advisories.get(vuln_id)
                if advisory is None:
                    description = data.get("description")
                    summary = description.strip()[:300] if isinstance(description, str) else ""
                    advisory = advisories[vuln_id] = Advisory(source=SOURCE, record=RECORD, id=vuln_id, summary=summary)
                advisory.affected.append(entry)
    yield Record(SOURCE, RECORD, list(advisories.values()))


def _entry(namespace: str, package: str, release: dict[str, Any], valid: Any, where: str,
           skipped: SkipCounter) -> Affected | None:  # fmt: skip
    status = release.get("status")
    urgency = str(release.get("urgency") or "")
    entry = Affected(namespace=namespace, package=package, severity=vendor_severity(urgency))
    notes = [urgency.rstrip("*")] if urgency and urgency != "not yet assigned" else []
    if status == "resolved":
        fixed = str(release.get("fixed_version") or "").strip()
        if fixed == "0":
            entry.status = EntryStatus.NOT_AFFECTED
        elif fixed and valid(fixed):
            entry.intervals = [Interval("", fixed, BoundKind.FIXED)]
        else:
            skipped.add("unparsable fixed version in tracker", f"{where}: {fixed[:40]!r}")
            return None
    elif status in ("open", "undetermined"):
        entry.intervals = [Interval()]
        reason = str(release.get("nodsa_reason") or "")
        if urgency.startswith("end-of-life"):
            entry.status = EntryStatus.END_OF_LIFE
        elif reason in NODSA_STATUS:
            entry.status = NODSA_STATUS[reason]
        if release.get("nodsa"):
            notes.append(f"no-dsa{': ' + reason if reason else ''}")
        if status == "undetermined":
            notes.append("undetermined")
    else:
        skipped.add("unknown tracker status", f"{where}: {str(status)[:30]}")
        return None
    entry.note = ", ".join(notes)
    return entry
