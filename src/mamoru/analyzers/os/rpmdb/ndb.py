"""Read rpm header blobs from an ndb database (SUSE's ``/var/lib/rpm/Packages.db``).

Layout, from rpm's ``lib/backend/ndb/rpmpkg.c`` (all integers little-endian):

* The file is made of 16-byte blocks. It starts with ``slotnpages`` 4 KiB slot pages; the first 32
  bytes of page 0 are the header ``("RpmP", version 0, generation, slotnpages, nextpkgidx)``.
* Every other 16 bytes of the slot pages is a slot ``("Slot", pkgidx, blkoff, blkcnt)``; a slot with
  ``blkoff == 0`` is free. ``blkoff``/``blkcnt`` count 16-byte blocks and point past the slot pages.
* A blob is ``("BlbS", pkgidx, timestamp, bloblen)``, the header blob, zero padding to a whole block,
  then the tail ``(adler32, bloblen, "BlbE")``; the Adler-32 covers everything before the tail.

Slots are checked against the file size and against each other (no two blobs may overlap), so the
total work is bounded by the file size. A damaged blob is reported for that package only.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Iterator
from typing import BinaryIO

from mamoru.analyzers.os.rpmdb._common import MAX_HEADER_SIZE, MAX_NDB_SLOT_PAGES, Record, RpmDbError

NDB_MAGIC = b"RpmP"
_SLOT_MAGIC = b"Slot"
_BLOB_HEAD_MAGIC = b"BlbS"
_BLOB_TAIL_MAGIC = b"BlbE"
_PAGE_SIZE = 4096
_BLOCK = 16
_HEADER = struct.Struct("<4sIIII12x")  # magic, version, generation, slotnpages, nextpkgidx
_SLOT = struct.Struct("<4sIII")
_BLOB_HEAD = struct.Struct("<4sIII")
_BLOB_TAIL = struct.Struct("<II4s")
_MAX_BLOCKS = (_BLOB_HEAD.size + MAX_HEADER_SIZE + _BLOB_TAIL.size + _BLOCK - 1) // _BLOCK


def _blocks_for(bloblen: int) -> int:
    return (_BLOB_HEAD.size + bloblen + _BLOB_TAIL.size + _BLOCK - 1) // _BLOCK


def _read_slots(f: BinaryIO) -> list[tuple[int, int, int]]:
    """Return the used slots as ``(pkgidx, blkoff, blkcnt)``, checked against the file and each other."""
    f.seek(0)
    intro = f.read(_HEADER.size)
    if len(intro) < _HEADER.size:
        raise RpmDbError(f"file too short for an ndb header ({len(intro)} bytes)")
    magic, version, _generation, slot_pages, _next = _HEADER.unpack(intro)
    if magic != NDB_MAGIC:
        raise RpmDbError("not an ndb database (bad magic)")
    if version != 0:
        raise RpmDbError(f"unsupported ndb version {version}")
    if not 1 <= slot_pages <= MAX_NDB_SLOT_PAGES:
        raise RpmDbError(f"ndb slot page count {slot_pages} out of range 1..{MAX_NDB_SLOT_PAGES}")
    area = intro + f.read(slot_pages * _PAGE_SIZE - _HEADER.size)
    if len(area) != slot_pages * _PAGE_SIZE:
        raise RpmDbError(f"ndb truncated inside its {slot_pages} slot pages")
    file_blocks = f.seek(0, io.SEEK_END) // _BLOCK
    first_block = slot_pages * _PAGE_SIZE // _BLOCK
    slots = []
    for slotno, (slot_magic, pkgidx, blkoff, blkcnt) in enumerate(_SLOT.iter_unpack(area)):
        if slotno < _HEADER.size // _SLOT.size:
            continue  # the ndb header occupies the first slots
        if slot_magic != _SLOT_MAGIC:
            raise RpmDbError(f"ndb slot {slotno} has a bad magic")
        if blkoff == 0:
            continue
        if pkgidx == 0 or not 0 < blkcnt <= _MAX_BLOCKS or blkoff < first_block:
            raise RpmDbError(f"ndb slot {slotno} is invalid (pkgidx {pkgidx}, blocks {blkoff}+{blkcnt})")
        if blkoff + blkcnt > file_blocks:
            raise RpmDbError(f"ndb truncated: slot {slotno} points past the end of the file")
        slots.append((pkgidx, blkoff, blkcnt))
    _check_overlaps(slots)
    return sorted(slots)


def _check_overlaps(slots: list[tuple[int, int, int]]) -> None:
    end = 0
    for pkgidx, blkoff, blkcnt in sorted(slots, key=lambda slot: slot[1]):
        if blkoff < end:
            raise RpmDbError(f"ndb blob of package {pkgidx} overlaps another blob")
        end = blkoff + blkcnt


def _read_blob(f: BinaryIO, pkgidx: int, blkoff: int, blkcnt: int) -> bytes:
    """Read and verify one blob (magic, package index, length, checksum)."""
    if blkcnt < _blocks_for(0):
        raise RpmDbError(f"blob of {blkcnt} blocks is too small")
    f.seek(blkoff * _BLOCK)
    raw = f.read(blkcnt * _BLOCK)
    if len(raw) != blkcnt * _BLOCK:
        raise RpmDbError("blob cut short by the end of the file")
    magic, owner, _timestamp, bloblen = _BLOB_HEAD.unpack_from(raw)
    if magic != _BLOB_HEAD_MAGIC or owner != pkgidx:
        raise RpmDbError("blob header does not match its slot")
    if _blocks_for(bloblen) != blkcnt:
        raise RpmDbError(f"blob length {bloblen} does not fit its {blkcnt} blocks")
    checksum, tail_len, tail_magic = _BLOB_TAIL.unpack_from(raw, len(raw) - _BLOB_TAIL.size)
    if tail_magic != _BLOB_TAIL_MAGIC or tail_len != bloblen:
        raise RpmDbError("blob tail does not match its header")
    if zlib.adler32(raw[: -_BLOB_TAIL.size]) != checksum:
        raise RpmDbError("blob checksum mismatch")
    return raw[_BLOB_HEAD.size : _BLOB_HEAD.size + bloblen]


def ndb_records(f: BinaryIO) -> Iterator[Record]:
    """Yield ``(label, blob or error)`` per package in index order; raise RpmDbError if unusable."""
    slots = _read_slots(f)
    return _records(f, slots)


def _records(f: BinaryIO, slots: list[tuple[int, int, int]]) -> Iterator[Record]:
    for pkgidx, blkoff, blkcnt in slots:
        try:
            yield f"header #{pkgidx}", _read_blob(f, pkgidx, blkoff, blkcnt)
        except RpmDbError as exc:
            yield f"header #{pkgidx}", exc


def iter_ndb_blobs(f: BinaryIO) -> Iterator[bytes]:
    """Yield every header blob of an ndb ``Packages.db`` file; raise RpmDbError on any damage."""
    for _label, item in ndb_records(f):
        if isinstance(item, RpmDbError):
            raise item
        yield item
