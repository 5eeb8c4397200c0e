"""Read rpm header blobs from a Berkeley DB hash database (``/var/lib/rpm/Packages``).

This is the rpmdb of RHEL/CentOS <= 8, Amazon Linux 1/2 and older Fedora/SUSE. Layout, from
libdb's ``dbinc/db_page.h``:

* Page 0 is the hash metadata page: magic ``0x061561`` at byte 12 (in the byte order of the machine
  that wrote the file, so it is checked both ways), page size at 20, encryption at 24, page type 8
  at 25, meta flags at 26 and the last page number at 32.
* Every page starts with a 26-byte header: page number at 8, next page at 16, item count at 20,
  free-area offset at 22 and page type at 25.
* Hash pages (type 13, or 2 for old unsorted ones) hold an array of 2-byte item offsets right after
  the header; items come in key/data pairs and are packed from the end of the page downwards, so an
  item ends where the previous one starts. Each item begins with a type byte: 1 is inline data, 3 is
  an "off-page" reference ``(type, 3 pad bytes, first page: u32, total length: u32)``.
* Overflow pages (type 7) chain through their next-page field; the free-area field holds the number
  of data bytes on that page.

rpm stores each header under its 4-byte instance number; instance 0 holds a counter, not a header.
The reader walks pages sequentially (like ``db_dump -r``), so it needs no hash function. Every page
number is checked against the metadata and the file size, and every overflow page may belong to one
chain only, which bounds the total work by the file size and rules out loops.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from mamoru.analyzers.os.rpmdb._common import MAX_BDB_PAGES, MAX_HEADER_SIZE, Record, RpmDbError

HASH_MAGIC = 0x061561
BTREE_MAGIC = 0x053162
_PAGE_HEADER = 26
_VALID_PAGE_SIZES = frozenset(512 << shift for shift in range(8))  # 512 .. 64 KiB
_P_HASH_UNSORTED, _P_OVERFLOW, _P_HASHMETA, _P_HASH = 2, 7, 8, 13
_H_KEYDATA, _H_OFFPAGE = 1, 3
_OFFPAGE_SIZE = 12
_DBMETA_CHKSUM = 0x01


@dataclass(frozen=True, slots=True)
class _Meta:
    order: str  # struct byte-order prefix
    page_size: int
    last_pgno: int


def _read_meta(f: BinaryIO) -> _Meta:
    """Parse and check the hash metadata page."""
    f.seek(0)
    head = f.read(512)
    if len(head) < 512:
        raise RpmDbError(f"file too short for a Berkeley DB metadata page ({len(head)} bytes)")
    for order in "<>":
        (magic,) = struct.unpack_from(order + "I", head, 12)
        if magic == BTREE_MAGIC:
            raise RpmDbError("Berkeley DB btree databases are not supported (rpm uses hash)")
        if magic == HASH_MAGIC:
            break
    else:
        raise RpmDbError("not a Berkeley DB hash database (bad magic)")
    (page_size,) = struct.unpack_from(order + "I", head, 20)
    (last_pgno,) = struct.unpack_from(order + "I", head, 32)
    if page_size not in _VALID_PAGE_SIZES:
        raise RpmDbError(f"Berkeley DB page size {page_size} is not a power of two in 512..65536")
    if head[24]:
        raise RpmDbError("encrypted Berkeley DB databases are not supported")
    if head[25] != _P_HASHMETA:
        raise RpmDbError(f"Berkeley DB page 0 has type {head[25]}, not hash metadata")
    if head[26] & _DBMETA_CHKSUM:
        raise RpmDbError("checksummed Berkeley DB pages are not supported")
    if last_pgno >= MAX_BDB_PAGES:
        raise RpmDbError(f"Berkeley DB claims {last_pgno + 1} pages, more than the limit of {MAX_BDB_PAGES}")
    file_pages = f.seek(0, io.SEEK_END) // page_size
    if last_pgno >= file_pages:
        raise RpmDbError(f"Berkeley DB truncated: last page is {last_pgno}, the file holds {file_pages} pages")
    return _Meta(order, page_size, last_pgno)


class _BdbReader:
    """Walks the pages of one open database file."""

    def __init__(self, f: BinaryIO) -> None:
        self._f = f
        self._meta = _read_meta(f)
        self._claimed: set[int] = set()  # overflow pages already used by a chain

    def _u16(self, page: bytes, offset: int) -> int:
        value: int = struct.unpack_from(self._meta.order + "H", page, offset)[0]
        return value

    def _u32(self, page: bytes, offset: int) -> int:
        value: int = struct.unpack_from(self._meta.order + "I", page, offset)[0]
        return value

    def _page(self, pgno: int) -> bytes:
        if not 1 <= pgno <= self._meta.last_pgno:
            raise RpmDbError(f"page number {pgno} outside the database (last page {self._meta.last_pgno})")
        size = self._meta.page_size
        self._f.seek(pgno * size)
        page = self._f.read(size)
        if len(page) != size:
            raise RpmDbError(f"page {pgno} is cut short by the end of the file")
        return page

    def records(self) -> Iterator[Record]:
        """Yield every stored header (not the instance counter), in page order."""
        for pgno in range(1, self._meta.last_pgno + 1):
            page = self._page(pgno)
            if page[25] in (_P_HASH, _P_HASH_UNSORTED):
                yield from self._hash_page_records(pgno, page)

    def _hash_page_records(self, pgno: int, page: bytes) -> Iterator[Record]:
        count = self._u16(page, 20)
        index_end = _PAGE_HEADER + 2 * count
        if count % 2 or index_end > self._meta.page_size:
            raise RpmDbError(f"hash page {pgno}: bad item count {count}")
        offsets = struct.unpack_from(f"{self._meta.order}{count}H", page, _PAGE_HEADER)
        for position, offset in enumerate(offsets):
            end = offsets[position - 1] if position else self._meta.page_size
            if not index_end <= offset < end:
                raise RpmDbError(f"hash page {pgno}: item {position} at offset {offset} is out of place")
        for position in range(0, count, 2):
            key = self._inline(page, offsets, position)
            instance = int.from_bytes(key, "little" if self._meta.order == "<" else "big")
            if instance == 0 and len(key) == 4:
                continue  # rpm's instance counter
            label = f"header #{instance}" if len(key) == 4 else f"page {pgno} item {position + 1}"
            yield label, self._value(page, offsets, position + 1)

    def _inline(self, page: bytes, offsets: tuple[int, ...], position: int) -> bytes:
        """The bytes of an inline item (empty when the item is of another type)."""
        offset = offsets[position]
        if page[offset] != _H_KEYDATA:
            return b""
        end = offsets[position - 1] if position else self._meta.page_size
        return page[offset + 1 : end]

    def _value(self, page: bytes, offsets: tuple[int, ...], position: int) -> bytes | RpmDbError:
        offset = offsets[position]
        kind = page[offset]
        if kind == _H_KEYDATA:
            return self._inline(page, offsets, position)
        if kind != _H_OFFPAGE:
            return RpmDbError(f"unsupported Berkeley DB item type {kind}")
        if offset + _OFFPAGE_SIZE > self._meta.page_size:
            return RpmDbError("off-page reference runs past the end of its page")
        try:
            return self._overflow(self._u32(page, offset + 4), self._u32(page, offset + 8))
        except RpmDbError as exc:
            return exc

    def _overflow(self, pgno: int, length: int) -> bytes:
        """Concatenate an overflow chain, checking every page and the total length."""
        if not 0 < length <= MAX_HEADER_SIZE:
            raise RpmDbError(f"overflow item length {length} out of range 1..{MAX_HEADER_SIZE}")
        chunks: list[bytes] = []
        total = 0
        chain: set[int] = set()
        try:
            while pgno:
                if pgno in chain:
                    raise RpmDbError(f"overflow chain loops back to page {pgno}")
                if pgno in self._claimed:
                    raise RpmDbError(f"overflow page {pgno} already belongs to another chain")
                page = self._page(pgno)
                chain.add(pgno)
                if page[25] != _P_OVERFLOW or self._u32(page, 8) != pgno:
                    raise RpmDbError(f"page {pgno} is not an overflow page of this chain")
                used = self._u16(page, 22)
                total += used
                if used > self._meta.page_size - _PAGE_HEADER or total > length:
                    raise RpmDbError(f"overflow page {pgno} holds more data than the item length {length}")
                chunks.append(page[_PAGE_HEADER : _PAGE_HEADER + used])
                pgno = self._u32(page, 16)
        finally:
            self._claimed |= chain
        if total != length:
            raise RpmDbError(f"overflow chain holds {total} bytes, the item says {length}")
        return b"".join(chunks)


def bdb_records(f: BinaryIO) -> Iterator[Record]:
    """Yield ``(label, blob or error)`` for every header; raise RpmDbError if the file is unusable."""
    return _BdbReader(f).records()


def iter_bdb_blobs(f: BinaryIO) -> Iterator[bytes]:
    """Yield every header blob of a Berkeley DB ``Packages`` file; raise RpmDbError on any damage."""
    for _label, item in bdb_records(f):
        if isinstance(item, RpmDbError):
            raise item
        yield item
