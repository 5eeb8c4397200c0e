"""A streaming reader for layer tars: ustar, GNU and pax headers, one forward pass, bounded.

Why not :mod:`tarfile`: its per-member cost (about 20 µs of header decoding, plus data skipped
10 KiB at a time through its stream buffer) dominated scans of images with many files — 5 s of a
200,000-file layer. This reader decodes the fixed header fields with slices and skips data
without copying, about five times faster, and enforces mamoru's bounds on every field. The
formats follow POSIX.1-2001 (ustar, pax) and GNU tar's documentation; the tests compare it with
:mod:`tarfile` on real layers and on generated archives.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Protocol

from mamoru.errors import LimitExceeded
from mamoru.model.inventory import FileKind, Note, NoteKind
from mamoru.walk.entries import LayerEntry, normalize_name
from mamoru.walk.limits import Limits, MiB

BLOCK = 512
MAX_META_HEADER = 1 * MiB  # pax / GNU long-name payloads: real ones are a few hundred bytes

_KINDS = {
    b"0": FileKind.FILE, b"\x00": FileKind.FILE, b"7": FileKind.FILE, b"S": FileKind.FILE,
    b"1": FileKind.HARDLINK, b"2": FileKind.SYMLINK, b"3": FileKind.CHAR_DEVICE, b"4": FileKind.BLOCK_DEVICE,
    b"5": FileKind.DIR, b"6": FileKind.FIFO,
}  # fmt: skip
_PAX, _PAX_GLOBAL, _GNU_LONGNAME, _GNU_LONGLINK = b"x", b"g", b"L", b"K"


class TarSource(Protocol):
    """The decoded layer bytes: forward reads and cheap forward skips."""

    def read(self, size: int = -1, /) -> bytes: ...

    def skip(self, size: int) -> int: ...


class CorruptTar(ValueError):
    """The tar stream is malformed at a given point."""


def _octal(field: bytes, what: str) -> int:
    """A numeric header field: octal ASCII (NUL/space padded) or GNU base-256 (high bit set)."""
    if field[0] & 0x80:
        value = int.from_bytes(field[1:], "big")
        return -((1 << (8 * len(field) - 8)) - value) if field[0] == 0xFF else value
    try:
        return int(field.rstrip(b"\x00 ") or b"0", 8)  # the usual "0000644\0"; int() skips leading spaces
    except ValueError:
        text = field.split(b"\x00", 1)[0].strip()  # garbage after the terminating NUL
        try:
            return int(text or b"0", 8)
        except ValueError:
            raise CorruptTar(f"bad {what} field {field[:12]!r}") from None


def _string(field: bytes) -> str:
    return field.split(b"\x00", 1)[0].decode("utf-8", "surrogateescape")


def _byte_sum(block: bytes) -> int:
    """The sum of the bytes of a block of at most 512 bytes, computed in C.

    Adler-32's low 16 bits are 1 + the sum of the bytes modulo 65521, and 256 bytes sum to at most
    65280, so over 256-byte halves nothing wraps. ``sum(block)`` makes an int of every byte: 3 µs a
    header, a fifth of the time of walking a layer no analyzer reads from.
    """
    return (zlib.adler32(block[:256]) & 0xFFFF) + (zlib.adler32(block[256:512]) & 0xFFFF) - 2


def _checksum_ok(header: bytes) -> bool:
    stored = _octal(header[148:156], "checksum")
    unsigned = _byte_sum(header) - sum(header[148:156]) + 8 * 32
    if stored == unsigned:
        return True
    signed = sum(b - 256 if b > 127 else b for b in header) - sum(b - 256 if b > 127 else b for b in header[148:156])
    return stored == signed + 8 * 32


def starts_a_tar(block: bytes) -> bool:
    """Whether ``block`` (the first 512 bytes of a stream) can begin a tar: a header whose checksum
    verifies, or the zero block of an empty archive."""
    if len(block) != BLOCK:
        return False
    if block == bytes(BLOCK):
        return True
    try:
        return _checksum_ok(block)
    except CorruptTar:
        return False


def parse_pax(payload: bytes) -> dict[str, str]:
    """pax extended header records: ``"<length> <key>=<value>\\n"``, lengths counted in bytes."""
    records: dict[str, str] = {}
    pos = 0
    while pos < len(payload):
        if payload[pos] == 0:
            break  # some writers pad the payload with NULs
        space = payload.find(b" ", pos, pos + 20)
        if space < 0 or not payload[pos:space].isdigit():
            raise CorruptTar("malformed pax record length")
        length = int(payload[pos:space])
        end = pos + length
        if length <= space - pos + 1 or end > len(payload) or payload[end - 1 : end] != b"\n":
            raise CorruptTar("malformed pax record")
        key, sep, value = payload[space + 1 : end - 1].partition(b"=")
        if not sep:
            raise CorruptTar("pax record without '='")
        records[key.decode("utf-8", "surrogateescape")] = value.decode("utf-8", "surrogateescape")
        pos = end
    return records


class MemberReader:
    """The data of the current member; valid until the reader moves on to the next one."""

    def __init__(self, source: TarSource, size: int) -> None:
        self._source = source
        self.remaining = size

    def read(self, size: int = -1, /) -> bytes:
        if self.remaining <= 0:
            return b""
        want = self.remaining if size < 0 or size > self.remaining else size
        data = self._source.read(want)
        if len(data) < want:
            self.remaining = 0
            raise OSError("tar stream ends inside a member's data")
        self.remaining -= len(data)
        return data

    def close(self) -> None:
        pass

    def __enter__(self) -> MemberReader:
        return self

    def __exit__(self, *_: object) -> None:
        return None


class TarLayerReader:
    """Entries of one layer tar stream. Problems inside the tar become notes, not exceptions."""

    def __init__(self, source: TarSource, limits: Limits, what: str) -> None:
        self._source = source
        self._limits = limits
        self._what = what
        self.notes: list[Note] = []
        self._offset = 0

    def entries(self) -> Iterator[LayerEntry]:
        members = 0
        try:
            for entry in self._members():
                members += 1
                if members > self._limits.max_members:
                    raise LimitExceeded(f"{self._what} has more than {self._limits.max_members} entries")
                if entry is not None:
                    yield entry
        except LimitExceeded:
            raise
        except (CorruptTar, OSError, EOFError, UnicodeError, OverflowError) as exc:
            self._note(f"tar stream is corrupt or truncated after {members} entries: {exc}")

    def _members(self) -> Iterator[LayerEntry | None]:
        pax_global: dict[str, str] = {}
        pending: dict[str, str] = {}
        while True:
            header = self._read_exact(BLOCK, allow_eof=True)
            if header is None:
                return  # no end-of-archive blocks: tolerated (umoci 0.4.7 writes such layers)
            if header == bytes(BLOCK):
                return  # end-of-archive marker
            if not _checksum_ok(header):
                raise CorruptTar(f"header checksum mismatch at offset {self._offset - BLOCK}")
            kind_flag = header[156:157]
            size = _octal(header[124:136], "size")
            if size < 0:
                raise CorruptTar("negative member size")
            if kind_flag in (_PAX, _PAX_GLOBAL, _GNU_LONGNAME, _GNU_LONGLINK):
                payload = self._meta_payload(size)
                if kind_flag == _PAX:
                    pending.update(parse_pax(payload))
                elif kind_flag == _PAX_GLOBAL:
                    pax_global.update(parse_pax(payload))
                else:
                    pending["path" if kind_flag == _GNU_LONGNAME else "linkpath"] = _string(payload)
                continue
            fields = {**pax_global, **pending}
            pending = {}
            if kind_flag == b"S" and header[482]:
                self._skip_gnu_sparse_extensions()
            entry, data_size, reader = self._entry(header, kind_flag, size, fields)
            yield entry
            unread = reader.remaining if reader is not None else data_size
            if unread and self._source.skip(unread) != unread:
                raise CorruptTar("tar stream ends inside a member's data")
            self._offset += data_size
            self._skip_padding(data_size)

    def _entry(
        self, header: bytes, kind_flag: bytes, size: int, pax: dict[str, str]
    ) -> tuple[LayerEntry | None, int, MemberReader | None]:
        """The entry for a header, the size of its data in the stream, and the reader handed out for it."""
        name = _string(header[0:100])
        if header[345] and header[257:263] == b"ustar\x00":
            name = _string(header[345:500]) + "/" + name  # POSIX ustar splits long names into prefix/name
        linkname = _string(header[157:257]) if header[157] else ""
        uid, gid = _octal(header[108:116], "uid"), _octal(header[116:124], "gid")
        sparse = kind_flag == b"S"
        real_size = _octal(header[483:495], "sparse real size") if sparse else size  # old GNU sparse field
        if pax:  # pax records override the header fields they name
            name = pax.get("path", name)
            linkname = pax.get("linkpath", linkname)
            size = _pax_int(pax, "size") if "size" in pax else size
            uid = _pax_int(pax, "uid") if "uid" in pax else uid
            gid = _pax_int(pax, "gid") if "gid" in pax else gid
            sparse = sparse or "GNU.sparse.major" in pax or "GNU.sparse.map" in pax
            real_size = _pax_int(pax, "GNU.sparse.realsize") if "GNU.sparse.realsize" in pax else (
                real_size if kind_flag == b"S" else size)  # fmt: skip
        kind = _KINDS.get(kind_flag, FileKind.OTHER)
        # links, devices and directories carry no data whatever their size field says; unknown types do
        data_size = size if kind is FileKind.FILE or kind_flag not in _KINDS else 0
        path = normalize_name(name)
        if path is None:
            self._note(f"unsafe member name escapes the root: {name[:200]!r}; skipped", kind=NoteKind.SKIPPED)
            return None, data_size, None
        if kind is FileKind.HARDLINK:
            target = normalize_name(linkname)
            linkname = target if target is not None else linkname
        is_file = kind is FileKind.FILE
        entry = LayerEntry(path=path, kind=kind, mode=_octal(header[100:108], "mode") & 0o7777, uid=uid, gid=gid,
                           size=real_size if is_file else 0, linkname=linkname)  # fmt: skip
        if not is_file or sparse:
            return entry, data_size, None  # sparse files are recorded, their content is not analysed
        reader = MemberReader(self._source, data_size)
        entry.opener = lambda: reader
        return entry, data_size, reader

    def _skip_gnu_sparse_extensions(self) -> None:
        """Old GNU sparse headers may be followed by extension blocks, each flagging if another follows."""
        while True:
            block = self._read_exact(BLOCK, allow_eof=False)
            assert block is not None
            if not block[504]:
                return

    def _meta_payload(self, size: int) -> bytes:
        if size > MAX_META_HEADER:
            raise CorruptTar(f"metadata header of {size} bytes (limit {MAX_META_HEADER})")
        payload = self._read_exact(size, allow_eof=False)
        self._skip_padding(size)
        assert payload is not None
        return payload

    def _read_exact(self, size: int, allow_eof: bool) -> bytes | None:
        data = self._source.read(size)
        self._offset += len(data)
        if len(data) == size:
            return data
        if not data and allow_eof:
            return None
        raise CorruptTar(f"tar stream is truncated at offset {self._offset}")

    def _skip_padding(self, size: int) -> None:
        padding = -size % BLOCK
        if padding and self._source.skip(padding) != padding:
            raise CorruptTar("tar stream is truncated inside a member's padding")
        self._offset += padding

    def _note(self, message: str, kind: NoteKind = NoteKind.UNKNOWN) -> None:
        self.notes.append(Note(kind=kind, message=f"{self._what}: {message}"))


def _pax_int(pax: dict[str, str], key: str) -> int:
    value = pax[key]
    if not value.isdigit():
        raise CorruptTar(f"bad pax {key} {value[:20]!r}")
    return int(value)
