"""Bounds for zip archives (jars, wars, eggs) checked before the stdlib ``zipfile`` trusts them.

``zipfile`` loads the whole central directory the archive describes; a hostile archive can claim
millions of entries or a directory larger than itself. :func:`check_directory` reads the
end-of-central-directory record (and the zip64 one) first and refuses such archives;
:func:`read_member` never inflates a member past its bound or the outer archive's budget.
"""

from __future__ import annotations

import struct
import zipfile
from dataclasses import dataclass, field
from typing import IO

from mamoru.analyzers.lang._common import MiB

MAX_ENTRIES = 200_000  # members in one archive (the biggest real fat jars hold about 100 000)
MAX_DIRECTORY = 64 * MiB  # central directory bytes
_EOCD = b"PK\x05\x06"
_EOCD64_LOCATOR = b"PK\x06\x07"
_EOCD64 = b"PK\x06\x06"


class ArchiveError(Exception):
    """An archive (or a member of it) that cannot be read safely; the message is one line."""


def check_directory(handle: IO[bytes], size: int) -> None:
    """Refuse archives whose central directory is missing or too large before ``zipfile`` loads it."""
    tail_size = min(size, 65_557)  # EOCD (22 bytes) + the longest archive comment
    handle.seek(size - tail_size)
    tail = handle.read(tail_size)
    at = tail.rfind(_EOCD)
    if at < 0 or len(tail) - at < 22:
        raise ArchiveError("not a zip archive (no end of central directory record)")
    entries, directory_size = struct.unpack_from("<xxxxxxxxxxHI", tail, at)
    if entries == 0xFFFF or directory_size == 0xFFFFFFFF:  # zip64: the real numbers are elsewhere
        locator = at - 20
        if locator < 0 or tail[locator : locator + 4] != _EOCD64_LOCATOR:
            raise ArchiveError("zip64 archive without a zip64 locator")
        (record_offset,) = struct.unpack_from("<Q", tail, locator + 8)
        if record_offset + 56 > size:
            raise ArchiveError("zip64 end of central directory record is past the end of the file")
        handle.seek(record_offset)
        record = handle.read(56)
        if len(record) < 56 or record[:4] != _EOCD64:
            raise ArchiveError("malformed zip64 end of central directory record")
        entries, directory_size = struct.unpack_from("<32xQQ", record)
    if entries > MAX_ENTRIES:
        raise ArchiveError(f"archive lists {entries} entries, more than the {MAX_ENTRIES} limit")
    if directory_size > MAX_DIRECTORY or directory_size > size:
        raise ArchiveError(f"central directory of {directory_size} bytes is too large for the archive")
    handle.seek(0)


def open_zip(handle: IO[bytes], size: int) -> zipfile.ZipFile:
    """``zipfile`` on an archive whose directory passed :func:`check_directory` (raises :class:`ArchiveError`)."""
    check_directory(handle, size)
    try:
        return zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ArchiveError(f"corrupt zip archive: {exc}") from None


@dataclass(slots=True)
class ArchiveBudget:
    """What one outer archive may still cost: bytes inflated, nested archives opened; notes on what was cut."""

    inflated: int
    archives: int
    notes: list[str] = field(default_factory=list)


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, budget: ArchiveBudget) -> bytes:
    """A member's bytes, never inflating more than ``limit`` or the archive's remaining budget."""
    bound = min(limit, budget.inflated)
    if info.file_size > bound:
        raise ArchiveError(f"{info.filename} declares {info.file_size} bytes, more than the {bound} byte bound")
    try:
        with archive.open(info) as member:
            data = member.read(bound + 1)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError) as exc:
        raise ArchiveError(f"{info.filename}: cannot be read: {exc}") from None
    if len(data) > bound:
        raise ArchiveError(f"{info.filename} inflates past the {bound} byte bound (zip bomb?)")
    budget.inflated -= len(data)
    return data


def nested_archive(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, depth: int, budget: ArchiveBudget, limits: tuple[int, int, int]
) -> bytes | None:
    """The bytes of an archive inside ``archive`` at ``depth``, or None (with a note) when a bound forbids it.

    ``limits``: the deepest nesting, the most nested archives per outer archive, the bytes of one.
    """
    max_depth, max_archives, max_bytes = limits
    if depth + 1 >= max_depth:
        budget.notes.append(f"{info.filename}: archive nested deeper than {max_depth} levels was not read")
        return None
    if budget.archives <= 0:
        if budget.archives == 0:
            budget.notes.append(f"more than {max_archives} nested archives: the rest were not read")
        budget.archives -= 1
        return None
    budget.archives -= 1
    try:
        return read_member(archive, info, max_bytes, budget)
    except ArchiveError as exc:
        budget.notes.append(f"{info.filename}: {exc}")
        return None
