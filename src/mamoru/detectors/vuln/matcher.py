"""Matching: which stored advisory entries affect an installed version, merged into one finding per vulnerability.

For one package, every stored entry of its (namespace, name) is evaluated in the namespace's version
scheme: the installed version is affected when an interval contains it (``introduced <= v``, and
``v < fixed`` / ``v <= last_affected`` / ``v < limit``) or ``versions[]`` lists it. The entries that
affect the package are then merged: two entries belong to the same vulnerability when their ids or
aliases overlap (a GHSA and a PYSEC record naming the same CVE; a DSA expanded per CVE and the CVE
record; ``DEBIAN-CVE-x`` and ``CVE-x``), giving one finding per (package, vulnerability).

Within a vulnerability, a distribution's own feed (the Debian tracker, Alpine's secdb, Red Hat CSAF)
outranks the OSV copies derived from it, and an explicit "not affected" from it (secdb ``"0"``,
tracker fixed version ``0``) suppresses the finding. The finding's id is the CVE when the
vulnerability has one (what ignore lists, VEX documents and compliance reports use), else the GHSA
id, else the first record's id; the other ids are its aliases.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from mamoru.detectors.vuln.drivers import Query, remediation
from mamoru.model.finding import ComplianceRef, Finding, FindingKind, FixStatus, Severity, VulnerabilityDetail
from mamoru.versions import InvalidVersion, Scheme, get_scheme
from mamoru.versions.rpm import align_epoch
from mamoru.vulndb.model import BoundKind, EntryStatus
from mamoru.vulndb.severity import from_score
from mamoru.vulndb.store import Entry

# the distribution's own feed outranks OSV copies for its namespaces
AUTHORITATIVE = {"debian": "debian-tracker", "alpine": "alpine-secdb", "rhel": "redhat-csaf"}
CVE = re.compile(r"^CVE-\d{4}-\d{4,}$")
COMPLIANCE = (ComplianceRef("nist-sp-800-190", "4.1.1"), ComplianceRef("cis-docker-1.6.0", "4.4"))
STATUS_ORDER = (EntryStatus.END_OF_LIFE, EntryStatus.WILL_NOT_FIX, EntryStatus.FIX_DEFERRED)
MAX_REFERENCES = 10


@dataclass(frozen=True, slots=True)
class Hit:
    """An entry that affects the installed version, and the fixed version of the interval that matched."""

    entry: Entry
    fixed: str


@dataclass(slots=True)
class Group:
    """The entries about one vulnerability (connected by ids and aliases)."""

    ids: set[str] = field(default_factory=set)
    hits: list[Hit] = field(default_factory=list)
    not_affected: list[Entry] = field(default_factory=list)


def evaluate(entry: Entry, version: str, scheme: Scheme) -> Hit | None:
    """The hit when ``entry`` says ``version`` is affected (InvalidVersion when ``version`` is unparsable)."""
    if entry.status is EntryStatus.NOT_AFFECTED:
        return None
    rpm = scheme.name == "rpm"
    for interval in entry.intervals:
        start = align_epoch(interval.introduced, version) if rpm and interval.introduced else interval.introduced
        if start and scheme.compare(version, start) < 0:
            continue
        if interval.kind is not BoundKind.OPEN:
            bound = align_epoch(interval.bound, version) if rpm else interval.bound
            order = scheme.compare(version, bound)
            if order > 0 or (order == 0 and interval.kind is not BoundKind.LAST_AFFECTED):
                continue
        return Hit(entry, interval.bound if interval.kind is BoundKind.FIXED else "")
    for listed in entry.versions:
        try:
            if scheme.compare(version, listed) == 0:
                return Hit(entry, "")
        except InvalidVersion:
            continue
    return None


def group_entries(entries: Iterable[Entry], version: str, scheme: Scheme) -> list[Group]:
    """The entries that say something about this version, grouped by vulnerability."""
    hits: list[Hit] = []
    denials: list[Entry] = []
    for entry in entries:
        if entry.status is EntryStatus.NOT_AFFECTED:
            denials.append(entry)
        elif (hit := evaluate(entry, version, scheme)) is not None:
            hits.append(hit)
    if not hits:
        return []
    parent: dict[str, str] = {}

    def find(node: str) -> str:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    def ids_of(entry: Entry) -> list[str]:
        return [entry.id, *entry.aliases]

    for entry in [h.entry for h in hits] + denials:
        ids = ids_of(entry)
        for other in ids[1:]:
            parent[find(other)] = find(ids[0])
        find(ids[0])
    groups: dict[str, Group] = {}
    for hit in hits:
        group = groups.setdefault(find(hit.entry.id), Group())
        group.hits.append(hit)
        group.ids.update(ids_of(hit.entry))
    for denial in denials:
        denied = groups.get(find(denial.id))
        if denied is not None:
            denied.not_affected.append(denial)
            denied.ids.update(ids_of(denial))
    return list(groups.values())


def findings_for(query: Query, entries: Sequence[Entry]) -> list[Finding]:
    """One finding per vulnerability affecting the queried package."""
    scheme = get_scheme(query.scheme)
    findings = []
    for group in group_entries(entries, query.version, scheme):
        finding = _finding(query, group, scheme)
        if finding is not None:
            findings.append(finding)
    return findings


def _finding(query: Query, group: Group, scheme: Scheme) -> Finding | None:
    family = query.namespace.split(":", 1)[0]
    authority = AUTHORITATIVE.get(family)
    hits, denials = group.hits, group.not_affected
    if authority and any(e.source == authority for e in [h.entry for h in hits] + denials):
        hits = [h for h in hits if h.entry.source == authority]
        denials = [e for e in denials if e.source == authority]
    if not hits or denials:
        return None  # the distribution says this release was never affected
    entries = [h.entry for h in hits]
    primary = primary_id(group.ids, [e.id for e in entries])
    fixed = _highest([h.fixed for h in hits if h.fixed], scheme, query.version)
    status = FixStatus.FIXED if fixed else _unfixed_status(entries)
    vendor = [Severity(e.entry_severity) for e in entries if e.entry_severity] or [
        Severity(e.severity) for e in entries if e.severity]  # fmt: skip
    scored = max((e for e in entries if e.cvss_score is not None), key=lambda e: e.cvss_score or 0.0, default=None)
    if vendor:
        severity = max(vendor, key=lambda s: s.rank)
    elif scored is not None and scored.cvss_score is not None:
        severity = from_score(scored.cvss_score)
    else:
        severity = Severity.UNKNOWN
    package = query.package
    notes = sorted({e.note for e in entries if e.note})
    title = _title(next((e.summary for e in sorted(entries, key=_summary_rank) if e.summary), primary))
    detail = VulnerabilityDetail(
        id=primary, aliases=tuple(sorted(group.ids - {primary})), installed_version=package.version,
        fixed_version=fixed, status=status, cvss_score=scored.cvss_score if scored else None,
        cvss_vector=scored.cvss_vector if scored else "", source=", ".join(sorted({e.source for e in entries})),
        published=min((e.published for e in entries if e.published), default=""),
        references=tuple(dict.fromkeys(r for e in entries for r in e.references))[:MAX_REFERENCES],
    )  # fmt: skip
    compared = f" (source {query.name} {query.version})" if (query.name, query.version) != (
        package.name, package.version) else ""  # fmt: skip
    state = f"fixed in {fixed}" if fixed else status.value.replace("_", " ")
    message = f"{package.name} {package.version}{compared} is affected by {primary}: {state}"
    if notes:
        message += f" [{query.namespace.split(':', 1)[0]}: {', '.join(notes)}]"
    if package.declared:
        message += " (declared in a lock or requirements file, not seen installed)"
    return Finding(
        rule_id=primary, kind=FindingKind.VULNERABILITY, severity=severity, title=title, message=message,
        location=package.locations[0] if package.locations else None, package=package,
        remediation=remediation(query, fixed), vulnerability=detail, compliance=COMPLIANCE,
    )  # fmt: skip


def primary_id(ids: Iterable[str], own_ids: Sequence[str]) -> str:
    """The CVE (one a record is about, else any alias), else a GHSA id, else the first record's own id."""
    own_cves = sorted(i for i in own_ids if CVE.match(i))
    if own_cves:
        return own_cves[0]
    cves = sorted(i for i in ids if CVE.match(i))
    if cves:
        return cves[0]
    ghsa = sorted(i for i in ids if i.startswith("GHSA-"))
    return ghsa[0] if ghsa else sorted(own_ids)[0]


def _highest(versions: list[str], scheme: Scheme, installed: str) -> str:
    """The highest fixed version (a fix every source agrees on)."""
    best, best_key = "", ""
    for version in versions:
        key = align_epoch(version, installed) if scheme.name == "rpm" else version
        try:
            if not best or scheme.compare(key, best_key) > 0:
                best, best_key = version, key
        except InvalidVersion:
            continue
    return best


def _unfixed_status(entries: Sequence[Entry]) -> FixStatus:
    statuses = {e.status for e in entries}
    for status in STATUS_ORDER:
        if status in statuses:
            return FixStatus(status.value)
    return FixStatus.AFFECTED


def _title(summary: str) -> str:
    """A one-line title: the summary's first sentence, at most 120 characters."""
    line = summary.split("\n", 1)[0].strip()
    sentence = re.split(r"(?<=[a-z0-9)])\. ", line, maxsplit=1)[0]
    return sentence if len(sentence) <= 120 else sentence[:119].rstrip() + "…"


def _summary_rank(entry: Entry) -> int:
    """GitHub and OSV summaries read best; tracker descriptions are long NVD texts."""
    return {"ghsa": 0, "go-vulndb": 1, "rustsec": 1, "pypa": 2}.get(entry.source, 3)
