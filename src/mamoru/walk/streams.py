"""File-like building blocks for streaming layers: windows into archives, digests, decompression.

Everything here reads forward only and never holds more than one chunk in memory.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import lzma
import zlib
from typing import IO, Protocol, cast

import zstandard

from mamoru.errors import LimitExceeded, TargetError
from mamoru.walk.limits import Limits

CHUNK = 1 << 20

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
BZIP2_MAGIC = b"BZh"
XZ_MAGIC = b"\xfd7zXZ\x00"

# what decompressors raise on corrupt input (zlib.error and ZstdError are not OSErrors)
DECOMPRESSION_ERRORS = (zlib.error, zstandard.ZstdError, lzma.LZMAError, EOFError, OSError, ValueError)


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
        self._file = fileobj
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
        self._file.seek(self._offset + self._pos)
        data = self._file.read(size)
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


class BoundedReader(RawReader):
    """Counts decompressed bytes and stops a layer that is too large or a decompression bomb."""

    def __init__(
        self, inner: Readable, limits: Limits, compressed: DigestReader | None, what: str, max_bytes: int | None = None
    ) -> None:
        super().__init__()
        self._inner = inner
        self._limits = limits
        self._compressed = compressed
        self._what = what
        self._max_bytes = limits.max_layer_bytes if max_bytes is None else max_bytes
        self.count = 0

    def _read(self, size: int) -> bytes:
        data = self._inner.read(size if size >= 0 else CHUNK)
        self.count += len(data)
        limits = self._limits
        if self.count > self._max_bytes:
            raise LimitExceeded(f"{self._what} is larger than {self._max_bytes} bytes uncompressed")
        if self._compressed is not None and self.count > limits.ratio_grace_bytes:
            ratio = self.count / max(1, self._compressed.count)
            if ratio > limits.max_compression_ratio:
                raise LimitExceeded(
                    f"{self._what} decompresses more than {limits.max_compression_ratio}x "
                    f"({self._compressed.count} -> {self.count}+ bytes): refusing a decompression bomb"
                )
        return data


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


def decompressing(raw: Readable) -> tuple[Readable, str]:
    """Wrap ``raw`` in the decompressor its magic bytes call for (media types lie; magic does not)."""
    peek = PeekReader(raw)
    kind = compression_of(peek.peek(6))
    stream: Readable
    if kind == "gzip":
        stream = gzip.GzipFile(fileobj=peek, mode="rb")
    elif kind == "zstd":
        stream = zstandard.ZstdDecompressor().stream_reader(
            cast(IO[bytes], peek), read_size=CHUNK, read_across_frames=True
        )
    elif kind == "xz":
        stream = lzma.LZMAFile(cast(IO[bytes], peek), mode="rb")
    elif kind == "bzip2":
        stream = bz2.BZ2File(cast(IO[bytes], peek), mode="rb")
    else:
        stream = peek
    return stream, kind


def check_digest(reader: DigestReader, expected: str, what: str) -> None:
    """Raise :class:`TargetError` unless ``reader`` saw exactly the bytes ``expected`` names."""
    if reader.digest != expected:
        raise TargetError(f"{what}: digest mismatch (expected {expected}, content is {reader.digest})")


def hasher_for(digest: str, what: str) -> str:
    """Return the hashlib algorithm named by an OCI digest string, validating its shape."""
    algorithm, _, hexpart = digest.partition(":")
    expected_len = {"sha256": 64, "sha512": 128}.get(algorithm)
    if expected_len is None or len(hexpart) != expected_len or not all(c in "0123456789abcdef" for c in hexpart):
        raise TargetError(f"{what}: unsupported or malformed digest {digest[:80]!r}")
    return algorithm
