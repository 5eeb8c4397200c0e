"""The three stores (Berkeley DB, ndb, SQLite) and read_rpmdb on damaged and hostile files."""

from __future__ import annotations

import contextlib
import functools
import io
import itertools
import os
import sqlite3
import struct
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mamoru.analyzers.os.rpmdb.sqlite as rpmdb_sqlite
from mamoru.analyzers.os.rpmdb import (
    RpmDbError,
    detect_format,
    iter_bdb_blobs,
    iter_ndb_blobs,
    iter_sqlite_blobs,
    parse_header,
    read_rpmdb,
)

FUZZ = settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
HeaderBuilder = Callable[..., bytes]
TagsFactory = Callable[..., list[tuple[int, int, Any]]]
BDB = "libuuid/Packages"
NDB = "sle15-bci/Packages.db"
SQLITE = "cbl-mariner-2.0/rpmdb.sqlite"


# --- a minimal Berkeley DB hash file writer, enough for rpm's Packages layout --------------------


class BdbBuilder:
    """Writes a hash database: page 0 metadata, one hash page per record, then overflow chains.

    ``chains[i]`` lists the overflow pages of record ``i + 1`` and ``hash_pages[i]`` its hash page.
    """

    def __init__(self, blobs: list[bytes], *, page_size: int = 512, order: str = "<", inline: int = 0) -> None:
        self.page_size, self.order = page_size, order
        self.pages: list[bytearray] = [bytearray(page_size)]
        self.hash_pages: list[int] = []
        self.chains: list[list[int]] = []
        self._hash_page([(self._key(0), b"\x01" + struct.pack(order + "I", 5))])  # rpm's instance counter
        for instance, blob in enumerate(blobs, start=1):
            if len(blob) <= inline:
                value, chain = b"\x01" + blob, []
            else:
                chain = self._overflow(blob)
                value = struct.pack(order + "B3xII", 3, chain[0], len(blob))
            self.hash_pages.append(self._hash_page([(self._key(instance), value)]))
            self.chains.append(chain)

    def _key(self, instance: int) -> bytes:
        return b"\x01" + struct.pack(self.order + "I", instance)

    def _new_page(self, page_type: int) -> tuple[int, bytearray]:
        page = bytearray(self.page_size)
        pgno = len(self.pages)
        struct.pack_into(self.order + "I", page, 8, pgno)
        page[25] = page_type
        self.pages.append(page)
        return pgno, page

    def _hash_page(self, pairs: list[tuple[bytes, bytes]]) -> int:
        pgno, page = self._new_page(13)
        items = [item for pair in pairs for item in pair]
        top = self.page_size
        for position, item in enumerate(items):
            top -= len(item)
            page[top : top + len(item)] = item
            struct.pack_into(self.order + "H", page, 26 + 2 * position, top)
        struct.pack_into(self.order + "HH", page, 20, len(items), top)
        return pgno

    def _overflow(self, blob: bytes) -> list[int]:
        room = self.page_size - 26
        chain = []
        for start in range(0, len(blob), room):
            pgno, page = self._new_page(7)
            chunk = blob[start : start + room]
            page[26 : 26 + len(chunk)] = chunk
            struct.pack_into(self.order + "HH", page, 20, 1, len(chunk))
            chain.append(pgno)
        for pgno, following in itertools.pairwise(chain):
            struct.pack_into(self.order + "I", self.pages[pgno], 16, following)
        return chain

    def set_u32(self, pgno: int, offset: int, value: int) -> None:
        struct.pack_into(self.order + "I", self.pages[pgno], offset, value)

    def offpage_at(self, record: int) -> int:
        """The byte offset of record ``record``'s off-page reference inside its hash page."""
        page = self.pages[self.hash_pages[record]]
        (offset,) = struct.unpack_from(self.order + "H", page, 26 + 2)
        return int(offset)

    def build(self) -> bytes:
        meta = self.pages[0]
        struct.pack_into(self.order + "III", meta, 12, 0x061561, 9, self.page_size)
        meta[25] = 8
        struct.pack_into(self.order + "I", meta, 32, len(self.pages) - 1)
        return b"".join(self.pages)


def _bdb_names(data: bytes) -> list[str]:
    return [parse_header(blob).name for blob in iter_bdb_blobs(io.BytesIO(data))]


def _read_bytes(tmp_path: Path, data: bytes, name: str = "Packages") -> tuple[list[str], list[str]]:
    path = tmp_path / name
    path.write_bytes(data)
    packages, problems = read_rpmdb(path)
    return [p.name for p in packages], problems


