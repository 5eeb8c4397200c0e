"""The advisory store: every SQL statement mamoru runs lives in this module.

The database is one SQLite file today (``--db PATH``, default ``<cache>/db/vulndb.sqlite``); the SQL is
kept portable (plain types, ``TEXT`` JSON, no ``INSERT OR REPLACE``, no SQLite-only functions) so a
PostgreSQL backend needs only another connection factory and the ``%s`` parameter style here.

Lookups are by ``(namespace, package)``: one indexed query per batch of package names. Writes go
through :class:`Store` opened on a private copy that :mod:`mamoru.vulndb.build` swaps into place.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mamoru.errors import MamoruError
from mamoru.vulndb.model import BoundKind, EntryStatus, Interval, Record

SCHEMA_VERSION = 1
BATCH = 400  # names per lookup query (well under SQLite's bound-parameter limit)

_DDL = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE sources (
        name TEXT PRIMARY KEY, origin TEXT NOT NULL, imported_at TEXT NOT NULL, advisories INTEGER NOT NULL,
        data_date TEXT NOT NULL)""",
    """CREATE TABLE imports (
        imported_at TEXT NOT NULL, origin TEXT NOT NULL, documents INTEGER NOT NULL, records INTEGER NOT NULL,
        advisories INTEGER NOT NULL, skipped INTEGER NOT NULL, skip_summary TEXT NOT NULL)""",
    """CREATE TABLE advisories (
        source TEXT NOT NULL, record TEXT NOT NULL, id TEXT NOT NULL, aliases TEXT NOT NULL, summary TEXT NOT NULL,
        severity TEXT NOT NULL, cvss_vector TEXT NOT NULL, cvss_score REAL, published TEXT NOT NULL,
        modified TEXT NOT NULL, refs TEXT NOT NULL, PRIMARY KEY (source, record, id))""",
    """CREATE TABLE affected (
        source TEXT NOT NULL, record TEXT NOT NULL, id TEXT NOT NULL, namespace TEXT NOT NULL,
        package TEXT NOT NULL, status TEXT NOT NULL, severity TEXT NOT NULL, note TEXT NOT NULL,
        intervals TEXT NOT NULL, versions TEXT NOT NULL)""",
    "CREATE INDEX affected_by_package ON affected (namespace, package)",
    "CREATE INDEX affected_by_record ON affected (source, record)",
    "CREATE TABLE namespaces (namespace TEXT PRIMARY KEY, entries INTEGER NOT NULL, packages INTEGER NOT NULL)",
)


_LOOKUP = (
    "SELECT a.source, a.record, a.id, a.aliases, a.summary, a.severity, a.cvss_vector, a.cvss_score, a.published, "
    "a.modified, a.refs, f.namespace, f.package, f.status, f.severity, f.note, f.intervals, f.versions "
    "FROM affected f JOIN advisories a ON a.source = f.source AND a.record = f.record AND a.id = f.id "
)


