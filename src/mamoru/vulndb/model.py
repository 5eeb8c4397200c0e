"""What the importers produce and the store keeps: advisories and the packages they affect.

Every feed is normalised to the same shape, close to OSV: an :class:`Advisory` (one vulnerability id
from one source, with its aliases, severity and references) lists :class:`Affected` entries, one per
(namespace, package). A namespace names an ecosystem and, for distributions, the release whose
packages the entry is about: ``debian:12``, ``alpine:3.21``, ``rhel:9``, ``pypi``, ``npm``, ``go``.
The version ranges of an entry are stored as sorted :class:`Interval` s in the namespace's version
scheme, checked at import so that matching never meets an unparsable bound.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class EntryStatus(StrEnum):
    """What a feed says about a package when the ranges alone do not tell.

    ``""`` (``RANGES``) means "the ranges decide; an open range is an unfixed vulnerability"; the others
    qualify an unfixed vulnerability (``WILL_NOT_FIX``, ``FIX_DEFERRED``, ``END_OF_LIFE``) or say the
    package was never affected (``NOT_AFFECTED``: Alpine's ``"0"`` key, Debian's fixed version ``0``).
    """

    RANGES = ""
    NOT_AFFECTED = "not_affected"
    WILL_NOT_FIX = "will_not_fix"
    FIX_DEFERRED = "fix_deferred"
    END_OF_LIFE = "end_of_life"


class BoundKind(StrEnum):
    """How an interval ends."""

    OPEN = ""  # affected up to the newest version
    FIXED = "fixed"  # versions >= the bound are fixed
    LAST_AFFECTED = "last_affected"  # versions > the bound are not affected
    LIMIT = "limit"  # versions >= the bound are not affected (no fix claimed)


@dataclass(frozen=True, slots=True)
class Interval:
    """Affected versions ``introduced <= v`` (``introduced`` "" = from the first version) up to the bound."""

    introduced: str = ""
    bound: str = ""
    kind: BoundKind = BoundKind.OPEN


@dataclass(slots=True, kw_only=True)
class Affected:
    """One affected package in one namespace."""

    namespace: str
    package: str
    intervals: list[Interval] = field(default_factory=list)
    versions: list[str] = field(default_factory=list)  # explicitly affected versions (OSV ``versions[]``)
    status: EntryStatus = EntryStatus.RANGES
    severity: str = ""  # the vendor's severity for this package (Debian urgency …), a Severity value or ""
    note: str = ""  # the vendor's words: "unimportant", "no-dsa: postponed", "end-of-life" …


@dataclass(slots=True, kw_only=True)
class Advisory:
    """One vulnerability as one source describes it.

    ``record`` is the feed's unit of update that carried it (an OSV file's id, ``v3.21/main`` of Alpine's
    secdb, an RHSA, the Debian tracker file): importing a record again replaces everything it carried.
    A record may carry several vulnerabilities (a DSA or an RHSA fixing many CVEs gives one advisory per
    CVE, each with the DSA/RHSA id among its aliases), and one vulnerability may come in many records.
    """

    source: str  # osv, ghsa, pypa, go-vulndb, rustsec, alpine-secdb, debian-tracker, redhat-csaf …
    record: str
    id: str
    aliases: list[str] = field(default_factory=list)  # ids of the same vulnerability (aliases, upstream)
    summary: str = ""
    severity: str = ""  # the source's own severity rating (GHSA, Red Hat), a Severity value or ""
    cvss_vector: str = ""
    cvss_score: float | None = None
    published: str = ""
    modified: str = ""
    references: list[str] = field(default_factory=list)
    affected: list[Affected] = field(default_factory=list)


@dataclass(slots=True)
class Record:
    """One unit of a feed: importing it replaces what an earlier import of ``(source, name)`` stored.

    A record with no advisories (a withdrawn OSV entry, a file with nothing usable) deletes the old copy.
    """

    source: str
    name: str
    advisories: list[Advisory] = field(default_factory=list)


@dataclass(slots=True)
class SkipCounter:
    """What an import left out, counted by reason, with a few examples each."""

    counts: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)
    max_examples: int = 5

    def add(self, reason: str, example: str) -> None:
        """Count one skipped item (a file, a record, an affected entry or a range)."""
        self.counts[reason] = self.counts.get(reason, 0) + 1
        shown = self.examples.setdefault(reason, [])
        if len(shown) < self.max_examples:
            shown.append(example)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def merge(self, other: SkipCounter) -> None:
        for reason, count in other.counts.items():
            self.counts[reason] = self.counts.get(reason, 0) + count
            shown = self.examples.setdefault(reason, [])
            shown.extend(other.examples.get(reason, [])[: self.max_examples - len(shown)])