@pytest.fixture
def three_headers(make_header: HeaderBuilder, make_tags: TagsFactory) -> list[bytes]:
    padding = (1150, 7, b"\xab" * 2000)  # long enough for overflow chains of several 512-byte pages
    return [make_header(make_tags(name=(1000, 6, name), padding=padding)) for name in ("alpha", "beta", "gamma")]


@functools.cache
def _real(testdata: Path, name: str) -> bytes:
    return (testdata / name).read_bytes()


# --- Berkeley DB ---------------------------------------------------------------------------------


@pytest.mark.parametrize("order", ["<", ">"])
@pytest.mark.parametrize("page_size", [512, 4096])
def test_bdb_round_trip(three_headers: list[bytes], order: str, page_size: int) -> None:
    data = BdbBuilder(three_headers, page_size=page_size, order=order).build()
    assert detect_format(data[:16]) == "bdb"
    assert _bdb_names(data) == ["alpha", "beta", "gamma"]


def test_bdb_inline_values(three_headers: list[bytes]) -> None:
    small = min(len(blob) for blob in three_headers)
    data = BdbBuilder(three_headers, page_size=4096, inline=small).build()
    assert _bdb_names(data) == ["alpha", "beta", "gamma"]


def test_bdb_overflow_chain_looping_to_itself(three_headers: list[bytes], tmp_path: Path) -> None:
    db = BdbBuilder(three_headers)
    first = db.chains[1][0]
    db.set_u32(first, 16, first)
    with pytest.raises(RpmDbError, match=f"loops back to page {first}"):
        _bdb_names(db.build())
    names, problems = _read_bytes(tmp_path, db.build())
    assert names == ["alpha", "gamma"]
    assert problems == [f"header #2: overflow chain loops back to page {first}"]


def test_bdb_overflow_chain_looping_back(three_headers: list[bytes]) -> None:
    db = BdbBuilder(three_headers)
    chain = db.chains[0]
    db.set_u32(chain[-1], 16, chain[1])
    with pytest.raises(RpmDbError, match="loops back"):
        _bdb_names(db.build())


def test_bdb_chains_sharing_pages(three_headers: list[bytes], tmp_path: Path) -> None:
    db = BdbBuilder(three_headers)
    db.set_u32(db.hash_pages[2], db.offpage_at(2) + 4, db.chains[0][0])
    names, problems = _read_bytes(tmp_path, db.build())
    assert names == ["alpha", "beta"]
    assert problems == [f"header #3: overflow page {db.chains[0][0]} already belongs to another chain"]


@pytest.mark.parametrize("pgno", [10_000, 2**32 - 1])
def test_bdb_page_number_beyond_eof(three_headers: list[bytes], tmp_path: Path, pgno: int) -> None:
    db = BdbBuilder(three_headers)
    db.set_u32(db.hash_pages[0], db.offpage_at(0) + 4, pgno)
    db.set_u32(db.chains[1][0], 16, pgno)
    names, problems = _read_bytes(tmp_path, db.build())
    assert names == ["gamma"]
    assert problems == [
        f"header #{n}: page number {pgno} outside the database (last page {len(db.pages) - 1})" for n in (1, 2)
    ]


def test_bdb_item_length_mismatch(three_headers: list[bytes], tmp_path: Path) -> None:
    db = BdbBuilder(three_headers)
    db.set_u32(db.hash_pages[0], db.offpage_at(0) + 8, len(three_headers[0]) + 1)
    db.set_u32(db.hash_pages[1], db.offpage_at(1) + 8, len(three_headers[1]) - 1)
    db.set_u32(db.hash_pages[2], db.offpage_at(2) + 8, 0)
    names, problems = _read_bytes(tmp_path, db.build())
    assert names == []
    assert [line.split(":")[0] for line in problems] == ["header #1", "header #2", "header #3"]
    assert "holds" in problems[0] and "more data" in problems[1] and "out of range" in problems[2]


def test_bdb_chain_into_a_hash_page(three_headers: list[bytes], tmp_path: Path) -> None:
    db = BdbBuilder(three_headers)
    db.set_u32(db.hash_pages[0], db.offpage_at(0) + 4, db.hash_pages[1])
    names, problems = _read_bytes(tmp_path, db.build())
    assert names == ["beta", "gamma"]
    assert problems == [f"header #1: page {db.hash_pages[1]} is not an overflow page of this chain"]


