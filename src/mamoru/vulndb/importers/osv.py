"""OSV (JSON or YAML): GHSA, PYSEC, Go vulndb, RustSec, Debian, Alpine, Ubuntu, AlmaLinux, Rocky, Wolfi …

Per the OSV schema (versions 1.0 to 1.7):

* each ``affected[]`` entry names a package in an ecosystem (``PyPI``, ``Debian:12``, ``Alpine:v3.21`` …);
  entries of ecosystems mamoru cannot order are skipped and counted;
* ``ECOSYSTEM`` and ``SEMVER`` ranges become intervals: events are sorted in the ecosystem's version
  order (``introduced: "0"`` first, ties keep their order), then ``introduced`` opens an interval and
  ``fixed`` / ``last_affected`` close it, as the schema's evaluation algorithm does, and the lowest
  ``limit`` caps the whole range. ``GIT``
  ranges name commits, not installable versions, and are left out;
* ``versions[]`` are kept for entries without a usable range (osv.dev derives ``versions[]`` from the
  ranges, so for the others they add nothing);
* GitHub's ``database_specific.last_known_affected_version_range`` (``< X`` / ``<= X``) bounds an entry
  that has no fixed or last-affected version, as GitHub's own advisory does;
* ``withdrawn`` records are dropped (and delete an earlier copy); ``aliases`` and ``upstream`` are the
  ids of the same vulnerability; a bundle advisory (DSA, DLA, USN, ALSA, RLSA …) fixing several CVEs
  becomes one advisory per CVE, each with the bundle id among its aliases;
* severity: GitHub's rating, Ubuntu's priority, the "Important:" of RHEL-family summaries, Debian's
  per-package urgency; CVSS from ``severity[]`` (v3 first).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from mamoru.versions import InvalidVersion, Scheme, get_scheme
from mamoru.vulndb.importers._fields import mapping, mappings, strings, text
from mamoru.vulndb.model import Advisory, Affected, BoundKind, EntryStatus, Interval, Record, SkipCounter
from mamoru.vulndb.namespaces import from_osv_ecosystem, normalize_name, scheme_for
from mamoru.vulndb.severity import pick_cvss, vendor_severity

# record id prefix -> source name
SOURCES = (
    ("GHSA-", "ghsa"), ("PYSEC-", "pypa"), ("GO-", "go-vulndb"), ("RUSTSEC-", "rustsec"),
    ("DSA-", "debian-osv"), ("DLA-", "debian-osv"), ("DTSA-", "debian-osv"), ("DEBIAN-", "debian-osv"),
    ("ALPINE-", "alpine-osv"), ("USN-", "ubuntu-osv"), ("UBUNTU-", "ubuntu-osv"), ("ALSA-", "almalinux-osv"),
    ("RLSA-", "rocky-osv"), ("RXSA-", "rocky-osv"), ("CGA-", "chainguard-osv"),
)  # fmt: skip
BUNDLE_PREFIXES = ("DSA-", "DLA-", "DTSA-", "USN-", "ALSA-", "RLSA-", "RXSA-", "RHSA-", "ELSA-")
NOT_SECURITY_PREFIXES = ("ALBA-", "ALEA-", "RHBA-", "RHEA-", "RLBA-", "RLEA-", "ELBA-", "ELEA-")
DISTRO_CVE = re.compile(r"^(?:DEBIAN|UBUNTU|ALPINE)-(CVE-\d{4}-\d+)$")
CVE = re.compile(r"^CVE-\d{4}-\d{4,}$")
SUMMARY_SEVERITY = re.compile(r"^(Critical|Important|Moderate|Low):")
MAX_AFFECTED = 10_000
MAX_EVENTS = 10_000
MAX_VERSIONS = 100_000
_MIN = (0,)


def is_osv(document: Any) -> bool:
    return isinstance(document, dict) and isinstance(document.get("id"), str) and "affected" in document


def records(document: dict[str, Any], skipped: SkipCounter) -> Iterator[Record]:
    """The one record of an OSV document (empty when it is withdrawn or has nothing usable)."""
    record_id = document["id"].strip()
    source = source_for(record_id)
    record = Record(source, record_id)
    if not record_id or len(record_id) > 200:
        skipped.add("record without a usable id", record_id[:80])
        return
    if record_id.startswith(NOT_SECURITY_PREFIXES):
        skipped.add("not a security advisory (bug fix or enhancement)", record_id)
        yield record
        return
    if document.get("withdrawn"):
        skipped.add("withdrawn", record_id)
        yield record
        return
    affected = _affected(document, record_id, skipped)
    if not affected:
        skipped.add("no affected package mamoru can match", record_id)
        yield record
        return
    aliases = strings(document.get("aliases")) + strings(document.get("upstream"))
    cvss_vector, cvss_score = pick_cvss(mappings(document.get("severity")))
    advisory = Advisory(
        source=source, record=record_id, id=record_id, aliases=_unique(aliases),
        summary=text(document.get("summary")) or text(document.get("details")).split("\n", 1)[0][:300],
        severity=_vendor_severity(document), cvss_vector=cvss_vector, cvss_score=cvss_score,
        published=text(document.get("published")), modified=text(document.get("modified")),
        references=[r["url"] for r in mappings(document.get("references")) if isinstance(r.get("url"), str)][:50],
        affected=affected,
    )  # fmt: skip
    record.advisories = _expand_bundle(advisory, document)
    yield record


def source_for(record_id: str) -> str:
    """The source name of an OSV record, from its id's database prefix (osv.dev's own records: ``osv``)."""
    return next((source for prefix, source in SOURCES if record_id.startswith(prefix)), "osv")


def _expand_bundle(advisory: Advisory, document: Mapping[str, Any]) -> list[Advisory]:
    """A DSA/USN/ALSA … fixing CVEs becomes one advisory per CVE (same ranges, the bundle id as an alias)."""
    if not advisory.id.startswith(BUNDLE_PREFIXES):
        return [advisory]
    linked = strings(document.get("related")) + advisory.aliases
    cves = _unique(
        [m.group(1) if (m := DISTRO_CVE.match(i)) else i for i in linked if CVE.match(i) or DISTRO_CVE.match(i)]
    )
    if not cves:
        return [advisory]
    expanded = []
    for cve in cves:
        aliases = _unique([advisory.id, *(a for a in advisory.aliases if a != cve and not CVE.match(a))])
        summary = f"{advisory.summary} ({advisory.id})".strip()
        expanded.append(Advisory(
            source=advisory.source, record=advisory.record, id=cve, aliases=aliases, summary=summary,
            severity=advisory.severity, cvss_vector=advisory.cvss_vector, cvss_score=advisory.cvss_score,
            published=advisory.published, modified=advisory.modified, references=advisory.references,
            affected=advisory.affected,
        ))  # fmt: skip
    return expanded


def _affected(document: Mapping[str, Any], record_id: str, skipped: SkipCounter) -> list[Affected]:
    entries = mappings(document.get("affected"))
    if len(entries) > MAX_AFFECTED:
        skipped.add("too many affected entries", record_id)
        return []
    result = []
    for entry in entries:
        package = mapping(entry.get("package"))
        ecosystem, name = package.get("ecosystem"), package.get("name")
        if not isinstance(ecosystem, str) or not isinstance(name, str) or not name.strip():
            skipped.add("affected entry without a package (e.g. only git ranges)", record_id)
            continue
        namespace = from_osv_ecosystem(ecosystem)
        scheme_name = scheme_for(namespace) if namespace else None
        if namespace is None or scheme_name is None:
            skipped.add(f"unsupported ecosystem {ecosystem.split(':', 1)[0]}", record_id)
            continue
        affected = _entry(entry, namespace, get_scheme(scheme_name), normalize_name(namespace, name), record_id,
                          skipped)  # fmt: skip
        if affected is not None:
            result.append(affected)
    return result


def _entry(
    entry: Mapping[str, Any], namespace: str, scheme: Scheme, package: str, record_id: str, skipped: SkipCounter
) -> Affected | None:
    intervals: list[Interval] = []
    usable_range = False
    for range_ in mappings(entry.get("ranges")):
        kind = range_.get("type")
        if kind == "GIT":
            continue
        if kind not in ("ECOSYSTEM", "SEMVER"):
            skipped.add(f"unsupported range type {str(kind)[:20]}", record_id)
            continue
        try:
            intervals.extend(build_intervals(mappings(range_.get("events")), scheme))
            usable_range = True
        except InvalidVersion as exc:
            skipped.add(f"unparsable version in {namespace.split(':', 1)[0]} range", f"{record_id}: {exc}")
        except ValueError as exc:
            skipped.add("malformed range", f"{record_id}: {exc}")
    if intervals and all(i.kind is BoundKind.OPEN for i in intervals):
        intervals = _github_bound(entry, intervals, scheme)
    versions: list[str] = []
    if not usable_range:
        raw = strings(entry.get("versions"))[:MAX_VERSIONS]
        versions = [v for v in raw if scheme.validate(v)]
        if len(versions) < len(raw):
            skipped.add(f"unparsable version in {namespace.split(':', 1)[0]} versions[]", record_id)
    if not intervals and not versions:
        if usable_range:  # ranges that cancel out (introduced = fixed): nothing is affected
            return None
        skipped.add("affected entry without usable ranges or versions", record_id)
        return None
    specific = mapping(entry.get("ecosystem_specific"))
    urgency = text(specific.get("urgency"))
    status = EntryStatus.END_OF_LIFE if urgency == "end-of-life" else EntryStatus.RANGES
    note = urgency if urgency != "not yet assigned" else ""
    return Affected(namespace=namespace, package=package, intervals=intervals, versions=versions, status=status,
                    severity=vendor_severity(urgency), note=note)  # fmt: skip


def build_intervals(events: list[Mapping[str, Any]], scheme: Scheme) -> list[Interval]:
    """OSV events (one range) as affected intervals, in the scheme's order."""
    if len(events) > MAX_EVENTS:
        raise ValueError("too many events")
    keyed: list[tuple[tuple[Any, ...], str, str]] = []
    for event in events:
        if len(event) != 1:
            raise ValueError(f"an event needs exactly one field: {dict(event)!r:.80}")
        ((kind, value),) = event.items()
        if kind not in ("introduced", "fixed", "last_affected", "limit") or not isinstance(value, str):
            raise ValueError(f"unknown event {kind!r:.40}")
        value = value.strip()
        if kind == "introduced" and value == "0":
            keyed.append((_MIN, kind, ""))
        elif kind == "limit" and value == "*":
            continue  # no limit
        else:
            keyed.append(((1, scheme.key(value)), kind, value))
    keyed.sort(key=lambda item: item[0])  # stable: equal versions keep the feed's order
    intervals = []
    start: str | None = None
    for _, kind, value in keyed:
        if kind == "introduced":
            if start is None:
                start = value
        elif kind != "limit" and start is not None:
            intervals.append(Interval(start, value, BoundKind(kind)))
            start = None
    if start is not None:
        intervals.append(Interval(start))
    limits = [(key, value) for key, kind, value in keyed if kind == "limit"]
    if not limits:
        return intervals
    # a limit caps the whole range: nothing at or above the lowest limit is affected
    limit_key, limit = min(limits, key=lambda item: item[0])
    capped = []
    for interval in intervals:
        if interval.introduced and (1, scheme.key(interval.introduced)) >= limit_key:
            continue
        bound_key = (1, scheme.key(interval.bound)) if interval.kind is not BoundKind.OPEN else None
        # capped when the bound lets through the limit or more (a last_affected equal to the limit
        # includes it; the limit is exclusive)
        if (
            bound_key is None
            or bound_key > limit_key
            or (bound_key == limit_key and interval.kind is BoundKind.LAST_AFFECTED)
        ):
            interval = Interval(interval.introduced, limit, BoundKind.LIMIT)  # noqa: PLW2901 - capped copy
        capped.append(interval)
    return capped


