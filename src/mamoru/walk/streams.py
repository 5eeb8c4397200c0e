"""File-like building blocks for streaming layers: windows into archives, digests, decompression.

Everything here reads forward only and never holds more than one chunk in memory.
"""

from __future__ import annotations

import bz2
import hashlib
import io
import lzma
import os
import zlib
from typing import IO, Protocol, cast

import zstandard

try:  # ISA-L inflates gzip about 2.4x faster than zlib (same API); zlib where no wheel exists
    from isal import isal_zlib as inflate_impl
except ImportError:  # pragma: no cover - isal ships wheels for the usual platforms
    inflate_impl = zlib  # type: ignore[misc]

from mamoru.errors import TargetError

CHUNK = 1 << 20

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
BZIP2_MAGIC = b"BZh"
XZ_MAGIC = b"\xfd7zXZ\x00"

# what decompressors raise on corrupt input (zlib.error and ZstdError are not OSErrors)
_INFLATE_ERROR = cast(type[BaseException], inflate_impl.error)  # isal's stub types it as an instance
DECOMPRESSION_ERRORS: tuple[type[BaseException], ...] = (
    zlib.error, _INFLATE_ERROR, zstandard.ZstdError, lzma.LZMAError, EOFError, OSError, ValueError,
)  # fmt: skip


class Readable(Protocol):
    """Anything with ``read(size)``: files, tar member handles, decompressors, the readers below."""

    def read(self, size: int = -1, /) -> bytes: ...


class RawReader(io.RawIOBase):
    """Common base: a readable, non-seekable raw stream built on ``_read(n)``."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        size = len(data)
        buffer[:size] = data
        return size

    def read(self, size: int = -1) -> bytes:
        return self._read(size)

    def _read(self, size: int) -> bytes:
        raise NotImplementedError  # pragma: no cover - abstract


class Window(RawReader):
    """A read-only window ``[offset, offset+length)`` of a seekable file (a member of a tar)."""

    def __init__(self, fileobj: IO[bytes], offset: int, length: int) -> None:
        super().__init__()
        self._fd = fileobj.fileno()
        self._offset = offset
        self._length = length
        self._pos = 0

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, pos: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._length}[whence]
        self._pos = max(0, min(self._length, base + pos))
        return self._pos

    def _read(self, size: int) -> bytes:
        remaining = self._length - self._pos
        if size < 0 or size > remaining:
            size = remaining
        if size <= 0:
            return b""
        # pread, not seek and read: the file offset is shared with a forked layer worker
        data = os.pread(self._fd, size, self._offset + self._pos)
        self._pos += len(data)
        return data


class DigestReader(RawReader):
    """Passes bytes through while computing their digest and count."""

    def __init__(self, inner: Readable, algorithm: str = "sha256") -> None:
        super().__init__()
        self._inner = inner
        self.algorithm = algorithm
        self._hash = hashlib.new(algorithm)
        self.count = 0

    def _read(self, size: int) -> bytes:
        data = self._inner.read(size if size >= 0 else CHUNK)
        if data:
            self._hash.update(data)
            self.count += len(data)
        return data

    def drain(self) -> None:
        """Read (and hash) whatever the consumer left unread."""
        while self._read(CHUNK):
            pass

    @property
    def digest(self) -> str:
        return f"{self.algorithm}:{self._hash.hexdigest()}"


class PeekReader(RawReader):
    """Lets the caller look at the first bytes of a forward-only stream without consuming them."""

    def __init__(self, inner: Readable) -> None:
        super().__init__()
        self._inner = inner
        self._head = b""

    def peek(self, size: int) -> bytes:
        while len(self._head) < size:
            more = self._inner.read(size - len(self._head))
            if not more:
                break
            self._head += more
        return self._head[:size]

    def _read(self, size: int) -> bytes:
        if self._head:
            if size < 0 or size >= len(self._head):
                head, self._head = self._head, b""
                return head
            head, self._head = self._head[:size], self._head[size:]
            return head
        return self._inner.read(size if size >= 0 else CHUNK)


def compression_of(head: bytes) -> str:
    """Name the compression from magic bytes: ``gzip``, ``zstd``, ``bzip2``, ``xz`` or ``none``."""
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    if head.startswith(ZSTD_MAGIC):
        return "zstd"
    if head.startswith(XZ_MAGIC):
        return "xz"
    if head.startswith(BZIP2_MAGIC) and len(head) > 3 and head[3:4].isdigit():
        return "bzip2"
    return "none"


class GzipDecoder:
    """gzip (all members of a multi-member stream) with ISA-L/zlib, reading big chunks, bounded per call.

    ``gzip.GzipFile`` reads its input 8 KiB at a time through Python; here each call decompresses
    at most ``size`` bytes of output (``max_length``), so a bomb never lands in memory at once.
    """

    def __init__(self, raw: Readable) -> None:
        self._raw = raw
        self._inflater = inflate_impl.decompressobj(wbits=31)
        self._input = b""
        self._started = False

    def read(self, size: int = -1, /) -> bytes:
        size = size if size > 0 else CHUNK
        while True:
            if self._inflater.eof:
                rest = self._inflater.unused_data or self._raw.read(CHUNK)
                if not rest.strip(b"\x00"):
                    return b""  # end of the last member (zero padding after it is tolerated)
                self._inflater = inflate_impl.decompressobj(wbits=31)
                self._input = rest
            if not self._input:
                self._input = self._raw.read(CHUNK)
                if not self._input:
                    if self._started:
                        raise EOFError("gzip stream ends before its end-of-stream marker")
                    return b""
            self._started = True
            out = self._inflater.decompress(self._input, size)
            self._input = self._inflater.unconsumed_tail
            if out:
                return out


def decompressing(raw: Readable) -> tuple[Readable, str]:
    """Wrap ``raw`` in the decompressor its magic bytes call for (media types lie; magic does not)."""
    peek = PeekReader(raw)
    kind = compression_of(peek.peek(6))
    stream: Readable
    if kind == "gzip":
        stream = GzipDecoder(peek)
    elif kind == "zstd":
        decompressor = zstandard.ZstdDecompressor()
        stream = decompressor.stream_reader(cast(IO[bytes], peek), read_size=CHUNK, read_across_frames=True)
    elif kind == "xz":
        stream = lzma.LZMAFile(cast(IO[bytes], peek), mode="rb")
    elif kind == "bzip2":
        stream = bz2.BZ2File(cast(IO[bytes], peek), mode="rb")
    else:
        stream = peek
    return stream, kind


def hasher_for(digest: str, what: str) -> str:
    """Return the hashlib algorithm named by an OCI digest string, validating its shape."""
    algorithm, _, hexpart = digest.partition(":")
    expected_len = {"sha256": 64, "sha512": 128}.get(algorithm)
    if expected_len is None or len(hexpart) != expected_len or not all(c in "0123456789abcdef" for c in hexpart):
        raise TargetError(f"{what}: unsupported or malformed digest {digest[:80]!r}")
    return algorithm