class DatabaseError(MamoruError):
    """The vulnerability database is missing, unreadable or of an unknown schema."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceInfo:
    """One source in the database: where it came from, when, how much."""

    name: str
    origin: str
    imported_at: str
    advisories: int
    data_date: str  # the newest ``modified`` date among its advisories


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportInfo:
    """One import into the database and what it left out."""

    imported_at: str
    origin: str
    documents: int
    records: int
    advisories: int
    skipped: int
    skip_summary: dict[str, int]


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    """One stored affected entry with its advisory, as the matcher reads it."""

    source: str
    record: str
    id: str
    aliases: tuple[str, ...]
    summary: str
    severity: str
    cvss_vector: str
    cvss_score: float | None
    published: str
    modified: str
    references: tuple[str, ...]
    namespace: str
    package: str
    status: EntryStatus
    entry_severity: str
    note: str
    intervals: tuple[Interval, ...]
    versions: tuple[str, ...]


class Store:
    """A connection to one database file."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self.path = path

    # -- opening ---------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path, writable: bool = False) -> Store:
        """An existing database; DatabaseError when it is missing, not a database or of another schema."""
        if not path.is_file():
            raise DatabaseError(f"no vulnerability database at {path}")
        uri = f"file:{path}?mode={'rw' if writable else 'ro'}"
        try:
            connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
            store = cls(connection, path)
            version = store.meta().get("schema_version")
        except sqlite3.DatabaseError as exc:
            raise DatabaseError(f"{path} is not a mamoru vulnerability database ({exc})") from None
        if version != str(SCHEMA_VERSION):
            store.close()
            raise DatabaseError(
                f"{path} has database schema {version or 'unknown'}, this mamoru reads schema {SCHEMA_VERSION}: "
                "run `mamoru db update` (or `mamoru db import`) to rebuild it"
            )
        return store

    @classmethod
    def create(cls, path: Path) -> Store:
        """A new, empty database at ``path`` (which must not exist)."""
        connection = sqlite3.connect(path, check_same_thread=False)
        store = cls(connection, path)
        with connection:
            for statement in _DDL:
                connection.execute(statement)
            store._set_meta({"schema_version": str(SCHEMA_VERSION), "created_at": _now()})
        return store

    def close(self) -> None:
        self._db.close()

    def copy_to(self, path: Path) -> None:
        """A consistent copy of the whole database at ``path`` (SQLite's online backup)."""
        destination = sqlite3.connect(path)
        try:
            with destination:
                self._db.backup(destination)
        finally:
            destination.close()

    # -- reading ---------------------------------------------------------------------------------

    def meta(self) -> dict[str, str]:
        return {key: value for key, value in self._db.execute("SELECT key, value FROM meta")}

    def sources(self) -> list[SourceInfo]:
        rows = self._db.execute("SELECT name, origin, imported_at, advisories, data_date FROM sources ORDER BY name")
        return [SourceInfo(name=r[0], origin=r[1], imported_at=r[2], advisories=r[3], data_date=r[4]) for r in rows]

    def imports(self, last: int = 5) -> list[ImportInfo]:
        """The most recent imports, newest first."""
        rows = self._db.execute(
            "SELECT imported_at, origin, documents, records, advisories, skipped, skip_summary FROM imports "
            "ORDER BY imported_at DESC LIMIT ?",
            (last,),
        )
        return [
            ImportInfo(imported_at=r[0], origin=r[1], documents=r[2], records=r[3], advisories=r[4], skipped=r[5],
                       skip_summary=json.loads(r[6]))
            for r in rows
        ]  # fmt: skip

    def namespaces(self) -> dict[str, int]:
        """Namespaces with data, and how many affected entries each has."""
        return {ns: n for ns, n in self._db.execute("SELECT namespace, entries FROM namespaces")}

    def counts(self) -> tuple[int, int]:
        """(advisories, affected entries)."""
        query = "SELECT COUNT(*) FROM (SELECT DISTINCT source, id FROM advisories) d"
        advisories = self._db.execute(query).fetchone()[0]
        affected = self._db.execute("SELECT COUNT(*) FROM affected").fetchone()[0]
        return int(advisories), int(affected)

    def lookup(self, namespace: str, packages: Iterable[str]) -> list[Entry]:
        """Every entry for these package names in ``namespace``."""
        names = sorted(set(packages))
        entries: list[Entry] = []
        for start in range(0, len(names), BATCH):
            chunk = names[start : start + BATCH]
            marks = ", ".join("?" for _ in chunk)  # only placeholders are joined into the query
            rows = self._db.execute(_LOOKUP + f"WHERE f.namespace = ? AND f.package IN ({marks})", (namespace, *chunk))
            entries.extend(_entry(row) for row in rows)
        return entries

    # -- writing ---------------------------------------------------------------------------------

    def upsert(self, records: Iterable[Record]) -> int:
        """Store records, each replacing what an earlier import of the same (source, record) stored.

        Returns the number of advisories written. One transaction: an error leaves the database as it was.
        """
        latest = {(record.source, record.name): record for record in records}  # a later copy replaces an earlier
        advisory_rows: list[tuple[Any, ...]] = []
        affected_rows: list[tuple[Any, ...]] = []
        keys = list(latest)
        for record in latest.values():
            seen: set[str] = set()
            for advisory in record.advisories:
                if advisory.id in seen:  # one advisory per id and record
                    continue
                seen.add(advisory.id)
                key = (record.source, record.name, advisory.id)
                advisory_rows.append((*key, json.dumps(advisory.aliases), advisory.summary, advisory.severity,
                                      advisory.cvss_vector, advisory.cvss_score, advisory.published, advisory.modified,
                                      json.dumps(advisory.references)))  # fmt: skip
                affected_rows.extend(
                    (*key, a.namespace, a.package, a.status.value, a.severity, a.note,
                     json.dumps([[i.introduced, i.bound, i.kind.value] for i in a.intervals]), json.dumps(a.versions))
                    for a in advisory.affected
                )  # fmt: skip
        with self._db:
            self._db.executemany("DELETE FROM affected WHERE source = ? AND record = ?", keys)
            self._db.executemany("DELETE FROM advisories WHERE source = ? AND record = ?", keys)
            self._db.executemany(
                "INSERT INTO advisories (source, record, id, aliases, summary, severity, cvss_vector, cvss_score, "
                "published, modified, refs) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                advisory_rows,
            )
            self._db.executemany(
                "INSERT INTO affected (source, record, id, namespace, package, status, severity, note, intervals, "
                "versions) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                affected_rows,
            )
        return len(advisory_rows)

    def record_import(
        self, origin: str, sources: Iterable[str], documents: int, records: int, advisories: int,
        skip_summary: dict[str, int],
    ) -> None:  # fmt: skip
        """Note an import: where it came from, what it read and skipped, and the sources it touched."""
        now = _now()
        with self._db:
            self._db.execute(
                "INSERT INTO imports (imported_at, origin, documents, records, advisories, skipped, skip_summary) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (now, origin, documents, records, advisories, sum(skip_summary.values()),
                 json.dumps(skip_summary, sort_keys=True)),
            )  # fmt: skip
            for name in sources:
                self._db.execute("DELETE FROM sources WHERE name = ?", (name,))
                self._db.execute(
                    "INSERT INTO sources (name, origin, imported_at, advisories, data_date) VALUES (?, ?, ?, 0, '')",
                    (name, origin, now),
                )

    def finalize(self, extra_meta: dict[str, str] | None = None) -> None:
        """Recount sources and namespaces, stamp the build time."""
        with self._db:
            counts = self._db.execute(
                "SELECT source, COUNT(DISTINCT id), MAX(modified) FROM advisories GROUP BY source"
            )
            for name, count, modified in list(counts):
                newest = modified if modified and modified >= "1990" else ""  # Go's repository copy says 0001-01-01
                updated = self._db.execute(
                    "UPDATE sources SET advisories = ?, data_date = ? WHERE name = ?", (count, newest, name)
                )
                if updated.rowcount == 0:
                    self._db.execute(
                        "INSERT INTO sources (name, origin, imported_at, advisories, data_date) "
                        "VALUES (?, '', ?, ?, ?)",
                        (name, _now(), count, newest),
                    )
            self._db.execute("DELETE FROM sources WHERE name NOT IN (SELECT DISTINCT source FROM advisories)")
            self._db.execute("DELETE FROM namespaces")
            self._db.execute(
                "INSERT INTO namespaces (namespace, entries, packages) "
                "SELECT namespace, COUNT(*), COUNT(DISTINCT package) FROM affected GROUP BY namespace"
            )
            self._set_meta({"built_at": _now(), **(extra_meta or {})})
        self._db.execute("ANALYZE")

    def _set_meta(self, values: dict[str, str]) -> None:
        for key, value in values.items():
            self._db.execute("DELETE FROM meta WHERE key = ?", (key,))
            self._db.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (key, value))


def _entry(row: tuple[Any, ...]) -> Entry:
    return Entry(
        source=row[0], record=row[1], id=row[2], aliases=tuple(json.loads(row[3])), summary=row[4], severity=row[5],
        cvss_vector=row[6], cvss_score=row[7], published=row[8], modified=row[9], references=tuple(json.loads(row[10])),
        namespace=row[11], package=row[12], status=EntryStatus(row[13]), entry_severity=row[14], note=row[15],
        intervals=tuple(Interval(i[0], i[1], BoundKind(i[2])) for i in json.loads(row[16])),
        versions=tuple(json.loads(row[17])),
    )  # fmt: skip


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
