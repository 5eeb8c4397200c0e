"""The vulnerability detector: inventory packages against the advisory database, plus end-of-life releases.

``drivers`` decides which advisories apply to a package (namespace, name, version), ``matcher``
evaluates and merges them into findings, ``eol`` judges the distribution release. A missing or
unreadable database does not fail the scan: one warning note says how to get one, and the
end-of-life check still runs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, ClassVar

from mamoru.detectors.base import DetectContext
from mamoru.detectors.vuln.drivers import Query, os_namespace, query_for
from mamoru.detectors.vuln.eol import EOL_RULE, end_of_life
from mamoru.detectors.vuln.matcher import findings_for
from mamoru.model.finding import Finding, FindingKind
from mamoru.model.inventory import Inventory, Note, NoteKind
from mamoru.versions import InvalidVersion

if TYPE_CHECKING:
    from mamoru.vulndb.store import Store

STALE_AFTER_DAYS = 7  # a database older than this gets a note (``mamoru db status`` has its own limit)
NOTE_SOURCE = "vuln"


class VulnerabilityDetector:
    """Known vulnerabilities of OS and language packages, and an end-of-life distribution release."""

    name: ClassVar[str] = "vuln"
    kind: ClassVar[FindingKind] = FindingKind.VULNERABILITY

    def __init__(self, today: date | None = None) -> None:
        self._today = today

    def detect(self, inventory: Inventory, context: DetectContext) -> Sequence[Finding]:
        today = self._today or date.today()
        findings = self._end_of_life(inventory, today)
        from mamoru.vulndb.build import default_db_path
        from mamoru.vulndb.store import DatabaseError, Store

        path = context.db_path or default_db_path()
        try:
            store = Store.open(path)
        except DatabaseError as exc:
            context.notes.append(Note(
                kind=NoteKind.WARNING, source=NOTE_SOURCE,
                message=f"vulnerabilities were not checked: {exc}; run `mamoru db update` (or `mamoru db import "
                        "PATH…` offline) to get a database",
            ))  # fmt: skip
            return findings
        try:
            self._stale(store.meta().get("built_at", ""), today, context)
            findings.extend(self._match(inventory, store, context))
        finally:
            store.close()
        return findings

    def _match(self, inventory: Inventory, store: Store, context: DetectContext) -> list[Finding]:
        os_ns = os_namespace(inventory.os)
        by_namespace: dict[str, list[Query]] = defaultdict(list)
        for package in inventory.packages:
            query = query_for(package, os_ns)
            if query is not None:
                by_namespace[query.namespace].append(query)
        available = store.namespaces()
        if inventory.os is not None and any(p.kind.is_os for p in inventory.packages) and os_ns not in available:
            what = os_ns or f"{inventory.os.family} {inventory.os.version}".strip()
            context.notes.append(Note(
                kind=NoteKind.WARNING, source=NOTE_SOURCE,
                message=f"the vulnerability database has no advisories for {what}: its OS packages were not checked",
            ))  # fmt: skip
        findings: list[Finding] = []
        for namespace, queries in sorted(by_namespace.items()):
            if namespace not in available:
                continue
            entries = defaultdict(list)
            for entry in store.lookup(namespace, {q.name for q in queries}):
                entries[entry.package].append(entry)
            unparsable = []
            for query in queries:
                try:
                    findings.extend(findings_for(query, entries.get(query.name, [])))
                except InvalidVersion:
                    unparsable.append(f"{query.package.name} {query.version}")
            if unparsable:
                context.notes.append(Note(
                    kind=NoteKind.WARNING, source=NOTE_SOURCE,
                    message=f"{len(unparsable)} {namespace} package version(s) could not be compared and were not "
                            f"checked: {', '.join(unparsable[:5])}{' …' if len(unparsable) > 5 else ''}",
                ))  # fmt: skip
        return findings

    def _end_of_life(self, inventory: Inventory, today: date) -> list[Finding]:
        eol = end_of_life(inventory.os, today)
        if eol is None:
            return []
        return [Finding(
            rule_id=EOL_RULE.id, kind=FindingKind.VULNERABILITY, severity=EOL_RULE.severity, title=EOL_RULE.title,
            message=f"{eol.label} reached its end of life on {eol.since.isoformat()}: its packages get no security "
                    "fixes any more",
            location=inventory.os.location if inventory.os else None, remediation=EOL_RULE.remediation,
            compliance=EOL_RULE.compliance,
        )]  # fmt: skip

    @staticmethod
    def _stale(built_at: str, today: date, context: DetectContext) -> None:
        try:
            built = datetime.fromisoformat(built_at).astimezone(UTC).date()
        except ValueError:
            return
        age = (today - built).days
        if age > STALE_AFTER_DAYS:
            context.notes.append(Note(
                kind=NoteKind.WARNING, source=NOTE_SOURCE,
                message=f"the vulnerability database was built {age} days ago: run `mamoru db update`",
            ))  # fmt: skip
