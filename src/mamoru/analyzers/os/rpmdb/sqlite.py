"""Read rpm header blobs from an SQLite rpmdb (``/var/lib/rpm/rpmdb.sqlite``, RHEL 9, Fedora 33+).

The table ``Packages(hnum INTEGER PRIMARY KEY, blob BLOB)`` holds one header per row; the other
tables are indexes rpm can rebuild. The file is opened through the URI ``mode=ro&immutable=1`` so that
SQLite takes no locks and never creates ``-wal``/``-shm`` files next to it (an image's layer may be
read-only, and must not be changed). The flip side: changes still sitting in an un-checkpointed
``rpmdb.sqlite-wal`` are not seen.

The file comes from an untrusted image, so the schema is checked before the query: ``Packages`` must
be an ordinary table with ordinary ``hnum``/``blob`` columns (no view, virtual table or generated
column whose SQL could run on read), ``trusted_schema`` is off and blobs are capped by length.
"""

from __future__ import annotations

import os
import sqlite3
import urllib.parse
from collections.abc import Iterator
from contextlib import closing

from mamoru.analyzers.os.rpmdb._common import MAX_HEADER_SIZE, Record, RpmDbError

SQLITE_MAGIC = b"SQLite format 3\x00"
_QUERY = "SELECT hnum, CASE WHEN length(blob) <= ? THEN blob END, typeof(blob) FROM Packages ORDER BY hnum"


def _connect(path: str | os.PathLike[str]) -> sqlite3.Connection:
    uri = "file:" + urllib.parse.quote(os.path.abspath(path)) + "?mode=ro&immutable=1"
    conn = sqlite3.connect(uri, uri=True)
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_HEADER_SIZE + 1)
    conn.execute("PRAGMA trusted_schema = OFF")
    conn.execute("PRAGMA query_only = ON")
    return conn


def _check_schema(conn: sqlite3.Connection) -> None:
    row = conn.execute("SELECT type, sql FROM sqlite_master WHERE name = 'Packages'").fetchone()
    if row is None:
        raise RpmDbError("SQLite database has no Packages table")
    kind, sql = row
    if kind != "table" or not isinstance(sql, str) or "VIRTUAL" in sql.upper():
        raise RpmDbError("SQLite Packages is not an ordinary table")
    hidden = {
        name: flag for _cid, name, _type, _notnull, _default, _pk, flag in conn.execute("PRAGMA table_xinfo(Packages)")
    }
    if hidden.get("hnum") != 0 or hidden.get("blob") != 0:
        raise RpmDbError("SQLite Packages table lacks ordinary hnum and blob columns")


def _row_record(row: tuple[object, object, object]) -> Record:
    hnum, blob, kind = row
    label = f"header #{hnum}" if isinstance(hnum, int) else "header with a non-integer hnum"
    if isinstance(blob, bytes):
        return label, blob
    if kind == "blob":
        return label, RpmDbError(f"blob larger than {MAX_HEADER_SIZE} bytes")
    return label, RpmDbError(f"blob column holds {kind}, not a blob")


def sqlite_records(path: str | os.PathLike[str]) -> Iterator[Record]:
    """Yield ``(label, blob or error)`` per row in ``hnum`` order; raise RpmDbError if unusable."""
    try:
        with closing(_connect(path)) as conn:
            _check_schema(conn)
            for row in conn.execute(_QUERY, (MAX_HEADER_SIZE,)):
                yield _row_record(row)
    except sqlite3.Error as exc:
        raise RpmDbError(f"SQLite: {exc}") from exc


def iter_sqlite_blobs(path: str) -> Iterator[bytes]:
    """Yield every header blob of an ``rpmdb.sqlite`` file; raise RpmDbError on any damage."""
    for _label, item in sqlite_records(path):
        if isinstance(item, RpmDbError):
            raise item
        yield item