def test_bdb_bad_hash_pages(three_headers: list[bytes]) -> None:
    db = BdbBuilder(three_headers)
    struct.pack_into("<H", db.pages[db.hash_pages[0]], 20, 3)
    with pytest.raises(RpmDbError, match="bad item count 3"):
        _bdb_names(db.build())
    db = BdbBuilder(three_headers)
    struct.pack_into("<H", db.pages[db.hash_pages[0]], 20, 400)
    with pytest.raises(RpmDbError, match="bad item count 400"):
        _bdb_names(db.build())
    db = BdbBuilder(three_headers)
    struct.pack_into("<H", db.pages[db.hash_pages[0]], 26, 600)
    with pytest.raises(RpmDbError, match="out of place"):
        _bdb_names(db.build())


@pytest.mark.parametrize(
    ("offset", "value", "message"),
    [
        (12, 0x053162, "btree databases are not supported"),
        (12, 0x12345678, "bad magic"),
        (20, 1000, "page size 1000"),
        (20, 0, "page size 0"),
        (32, 1 << 22, "more than the limit"),
        (32, 1 << 21, "truncated"),
    ],
)
def test_bdb_bad_metadata(three_headers: list[bytes], offset: int, value: int, message: str) -> None:
    data = bytearray(BdbBuilder(three_headers).build())
    struct.pack_into("<I", data, offset, value)
    with pytest.raises(RpmDbError, match=message):
        _bdb_names(bytes(data))


@pytest.mark.parametrize(("byte", "message"), [(24, "encrypted"), (25, "not hash metadata"), (26, "checksummed")])
def test_bdb_unsupported_flags(three_headers: list[bytes], byte: int, message: str) -> None:
    data = bytearray(BdbBuilder(three_headers).build())
    data[byte] = 1
    with pytest.raises(RpmDbError, match=message):
        _bdb_names(bytes(data))


def test_bdb_truncated_real_file(testdata: Path, tmp_path: Path) -> None:
    data = _real(testdata, BDB)
    for size in (0, 10, 16, 100, 511, 512, 4096, 4097, 50_000, len(data) - 4096, len(data) - 1):
        with pytest.raises(RpmDbError):
            _read_bytes(tmp_path, data[:size])
    assert _read_bytes(tmp_path, data + b"\0" * 100) == (["libuuid"], [])


def test_bdb_real_file_overflow_loop(testdata: Path, tmp_path: Path) -> None:
    data = bytearray(_real(testdata, BDB))
    struct.pack_into("<I", data, 10 * 4096 + 16, 10)  # page 10 of the chain 3..22 points to itself
    assert _read_bytes(tmp_path, bytes(data)) == ([], ["header #1: overflow chain loops back to page 10"])
    struct.pack_into("<I", data, 10 * 4096 + 16, 99)
    assert _read_bytes(tmp_path, bytes(data))[1] == ["header #1: page number 99 outside the database (last page 22)"]


# --- ndb -----------------------------------------------------------------------------------------


def _ndb_slot(data: bytes | bytearray, number: int) -> tuple[bytes, int, int, int]:
    magic, pkgidx, blkoff, blkcnt = struct.unpack_from("<4sIII", data, 16 * number)
    return magic, pkgidx, blkoff, blkcnt


def test_ndb_damaged_blob_is_reported_alone(testdata: Path, tmp_path: Path) -> None:
    data = bytearray(_real(testdata, NDB))
    _magic, pkgidx, blkoff, _blkcnt = _ndb_slot(data, 3)
    data[blkoff * 16 + 200] ^= 0xFF
    names, problems = _read_bytes(tmp_path, bytes(data), "Packages.db")
    assert len(names) == 34
    assert problems == [f"header #{pkgidx}: blob checksum mismatch"]
    with pytest.raises(RpmDbError, match="checksum"):
        list(iter_ndb_blobs(io.BytesIO(bytes(data))))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (4, 99, "does not match its slot"),  # pkgidx in the slot differs from the blob's
        (12, 1, "too small"),  # blkcnt too small for any blob
        (8, 5, "invalid"),  # blkoff inside the slot pages
        (8, 10**8, "truncated"),  # blkoff past the end of the file
        (0, 0x746F6C74, "bad magic"),
    ],
)
def test_ndb_bad_slots(testdata: Path, tmp_path: Path, field: int, value: int, message: str) -> None:
    data = bytearray(_real(testdata, NDB))
    struct.pack_into("<I", data, 16 * 4 + field, value)
    try:
        _names, problems = _read_bytes(tmp_path, bytes(data), "Packages.db")
    except RpmDbError as exc:
        assert message in str(exc)
    else:
        assert len(problems) == 1 and message in problems[0]


