"""Read a layer tar as a forward-only stream with :mod:`tarfile`, bounded against hostile input."""

from __future__ import annotations

import tarfile
from collections.abc import Iterator
from typing import IO, Any

from mamoru.errors import LimitExceeded
from mamoru.model.inventory import FileKind, Note, NoteKind
from mamoru.walk.entries import LayerEntry, normalize_name
from mamoru.walk.limits import Limits, MiB
from mamoru.walk.streams import Readable

MAX_META_HEADER = 1 * MiB  # pax / GNU long-name headers: real ones are a few hundred bytes
MAX_SPARSE_FIELDS = 1 << 16

_KINDS = {
    tarfile.REGTYPE: FileKind.FILE,
    tarfile.AREGTYPE: FileKind.FILE,
    tarfile.CONTTYPE: FileKind.FILE,
    tarfile.GNUTYPE_SPARSE: FileKind.FILE,
    tarfile.DIRTYPE: FileKind.DIR,
    tarfile.SYMTYPE: FileKind.SYMLINK,
    tarfile.LNKTYPE: FileKind.HARDLINK,
    tarfile.CHRTYPE: FileKind.CHAR_DEVICE,
    tarfile.BLKTYPE: FileKind.BLOCK_DEVICE,
    tarfile.FIFOTYPE: FileKind.FIFO,
}


class BoundedTarInfo(tarfile.TarInfo):
    """TarInfo that refuses oversized metadata headers before :mod:`tarfile` reads them into memory.

    tarfile reads a pax or GNU long-name header's whole payload with one ``read(size)``; a hostile
    layer could claim gigabytes there. These hooks are tarfile's documented-by-source extension
    points (stable since Python 3.2).
    """

    def _proc_member(self, tarfile_: tarfile.TarFile) -> Any:
        if (
            self.type
            in (
                tarfile.GNUTYPE_LONGNAME,
                tarfile.GNUTYPE_LONGLINK,
                tarfile.XHDTYPE,
                tarfile.XGLTYPE,
                tarfile.SOLARIS_XHDTYPE,
            )
            and self.size > MAX_META_HEADER
        ):
            raise tarfile.HeaderError(f"metadata header of {self.size} bytes (limit {MAX_META_HEADER})")
        return super()._proc_member(tarfile_)  # type: ignore[misc]

    def _proc_gnusparse_10(self, next_: Any, pax_headers: Any, tarfile_: tarfile.TarFile) -> Any:
        head = tarfile_.fileobj.read(tarfile.BLOCKSIZE)
        fields, _, rest = head.partition(b"\n")
        if not fields.isdigit() or int(fields) > MAX_SPARSE_FIELDS:
            raise tarfile.HeaderError("malformed or oversized GNU sparse map")
        # The same parse tarfile does, but bounded by MAX_SPARSE_FIELDS and an end of data.
        numbers: list[int] = []
        buf = rest
        while len(numbers) < int(fields) * 2:
            if b"\n" not in buf:
                more = tarfile_.fileobj.read(tarfile.BLOCKSIZE)
                if not more:
                    raise tarfile.HeaderError("truncated GNU sparse map")
                buf += more
                continue
            number, _, buf = buf.partition(b"\n")
            if not number.isdigit():
                raise tarfile.HeaderError("malformed GNU sparse map")
            numbers.append(int(number))
        next_.offset_data = tarfile_.fileobj.tell()
        next_.sparse = list(zip(numbers[::2], numbers[1::2], strict=True))


def forget_members(archive: tarfile.TarFile) -> None:
    """Drop the TarInfo list tarfile keeps of every member read (unbounded memory on huge tars)."""
    archive.members.clear()  # type: ignore[attr-defined]  # a real attribute, missing from typeshed


class CountingReader:
    """Minimal file-like that remembers how many bytes it produced (tarfile's stream needs only read)."""

    def __init__(self, inner: Readable) -> None:
        self._inner = inner
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        data = self._inner.read(size)
        self.count += len(data)
        return data

    def drain(self) -> None:
        while self.read(1 << 20):
            pass


class TarLayerReader:
    """Entries of one layer tar stream. Problems inside the tar become notes, not exceptions."""

    def __init__(self, stream: Readable, limits: Limits, what: str) -> None:
        self._stream = CountingReader(stream)
        self._limits = limits
        self._what = what
        self.notes: list[Note] = []

    def entries(self) -> Iterator[LayerEntry]:
        members = 0
        try:
            archive = tarfile.open(fileobj=self._stream, mode="r|", tarinfo=BoundedTarInfo)  # type: ignore[call-overload]
        except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
            if isinstance(exc, tarfile.ReadError) and self._stream.count == 0:
                return  # an empty layer blob: nothing in it
            self._note(f"not a readable tar: {exc}")
            return
        try:
            for member in archive:
                members += 1
                if members > self._limits.max_members:
                    raise LimitExceeded(f"{self._what} has more than {self._limits.max_members} entries")
                forget_members(archive)
                entry = self._entry(archive, member)
                if entry is not None:
                    yield entry
            # tarfile ends quietly at a short or missing header; a tar is whole 512-byte blocks, so
            # anything else left over (or an end before the last member's data) means truncation.
            self._stream.drain()
        except LimitExceeded:
            raise
        except (tarfile.TarError, EOFError, OSError, ValueError, UnicodeError, OverflowError) as exc:
            self._note(f"tar stream is corrupt or truncated after {members} entries: {exc}")
            return
        if self._stream.count % tarfile.BLOCKSIZE or self._stream.count < archive.offset:
            self._note(f"tar stream is truncated (after {members} entries)")

    def _entry(self, archive: tarfile.TarFile, member: tarfile.TarInfo) -> LayerEntry | None:
        path = normalize_name(member.name)
        if path is None:
            self._note(f"unsafe member name escapes the root: {member.name[:200]!r}; skipped", kind=NoteKind.SKIPPED)
            return None
        kind = _KINDS.get(member.type, FileKind.OTHER)
        linkname = member.linkname
        if kind is FileKind.HARDLINK:
            target = normalize_name(linkname)
            linkname = target if target is not None else linkname
        entry = LayerEntry(
            path=path,
            kind=kind,
            mode=member.mode & 0o7777,
            uid=member.uid,
            gid=member.gid,
            size=member.size if kind is FileKind.FILE else 0,
            linkname=linkname,
        )
        if kind is FileKind.FILE:
            entry.opener = lambda: _extract(archive, member)
        return entry

    def _note(self, message: str, kind: NoteKind = NoteKind.UNKNOWN) -> None:
        self.notes.append(Note(kind=kind, message=f"{self._what}: {message}"))


def _extract(archive: tarfile.TarFile, member: tarfile.TarInfo) -> IO[bytes]:
    handle = archive.extractfile(member)
    if handle is None:  # pragma: no cover - only for non-files, which never get an opener
        raise ValueError(f"{member.name} has no content")
    return handle
