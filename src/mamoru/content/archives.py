"""The members of archives (jars, wars, wheels, zips, tarballs), nested zips included, for content scanners.

A Spring Boot jar keeps its ``application.properties`` in ``BOOT-INF/classes``, a war its
``WEB-INF/web.xml``, a wheel, a zip or a backup tarball whatever was packed into it: configuration
the image ships without it ever being a file of a layer, and miners arrive as release tarballs. The
same bounds as for Java packages apply to zips (:mod:`mamoru.analyzers.lang._zip`): the central
directory is checked before ``zipfile`` loads it, no member inflates past its bound or the archive's
budget, nesting depth and the number of nested archives are limited. Tarballs (gzip, zstd, xz,
bzip2 or none) are streamed through mamoru's own layer tar reader under the same byte budget;
archives inside a tarball are not opened. What is cut becomes a note.
"""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Callable, Iterator
from typing import IO

from mamoru.analyzers.lang._zip import ArchiveBudget, ArchiveError, nested_archive, open_zip, read_member
from mamoru.errors import LimitExceeded
from mamoru.model.inventory import FileKind
from mamoru.model.package import MEMBER_SEPARATOR
from mamoru.walk.layer_stream import DecodedBytes
from mamoru.walk.limits import DEFAULT_LIMITS, Limits
from mamoru.walk.streams import DigestReader, compression_of, decompressing
from mamoru.walk.tar_layer import TarLayerReader

MiB = 1 << 20
ZIP_MAGIC = b"PK\x03\x04"
ZIP_SUFFIXES = (".jar", ".war", ".ear", ".par", ".aar", ".zip", ".whl", ".egg", ".nupkg")
TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.zst", ".tar.xz", ".txz", ".tar.bz2", ".tbz2")
ARCHIVE_SUFFIXES = ZIP_SUFFIXES + TAR_SUFFIXES
MAX_TAR_MEMBERS = 200_000
MAX_ARCHIVE = 256 * MiB  # an archive file read for its members (fat jars run to about 100 MiB)
MAX_NESTED_ARCHIVE = 128 * MiB  # one nested archive, inflated
MAX_INFLATED = 512 * MiB  # everything inflated for one outer archive
MAX_DEPTH = 4  # archive in archive in archive in archive
MAX_NESTED_ARCHIVES = 2_000
MAX_NOTES = 20  # notes kept per archive
# members that are never text: compiled code, media, fonts, native libraries
BINARY_MEMBERS = (".class", ".png", ".jpg", ".jpeg", ".gif", ".ico", ".bmp", ".webp", ".svgz", ".woff", ".woff2",
                  ".ttf", ".otf", ".eot", ".so", ".dll", ".dylib", ".jnilib", ".a", ".o", ".pyc", ".pyo", ".mp3",
                  ".mp4", ".wav", ".ogg", ".pdf", ".gz", ".bz2", ".xz", ".zst", ".7z", ".rar", ".tar", ".dex",
                  ".ser", ".bin", ".dat", ".db", ".sqlite")  # fmt: skip


def is_archive(path: str, head: bytes) -> bool:
    """An archive by both name and magic bytes (``head``: at least the first 512 bytes of the file)."""
    name = path.lower()
    if name.endswith(ZIP_SUFFIXES):
        return head.startswith(ZIP_MAGIC)
    return name.endswith(TAR_SUFFIXES) and (compression_of(head) != "none" or head[257:262] == b"ustar")


def new_budget() -> ArchiveBudget:
    """The budget of one outer archive."""
    return ArchiveBudget(inflated=MAX_INFLATED, archives=MAX_NESTED_ARCHIVES)


