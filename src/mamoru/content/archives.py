"""The members of zip-family archives (jars, wars, wheels, zips), nested ones included, for content scanners.

A Spring Boot jar keeps its ``application.properties`` in ``BOOT-INF/classes``, a war its
``WEB-INF/web.xml``, a wheel or a zip whatever was packed into it: configuration the image ships
without it ever being a file of a layer. The same bounds as for Java packages apply
(:mod:`mamoru.analyzers.lang._zip`): the central directory is checked before ``zipfile`` loads it,
no member inflates past its bound or the archive's budget, nesting depth and the number of nested
archives are limited, and what is cut becomes a note.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import IO

from mamoru.analyzers.lang._zip import ArchiveBudget, ArchiveError, nested_archive, open_zip, read_member
from mamoru.model.package import MEMBER_SEPARATOR

MiB = 1 << 20
ZIP_MAGIC = b"PK\x03\x04"
ARCHIVE_SUFFIXES = (".jar", ".war", ".ear", ".par", ".aar", ".zip", ".whl", ".egg", ".nupkg")
MAX_ARCHIVE = 256 * MiB  # an archive file read for its members (fat jars run to about 100 MiB)
MAX_NESTED_ARCHIVE = 128 * MiB  # one nested archive, inflated
MAX_INFLATED = 512 * MiB  # everything inflated for one outer archive
MAX_DEPTH = 4  # archive in archive in archive in archive
MAX_NESTED_ARCHIVES = 2_000
TIME_NOTE = "archive scan stopped after {:.0f} s; results are partial"
SEPARATOR = MEMBER_SEPARATOR  # a member's place: app.jar:BOOT-INF/lib/a.jar:config.yml
# members that are never text: compiled code, media, fonts, native libraries
BINARY_MEMBERS = (".class", ".png", ".jpg", ".jpeg", ".gif", ".ico", ".bmp", ".webp", ".svgz", ".woff", ".woff2",
                  ".ttf", ".otf", ".eot", ".so", ".dll", ".dylib", ".jnilib", ".a", ".o", ".pyc", ".pyo", ".mp3",
                  ".mp4", ".wav", ".ogg", ".pdf", ".gz", ".bz2", ".xz", ".zst", ".7z", ".rar", ".tar", ".dex",
                  ".ser", ".bin", ".dat", ".db", ".sqlite")  # fmt: skip


def is_archive(path: str, head: bytes) -> bool:
    """A zip-family archive by both name and magic bytes."""
    return path.lower().endswith(ARCHIVE_SUFFIXES) and head.startswith(ZIP_MAGIC)


def new_budget() -> ArchiveBudget:
    """The budget of one outer archive."""
    return ArchiveBudget(inflated=MAX_INFLATED, archives=MAX_NESTED_ARCHIVES)


def members(
    handle: IO[bytes], size: int, max_member: int, budget: ArchiveBudget, text_only: bool = True
) -> Iterator[tuple[str, bytes]]:
    """``(place, bytes)`` of every member of at most ``max_member`` bytes (that may be text, with
    ``text_only``), nested archives opened in place (raises :class:`ArchiveError` when the outer archive
    cannot be read)."""
    skipped = BINARY_MEMBERS if text_only else ()
    yield from _members(handle, size, max_member, budget, skipped, depth=0, prefix="")


def _members(
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
        yield from _members(io.BytesIO(data), len(data), max_member, budget, skipped, depth + 1, place + SEPARATOR)
    except ArchiveError as exc:
        budget.notes.append(f"{place}: {exc}")
