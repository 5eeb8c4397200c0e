"""Parse one rpm header blob (as stored in an rpmdb) into an :class:`RpmPackageRecord`.

Layout (all integers big-endian, see rpm's ``lib/header.c``)::

    il: u32, dl: u32                      index entry count, data store length
    il x (tag: i32, type: u32, offset: i32, count: u32)
    dl bytes of data store

Installed headers start with a region entry (tag 63, HEADERIMMUTABLE, or 61/62): a 16-byte BIN
item whose offset points at a *trailer* in the data store. The trailer's negated offset is the size
of the region's index (``ril * 16``); entries after the region ("dribble" entries added at install
time, such as INSTALLTID) override same-tag entries inside it. The region entries themselves carry
no package data.

Only the tags a scanner needs are decoded, lazily; every entry is nonetheless range-checked up front
so that any offset or count outside the data store is reported as :class:`RpmDbError`.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from mamoru.analyzers.os.rpmdb._common import MAX_FILES, MAX_HEADER_SIZE, MAX_INDEX_ENTRIES, RpmDbError

# Data types (rpm's rpmTagType).
_CHAR, _INT8, _INT16, _INT32, _INT64, _STRING, _BIN, _STRING_ARRAY, _I18NSTRING = range(1, 10)
_FIXED_SIZES = {_CHAR: 1, _INT8: 1, _INT16: 2, _INT32: 4, _INT64: 8, _BIN: 1}
_STRING_TYPES = frozenset({_STRING, _STRING_ARRAY, _I18NSTRING})
_INT_FORMATS = {_CHAR: "B", _INT8: "B", _INT16: "H", _INT32: "I", _INT64: "Q"}
_INT_TYPES = frozenset(_INT_FORMATS)

# Region tags and the first tag number allowed for ordinary entries.
_HEADERIMAGE, _HEADERSIGNATURES, _HEADERIMMUTABLE = 61, 62, 63
_REGION_TAGS = frozenset({_HEADERIMAGE, _HEADERSIGNATURES, _HEADERIMMUTABLE})
_HEADERI18NTABLE = 100

# Package tags used here.
TAG_NAME = 1000
TAG_VERSION = 1001
TAG_RELEASE = 1002
TAG_EPOCH = 1003
TAG_SUMMARY = 1004
TAG_SIZE = 1009
TAG_VENDOR = 1011
TAG_LICENSE = 1014
TAG_PACKAGER = 1015
TAG_ARCH = 1022
TAG_OLDFILENAMES = 1027
TAG_SOURCERPM = 1044
TAG_DIRINDEXES = 1116
TAG_BASENAMES = 1117
TAG_DIRNAMES = 1118
TAG_LONGSIZE = 5009
TAG_MODULARITYLABEL = 5096

_INTRO = struct.Struct(">II")
_ENTRY = struct.Struct(">iIiI")
_ENTRY_SIZE = _ENTRY.size


@dataclass(frozen=True, slots=True, kw_only=True)
class RpmPackageRecord:
    """One installed package as recorded in an rpmdb header.

    String fields are ``""`` when the header lacks the tag; ``epoch`` is ``None`` when EPOCH is
    absent. ``files`` are absolute paths in header order (directories included, as ``rpm -ql``).
    """

    name: str
    epoch: int | None
    version: str
    release: str
    arch: str
    source_rpm: str
    license: str
    vendor: str
    summary: str
    packager: str
    modularity_label: str
    installed_size: int
    files: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Entry:
    type: int
    offset: int
    count: int


class _Header:
    """A range-checked index over one header blob."""

    __slots__ = ("_data", "_end", "_entries", "_start")

    def __init__(self, blob: bytes) -> None:
        if len(blob) < _INTRO.size:
            raise RpmDbError(f"header too short: {len(blob)} bytes")
        il, dl = _INTRO.unpack_from(blob)
        if not 1 <= il <= MAX_INDEX_ENTRIES:
            raise RpmDbError(f"header index count {il} out of range 1..{MAX_INDEX_ENTRIES}")
        if dl > MAX_HEADER_SIZE:
            raise RpmDbError(f"header data length {dl} exceeds {MAX_HEADER_SIZE}")
        start = _INTRO.size + il * _ENTRY_SIZE
        if len(blob) != start + dl:
            raise RpmDbError(f"header is {len(blob)} bytes, its intro says {start + dl} (il={il}, dl={dl})")
        self._data = blob
        self._start = start
        self._end = start + dl
        raw = list(_ENTRY.iter_unpack(blob[_INTRO.size : start]))
        first = _verify_region(raw, blob, start, dl)
        self._entries: dict[int, _Entry] = {}
        for position in range(first, il):
            self._entries[raw[position][0]] = _verify_entry(position, raw[position], dl)

    def _get(self, tag: int, allowed: frozenset[int]) -> _Entry | None:
        entry = self._entries.get(tag)
        if entry is not None and entry.type not in allowed:
            raise RpmDbError(f"tag {tag} has unexpected type {entry.type}")
        return entry

    def count(self, tag: int) -> int:
        """The element count of a tag, 0 when absent."""
        entry = self._entries.get(tag)
        return entry.count if entry else 0

    def strings(self, tag: int) -> list[bytes] | None:
        """The raw strings of a string-typed tag, or None when absent."""
        entry = self._get(tag, _STRING_TYPES)
        if entry is None:
            return None
        begin = self._start + entry.offset
        if entry.count == 1:
            stop = self._data.find(b"\0", begin, self._end)
            if stop < 0:
                raise RpmDbError(f"tag {tag}: string runs past the end of the data store")
            return [self._data[begin:stop]]
        parts = self._data[begin : self._end].split(b"\0", entry.count)
        if len(parts) <= entry.count:
            raise RpmDbError(f"tag {tag}: {entry.count} strings run past the end of the data store")
        del parts[entry.count :]
        return parts

    def text(self, tag: int) -> str:
        """The first string of a tag decoded as UTF-8 (bad bytes replaced), or ``""`` when absent."""
        values = self.strings(tag)
        return values[0].decode("utf-8", "replace") if values else ""

    def ints(self, tag: int) -> tuple[int, ...] | None:
        """The unsigned integers of an integer-typed tag, or None when absent."""
        entry = self._get(tag, _INT_TYPES)
        if entry is None:
            return None
        fmt = f">{entry.count}{_INT_FORMATS[entry.type]}"
        values: tuple[int, ...] = struct.unpack_from(fmt, self._data, self._start + entry.offset)
        return values


def _verify_region(raw: list[tuple[int, int, int, int]], blob: bytes, start: int, dl: int) -> int:
    """Check the region entry and trailer, if any; return the index of the first data entry."""
    tag, type_, offset, count = raw[0]
    if tag not in _REGION_TAGS:
        return 0
    if type_ != _BIN or count != _ENTRY_SIZE:
        raise RpmDbError(f"region tag {tag}: bad type {type_} or count {count}")
    if offset < 0 or offset + _ENTRY_SIZE > dl:
        raise RpmDbError(f"region tag {tag}: trailer offset {offset} outside the data store of {dl} bytes")
    trailer_tag, trailer_type, trailer_offset, trailer_count = _ENTRY.unpack_from(blob, start + offset)
    if trailer_tag == _HEADERIMAGE and tag == _HEADERSIGNATURES:
        trailer_tag = tag  # old signature headers use HEADERIMAGE in the trailer
    if (trailer_tag, trailer_type, trailer_count) != (tag, _BIN, _ENTRY_SIZE):
        raise RpmDbError(f"region tag {tag}: bad trailer ({trailer_tag}, {trailer_type}, {trailer_count})")
    region_bytes = -trailer_offset
    if region_bytes % _ENTRY_SIZE or not 1 <= region_bytes // _ENTRY_SIZE <= len(raw):
        raise RpmDbError(f"region tag {tag}: trailer gives a bad region size {trailer_offset}")
    return 1


def _verify_entry(position: int, raw: tuple[int, int, int, int], dl: int) -> _Entry:
    """Range-check one ``(tag, type, offset, count)`` index entry against the data store length."""
    tag, type_, offset, count = raw
    where = f"index entry {position} (tag {tag})"
    if tag < _HEADERI18NTABLE:
        raise RpmDbError(f"{where}: reserved tag number")
    if not _CHAR <= type_ <= _I18NSTRING:
        raise RpmDbError(f"{where}: unknown type {type_}")
    if count < 1:
        raise RpmDbError(f"{where}: count is 0")
    if type_ == _STRING and count != 1:
        raise RpmDbError(f"{where}: STRING with count {count}")
    size = _FIXED_SIZES.get(type_, 1)  # a string takes at least its NUL byte
    if offset < 0 or offset % size:
        raise RpmDbError(f"{where}: bad offset {offset} for type {type_}")
    if offset + size * count > dl:
        raise RpmDbError(f"{where}: offset {offset} + {count} items runs past the data store of {dl} bytes")
    return _Entry(type_, offset, count)


def parse_header(blob: bytes) -> RpmPackageRecord:
    """Parse one rpmdb header blob; raise :class:`RpmDbError` if it is malformed."""
    header = _Header(bytes(blob))
    name = header.text(TAG_NAME)
    if not name:
        raise RpmDbError("header has no NAME")
    epochs = header.ints(TAG_EPOCH)
    sizes = header.ints(TAG_LONGSIZE) or header.ints(TAG_SIZE) or (0,)
    return RpmPackageRecord(
        name=name,
        epoch=epochs[0] if epochs else None,
        version=header.text(TAG_VERSION),
        release=header.text(TAG_RELEASE),
        arch=header.text(TAG_ARCH),
        source_rpm=header.text(TAG_SOURCERPM),
        license=header.text(TAG_LICENSE),
        vendor=header.text(TAG_VENDOR),
        summary=header.text(TAG_SUMMARY),
        packager=header.text(TAG_PACKAGER),
        modularity_label=header.text(TAG_MODULARITYLABEL),
        installed_size=sizes[0],
        files=_files(header),
    )


def _files(header: _Header) -> tuple[str, ...]:
    """Join BASENAMES to DIRNAMES via DIRINDEXES, or fall back to OLDFILENAMES.

    Paths are decoded like :func:`os.fsdecode` (UTF-8, undecodable bytes as surrogate escapes) so they
    compare equal to paths read from a filesystem.
    """
    for tag in (TAG_BASENAMES, TAG_DIRNAMES, TAG_OLDFILENAMES):
        if header.count(tag) > MAX_FILES:
            raise RpmDbError(f"tag {tag} lists {header.count(tag)} files, more than the limit of {MAX_FILES}")
    basenames = header.strings(TAG_BASENAMES)
    if basenames is None:
        old = header.strings(TAG_OLDFILENAMES) or []
        return tuple(path.decode("utf-8", "surrogateescape") for path in old)
    dirnames = header.strings(TAG_DIRNAMES)
    indexes = header.ints(TAG_DIRINDEXES)
    if dirnames is None or indexes is None:
        raise RpmDbError("header has BASENAMES without DIRNAMES or DIRINDEXES")
    if len(indexes) != len(basenames):
        raise RpmDbError(f"header has {len(basenames)} BASENAMES but {len(indexes)} DIRINDEXES")
    if indexes and max(indexes) >= len(dirnames):
        raise RpmDbError(f"DIRINDEXES value {max(indexes)} is past the {len(dirnames)} DIRNAMES")
    return tuple(
        (dirnames[index] + base).decode("utf-8", "surrogateescape")
        for index, base in zip(indexes, basenames, strict=True)
    )
