"""A pure-Python reader for RPM package databases (the rpmdb of RPM-based images).

No maintained Python library reads Berkeley DB hash pages, rpm's ndb format or rpm header blobs
without the native ``rpm``/``libdb`` libraries, so all three are implemented here by hand from the
public format descriptions (libdb's ``db_page.h``, rpm's ``lib/header.c`` and
``lib/backend/ndb/rpmpkg.c``, and the knqyf263/go-rpmdb package); no code was copied.

Supported stores, detected from their magic bytes by :func:`detect_format`:

* ``bdb``: Berkeley DB hash ``Packages`` (RHEL/CentOS <= 8, Amazon Linux), see :mod:`.bdb`;
* ``ndb``: SUSE ``Packages.db``, see :mod:`.ndb`;
* ``sqlite``: ``rpmdb.sqlite`` (RHEL 9, Fedora 33+, CBL-Mariner), see :mod:`.sqlite`.

The files come from untrusted images: every size, offset, count and page number is bounded and
checked, and any violation is an :class:`RpmDbError` with a one-line message. :func:`read_rpmdb`
reports a damaged header as a problem and goes on with the others.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from typing import Literal

from mamoru.analyzers.os.rpmdb._common import MAX_HEADER_SIZE, MAX_INDEX_ENTRIES, Record, RpmDbError
from mamoru.analyzers.os.rpmdb.bdb import BTREE_MAGIC, HASH_MAGIC, bdb_records, iter_bdb_blobs
from mamoru.analyzers.os.rpmdb.header import RpmPackageRecord, parse_header
from mamoru.analyzers.os.rpmdb.ndb import NDB_MAGIC, iter_ndb_blobs, ndb_records
from mamoru.analyzers.os.rpmdb.sqlite import SQLITE_MAGIC, iter_sqlite_blobs, sqlite_records

__all__ = [
    "MAX_HEADER_SIZE",
    "MAX_INDEX_ENTRIES",
    "RpmDbError",
    "RpmDbFormat",
    "RpmPackageRecord",
    "detect_format",
    "iter_bdb_blobs",
    "iter_ndb_blobs",
    "iter_sqlite_blobs",
    "parse_header",
    "read_packages",
    "read_rpmdb",
]

RpmDbFormat = Literal["bdb", "ndb", "sqlite"]

#: How many leading bytes :func:`detect_format` needs.
MAGIC_BYTES = 16
_BDB_MAGICS = frozenset(magic.to_bytes(4, order) for magic in (HASH_MAGIC, BTREE_MAGIC) for order in ("little", "big"))


def detect_format(first_bytes: bytes) -> RpmDbFormat | None:
    """Name the rpmdb format from a file's first bytes (16 are enough), or None if unknown."""
    if first_bytes.startswith(SQLITE_MAGIC):
        return "sqlite"
    if first_bytes.startswith(NDB_MAGIC):
        return "ndb"
    if first_bytes[12:16] in _BDB_MAGICS:
        return "bdb"  # a btree file is detected too, so that the reader can say it is unsupported
    return None


def read_rpmdb(path: str | os.PathLike[str]) -> tuple[list[RpmPackageRecord], list[str]]:
    """Read every package of an rpmdb file, skipping ``gpg-pubkey`` pseudo packages.

    Returns the packages in database order and one line per header that could not be read or
    parsed. Raises :class:`RpmDbError` when the file itself is unusable (not a regular file,
    unknown format, damaged structure).
    """
    try:
        return _read(path)
    except RpmDbError as exc:
        raise RpmDbError(f"{os.fspath(path)}: {exc}") from exc
    except OSError as exc:
        raise RpmDbError(f"{os.fspath(path)}: cannot read: {exc.strerror or exc}") from exc


def read_packages(path: str | os.PathLike[str]) -> tuple[list[RpmPackageRecord], list[str]]:
    """Alias of :func:`read_rpmdb`."""
    return read_rpmdb(path)


def _read(path: str | os.PathLike[str]) -> tuple[list[RpmPackageRecord], list[str]]:
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise RpmDbError("not a regular file")
    with open(path, "rb") as f:
        head = f.read(MAGIC_BYTES)
        fmt = detect_format(head)
        if fmt == "bdb":
            return _collect(bdb_records(f))
        if fmt == "ndb":
            return _collect(ndb_records(f))
    if fmt == "sqlite":
        return _collect(sqlite_records(path))
    raise RpmDbError("empty file" if not head else "not an RPM database (unknown magic bytes)")


def _collect(records: Iterator[Record]) -> tuple[list[RpmPackageRecord], list[str]]:
    packages: list[RpmPackageRecord] = []
    problems: list[str] = []
    for label, item in records:
        try:
            if isinstance(item, RpmDbError):
                raise item
            package = parse_header(item)
        except RpmDbError as exc:
            problems.append(f"{label}: {exc}")
            continue
        if package.name != "gpg-pubkey":
            packages.append(package)
    return packages, problems