def test_ndb_overlapping_blobs(testdata: Path) -> None:
    data = bytearray(_real(testdata, NDB))
    _magic, _pkgidx, blkoff, _blkcnt = _ndb_slot(data, 2)
    struct.pack_into("<I", data, 16 * 5 + 8, blkoff + 1)
    with pytest.raises(RpmDbError, match="overlaps"):
        list(iter_ndb_blobs(io.BytesIO(bytes(data))))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [(0, 0x504D5052, "bad magic"), (4, 1, "version 1"), (12, 0, "slot page count 0"), (12, 5000, "5000")],
)
def test_ndb_bad_header(testdata: Path, field: int, value: int, message: str) -> None:
    data = bytearray(_real(testdata, NDB))
    struct.pack_into("<I", data, field, value)
    with pytest.raises(RpmDbError, match=message):
        list(iter_ndb_blobs(io.BytesIO(bytes(data))))


def test_ndb_truncated(testdata: Path, tmp_path: Path) -> None:
    data = _real(testdata, NDB)
    for size in (0, 4, 31, 32, 100, 4095, 4096, 5000, len(data) // 2, len(data) - 1):
        with pytest.raises(RpmDbError):
            _read_bytes(tmp_path, data[:size], "Packages.db")


def test_ndb_tail_mismatch(testdata: Path, tmp_path: Path) -> None:
    data = bytearray(_real(testdata, NDB))
    _magic, pkgidx, blkoff, blkcnt = _ndb_slot(data, 7)
    data[(blkoff + blkcnt) * 16 - 1] ^= 0x01
    names, problems = _read_bytes(tmp_path, bytes(data), "Packages.db")
    assert len(names) == 34
    assert problems == [f"header #{pkgidx}: blob tail does not match its header"]


# --- SQLite --------------------------------------------------------------------------------------


def _sqlite(path: Path, rows: list[tuple[int, object]], schema: str | None = None) -> Path:
    conn = sqlite3.connect(path)
    conn.execute(schema or "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB)")
    conn.executemany("INSERT INTO Packages (hnum, blob) VALUES (?, ?)", rows)
    conn.commit()
    conn.close()
    return path


def test_sqlite_bad_rows_are_reported_alone(tmp_path: Path, make_header: HeaderBuilder, make_tags: TagsFactory) -> None:
    good = make_header(make_tags())
    pubkey = make_header(make_tags(name=(1000, 6, "gpg-pubkey")))
    rows: list[tuple[int, object]] = [(1, good), (2, pubkey), (3, good[:-1]), (4, None), (5, "text"), (6, 7)]
    path = _sqlite(tmp_path / "rpmdb.sqlite", rows)
    packages, problems = read_rpmdb(path)
    assert [p.name for p in packages] == ["demo"]
    assert [line.split(":")[0] for line in problems] == ["header #3", "header #4", "header #5", "header #6"]
    assert problems[1:] == [
        "header #4: blob column holds null, not a blob",
        "header #5: blob column holds text, not a blob",
        "header #6: blob column holds integer, not a blob",
    ]
    with pytest.raises(RpmDbError):
        list(iter_sqlite_blobs(str(path)))


def test_sqlite_path_with_uri_characters(tmp_path: Path, make_header: HeaderBuilder, make_tags: TagsFactory) -> None:
    odd = tmp_path / "we?ird #dir%20&mode=rw"
    odd.mkdir()
    path = _sqlite(odd / "rpmdb.sqlite", [(1, make_header(make_tags()))])
    assert read_rpmdb(path) == ([parse_header(make_header(make_tags()))], [])
    assert sorted(p.name for p in odd.iterdir()) == ["rpmdb.sqlite"]


def test_sqlite_oversized_blob(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rpmdb_sqlite, "MAX_HEADER_SIZE", 100)
    path = _sqlite(tmp_path / "rpmdb.sqlite", [(1, b"x" * 101)])
    assert read_rpmdb(path) == ([], ["header #1: blob larger than 100 bytes"])


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ("CREATE TABLE Other (hnum INTEGER, blob BLOB)", "no Packages table"),
        ("CREATE TABLE Packages (hnum INTEGER, data BLOB)", "lacks ordinary hnum and blob"),
        (
            "CREATE TABLE Packages (hnum INTEGER, x BLOB, blob BLOB AS (zeroblob(100000000)))",
            "lacks ordinary",
        ),
        (
            "CREATE VIEW Packages AS WITH RECURSIVE n(hnum) AS (SELECT 1 UNION ALL SELECT hnum + 1 FROM n) "
            "SELECT hnum, zeroblob(10) AS blob FROM n",
            "not an ordinary table",
        ),
    ],
)
def test_sqlite_hostile_schema(tmp_path: Path, schema: str, message: str) -> None:
    path = tmp_path / "rpmdb.sqlite"
    conn = sqlite3.connect(path)
    conn.execute(schema)
    conn.commit()
    conn.close()
    with pytest.raises(RpmDbError, match=message):
        read_rpmdb(path)