def _github_bound(entry: Mapping[str, Any], intervals: list[Interval], scheme: Scheme) -> list[Interval]:
    """Bound open intervals by GitHub's ``last_known_affected_version_range`` (``< X`` or ``<= X``)."""
    specific = mapping(entry.get("database_specific"))
    match = re.fullmatch(r"(<=?)\s*(\S+)", text(specific.get("last_known_affected_version_range")))
    if not match or not scheme.validate(match.group(2)):
        return intervals
    kind = BoundKind.LAST_AFFECTED if match.group(1) == "<=" else BoundKind.LIMIT
    bound = match.group(2)
    bounded = []
    for interval in intervals:
        if interval.introduced and scheme.compare(interval.introduced, bound) > 0:
            continue
        bounded.append(Interval(interval.introduced, bound, kind))
    return bounded


def _vendor_severity(document: Mapping[str, Any]) -> str:
    specific = document.get("database_specific")
    if isinstance(specific, dict) and isinstance(specific.get("severity"), str):
        return vendor_severity(specific["severity"])  # GitHub: LOW, MODERATE, HIGH, CRITICAL
    for entry in mappings(document.get("severity")):
        if entry.get("type") == "Ubuntu" and isinstance(entry.get("score"), str):
            return vendor_severity(entry["score"])
    match = SUMMARY_SEVERITY.match(text(document.get("summary")))
    return vendor_severity(match.group(1)) if match else ""


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
