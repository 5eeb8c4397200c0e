"""Building the database: imports into a private copy that replaces the live file only when complete.

``mamoru db import`` copies the current database (if any) to ``.<name>.tmp-<pid>`` beside it, adds
the imported records there and renames the copy over the original; ``mamoru db update`` starts from
an empty copy. A failure, a malformed feed or an interrupt leaves the live database untouched (the
private copy is removed), scans that have the old file open keep reading it, and a lock file keeps
two builders from interleaving.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from mamoru.vulndb.importers import ImportStats, read_records
from mamoru.vulndb.model import Record
from mamoru.vulndb.store import DatabaseError, Store

DB_FILENAME = "vulndb.sqlite"
BATCH = 500  # records per transaction


def default_db_path() -> Path:
    """``$MAMORU_DB``, else ``<cache>/db/vulndb.sqlite``."""
    override = os.environ.get("MAMORU_DB")
    if override:
        return Path(override)
    from mamoru.cache import cache_dir

    return cache_dir() / "db" / DB_FILENAME


@dataclass(frozen=True, slots=True)
class Source:
    """Something to import: a local path, and the origin to record for it (a URL, or the path)."""

    path: Path
    origin: str


@contextlib.contextmanager
def building(target: Path, fresh: bool) -> Iterator[Store]:
    """A writable copy of ``target`` (or a new database when ``fresh``), swapped in on success."""
    target = target.absolute()
    target.parent.mkdir(parents=True, exist_ok=True)
    with _lock(target):
        temporary = target.parent / f".{target.name}.tmp-{os.getpid()}"
        temporary.unlink(missing_ok=True)
        store = _start(target, temporary, fresh)
        try:
            yield store
            store.close()
            _fsync(temporary)
            os.replace(temporary, target)
            _fsync(target.parent)
        except BaseException:
            store.close()
            raise
        finally:
            temporary.unlink(missing_ok=True)
            for suffix in ("-journal", "-wal", "-shm"):
                Path(f"{temporary}{suffix}").unlink(missing_ok=True)


def import_sources(
    target: Path, sources: Iterable[Source], fresh: bool = False, progress: Callable[[str], None] | None = None
) -> ImportStats:
    """Import every source into the database at ``target`` in one swap; returns what was read and skipped."""
    stats = ImportStats()
    sources = list(sources)
    with building(target, fresh) as store:
        touched: set[str] = set()
        for source in sources:
            pending: list[Record] = []
            for record in read_records(source.path, stats, progress):
                stats.count(record)
                touched.add(record.source)
                pending.append(record)
                if len(pending) >= BATCH:
                    store.upsert(pending)
                    pending = []
            store.upsert(pending)
        origin = ", ".join(s.origin for s in sources)
        store.record_import(
            origin, sorted(touched), stats.documents, sum(stats.records.values()), sum(stats.advisories.values()),
            dict(stats.skipped.counts),
        )  # fmt: skip
        store.finalize()
    return stats


def _start(target: Path, temporary: Path, fresh: bool) -> Store:
    if fresh or not target.exists():
        return Store.create(temporary)
    current = Store.open(target)  # refuses another schema: rebuild with `db update` instead
    try:
        current.copy_to(temporary)  # a consistent copy, even while scans read the file
    finally:
        current.close()
    return Store.open(temporary, writable=True)


@contextlib.contextmanager
def _lock(target: Path) -> Iterator[None]:
    lock_path = target.parent / f".{target.name}.lock"
    with open(lock_path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DatabaseError(f"another mamoru is updating {target}; try again when it is done") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _fsync(path: Path) -> None:
    flags = os.O_RDONLY | (os.O_DIRECTORY if path.is_dir() else 0)
    descriptor = os.open(path, flags)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