def test_sqlite_not_a_database(tmp_path: Path, testdata: Path) -> None:
    data = _real(testdata, SQLITE)
    for broken in (data[:100], data[:4096], b"SQLite format 3\0" + os.urandom(5000)):
        with pytest.raises(RpmDbError, match="SQLite"):
            _read_bytes(tmp_path, broken, "rpmdb.sqlite")


# --- read_rpmdb and detect_format ----------------------------------------------------------------


def test_read_rpmdb_rejects_non_databases(tmp_path: Path) -> None:
    for content, message in ((b"", "empty file"), (b"hello world, not an rpmdb", "unknown magic")):
        with pytest.raises(RpmDbError, match=message):
            _read_bytes(tmp_path, content)
    with pytest.raises(RpmDbError, match="not a regular file"):
        read_rpmdb(tmp_path)
    with pytest.raises(RpmDbError, match="cannot read"):
        read_rpmdb(tmp_path / "missing")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    start = time.monotonic()
    with pytest.raises(RpmDbError, match="not a regular file"):
        read_rpmdb(fifo)
    assert time.monotonic() - start < 5


def test_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(RpmDbError) as caught:
        _read_bytes(tmp_path, b"\0" * 12 + struct.pack("<I", 0x061561))
    assert str(caught.value).startswith(str(tmp_path / "Packages") + ": ")
    assert "\n" not in str(caught.value)


def test_detect_format() -> None:
    assert detect_format(b"") is None
    assert detect_format(b"SQLite format 3\0") == "sqlite"
    assert detect_format(b"RpmP\0\0\0\0") == "ndb"
    assert detect_format(b"\0" * 12 + bytes.fromhex("61150600")) == "bdb"
    assert detect_format(b"\0" * 12 + bytes.fromhex("00061561")) == "bdb"
    assert detect_format(b"\0" * 12 + bytes.fromhex("62310500")) == "bdb"
    assert detect_format(b"RpmX" + b"\0" * 12) is None


# --- fuzzing: damaged stores only ever raise RpmDbError ------------------------------------------


def _drain(items: Iterator[bytes]) -> None:
    try:
        for blob in items:
            with contextlib.suppress(RpmDbError):
                parse_header(blob)
    except RpmDbError as exc:
        assert "\n" not in str(exc)


def _mutate(data: bytes, draw: st.DataObject, hot: st.SearchStrategy[int]) -> bytes:
    damaged = bytearray(data)
    positions = draw.draw(st.lists(hot | st.integers(0, len(data) - 1), min_size=1, max_size=8))
    for position in positions:
        damaged[position] = draw.draw(st.integers(0, 255))
    return bytes(damaged)


@FUZZ
@given(st.binary(max_size=4096), st.sampled_from([b"", b"\0" * 12 + bytes.fromhex("61150600")]))
def test_fuzz_random_bytes(blob: bytes, prefix: bytes) -> None:
    detect_format(blob)
    _drain(iter_bdb_blobs(io.BytesIO(prefix + blob)))
    _drain(iter_ndb_blobs(io.BytesIO(b"RpmP" + blob)))


@FUZZ
@given(st.data())
def test_fuzz_bdb(testdata: Path, data: st.DataObject) -> None:
    real = _real(testdata, BDB)
    hot = st.builds(lambda page, offset: page * 4096 + offset, st.integers(0, 22), st.integers(0, 40))
    _drain(iter_bdb_blobs(io.BytesIO(_mutate(real, data, hot))))


@FUZZ
@given(st.data())
def test_fuzz_synthetic_bdb(data: st.DataObject) -> None:
    blob = struct.pack(">II", 1, 4) + struct.pack(">iIiI", 1000, 6, 0, 1) + b"abc\0"
    db = BdbBuilder([blob, b"\0" * 700, blob], order=data.draw(st.sampled_from("<>")), inline=40)
    built = db.build()
    hot = st.builds(lambda page, offset: page * 512 + offset, st.integers(0, len(db.pages) - 1), st.integers(0, 40))
    _drain(iter_bdb_blobs(io.BytesIO(_mutate(built, data, hot))))


@FUZZ
@given(st.data())
def test_fuzz_ndb(testdata: Path, data: st.DataObject) -> None:
    real = _real(testdata, NDB)
    hot = st.integers(0, 16 * 40) | st.integers(4096, 4096 + 32)  # slots, and the first blob's head
    _drain(iter_ndb_blobs(io.BytesIO(_mutate(real, data, hot))))