def visit_members(
    handle: IO[bytes],
    size: int,
    max_member: int,
    visit: Callable[[str, bytes], None],
    *,
    text_only: bool,
    seconds: float,
) -> list[str]:
    """Call ``visit(place, bytes)`` for each member :func:`members` yields, for at most ``seconds``; return
    the notes on what was not read (bounds, time, an archive that cannot be read), at most 20."""
    budget = new_budget()
    deadline = time.monotonic() + seconds
    try:
        for place, data in members(handle, size, max_member, budget, text_only):
            visit(place, data)
            if time.monotonic() > deadline:
                budget.notes.append(f"archive scan stopped after {seconds:.0f} s; results are partial")
                break
    except ArchiveError as exc:
        budget.notes.append(f"not read as an archive: {exc}")
    return budget.notes[:MAX_NOTES]


def members(
    handle: IO[bytes], size: int, max_member: int, budget: ArchiveBudget, text_only: bool = True
) -> Iterator[tuple[str, bytes]]:
    """``(place, bytes)`` of every member of at most ``max_member`` bytes (that may be text, with
    ``text_only``), nested archives opened in place (raises :class:`ArchiveError` when the outer archive
    cannot be read)."""
    skipped = BINARY_MEMBERS if text_only else ()
    head = handle.read(len(ZIP_MAGIC))
    handle.seek(0)
    if head == ZIP_MAGIC:
        yield from _zip_members(handle, size, max_member, budget, skipped, depth=0, prefix="")
    else:
        yield from _tar_members(handle, max_member, budget, skipped)


def _tar_members(
    handle: IO[bytes], max_member: int, budget: ArchiveBudget, skipped: tuple[str, ...]
) -> Iterator[tuple[str, bytes]]:
    # the layers' own stream: decompression by magic bytes, buffered forward reads and skips, and a
    # byte bound (here the archive's remaining inflate budget); corrupt data becomes a reader note
    raw = DigestReader(handle)
    decoded, compression = decompressing(raw)
    stream = DecodedBytes(decoded, compression, raw, None, DEFAULT_LIMITS, "tarball", max_bytes=budget.inflated)
    reader = TarLayerReader(stream, Limits(max_members=MAX_TAR_MEMBERS), "tarball")
    try:
        for entry in reader.entries():
            if entry.kind is not FileKind.FILE or entry.size > max_member or entry.path.lower().endswith(skipped):
                continue
            with entry.open() as member:
                data = member.read(entry.size)
            yield entry.path, data
    except LimitExceeded as exc:
        budget.notes.append(str(exc))
    except OSError as exc:  # in a member's data (the reader notes what happens between members)
        budget.notes.append(f"tarball is corrupt or truncated: {exc}")
    finally:
        stream.close()
        budget.inflated -= stream.count
    budget.notes.extend(note.message for note in reader.notes)


def _zip_members(
    handle: IO[bytes],
    size: int,
    max_member: int,
    budget: ArchiveBudget,
    skipped: tuple[str, ...],
    depth: int,
    prefix: str,
) -> Iterator[tuple[str, bytes]]:
    with open_zip(handle, size) as archive:
        for info in archive.infolist():
            name = info.filename
            lower = name.lower()
            if info.is_dir() or lower.endswith(skipped):
                continue
            place = f"{prefix}{name}"
            if lower.endswith(ARCHIVE_SUFFIXES):
                yield from _nested(archive, info, max_member, budget, skipped, depth, place)
                continue
            if info.file_size > max_member:
                continue  # data, not configuration (as for files of a layer)
            try:
                yield place, read_member(archive, info, max_member, budget)
            except ArchiveError as exc:
                budget.notes.append(f"{prefix}{exc}")


def _nested(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    max_member: int,
    budget: ArchiveBudget,
    skipped: tuple[str, ...],
    depth: int,
    place: str,
) -> Iterator[tuple[str, bytes]]:
    data = nested_archive(archive, info, depth, budget, (MAX_DEPTH, MAX_NESTED_ARCHIVES, MAX_NESTED_ARCHIVE))
    if data is None:
        return
    try:
        yield from _zip_members(
            io.BytesIO(data), len(data), max_member, budget, skipped, depth + 1, place + MEMBER_SEPARATOR
        )
    except ArchiveError as exc:
        budget.notes.append(f"{place}: {exc}")
